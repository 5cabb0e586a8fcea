"""OpenAI's images API on top of ours: its request and answer shapes, its error shape, and a
wait for the images (a generation like any other, in the user's gallery)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from imagegen.models import GenerationStatus, ImageGeneration, as_utc
from imagegen.services import generations as svc
from imagegen.services import links
from imagegen.services.catalog import Catalog
from imagegen.services.errors import InvalidInput, NotFound, ServiceError
from imagegen.services.storage import get_storage

WAIT_POLL_S = 0.1
# Our statuses and errors as OpenAI's: (HTTP status, error type, code).
ERROR_KINDS: dict[int, tuple[int, str, str]] = {
    401: (401, "invalid_request_error", "invalid_api_key"),
    403: (403, "invalid_request_error", "insufficient_permissions"),
    404: (404, "invalid_request_error", "model_not_found"),
    413: (400, "invalid_request_error", "file_too_large"),
    422: (400, "invalid_request_error", "invalid_value"),
    429: (429, "requests", "rate_limit_exceeded"),
    503: (503, "server_error", "service_unavailable"),
}


class ImagesRequest(BaseModel):
    """POST /v1/images/generations, as OpenAI's reference has it (unknown fields ignored)."""

    model_config = ConfigDict(extra="ignore")

    prompt: str = Field(min_length=1, max_length=32000)
    model: str | None = None
    n: int = 1
    size: str | None = None  # "WxH", or "auto"
    response_format: str | None = None  # "b64_json" (the default here) or "url"
    quality: str | None = None  # accepted, ignored where an engine has none
    style: str | None = None
    user: str | None = None


def error_body(status: int, message: str, param: str | None = None) -> tuple[int, dict]:
    """(status, body) in OpenAI's error shape for one of our statuses."""
    code_status, kind, code = ERROR_KINDS.get(status, (status, "server_error", "server_error"))
    return code_status, {"error": {"message": message, "type": kind, "param": param, "code": code}}


def from_service_error(e: ServiceError) -> tuple[int, dict]:
    """A service's refusal in OpenAI's shape (422 becomes 400, as OpenAI answers)."""
    return error_body(e.status, e.message, e.field)


def model_ids(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(id, engine, model) of every available model: "engine/model", the ids /v1/models lists."""
    return [
        (f"{e.name}/{m}", e.name, m)
        for e in catalog.engines.values()
        if e.available
        for m in e.models
    ]


def resolve_model(catalog: Catalog, model: str | None) -> tuple[str | None, str | None]:
    """(engine, model) for OpenAI's `model`: "engine/model", a model name only one engine has,
    or an engine's name (its default model); None: the default engine's default."""
    if not model:
        return None, None
    ids = model_ids(catalog)
    for id_, engine, name in ids:
        if model == id_:
            return engine, name
    named = [(e, m) for _i, e, m in ids if m == model]
    if len(named) == 1:
        return named[0]
    if model in catalog.engines:
        return model, None
    raise NotFound(f"The model '{model}' does not exist; GET /v1/models lists them.", "model")


def request_for(body: ImagesRequest, catalog: Catalog) -> svc.GenerationRequest:
    """Our request for OpenAI's: its model, n and "WxH" size."""
    engine, model = resolve_model(catalog, body.model)
    width = height = None
    if body.size and body.size != "auto":
        w, sep, h = body.size.partition("x")
        if not (sep and w.isdigit() and h.isdigit()):
            raise InvalidInput(f"Invalid size '{body.size}': use WIDTHxHEIGHT.", "size")
        width, height = int(w), int(h)
    if body.response_format not in (None, "b64_json", "url"):
        raise InvalidInput("response_format must be b64_json or url.", "response_format")
    return svc.GenerationRequest(
        prompt=body.prompt, num_images=body.n, width=width, height=height, engine=engine,
        model=model,
    )  # fmt: skip


@dataclass(frozen=True)
class Waited:
    """The generation after the wait: done (COMPLETED/FAILED/CANCELLED) or still running."""

    gen: ImageGeneration
    done: bool


def wait_for(owner_id: str, generation_id: str, seconds: float) -> Waited:
    """Reads the generation until it ends or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        gen = svc.get_generation(owner_id, generation_id)
        if gen.status in (
            GenerationStatus.COMPLETED,
            GenerationStatus.FAILED,
            GenerationStatus.CANCELLED,
        ):
            return Waited(gen, True)
        if time.monotonic() >= deadline:
            return Waited(gen, False)
        time.sleep(WAIT_POLL_S)


def answer(gen: ImageGeneration, response_format: str | None) -> dict:
    """OpenAI's answer: {"created", "data": [{"b64_json"} or {"url"}], "revised_prompt"?}."""
    images = svc.images_for([gen.id])[gen.id]
    data = []
    for img in images:
        if response_format == "url":
            data.append({"url": links.image_links(img).file})
        else:
            raw = get_storage().get(img.storage_key)
            data.append({"b64_json": base64.b64encode(raw).decode()})
    created = int(as_utc(gen.created_at).timestamp())
    return {"created": created, "data": data}
