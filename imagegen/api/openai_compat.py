"""An OpenAI-compatible images endpoint at /v1: the official `openai` client (and the tools
built on it) can use imagegen as its image backend, with a personal API key."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from imagegen.api.deps import READS, bearer_token, principal_for
from imagegen.api.schemas import json_body
from imagegen.api.schemas_keys import OpenAIErrorResponse
from imagegen.services import generations as svc
from imagegen.services import openai_compat as oa
from imagegen.services import uploads
from imagegen.services.auth import Principal
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Route
from imagegen.settings.app import get_app_settings

router = APIRouter(tags=["OpenAI-compatible"])
OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": OpenAIErrorResponse, "description": d}
    for s, d in (
        (400, "A bad request (OpenAI's shape: error.message, type, param, code)"),
        (401, "No valid API key"),
        (403, "A read-only key asked to generate"),
        (404, "No such model"),
        (429, "Too many generations in flight"),
        (504, "Still running after IMAGEGEN_OPENAI_WAIT: error.generation_id to fetch it later"),
    )
}
EDIT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image", "prompt"],
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        "prompt": {"type": "string"},
                        "model": {"type": "string"},
                        "n": {"type": "integer"},
                        "size": {"type": "string"},
                        "response_format": {"type": "string", "enum": ["b64_json", "url"]},
                    },
                }
            }
        },
    }
}


def _error(status: int, message: str, param: str | None = None) -> JSONResponse:
    code, body = oa.error_body(status, message, param)
    return JSONResponse(body, status_code=code)


def _caller(request: Request) -> Principal | JSONResponse:
    """The key's (or session's) user, or OpenAI's 401/403."""
    header = request.headers.get("authorization")
    principal = principal_for(bearer_token(header, None))
    if principal is None:
        return _error(401, "Incorrect API key provided. Make one on the API keys page.")
    if principal.scope == "read" and request.method not in READS:
        return _error(403, "This API key is read-only: it cannot generate images.")
    return principal


@router.get(Route.OPENAI_MODELS, responses=OPENAI_ERRORS)
def models(request: Request) -> JSONResponse:
    """The models `model` may name, as "engine/model" (a model name one engine has works too)."""
    who = _caller(request)
    if isinstance(who, JSONResponse):
        return who
    try:
        catalog = get_catalog()
    except WorkerUnavailable as e:
        return _error(503, str(e))
    data = [
        {"id": id_, "object": "model", "created": 0, "owned_by": engine}
        for id_, engine, _m in oa.model_ids(catalog)
    ]
    return JSONResponse({"object": "list", "data": data})


async def _generate(who: Principal, body: oa.ImagesRequest, **source: str) -> JSONResponse:
    try:
        catalog = await run_in_threadpool(get_catalog)
        req = oa.request_for(body, catalog).model_copy(update=source)
        gen = await run_in_threadpool(
            lambda: svc.create_generation(who.user_id, req, via_key=who.key_name or "API")
        )
        waited = await run_in_threadpool(
            oa.wait_for, who.user_id, gen.id, get_app_settings().openai_wait_seconds
        )
    except WorkerUnavailable as e:
        return _error(503, str(e))
    except ServiceError as e:
        code, payload = oa.from_service_error(e)
        return JSONResponse(payload, status_code=code)
    if not waited.done:
        code, payload = oa.error_body(504, f"The generation {gen.id} is still running; fetch it "
                                      f"later at /api/generations/{gen.id}.")  # fmt: skip
        payload["error"].update(type="timeout", code="generation_pending", generation_id=gen.id)
        return JSONResponse(payload, status_code=504)
    if waited.gen.status != "COMPLETED" or not svc.images_for([gen.id])[gen.id]:
        code, payload = oa.error_body(500, waited.gen.error or "The generation made no image.")
        payload["error"]["generation_id"] = gen.id
        return JSONResponse(payload, status_code=500)
    out = await run_in_threadpool(oa.answer, waited.gen, body.response_format)
    return JSONResponse(out)


@router.post(
    Route.OPENAI_GENERATIONS,
    responses=OPENAI_ERRORS,
    openapi_extra=json_body(oa.ImagesRequest, "Authorization"),
)
async def generations(request: Request) -> JSONResponse:
    """OpenAI's images.generate: the images once made, as b64_json (default) or signed URLs;
    they land in the user's gallery like any other, marked with the key's name."""
    who = _caller(request)
    if isinstance(who, JSONResponse):
        return who
    try:
        body = oa.ImagesRequest.model_validate(json.loads(await request.body() or b"null"))
    except ValueError as e:
        return _error(422, _first_problem(e), _first_field(e))
    return await _generate(who, body)


@router.post(Route.OPENAI_EDITS, responses=OPENAI_ERRORS, openapi_extra=EDIT_FORM)
async def edits(request: Request) -> JSONResponse:
    """OpenAI's images.edit: the same, started from the uploaded image (checked and stored as
    an upload of the user's)."""
    who = _caller(request)
    if isinstance(who, JSONResponse):
        return who
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - any unreadable multipart body is the caller's error
        return _error(422, "The body must be multipart/form-data with an image and a prompt.")
    image = form.get("image") or form.get("image[]")
    if image is None or not hasattr(image, "read"):
        return _error(422, "Send the image to edit in the field `image`.", "image")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        body = oa.ImagesRequest.model_validate(fields)
        data = await image.read(get_app_settings().max_upload_bytes + 1)  # type: ignore[union-attr]
        row = await run_in_threadpool(uploads.store_upload, who.user_id, data)
    except ValueError as e:
        return _error(422, _first_problem(e), _first_field(e))
    except ServiceError as e:
        code, payload = oa.from_service_error(e)
        return JSONResponse(payload, status_code=code)
    return await _generate(who, body, upload_id=row.id)


def _first_problem(e: ValueError) -> str:
    if isinstance(e, ValidationError) and e.errors():
        err = e.errors()[0]
        where = ".".join(str(x) for x in err.get("loc", ())) or "body"
        return f"Invalid '{where}': {err.get('msg', 'invalid value')}."
    return "The body must be a JSON object with a prompt."


def _first_field(e: ValueError) -> str | None:
    if isinstance(e, ValidationError) and e.errors():
        loc = e.errors()[0].get("loc", ())
        return str(loc[0]) if loc else None
    return None
