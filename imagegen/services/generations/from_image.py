"""Vary and upscale: new generations made from one of the user's images, with lineage."""

from __future__ import annotations

from typing import Literal

from imagegen.contract import EngineInfo
from imagegen.models import ImageGeneration
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import InvalidInput
from imagegen.services.generations.lifecycle import create_generation, record_and_dispatch
from imagegen.services.generations.requests import GenerationRequest
from imagegen.services.uploads import resolve_source

# How far each Vary moves from its image (0 keeps it, 1 ignores it); the README states them.
VARY_STRENGTH: dict[str, float] = {"subtle": 0.35, "strong": 0.7}
UPSCALE_FACTOR = 2
MAX_UPSCALED_SIDE = 4096
LANCZOS = "lanczos"  # the model name of an upscale that is a plain resize, not AI
FALLBACK_ENGINE = "procedural"


def vary_image(owner_id: str, image_id: str, how: Literal["subtle", "strong"]) -> ImageGeneration:
    """The image's prompt again, with new seeds, from the image itself."""
    source = resolve_source(owner_id, image_id, None)
    gen = source.generation
    assert gen is not None
    return create_generation(
        owner_id,
        GenerationRequest(
            prompt=gen.prompt,
            negative_prompt=gen.negative_prompt,
            num_images=gen.num_images,
            engine=gen.engine,
            model=gen.model or None,
            input_image_id=image_id,
            strength=VARY_STRENGTH[how],
        ),
        operation="vary",
    )


def upscaler_of(engine: EngineInfo | None) -> str:
    """The engine's own upscaler's name, or LANCZOS where it has none."""
    return (engine.upscaler if engine is not None and engine.available else "") or LANCZOS


def upscale_image(owner_id: str, image_id: str) -> ImageGeneration:
    """The image at twice its size, by its engine's upscaler or a labelled Lanczos resize."""
    source = resolve_source(owner_id, image_id, None)
    gen = source.generation
    assert gen is not None
    width, height = source.width * UPSCALE_FACTOR, source.height * UPSCALE_FACTOR
    if max(width, height) > MAX_UPSCALED_SIDE:
        raise InvalidInput(
            f"This image is {source.width}x{source.height}: at x{UPSCALE_FACTOR} it would be"
            f" over {MAX_UPSCALED_SIDE} px on a side.",
            field="imageId",
        )
    try:
        engines = get_catalog().engines
    except WorkerUnavailable:
        engines = {}
    engine = engines.get(gen.engine)
    upscaler = upscaler_of(engine)
    row = ImageGeneration(
        owner_id=owner_id,
        prompt=gen.prompt,
        negative_prompt=gen.negative_prompt,
        width=width,
        height=height,
        num_images=1,
        seed=gen.seed,
        engine=gen.engine if upscaler != LANCZOS else FALLBACK_ENGINE,
        model=upscaler,
        source_image_id=image_id,
        operation="upscale",
    )
    return record_and_dispatch(row, source.key, "upscale")
