"""Delete with Undo: a delete hides its rows at once (every read leaves them out), Undo shows
them again, and the purge removes them with their files once the undo window has passed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TypeVar

from sqlmodel import Session, col, select

from imagegen.db import session_scope
from imagegen.models import WITH_DELETED, ImageFile, ImageGeneration, as_utc, utcnow
from imagegen.services.errors import NotFound
from imagegen.services.generations.images import purge
from imagegen.services.generations.queries import images_left, owned_image
from imagegen.services.storage import delete_objects
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")

# Kept past the undo window, so that an Undo clicked at its last moment still finds the rows.
PURGE_SLACK = timedelta(seconds=30)


def hide_generation(owner_id: str, generation_id: str) -> None:
    """Deletes one of the owner's generations as far as every view is concerned; Undo can
    still bring it back until the purge."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
        if gen is None or gen.owner_id != owner_id:
            raise NotFound("Generation not found.")
        gen.deleted_at = utcnow()
        db.add(gen)


def hide_image(owner_id: str, image_id: str) -> str:
    """Deletes one of the owner's images for every view; a generation left with none is
    hidden with it (the same instant, so that Undo brings both back). Returns its id."""
    with session_scope() as db:
        img, gen = owned_image(db, owner_id, image_id)
        now = utcnow()
        img.deleted_at = now
        db.add(img)
        db.flush()
        if images_left(db, gen.id) == 0:
            gen.deleted_at = now
            db.add(gen)
        return gen.id


def restore_generation(owner_id: str, generation_id: str) -> None:
    """Undo of hide_generation, while the purge has not run."""
    with session_scope() as db:
        gen = _with_deleted(db, ImageGeneration, generation_id)
        if gen is None or gen.owner_id != owner_id or gen.deleted_at is None:
            raise NotFound("Generation not found.")
        gen.deleted_at = None
        db.add(gen)


def restore_image(owner_id: str, image_id: str) -> None:
    """Undo of hide_image: the image and, if it went with it, its generation."""
    with session_scope() as db:
        img = _with_deleted(db, ImageFile, image_id)
        gen = _with_deleted(db, ImageGeneration, img.generation_id) if img else None
        if img is None or gen is None or gen.owner_id != owner_id or img.deleted_at is None:
            raise NotFound("Image not found.")
        if gen.deleted_at is not None and as_utc(gen.deleted_at) == as_utc(img.deleted_at):
            gen.deleted_at = None
            db.add(gen)
        img.deleted_at = None
        db.add(img)


def purge_deleted(now: datetime | None = None) -> int:
    """Removes, with their stored files, the rows hidden longer ago than the undo window
    (and its slack); returns the number of objects removed."""
    cutoff = (now or utcnow()) - timedelta(seconds=get_app_settings().undo_seconds) - PURGE_SLACK
    with session_scope() as db:
        gens = _deleted_before(db, ImageGeneration, cutoff)
        imgs = _deleted_before(db, ImageFile, cutoff)
        for img in imgs:
            db.delete(img)
    removed = purge(list(gens))
    removed += delete_objects([k for i in imgs for k in (i.storage_key, i.thumbnail_key) if k])
    if gens or imgs:
        log.info(
            "purge: %d generation(s), %d image(s) past their undo window", len(gens), len(imgs)
        )
    return removed


T = TypeVar("T", ImageGeneration, ImageFile)


def _deleted_before(db: Session, model: type[T], cutoff: datetime) -> list[T]:
    """Up to 500 rows of `model` deleted before `cutoff` (a purge pass takes a batch)."""
    return list(
        db.exec(
            select(model)
            .where(col(model.deleted_at) < cutoff)  # type: ignore[attr-defined]
            .limit(500)
            .execution_options(**{WITH_DELETED: True})
        ).all()
    )


def _with_deleted(db: Session, model: type[T], row_id: str) -> T | None:
    return db.exec(
        select(model).where(model.id == row_id).execution_options(**{WITH_DELETED: True})  # type: ignore[attr-defined]
    ).first()
