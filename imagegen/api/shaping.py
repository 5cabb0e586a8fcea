"""The API's camelCase JSON, built from the services' views (rows plus minted links); the
response models in api/schemas.py state the same shapes key for key."""

from __future__ import annotations

from datetime import UTC, datetime

from imagegen.models import ImageFile, ImageGeneration, ShareLink
from imagegen.services import albums, links
from imagegen.services.generations import (
    GenerationView,
    ImageView,
    generation_view,
    image_view,
)


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; SQLite hands back naive datetimes that are UTC."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def image_json(view: ImageView) -> dict:
    """One image, with its freshly minted expiring URLs."""
    img = view.row
    return {
        "id": img.id,
        "filename": img.filename,
        "fileUrl": view.links.file,
        "thumbnailUrl": view.links.thumbnail,
        "downloadUrl": view.links.download,
        "format": img.format,
        "width": img.width,
        "height": img.height,
        "aspectRatio": img.dimensions,
        "fileSize": img.file_size,
        "favorite": img.favorite,
        "createdAt": iso_utc(img.created_at),
    }


def generation_json(view: GenerationView) -> dict:
    """One generation with its parameters, progress and images."""
    gen, info = view.row, view.progress
    return {
        "id": gen.id,
        "prompt": gen.prompt,
        "negativePrompt": gen.negative_prompt,
        "status": gen.status,
        "error": gen.error,
        "partial": view.partial,
        "width": gen.width,
        "height": gen.height,
        "numImages": gen.num_images,
        "seed": gen.seed,
        "engine": gen.engine,
        "model": gen.model,
        "durationMs": gen.duration_ms,
        "parentId": gen.parent_id,
        "viaKey": gen.via_key,
        "source": None
        if gen.operation is None
        else {
            "imageId": gen.source_image_id,
            "uploadId": gen.source_upload_id,
            "operation": gen.operation,
            "strength": gen.strength,
        },
        "progress": None
        if info is None
        else {
            "percent": info.percent,
            "queuePosition": info.queue_position,
            "preview": info.preview or None,
        },
        "images": [image_json(i) for i in view.images],
        "downloadAllUrl": view.download_all_url,
        "createdAt": iso_utc(gen.created_at),
        "completedAt": iso_utc(gen.completed_at),
    }


def generation_out(gen: ImageGeneration, images: list[ImageFile]) -> dict:
    """A generation's JSON straight from its rows."""
    return generation_json(generation_view(gen, images))


def album_json(a: albums.AlbumSummary) -> dict:
    """An album as its list shows it."""
    return {
        "id": a.album.id,
        "name": a.album.name,
        "count": a.count,
        "cover": image_json(image_view(a.cover)) if a.cover else None,
        "createdAt": iso_utc(a.album.created_at),
    }


def share_json(link: ShareLink) -> dict:
    """A share link as the API shows it to its owner."""
    return {
        "token": link.token,
        "url": links.share_url(link.token),
        "generationId": link.generation_id,
        "imageId": link.image_id,
        "includeParameters": link.include_parameters,
        "createdAt": iso_utc(link.created_at),
    }
