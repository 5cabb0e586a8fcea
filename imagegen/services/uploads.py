"""Images a user uploads to start from: checked from their bytes with Pillow, stripped of
EXIF (its orientation applied first), stored under the user's own prefix, counted per user."""

from __future__ import annotations

import hashlib
import io
import logging
import time
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import col, delete, func, select

from imagegen.db import serialize_on, session_scope
from imagegen.ids import new_id
from imagegen.models import WITH_DELETED, ImageFile, ImageGeneration, Upload, as_utc, utcnow
from imagegen.services import links
from imagegen.services.errors import InvalidInput, NotFound, TooMany
from imagegen.services.storage import StorageError, get_storage
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.uploads")
FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
PREFIX = "uploads/"


class TooLarge(InvalidInput):
    """The file is over IMAGEGEN_MAX_UPLOAD_BYTES."""

    status = 413


@dataclass(frozen=True)
class CheckedImage:
    """An upload after its checks: re-encoded without metadata, in its real format."""

    data: bytes
    format: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """The bytes decide the format, not the name; a bad file raises InvalidInput (422/413)."""
    s = get_app_settings()
    if not data:
        raise InvalidInput("The file is empty.", field="file")
    if len(data) > s.max_upload_bytes:
        raise TooLarge(
            f"The file is {len(data)} bytes; the limit is {s.max_upload_bytes}.", field="file"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
            fmt = img.format or ""
            if fmt not in FORMATS:
                raise InvalidInput(
                    f"This file is {fmt}: upload a PNG, JPEG or WebP.",
                    field="file",
                )
            if img.width * img.height > s.max_input_pixels:
                raise InvalidInput(
                    f"The image is {img.width}x{img.height} ({img.width * img.height} pixels);"
                    f" the limit is {s.max_input_pixels} pixels.",
                    field="file",
                )
            img.load()
            img = ImageOps.exif_transpose(img)  # the picture as the camera meant it
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise InvalidInput("The image is a decompression bomb: refused.", field="file") from e
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
            raise InvalidInput(
                "This file is not a readable image: upload a PNG, JPEG or WebP.", field="file"
            ) from e
    mode = "RGBA" if "A" in img.getbands() and fmt != "JPEG" else "RGB"
    clean = img.convert(mode)
    buf = io.BytesIO()
    # Saved anew with no exif, text chunks or comments: only the pixels travel on.
    clean.save(buf, fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    return CheckedImage(buf.getvalue(), fmt, clean.width, clean.height)


def owner_prefix(owner_id: str) -> str:
    """The user's own folder for uploads (a hash: ids never become paths)."""
    return f"{PREFIX}{hashlib.sha256(owner_id.encode()).hexdigest()[:24]}/"


def store_upload(owner_id: str, data: bytes) -> Upload:
    """Checks and stores one upload; nothing is kept when a check or a write fails."""
    checked = check_image(data)
    ext, content_type = FORMATS[checked.format]
    upload = Upload(
        id=new_id(),
        owner_id=owner_id,
        format=checked.format,
        width=checked.width,
        height=checked.height,
        file_size=len(checked.data),
        storage_key="",
    )
    upload.storage_key = f"{owner_prefix(owner_id)}{upload.id}.{ext}"
    limit = get_app_settings().max_uploads_per_user
    with session_scope() as db:  # counted and recorded as one step, per user
        serialize_on(db, f"uploads/{owner_id}")
        held = db.exec(
            select(func.count()).select_from(Upload).where(Upload.owner_id == owner_id)
        ).one()
        if held >= limit:
            raise TooMany(
                f"You have {held} uploaded images (the limit is {limit}); unused ones are"
                " removed after a while."
            )
        db.add(upload)
    # The file after the row (the lock is not held through a slow store); if it cannot be
    # stored, the row goes too, and the caller gets the error: nothing half-kept.
    try:
        get_storage().put(upload.storage_key, checked.data, content_type)
    except Exception:
        with session_scope() as db:
            db.execute(delete(Upload).where(col(Upload.id) == upload.id))
        raise
    return upload


def get_upload(owner_id: str, upload_id: str) -> Upload:
    """One of the caller's uploads; anyone else's is not found."""
    with session_scope() as db:
        upload = db.get(Upload, upload_id)
        if upload is None or upload.owner_id != owner_id:
            raise NotFound("No such upload.")
        return upload


@dataclass(frozen=True)
class Source:
    """Where a from-an-image generation starts: the stored input and what it came from."""

    key: str
    width: int
    height: int
    thumb_key: str = ""  # what a small preview of it loads
    image_id: str | None = None
    upload_id: str | None = None
    generation: ImageGeneration | None = None


def resolve_source(owner_id: str, image_id: str | None, upload_id: str | None) -> Source:
    """The caller's image or upload, by id: another user's, or a deleted one, is not found."""
    if image_id and upload_id:
        raise InvalidInput("Give inputImageId or uploadId, not both.", field="uploadId")
    if upload_id:
        u = get_upload(owner_id, upload_id)
        return Source(u.storage_key, u.width, u.height, u.storage_key, upload_id=u.id)
    with session_scope() as db:
        row = db.exec(
            select(ImageFile, ImageGeneration)
            .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
            .where(ImageFile.id == image_id, ImageGeneration.owner_id == owner_id)
        ).first()
    if row is None:
        raise NotFound("No such image.")
    img, gen = row
    thumb = img.thumbnail_key or img.storage_key
    return Source(img.storage_key, img.width, img.height, thumb, image_id=img.id, generation=gen)


def sweep_unused_uploads(grace_seconds: int) -> int:
    """Removes uploads that no generation used within the grace period, and stored upload
    files that have no row (a write cut short)."""
    cutoff = utcnow().timestamp() - grace_seconds
    storage = get_storage()
    removed = 0
    with session_scope() as db:
        used = select(ImageGeneration.source_upload_id).where(
            col(ImageGeneration.source_upload_id).is_not(None)
        )
        # A generation waiting in its undo window still counts as a use.
        stale = db.exec(
            select(Upload)
            .where(col(Upload.id).not_in(used))
            .execution_options(**{WITH_DELETED: True})
        ).all()
        for u in stale:
            if as_utc(u.created_at).timestamp() >= cutoff:
                continue
            try:
                storage.delete(u.storage_key)
            except (StorageError, ValueError):
                log.exception("sweeper could not delete upload %s", u.id)
                continue
            db.delete(u)
            removed += 1
        known = set(db.exec(select(Upload.storage_key)).all())
    for key, modified in storage.list(PREFIX):
        if key not in known and modified < time.time() - grace_seconds:
            try:
                storage.delete(key)
                removed += 1
            except StorageError:
                log.exception("sweeper could not delete %s", key)
    return removed


def preview_url(source: Source) -> str:
    """A fresh link to a small view of the source, for the form's chip."""
    return links.file_url(source.thumb_key, base_url=links.link_base_url())
