"""The app↔worker HTTP contract, shared by both sides so they cannot drift."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


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

    key: str
    filename: str
    format: str
    width: int
    height: int
    file_size: int
    thumbnail_key: str | None = None


class Completion(_Camel):
    """The completion webhook body the worker signs and POSTs to the app."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    type: str = "generation.completed"
    generation_id: str
    status: str  # COMPLETED, FAILED or CANCELLED
    error: str | None = None
    engine: str = ""
    model: str = ""
    duration_ms: int | None = None
    images: list[CompletedImage] = []


def object_key(generation_id: str, index: int, ext: str = "png") -> str:
    """Where the worker stores image index of a generation; the app checks this prefix."""
    return f"generations/{generation_id}/{index}.{ext}"


def thumbnail_key(generation_id: str, index: int) -> str:
    """Where the worker stores the WebP thumbnail of image index."""
    return f"generations/{generation_id}/{index}.thumb.webp"
