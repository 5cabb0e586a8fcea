"""Generations and images as the spec's camelCase JSON, with freshly minted links."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from imagegen.models import (
    IN_FLIGHT,
    GenerationStatus,
    ImageFile,
    ImageGeneration,
)
from imagegen.services import signing
from imagegen.services.progress import get_progress_board
from imagegen.services.storage import get_storage
from imagegen.services.urls import public_base_url
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


def _progress_json(gen: ImageGeneration) -> dict | None:
    """Live progress of an in-flight generation (from memory), else None."""
    if gen.status not in IN_FLIGHT:
        return None
    info = get_progress_board().get(gen.id)
    if info is None or info.done:
        return None
    return {
        "percent": info.percent,
        "queuePosition": info.queue_position,
        "preview": info.preview or None,
    }


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; SQLite hands back naive datetimes that are UTC."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def image_json(img: ImageFile, base_url: str | None = None) -> dict:
    """One image in the spec's camelCase shape, with freshly minted expiring URLs."""
    s = get_app_settings()
    storage = get_storage()
    base = public_base_url() if base_url is None else base_url
    return {
        "id": img.id,
        "filename": img.filename,
        "fileUrl": storage.url(img.storage_key, s.url_ttl_seconds, base_url=base),
        # The grid loads these; originals only in the large preview and on download.
        "thumbnailUrl": storage.url(
            img.thumbnail_key or img.storage_key, s.url_ttl_seconds, base_url=base
        ),
        "downloadUrl": storage.url(
            img.storage_key, s.url_ttl_seconds, download_name=img.filename, base_url=base
        ),
        "format": img.format,
        "width": img.width,
        "height": img.height,
        "aspectRatio": img.dimensions,
        "fileSize": img.file_size,
        "favorite": img.favorite,
        "createdAt": iso_utc(img.created_at),
    }


def generation_json(
    gen: ImageGeneration, images: list[ImageFile], base_url: str | None = None
) -> dict:
    """One generation in the spec's camelCase shape, plus its parameters."""
    return {
        "id": gen.id,
        "prompt": gen.prompt,
        "negativePrompt": gen.negative_prompt,
        "status": gen.status,
        "error": gen.error,
        # Some images are missing (the error says why); the ones here are complete.
        "partial": gen.status == GenerationStatus.COMPLETED and bool(gen.error),
        "width": gen.width,
        "height": gen.height,
        "numImages": gen.num_images,
        "seed": gen.seed,
        "engine": gen.engine,
        "model": gen.model,
        "durationMs": gen.duration_ms,
        "parentId": gen.parent_id,
        "progress": _progress_json(gen),
        "images": [image_json(i, base_url) for i in images],
        "downloadAllUrl": zip_url(gen.id, base_url) if images else None,
        "createdAt": iso_utc(gen.created_at),
        "completedAt": iso_utc(gen.completed_at),
    }


def zip_url(generation_id: str, base_url: str | None = None) -> str:
    """A signed, expiring link to a generation's images as one ZIP (a link cannot carry auth)."""
    s = get_app_settings()
    expires, sig = signing.sign(
        s.resolved_secret_key(), f"zip/{generation_id}", s.url_ttl_seconds, download=True
    )
    base = public_base_url() if base_url is None else base_url
    return f"{base}/api/generations/{generation_id}/download.zip?exp={expires}&sig={sig}"
