"""Deleting, starring and downloading a user's images, with their stored files."""

from __future__ import annotations

import io
import logging
import zipfile

from sqlmodel import col, delete, select

from imagegen.contract import (
    filename_stem,
    object_key,
    thumbnail_key,
)
from imagegen.db import session_scope
from imagegen.models import (
    WITH_DELETED,
    ImageFile,
    ImageGeneration,
)
from imagegen.services import links
from imagegen.services.errors import NotFound
from imagegen.services.generations.queries import (
    get_generation,
    images_for,
    images_left,
    owned_image,
)
from imagegen.services.storage import delete_objects, get_storage

log = logging.getLogger("imagegen.generations")


def purge(gens: list[ImageGeneration]) -> int:
    """Deletes the generations' rows, then every object they may have; returns objects removed."""
    if not gens:
        return 0
    ids = [g.id for g in gens]
    with session_scope() as db:
        files = db.exec(
            select(ImageFile)
            .where(col(ImageFile.generation_id).in_(ids))
            .execution_options(**{WITH_DELETED: True})  # a deleted image's files go too
        ).all()
        db.exec(delete(ImageFile).where(col(ImageFile.generation_id).in_(ids)))
        db.exec(delete(ImageGeneration).where(col(ImageGeneration.id).in_(ids)))
    keys = {k for f in files for k in (f.storage_key, f.thumbnail_key) if k}
    # In-flight generations may have objects but no rows yet: their keys are derivable.
    keys |= {
        k
        for g in gens
        for i in range(g.num_images)
        for k in (object_key(g.id, i), thumbnail_key(g.id, i))
    }
    return delete_objects(keys)


def delete_generation(owner_id: str, generation_id: str) -> int:
    """Deletes one of the owner's generations with its images and stored files."""
    return purge([get_generation(owner_id, generation_id)])


def delete_image(owner_id: str, image_id: str) -> str:
    """Deletes one of the owner's images; a generation left with none goes too. Returns its id."""
    with session_scope() as db:
        img, gen = owned_image(db, owner_id, image_id)
        db.delete(img)
        db.flush()
        if images_left(db, gen.id) == 0:
            db.delete(gen)
    delete_objects([k for k in (img.storage_key, img.thumbnail_key) if k])
    return gen.id


def original_url(owner_id: str, image_id: str) -> str:
    """A fresh expiring URL of one of the owner's originals (the large preview loads it)."""
    with session_scope() as db:
        img, _gen = owned_image(db, owner_id, image_id)
    return links.file_url(img.storage_key)


def set_favorite(owner_id: str, image_id: str, favorite: bool) -> ImageFile:
    """Stars or unstars one of the owner's images."""
    with session_scope() as db:
        img, _gen = owned_image(db, owner_id, image_id)
        img.favorite = favorite
        db.add(img)
    return img


def zip_generation(generation_id: str, expires: int, sig: str) -> tuple[str, bytes]:
    """(filename, ZIP bytes) of a generation's originals, for a valid signature only."""
    if not links.zip_link_valid(generation_id, expires, sig):
        raise NotFound("Not found, or the link has expired.")
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
    files = images_for([generation_id])[generation_id] if gen else []
    if not files:
        raise NotFound("Not found, or the link has expired.")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # PNGs are compressed already
        for f in files:
            try:
                zf.writestr(f.filename, get_storage().get(f.storage_key))
            except KeyError as e:
                raise NotFound("An image of this generation is missing from storage.") from e
    return f"{filename_stem(gen.prompt if gen else '')}.zip", buf.getvalue()
