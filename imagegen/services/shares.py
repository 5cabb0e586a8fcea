"""Share links: an unguessable, revocable public view of one image or one generation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import col, select

from imagegen.db import session_scope
from imagegen.models import ImageFile, ImageGeneration, ShareLink, utcnow
from imagegen.services.errors import InvalidInput, NotFound
from imagegen.services.generations import get_generation, images_for, owned_image
from imagegen.services.png_params import strip_metadata
from imagegen.services.storage import get_storage

GONE = "This share link does not exist or has been revoked."


@dataclass
class SharedView:
    """What a public share page may show: the prompt and the image(s), nothing else."""

    token: str
    prompt: str
    images: list[ImageFile]
    include_parameters: bool = False


def create_share(
    owner_id: str,
    *,
    generation_id: str | None = None,
    image_id: str | None = None,
    include_parameters: bool = False,
) -> ShareLink:
    """A share link for one of the owner's images or generations; reuses a live one made
    with the same choice of whether the files keep their generation parameters."""
    if (generation_id is None) == (image_id is None):
        raise InvalidInput("Share either an image or a generation.", field="imageId")
    if image_id is not None:
        with session_scope() as db:
            generation_id = owned_image(db, owner_id, image_id)[0].generation_id
    gen = get_generation(owner_id, generation_id)  # type: ignore[arg-type]
    if not images_for([gen.id])[gen.id]:
        raise InvalidInput("Only a generation with images can be shared.", field="generationId")
    with session_scope() as db:
        live = db.exec(
            select(ShareLink).where(
                ShareLink.owner_id == owner_id,
                ShareLink.generation_id == gen.id,
                ShareLink.image_id == image_id
                if image_id is not None
                else col(ShareLink.image_id).is_(None),
                col(ShareLink.revoked_at).is_(None),
                ShareLink.include_parameters == include_parameters,
            )
        ).first()
        if live is not None:
            return live
        link = ShareLink(
            token=secrets.token_urlsafe(24),
            owner_id=owner_id,
            generation_id=gen.id,
            image_id=image_id,
            include_parameters=include_parameters,
        )
        db.add(link)
    return link


def list_shares(owner_id: str) -> list[ShareLink]:
    """The owner's live share links, newest first."""
    with session_scope() as db:
        return list(
            db.exec(
                select(ShareLink)
                .where(ShareLink.owner_id == owner_id, col(ShareLink.revoked_at).is_(None))
                .order_by(col(ShareLink.created_at).desc())
            ).all()
        )


def revoke_share(owner_id: str, token: str) -> None:
    """Ends a share link at once: its page and images answer 404 from now on."""
    with session_scope() as db:
        link = db.get(ShareLink, token)
        if link is None or link.owner_id != owner_id or link.revoked_at is not None:
            raise NotFound("Share link not found.")
        link.revoked_at = utcnow()
        db.add(link)


def resolve(token: str) -> SharedView:
    """The public view behind a live token; anything else is the same 404."""
    if not token or len(token) > 64:
        raise NotFound(GONE)
    with session_scope() as db:
        link = db.get(ShareLink, token)
        gen = db.get(ImageGeneration, link.generation_id) if link else None
    if link is None or link.revoked_at is not None or gen is None:
        raise NotFound(GONE)
    images = images_for([gen.id])[gen.id]
    if link.image_id is not None:
        images = [i for i in images if i.id == link.image_id]
    if not images:
        raise NotFound(GONE)
    return SharedView(token, gen.prompt, images, link.include_parameters)


def shared_image(token: str, image_id: str, thumbnail: bool) -> tuple[bytes, str]:
    """(bytes, media type) of an image of a live share; 404 for anything not in it."""
    view = resolve(token)
    img = next((i for i in view.images if i.id == image_id), None)
    if img is None:
        raise NotFound(GONE)
    key = img.thumbnail_key if thumbnail and img.thumbnail_key else img.storage_key
    try:
        data = get_storage().get(key)
    except KeyError as e:
        raise NotFound(GONE) from e
    if key.endswith(".webp"):
        return data, "image/webp"
    return (data if view.include_parameters else strip_metadata(data)), "image/png"
