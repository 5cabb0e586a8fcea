"""The completion webhook: verify the Standard Webhooks signature, then record the result."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from standardwebhooks import Webhook, WebhookVerificationError

from imagegen.api.schemas import WRITE, ClerkEventOut, CompletionOut, Ok, errors, json_body
from imagegen.contract import Completion, Progress
from imagegen.services import generations as svc
from imagegen.services import users
from imagegen.services.errors import InvalidInput
from imagegen.services.progress import get_progress_board
from imagegen.services.routes import Route
from imagegen.settings.app import get_app_settings

router = APIRouter(tags=["webhooks"])
log = logging.getLogger("imagegen.webhooks")


def _err(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message}, status_code=status)


async def _verified_body(request: Request) -> tuple[bytes, str] | JSONResponse:
    """The body and webhook id of a worker-signed request, or the 4xx to answer."""
    settings = get_app_settings()
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return _err(415, "Content-Type must be application/json.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.webhook_max_bytes:
        return _err(413, "Payload too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.webhook_max_bytes:
            return _err(413, "Payload too large.")
    headers = {
        k: request.headers.get(k, "")
        for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    if not all(headers.values()):
        return _err(401, "Missing webhook signature headers.")
    try:
        Webhook(settings.resolved_webhook_secret()).verify(body, headers)
    except WebhookVerificationError as e:
        return _err(401, f"Bad webhook signature: {e}.")
    except ValueError:  # signed correctly, but the body is not JSON
        return _err(400, "Malformed payload.")
    return body, headers["webhook-id"]


_SIGNED = ("webhook-id", "webhook-timestamp", "webhook-signature")


@router.post(
    Route.COMPLETION_WEBHOOK,
    response_model=CompletionOut,
    responses=errors(*WRITE, 401, 404, 415, 503),
    openapi_extra=json_body(Completion, *_SIGNED),
)
async def image_completion(request: Request) -> JSONResponse:
    """Marks the generation COMPLETED (with its ImageFile rows), FAILED or CANCELLED; replays
    are no-ops."""
    verified = await _verified_body(request)
    if isinstance(verified, JSONResponse):
        return verified
    body, webhook_id = verified
    try:
        completion = Completion.model_validate_json(body)
    except ValidationError as e:  # nonsense values are refused whole: nothing is recorded
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _err(422, f"Invalid completion: {where}: {first.get('msg', 'invalid')}.")
    try:
        gen, changed = await run_in_threadpool(svc.apply_completion, completion, webhook_id)
    except InvalidInput as e:
        return _err(422, e.message)
    return JSONResponse({"success": True, "status": gen.status, "changed": changed})


@router.post(
    Route.PROGRESS_WEBHOOK,
    response_model=Ok,
    responses=errors(*WRITE, 401, 415),
    openapi_extra=json_body(Progress, *_SIGNED),
)
async def image_progress(request: Request) -> JSONResponse:
    """Progress of a running or queued job: kept in memory, never a database write."""
    verified = await _verified_body(request)
    if isinstance(verified, JSONResponse):
        return verified
    try:
        event = Progress.model_validate_json(verified[0])
    except ValidationError:
        return _err(400, "Malformed progress payload.")
    get_progress_board().update(
        event.generation_id, event.percent, event.queue_position, event.preview
    )
    return JSONResponse({"success": True})


# 404 while CLERK_WEBHOOK_SECRET is unset. The event body is Clerk's (any JSON object).
@router.post(
    Route.CLERK_WEBHOOK,
    response_model=ClerkEventOut,
    responses=errors(*WRITE, 401, 404),
    openapi_extra=json_body({"type": "object"}, "svix-id", "svix-timestamp", "svix-signature"),
)
async def clerk_events(request: Request) -> JSONResponse:
    """Clerk's user lifecycle events (Svix-signed); user.deleted removes all the user's data."""
    settings = get_app_settings()
    if not settings.clerk_webhook_secret:
        return _err(404, "Clerk webhooks are not configured.")
    body = await request.body()
    if len(body) > settings.webhook_max_bytes:
        return _err(413, "Payload too large.")
    headers = {
        f"webhook-{k}": request.headers.get(f"svix-{k}", "")
        for k in ("id", "timestamp", "signature")
    }
    if not all(headers.values()):
        return _err(401, "Missing Svix signature headers.")
    try:
        event = Webhook(settings.clerk_webhook_secret).verify(body, headers)
    except WebhookVerificationError as e:
        return _err(401, f"Bad webhook signature: {e}.")
    except ValueError:
        return _err(400, "Malformed event payload.")
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return _err(400, "Malformed event payload.")
    if event.get("type") != "user.deleted":
        return JSONResponse({"success": True, "ignored": event.get("type")})
    user_id = event["data"].get("id")
    if not isinstance(user_id, str) or not user_id:
        return _err(400, "user.deleted without a user id.")
    removed = await run_in_threadpool(users.delete_user_data, user_id)
    log.info("deleted Clerk user %s: %s", user_id, removed)
    return JSONResponse({"success": True, **removed})
