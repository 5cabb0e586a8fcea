"""Response models and OpenAPI declarations of the HTTP API, so the schema states the contract.

Every model mirrors, key for key, the JSON a route already sends (the camelCase dicts of
api/shaping.py); FastAPI validates each answer against it, so a drifting key fails loudly in tests
instead of silently changing what clients receive.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from imagegen.contract import EngineCatalog
from imagegen.models import GenerationStatus


class _Out(BaseModel):
    """A response body: camelCase on the wire, and no key that the model does not name."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorResponse(BaseModel):
    """Every error answer: a message for people, and the offending field when there is one."""

    success: Literal[False]
    error: str
    field: str | None = None


class Ok(_Out):
    """A success with nothing else to say."""

    success: Literal[True]


# --- images and generations -------------------------------------------------------------


class Image(_Out):
    """One stored image, with freshly signed, expiring URLs."""

    id: str
    filename: str
    file_url: str
    thumbnail_url: str
    download_url: str
    format: str
    width: int
    height: int
    aspect_ratio: str  # "WxH" (ImageFile.dimensions); the name is the contract
    file_size: int
    favorite: bool
    created_at: str


class Progress(_Out):
    """Live progress of a generation in flight."""

    percent: int
    queue_position: int
    preview: str | None


class Source(_Out):
    """What a generation was made from: one of the user's images, or an upload, and how."""

    image_id: str | None
    upload_id: str | None
    operation: Literal["input", "vary", "upscale", "remix"]
    strength: float | None


class UploadOut(_Out):
    """An image uploaded to start from: pass its id as uploadId."""

    id: str
    width: int
    height: int
    format: Literal["PNG", "JPEG", "WEBP"]


class VaryIn(_Out):
    """How far a variation moves from its image (the README states both strengths)."""

    strength: Literal["subtle", "strong"] = "subtle"


class Generation(_Out):
    """One generation: its parameters, status, error, progress and images."""

    id: str
    prompt: str
    negative_prompt: str
    status: GenerationStatus
    error: str | None
    partial: bool
    width: int
    height: int
    num_images: int
    seed: int
    engine: str
    model: str
    duration_ms: int | None
    parent_id: str | None
    source: Source | None
    via_key: str | None
    progress: Progress | None
    images: list[Image]
    download_all_url: str | None
    created_at: str
    completed_at: str | None


class GenerationOut(_Out):
    """A generation just created, read or cancelled."""

    success: Literal[True]
    generation: Generation


class RetryOut(GenerationOut):
    """The new generation of a retry, and the id of the one it replaces (now deleted)."""

    replaces: str


class GalleryPage(_Out):
    """A page of the caller's gallery; nextCursor fetches the next one."""

    success: Literal[True]
    count: int
    generations: list[Generation]
    next_cursor: str | None


class GenerationDeleted(_Out):
    """How many stored objects went with the generation."""

    success: Literal[True]
    deleted_objects: int


class ImageDeleted(_Out):
    """The generation the deleted image belonged to (gone too if it was its last)."""

    success: Literal[True]
    generation_id: str


class FavoriteOut(_Out):
    """The image's favourite mark after the change."""

    success: Literal[True]
    favorite: bool


# --- albums -----------------------------------------------------------------------------


class AlbumSummary(_Out):
    """An album as its list shows it."""

    id: str
    name: str
    count: int
    cover: Image | None
    created_at: str


class AlbumRef(_Out):
    """An album's id and name."""

    id: str
    name: str


class AlbumImage(Image):
    """An image of an album, with the generation it came from (without its images)."""

    generation: Generation


class AlbumList(_Out):
    """The caller's albums, by name."""

    success: Literal[True]
    albums: list[AlbumSummary]


class AlbumCreated(_Out):
    """The new, empty album."""

    success: Literal[True]
    album: AlbumSummary


class AlbumRenamed(_Out):
    """The album under its new name."""

    success: Literal[True]
    album: AlbumRef


class AlbumPage(_Out):
    """A page of an album's images, most recently added first."""

    success: Literal[True]
    album: AlbumRef
    images: list[AlbumImage]
    next_cursor: str | None


class ImagesAdded(_Out):
    """How many of the images were new to the album."""

    success: Literal[True]
    added: int


# --- shares -----------------------------------------------------------------------------


class Share(_Out):
    """A live share link as its owner sees it."""

    token: str
    url: str
    generation_id: str
    image_id: str | None
    include_parameters: bool
    created_at: str


class ShareOut(_Out):
    """A share link, new or reused."""

    success: Literal[True]
    share: Share


class ShareList(_Out):
    """The caller's live share links, newest first."""

    success: Literal[True]
    shares: list[Share]


# --- auth -------------------------------------------------------------------------------


class TokenOut(_Out):
    """A new session token, to send as 'Authorization: Bearer <token>'."""

    token: str


class Me(_Out):
    """The signed-in user."""

    id: str
    email: str


# --- engines (relayed from the worker: keys it adds later pass through) -----------------


class _Relayed(BaseModel):
    """Worker JSON relayed as is: the keys named here are documented, any others pass."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Catalogue(EngineCatalog):
    """The worker's engines and which one is the default (imagegen.contract.EngineCatalog)."""

    success: Literal[True]


# --- webhooks ---------------------------------------------------------------------------


class CompletionOut(_Out):
    """The generation's status after the completion, and whether this delivery changed it."""

    success: Literal[True]
    status: GenerationStatus
    changed: bool


class ClerkEventOut(_Relayed):
    """A user.deleted event's removals (generations, objects), or the type of an ignored one."""

    success: Literal[True]
    ignored: str | None = None
    generations: int | None = None
    objects: int | None = None


# --- OpenAPI declarations ----------------------------------------------------------------

_WHY = {
    400: "Malformed: a body that is not what the route reads, or JSON nested too deeply.",
    401: "Not signed in (send `Authorization: Bearer <token>`), or a bad signature.",
    403: (
        "Not allowed: a cross-site request riding on a session cookie, a write through a"
        " read-only API key, or a key managing keys."
    ),
    404: "Not found, or not the caller's (the two are indistinguishable on purpose).",
    409: "Conflicts with the current state (already finished, name taken, ...).",
    413: "The request body is too large.",
    415: "The body must be application/json.",
    422: "A parameter or field is invalid; `field` names it when it can.",
    429: "Too many: a rate or concurrency limit was reached; try again later.",
    503: "A dependency (the worker, storage) is unavailable right now; try again later.",
}

# Write methods pass the body guard (imagegen.http_guards.BodyLimit: too large is 413, JSON
# nested too deeply 400, a lone surrogate 422) and the cross-site guard (imagegen.api.origins
# .CrossSiteGuard: 403), whatever the route.
WRITE = (400, 403, 413, 422)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the error statuses a route can answer, all as ErrorResponse.

    422 is always declared: FastAPI would otherwise document its own validation body, which
    the app's handler replaces with ErrorResponse.
    """
    return {s: {"model": ErrorResponse, "description": _WHY[s]} for s in sorted({*statuses, 422})}


# For a route whose own media type is not JSON (FastAPI would give a `model` that type).
ERROR_REF = "#/components/schemas/ErrorResponse"
BINARY = {"schema": {"type": "string", "format": "binary"}}


def binary(*media_types: str, description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 of raw bytes in one of these media types (never JSON)."""
    return {200: {"description": description, "content": {m: BINARY for m in media_types}}}


def json_body(body: type[BaseModel] | dict[str, Any], *headers: str) -> dict[str, Any]:
    """`openapi_extra=` for a route that reads its own request: the JSON body it expects (a
    model's schema inlined, so it needs no components) and the headers it requires."""
    schema = dict(body) if isinstance(body, dict) else body.model_json_schema(by_alias=True)
    defs = schema.pop("$defs", {})

    def inline(node: object) -> object:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return {
        "parameters": [
            {"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
            for h in headers
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        },
    }
