"""What a user may ask for: the request model and its validation against the engines."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from imagegen.contract import EngineInfo, SizeRange
from imagegen.services.catalog import Catalog
from imagegen.services.errors import InvalidInput
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


MAX_IMAGES = 4


DEFAULT_SIZE = (1024, 1024)


MAX_SEED = 2**32 - 1


class GenerationRequest(BaseModel):
    """What a user asks for; every field but the prompt has a sane default."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    prompt: str
    negative_prompt: str = ""
    width: int | None = None
    height: int | None = None
    num_images: int = 1
    seed: int | None = None
    engine: str | None = None
    model: str | None = None
    parent_id: str | None = None
    # From an image: one of the caller's images or uploads, and how far to move from it.
    input_image_id: str | None = Field(default=None, max_length=64)
    upload_id: str | None = Field(default=None, max_length=64)
    strength: float | None = None


DEFAULT_STRENGTH = 0.6


@dataclass(frozen=True)
class ResolvedParams:
    """A request after validation, with every default filled in."""

    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_images: int
    seed: int
    engine: str
    model: str
    strength: float | None = None


def input_size(width: int, height: int, rule: SizeRange | None) -> tuple[int, int] | None:
    """An input's own size, made to fit the engine's free range (steps, bounds), if it has one."""
    if rule is None:
        return None
    scale = min(1.0, rule.max / max(width, height))

    def fit(v: int) -> int:
        return max(rule.min, min(rule.max, int(v * scale) // rule.step * rule.step))

    return fit(width), fit(height)


def _check_strength(
    req: GenerationRequest, engine: EngineInfo | None, from_image: bool
) -> float | None:
    if not from_image:
        if req.strength is not None:
            raise InvalidInput(
                "strength needs an input image (inputImageId or uploadId).", field="strength"
            )
        return None
    if engine is not None and not engine.supports_image_input:
        raise InvalidInput(
            f"{engine.label} cannot start from an image; choose an engine that can.",
            field="engine",
        )
    if engine is not None and engine.strength_range is None:
        return None  # it starts from the image its own way (OpenAI's edits): none recorded
    strength = DEFAULT_STRENGTH if req.strength is None else req.strength
    rule = engine.strength_range if engine is not None else None
    low, high = (rule.min, rule.max) if rule is not None else (0.0, 1.0)
    if not low <= strength <= high:
        raise InvalidInput(
            f"strength must be between {low:g} and {high:g} (got {strength:g}).", field="strength"
        )
    return strength


def _clean_text(text: str) -> str:
    """Control characters and lone UTF-16 surrogates (no UTF-8 can hold them) dropped."""
    return "".join(
        ch
        for ch in (text or "")
        if (ch == "\n" or ch == "\t" or ord(ch) >= 32) and not 0xD800 <= ord(ch) <= 0xDFFF
    ).strip()


def validate_request(
    req: GenerationRequest,
    catalog: Catalog | None,
    source_size: tuple[int, int] | None = None,
) -> ResolvedParams:
    """Checks a request against limits and the engine's capabilities; raises InvalidInput.
    source_size: the input image's, for a request that starts from one."""
    limit = get_app_settings().max_prompt_chars
    prompt = _clean_text(req.prompt)
    if not prompt:
        raise InvalidInput("The prompt is empty: describe the image you want.", field="prompt")
    if len(prompt) > limit:
        raise InvalidInput(
            f"The prompt is {len(prompt)} characters long; the limit is {limit}.", field="prompt"
        )
    negative = _clean_text(req.negative_prompt)
    if len(negative) > limit:
        raise InvalidInput(
            f"The negative prompt is {len(negative)} characters long; the limit is {limit}.",
            field="negativePrompt",
        )
    if not 1 <= req.num_images <= MAX_IMAGES:
        raise InvalidInput(
            f"numImages must be between 1 and {MAX_IMAGES} (got {req.num_images}).",
            field="numImages",
        )
    if req.seed is not None and not 0 <= req.seed <= MAX_SEED:
        raise InvalidInput(f"seed must be between 0 and {MAX_SEED}.", field="seed")
    if (req.width is None) != (req.height is None):
        raise InvalidInput("Give both width and height, or neither.", field="width")
    seed = req.seed if req.seed is not None else secrets.randbelow(MAX_SEED + 1)

    if catalog is None:  # worker down: check generic bounds; dispatch will record the failure
        strength = _check_strength(req, None, source_size is not None)
        w, h = (req.width, req.height) if req.width else DEFAULT_SIZE
        if not (64 <= w <= 4096 and 64 <= h <= 4096):
            raise InvalidInput(f"Size {w}x{h} is out of range.", field="width")
        return ResolvedParams(
            prompt,
            negative,
            w,
            h,
            req.num_images,
            seed,
            req.engine or "procedural",
            req.model or "",
            strength,
        )

    engine_name = req.engine or catalog.default
    engine = catalog.engines.get(engine_name)
    if engine is None:
        names = ", ".join(sorted(catalog.engines))
        raise InvalidInput(f"Unknown engine {engine_name!r}; available: {names}.", field="engine")
    if not engine.available:
        raise InvalidInput(
            f"Engine {engine.label} is unavailable: {engine.reason}.", field="engine"
        )
    model = req.model or engine.default_model
    if model not in engine.models:
        raise InvalidInput(
            f"Engine {engine.label} has no model {model!r}; it offers {', '.join(engine.models)}.",
            field="model",
        )
    strength = _check_strength(req, engine, source_size is not None)
    sizes, max_images = engine.limits(model)
    fitted = source_size and input_size(*source_size, engine.free_sizes(model))
    if req.width is None and fitted:
        w, h = fitted  # from an image: its own shape, where the engine takes any size
    elif req.width is None:
        w, h = DEFAULT_SIZE if DEFAULT_SIZE in sizes else sizes[0]
    else:
        w, h = req.width, req.height  # type: ignore[assignment]
    if not engine.allows(model, w, h):
        free = engine.free_sizes(model)
        if free is not None:
            raise InvalidInput(
                f"{engine.label} ({model}) makes {free.describe()}, not {w}x{h}.", field="width"
            )
        choices = ", ".join(f"{a}x{b}" for a, b in sizes)
        raise InvalidInput(
            f"{engine.label} ({model}) cannot make {w}x{h}; choose one of: {choices}.",
            field="width",
        )
    if req.num_images > max_images:
        raise InvalidInput(
            f"{engine.label} ({model}) makes at most {max_images} image(s) at once.",
            field="numImages",
        )
    if negative and not engine.supports_negative_prompt:
        raise InvalidInput(
            f"{engine.label} does not support a negative prompt.", field="negativePrompt"
        )
    return ResolvedParams(
        prompt, negative, w, h, req.num_images, seed, engine_name, model, strength
    )
