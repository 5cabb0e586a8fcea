"""Lineage: what an image was made from, and what was made from it (the lightbox shows both)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select

from imagegen.db import session_scope
from imagegen.models import GenerationStatus, ImageFile, ImageGeneration
from imagegen.services.generations.queries import owned_image
from imagegen.services.generations.views import ImageView, image_view

MAX_DERIVED = 24  # the lightbox lists this many; the rest are in the gallery


@dataclass(frozen=True)
class Derived:
    """One image made from another, and how."""

    image: ImageView
    operation: str


@dataclass(frozen=True)
class Lineage:
    """An image's source (None if it had none; source_gone if it was deleted) and its heirs."""

    operation: str = ""
    engine: str = ""
    source: ImageView | None = None
    source_gone: bool = False
    from_upload: bool = False
    derived: list[Derived] = field(default_factory=list)


def lineage(owner_id: str, image_id: str) -> Lineage:
    """The lineage of one of the owner's images (another user's is not found)."""
    with session_scope() as db:
        _img, gen = owned_image(db, owner_id, image_id)
        source = None
        if gen.source_image_id:
            src = db.get(ImageFile, gen.source_image_id)
            parent = db.get(ImageGeneration, src.generation_id) if src else None
            source = src if parent is not None and parent.owner_id == owner_id else None
        children = db.exec(
            select(ImageFile, ImageGeneration.operation)
            .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
            .where(
                ImageGeneration.owner_id == owner_id,
                ImageGeneration.source_image_id == image_id,
                ImageGeneration.status == GenerationStatus.COMPLETED,
            )
            .order_by(col(ImageGeneration.created_at).desc(), col(ImageFile.idx))
            .limit(MAX_DERIVED)
        ).all()
    return Lineage(
        operation=gen.operation or "",
        engine=gen.engine,
        source=image_view(source) if source is not None else None,
        source_gone=bool(gen.source_image_id) and source is None,
        from_upload=gen.source_upload_id is not None,
        derived=[Derived(image_view(i), op or "") for i, op in children],
    )


def generation_of_image(owner_id: str, image_id: str) -> str:
    """The generation one of the owner's images belongs to."""
    with session_scope() as db:
        return owned_image(db, owner_id, image_id)[1].id
