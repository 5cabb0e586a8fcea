"""The completion webhook: verify the Standard Webhooks signature, then record the result."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from standardwebhooks import Webhook, WebhookVerificationError

from imagegen.services import generations as svc
from imagegen.services.errors import InvalidInput
from imagegen.settings import get_settings
from imagegen.worker.contract import Completion

router = APIRouter(tags=["webhooks"])
log = logging.getLogger("imagegen.webhooks")


def _err(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": message}, status_code=status)


@router.post("/api/webhooks/image-completion")
async def image_completion(request: Request) -> JSONResponse:
    """Marks the generation COMPLETED (with its ImageFile rows) or FAILED; replays are no-ops."""
    settings = get_settings()
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
        return _err(400, "Malformed completion payload.")
    try:
        completion = Completion.model_validate_json(body)
    except ValidationError:
        return _err(400, "Malformed completion payload.")
    try:
        gen, changed = await run_in_threadpool(
            svc.apply_completion, completion, headers["webhook-id"]
        )
    except InvalidInput as e:
        return _err(422, e.message)
    return JSONResponse({"success": True, "status": gen.status, "changed": changed})
