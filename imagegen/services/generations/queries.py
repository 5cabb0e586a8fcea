"""Reading a user's generations: one, a keyset page, what changed, ownership checks."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from imagegen.db import session_scope
from imagegen.models import (
    IN_FLIGHT,
    GenerationStatus,
    ImageFile,
    ImageGeneration,
    as_utc,
)
from imagegen.services.errors import InvalidInput, NotFound
from imagegen.services.search import GalleryFilter, filter_clauses
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


def get_generation(owner_id: str, generation_id: str) -> ImageGeneration:
    """One of the owner's generations; another user's id is simply not found."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
    if gen is None or gen.owner_id != owner_id:
        raise NotFound("Generation not found.")
    return gen


def owned_image(db: Session, owner_id: str, image_id: str) -> tuple[ImageFile, ImageGeneration]:
    """One of the owner's images with its generation, in the caller's session; another
    user's image is simply not found."""
    img = db.get(ImageFile, image_id)
    gen = db.get(ImageGeneration, img.generation_id) if img else None
    if img is None or gen is None or gen.owner_id != owner_id:
        raise NotFound("Image not found.")
    return img, gen


def images_left(db: Session, generation_id: str) -> int:
    """How many images a generation still shows (a deleted one no longer counts)."""
    return db.exec(
        select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == generation_id)
    ).one()


def images_for(
    generation_ids: list[str], *, favorites_only: bool = False
) -> dict[str, list[ImageFile]]:
    """Images of several generations in one query, grouped and in order."""
    out: dict[str, list[ImageFile]] = {g: [] for g in generation_ids}
    if not generation_ids:
        return out
    q = select(ImageFile).where(col(ImageFile.generation_id).in_(generation_ids))
    if favorites_only:
        q = q.where(col(ImageFile.favorite).is_(True))
    with session_scope() as db:
        rows = db.exec(q.order_by(ImageFile.generation_id, ImageFile.idx)).all()
    for img in rows:
        out[img.generation_id].append(img)
    return out


@dataclass
class Page:
    """One page of generations in the filter's order, with the cursor for the next."""

    generations: list[ImageGeneration]
    images: dict[str, list[ImageFile]]
    next_cursor: str | None


def encode_cursor(at: datetime, row_id: str) -> str:
    """An opaque keyset cursor: the last row's timestamp and id (decode_cursor reads it)."""
    raw = f"{at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, gid = raw.split("|", 1)
        return datetime.fromisoformat(ts), gid
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInput("The cursor is invalid; start again without it.", field="cursor") from e


def list_generations(
    owner_id: str,
    *,
    statuses: tuple[GenerationStatus, ...] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    filters: GalleryFilter | None = None,
) -> Page:
    """The owner's generations matching the filter, keyset-paged (newest first by default).

    One indexed range scan per status, merged here: asked for several statuses at once,
    SQLite would walk the owner's whole history in date order instead.
    """
    f = filters or GalleryFilter()
    created, gid_col = col(ImageGeneration.created_at), col(ImageGeneration.id)
    oldest = f.sort == "oldest"
    keyset = []
    if cursor:
        ts, gid = decode_cursor(cursor)
        if oldest:
            keyset = [or_(created > ts, and_(created == ts, gid_col > gid))]
        else:
            keyset = [or_(created < ts, and_(created == ts, gid_col < gid))]
    order = (created.asc(), gid_col.asc()) if oldest else (created.desc(), gid_col.desc())
    gens: list[ImageGeneration] = []
    with session_scope() as db:
        for status in statuses or f.statuses:
            q = (
                select(ImageGeneration)
                .where(
                    ImageGeneration.owner_id == owner_id,
                    ImageGeneration.status == status,
                    *filter_clauses(f),
                    *keyset,
                )
                .order_by(*order)
            )
            if limit is not None:
                q = q.limit(limit + 1)
            gens += db.exec(q).all()
    gens.sort(key=lambda g: (as_utc(g.created_at), g.id), reverse=not oldest)
    next_cursor = None
    if limit is not None and len(gens) > limit:
        gens = gens[:limit]
        next_cursor = encode_cursor(gens[-1].created_at, gens[-1].id)
    images = images_for([g.id for g in gens], favorites_only=f.favorites)
    return Page(gens, images, next_cursor)


def count_generations(owner_id: str, filters: GalleryFilter | None = None) -> int:
    """How many of the owner's generations the filter matches (the toolbar's count)."""
    f = filters or GalleryFilter()
    q = (
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.owner_id == owner_id,
            col(ImageGeneration.status).in_(f.statuses),
            *filter_clauses(f),
        )
    )
    with session_scope() as db:
        return int(db.exec(q).one())


def recent_changes(owner_id: str, since: datetime) -> list[ImageGeneration]:
    """The owner's generations in flight, or ended since `since`: what another of their tabs
    may not have seen yet (at most a page of each)."""
    # Nothing ends later than its timeout after it was created: this bound keeps the scan on
    # the (owner, created) index however long the history.
    born_after = since - timedelta(seconds=get_app_settings().generation_timeout_seconds + 60)
    with session_scope() as db:
        pending = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.owner_id == owner_id,
                col(ImageGeneration.status).in_(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.created_at).desc())
            .limit(50)
        ).all()
        ended = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.owner_id == owner_id,
                col(ImageGeneration.created_at) >= born_after,
                col(ImageGeneration.completed_at) >= since,
                col(ImageGeneration.status).not_in(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.completed_at).desc())
            .limit(50)
        ).all()
    return [*pending, *ended]


def matches(owner_id: str, generation_id: str, filters: GalleryFilter) -> bool:
    """Whether one generation belongs in the owner's filtered gallery (for live appends)."""
    q = (
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.id == generation_id,
            ImageGeneration.owner_id == owner_id,
            col(ImageGeneration.status).in_(filters.statuses),
            *filter_clauses(filters),
        )
    )
    with session_scope() as db:
        return db.exec(q).one() > 0
