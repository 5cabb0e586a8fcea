"""The app↔worker HTTP contract, shared by both sides so they cannot drift: the wire models,
and the Standard Webhooks signature that every request in either direction carries."""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import re
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from standardwebhooks import Webhook, WebhookVerificationError

MAX_IMAGES_PER_JOB = 16
MAX_ATTEMPTS = 3  # a job that took a worker down this often is failed, not run again
MAX_SIDE = 8192
MAX_FILE_BYTES = 2**36  # 64 GiB: far above any image, far below a BIGINT


class GenerationStatus(enum.StrEnum):
    """Lifecycle of a generation; every one ends COMPLETED, FAILED or CANCELLED."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        """Whether nothing more will happen to the generation."""
        return self in (
            GenerationStatus.COMPLETED,
            GenerationStatus.FAILED,
            GenerationStatus.CANCELLED,
        )


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class JobParams(_Camel):
    """Generation parameters, already validated by the app."""

    negative_prompt: str = ""
    width: int = Field(ge=64, le=4096)
    height: int = Field(ge=64, le=4096)
    num_images: int = Field(ge=1, le=16)
    seed: int = Field(ge=0, le=2**32 - 1)
    engine: str
    model: str
    # From an image (issue 15): "img2img" renders from input_key at strength (0: keep the
    # input, 1: ignore it); "upscale" enlarges input_key to width x height. The worker reads
    # the input through Storage: no image travels in the job.
    operation: Literal["txt2img", "img2img", "upscale"] = "txt2img"
    input_key: str | None = Field(default=None, min_length=1, max_length=512)
    strength: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _input_named(self) -> JobParams:
        """An image operation without its input (or a txt2img with one) is a broken job."""
        if (self.operation == "txt2img") != (self.input_key is None):
            raise ValueError(f"operation {self.operation} with input_key {self.input_key!r}")
        return self


class Job(_Camel):
    """POST /v1/jobs body: what the app asks the worker to make."""

    generation_id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+$")
    prompt: str = Field(min_length=1)
    params: JobParams
    callback_url: str
    # Optional so older apps keep working: where progress goes, and whose job it is (an
    # opaque key, for the fair queue; never the user's id or email).
    progress_url: str | None = None
    owner_key: str = ""


class Progress(_Camel):
    """A progress event (signed like completions, but never retried: the next one replaces it)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    type: str = "generation.progress"
    generation_id: str
    percent: int = Field(ge=0, le=100, default=0)
    queue_position: int = Field(ge=0, default=0)  # jobs ahead of this one; 0 once running
    # Optional glimpse of the image so far: a small WebP, PNG or JPEG as a base64 data: URL.
    preview: str | None = Field(
        default=None,
        max_length=70_000,
        pattern=r"^data:image/(webp|png|jpeg);base64,[A-Za-z0-9+/=]+$",
    )


class CompletedImage(_Camel):
    """One stored image, as reported in the completion webhook."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    key: str = Field(min_length=1, max_length=512)
    filename: str = Field(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$")
    format: Literal["PNG", "JPEG", "WEBP", "png", "jpeg", "webp"]
    width: int = Field(ge=1, le=MAX_SIDE)
    height: int = Field(ge=1, le=MAX_SIDE)
    file_size: int = Field(ge=0, le=MAX_FILE_BYTES)
    thumbnail_key: str | None = Field(default=None, min_length=1, max_length=512)


class Completion(_Camel):
    """The completion webhook body the worker signs and POSTs to the app."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    type: str = "generation.completed"
    generation_id: str = Field(min_length=1, max_length=64)
    status: Literal[GenerationStatus.COMPLETED, GenerationStatus.FAILED, GenerationStatus.CANCELLED]
    error: str | None = Field(default=None, max_length=10_000)
    engine: str = Field(default="", max_length=64)
    model: str = Field(default="", max_length=256)
    duration_ms: int | None = Field(default=None, ge=0, le=2**31)
    images: list[CompletedImage] = Field(default=[], max_length=MAX_IMAGES_PER_JOB)
    # Which run of the job made it (shared queue): a later one may leave an earlier's files.
    attempt: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _distinct_keys(self) -> Completion:
        """Each image is its own object: a key listed twice would record one file twice."""
        keys = [k for i in self.images for k in (i.key, i.thumbnail_key) if k is not None]
        if len(keys) != len(set(keys)):
            raise ValueError("each image and thumbnail key must appear once")
        return self


# --- the engine catalogue (GET /v1/engines; the app relays it at /api/engines) -------------


class _Open(BaseModel):
    """Catalogue JSON: camelCase, and keys a newer worker adds pass through to the app's API."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True
    )


def _size_in(value: object) -> object:
    """{"width": w, "height": h} on the wire, (w, h) in Python."""
    if isinstance(value, dict):
        return (value.get("width"), value.get("height"))
    return value


# An image size: a (width, height) pair in Python, {"width", "height"} in JSON.
EngineSize = Annotated[
    tuple[int, int],
    BeforeValidator(_size_in),
    PlainSerializer(lambda s: {"width": s[0], "height": s[1]}),
    WithJsonSchema(
        {
            "type": "object",
            "title": "Size",
            "description": "An image size an engine or model offers.",
            "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}},
            "required": ["width", "height"],
        }
    ),
]


class SizeRange(_Open):
    """Any width and height from min to max in steps of step: what A1111, ComfyUI and
    diffusers take (a provider with fixed sizes, as OpenAI, lists them instead)."""

    min: int
    max: int
    step: int

    def allows(self, width: int, height: int) -> bool:
        return all(self.min <= v <= self.max and v % self.step == 0 for v in (width, height))

    def describe(self) -> str:
        return f"widths and heights from {self.min} to {self.max} in steps of {self.step}"


class StrengthRange(_Open):
    """How far from its input an img2img may go: 0 keeps the input, 1 ignores it."""

    min: float = 0.0
    max: float = 1.0


class ModelLimits(_Open):
    """Rules of a model stricter than its engine's."""

    sizes: list[EngineSize]
    max_images: int


class EngineCapabilities(_Open):
    """What an engine can do; the app validates requests and builds its form from this."""

    models: list[str]
    default_model: str
    sizes: list[EngineSize]
    max_images: int
    supports_seed: bool = True
    supports_negative_prompt: bool = True
    supports_steps: bool = False
    progress: bool = False
    cancel: bool = False
    # Any size in this range, the sizes above being presets; None: only the sizes above.
    size_range: SizeRange | None = None
    # Per-model rules where a model is stricter than the engine.
    model_limits: dict[str, ModelLimits] = {}
    # From an image: img2img at a strength in strength_range; an upscaler of its own (its
    # name), else the worker's Lanczos resize, which is labelled as such and never as AI.
    supports_image_input: bool = False
    strength_range: StrengthRange | None = None
    upscaler: str = ""
    supports_upscale: bool = False  # an upscaler of its own (set from `upscaler`)

    @model_validator(mode="before")
    @classmethod
    def _upscale_from_upscaler(cls, data: object) -> object:
        """supportsUpscale says what `upscaler` does, for clients that read only flags."""
        keys = ("supports_upscale", "supportsUpscale")
        if isinstance(data, dict) and not any(k in data for k in keys):
            return {**data, "supports_upscale": bool(data.get("upscaler"))}
        return data

    def limits(self, model: str) -> tuple[list[tuple[int, int]], int]:
        """(sizes, max images) for one model: its own rules where it has them."""
        rules = self.model_limits.get(model)
        return (rules.sizes, rules.max_images) if rules else (self.sizes, self.max_images)

    def free_sizes(self, model: str) -> SizeRange | None:
        """The range of sizes a model takes beyond its presets (none for a stricter model)."""
        return None if model in self.model_limits else self.size_range

    def allows(self, model: str, width: int, height: int) -> bool:
        """Whether the model can make width×height: a preset, or inside its range."""
        free = self.free_sizes(model)
        return (width, height) in self.limits(model)[0] or (
            free is not None and free.allows(width, height)
        )


class _EngineIdentity(_Open):
    """Which engine, and whether it can be used right now (first in the JSON)."""

    name: str
    label: str
    available: bool = True
    reason: str | None = None


class EngineInfo(EngineCapabilities, _EngineIdentity):
    """One engine of the worker and what it supports."""


class EngineCatalog(_Open):
    """GET /v1/engines: the worker's engines and which one is the default."""

    default: str
    engines: list[EngineInfo]


def object_key(generation_id: str, index: int, ext: str = "png", attempt: int = 1) -> str:
    """Where the worker stores image index of a generation; the app checks this prefix. A job
    run again on the shared queue stores under its attempt, never over an earlier attempt's."""
    run = f".r{attempt}" if attempt > 1 else ""
    return f"generations/{generation_id}/{index}{run}.{ext}"


def thumbnail_key(generation_id: str, index: int, attempt: int = 1) -> str:
    """Where the worker stores the WebP thumbnail of image index."""
    return object_key(generation_id, index, "thumb.webp", attempt)


def job_signature(secret: str, body: str) -> str:
    """The HMAC a job carries on the shared queue: workers run only what the app signed."""
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def signed_headers(webhook: Webhook, msg_id: str, body: str) -> dict[str, str]:
    """Standard Webhooks headers for one message (completions, progress and jobs alike)."""
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook.sign(msg_id, now, body),
    }


def new_msg_id(kind: str) -> str:
    """A message id never used before: the receiver refuses one it has seen."""
    return f"{kind}_{uuid.uuid4().hex}"


class ReplayGuard:
    """Remembers message ids for longer than a signature stays fresh, in files that every
    process sharing the data dir sees, so a captured request can't be sent twice."""

    KEEP_SECONDS = 15 * 60  # Standard Webhooks accepts timestamps up to 5 minutes off

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._next_prune = 0.0

    def first_time(self, msg_id: str) -> bool:
        """True the first time an id is seen, False for every repeat (atomic across processes)."""
        self._prune()
        name = hashlib.sha256(msg_id.encode()).hexdigest()[:40]
        try:
            os.close(os.open(self.root / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        return True

    def _prune(self) -> None:
        now = time.time()
        if now < self._next_prune:
            return
        self._next_prune = now + 60
        for p in self.root.iterdir():
            try:
                if p.stat().st_mtime < now - self.KEEP_SECONDS:
                    p.unlink()
            except OSError:
                continue


class RequestRefused(Exception):
    """A signed request that must be answered 401: unsigned, badly signed, stale or replayed."""


def verify_signed(secret: str, guard: ReplayGuard, body: bytes, headers: dict[str, str]) -> None:
    """Checks a Standard Webhooks signature, its freshness and that the id is new."""
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    picked = {k: headers.get(k, "") for k in wanted}
    if not all(picked.values()):
        raise RequestRefused("Missing signature headers (webhook-id, -timestamp, -signature).")
    try:
        Webhook(secret).verify(body, picked)
    except WebhookVerificationError as e:
        raise RequestRefused(f"Bad signature: {e}.") from e
    except ValueError:
        pass  # signed correctly; the body is not JSON, which the route itself reports
    if not guard.first_time(picked["webhook-id"]):
        raise RequestRefused("This request was already received (replayed webhook-id).")


def filename_stem(prompt: str, words: int = 6, max_chars: int = 48) -> str:
    """A download name from the prompt's first words ('a-red-fox-in-snow'), never an id."""
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]
    stem = "-".join(parts)[:max_chars].strip("-")
    return stem or "imagegen"
