"""Retry: a failed or cancelled generation made again, from the same parameters and source."""

from __future__ import annotations

from imagegen.db import session_scope
from imagegen.models import GenerationStatus, ImageGeneration
from imagegen.services.errors import Conflict
from imagegen.services.generations.from_image import upscale_image
from imagegen.services.generations.images import purge
from imagegen.services.generations.lifecycle import create_generation
from imagegen.services.generations.queries import get_generation
from imagegen.services.generations.requests import GenerationRequest


def retry_generation(owner_id: str, generation_id: str) -> ImageGeneration:
    """Runs a failed or cancelled generation again with the same parameters, seed included.

    The new generation replaces the old one, which had no images; if it cannot even be
    created (a limit, a parameter the engine no longer takes), the old one stays.
    """
    old = get_generation(owner_id, generation_id)
    if old.status not in (GenerationStatus.FAILED, GenerationStatus.CANCELLED):
        raise Conflict("Only a failed or cancelled generation can be retried.")
    parent = old.parent_id
    if parent is not None:
        with session_scope() as db:
            parent = parent if db.get(ImageGeneration, parent) is not None else None
    if old.operation == "upscale" and old.source_image_id:
        new = upscale_image(owner_id, old.source_image_id)  # a gone source: not found
    else:
        new = create_generation(
            owner_id,
            GenerationRequest(
                prompt=old.prompt,
                negative_prompt=old.negative_prompt,
                width=old.width,
                height=old.height,
                num_images=old.num_images,
                seed=old.seed,
                engine=old.engine,
                model=old.model or None,
                parent_id=parent,
                input_image_id=old.source_image_id,
                upload_id=old.source_upload_id,
                strength=old.strength,
            ),
            operation=old.operation if old.operation != "remix" else None,
        )
    purge([old])
    return new
