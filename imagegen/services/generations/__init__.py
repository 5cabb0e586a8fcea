"""Generations: validate, create, dispatch to the worker, ingest completions, list and read.

One module per job; this package re-exports the public names, so callers import from here.
"""

from __future__ import annotations

from imagegen.services.generations.images import (
    delete_generation,
    delete_image,
    original_url,
    purge,
    set_favorite,
    zip_generation,
)
from imagegen.services.generations.ingest import apply_completion
from imagegen.services.generations.lifecycle import (
    DISPATCH_ATTEMPTS,
    announce,
    cancel_generation,
    create_generation,
    dispatch,
)
from imagegen.services.generations.lineage import generation_of_image
from imagegen.services.generations.queries import (
    Page,
    count_generations,
    decode_cursor,
    encode_cursor,
    get_generation,
    images_for,
    list_generations,
    matches,
    owned_image,
    recent_changes,
)
from imagegen.services.generations.requests import (
    DEFAULT_SIZE,
    MAX_IMAGES,
    MAX_SEED,
    GenerationRequest,
    ResolvedParams,
    validate_request,
)
from imagegen.services.generations.retry import retry_generation
from imagegen.services.generations.trash import (
    hide_generation,
    hide_image,
    purge_deleted,
    restore_generation,
    restore_image,
)
from imagegen.services.generations.views import (
    GenerationView,
    ImageView,
    generation_view,
    image_view,
)

__all__ = [
    "generation_of_image",
    "hide_generation",
    "hide_image",
    "purge_deleted",
    "restore_generation",
    "restore_image",
    "count_generations",
    "DEFAULT_SIZE",
    "DISPATCH_ATTEMPTS",
    "GenerationRequest",
    "GenerationView",
    "ImageView",
    "MAX_IMAGES",
    "MAX_SEED",
    "Page",
    "ResolvedParams",
    "announce",
    "apply_completion",
    "cancel_generation",
    "create_generation",
    "decode_cursor",
    "delete_generation",
    "delete_image",
    "dispatch",
    "encode_cursor",
    "generation_view",
    "get_generation",
    "image_view",
    "images_for",
    "list_generations",
    "matches",
    "original_url",
    "owned_image",
    "purge",
    "recent_changes",
    "retry_generation",
    "set_favorite",
    "validate_request",
    "zip_generation",
]
