"""A local stand-in for Replicate's HTTP API, in its documented shapes.

https://replicate.com/docs/reference/http - POST /v1/models/{owner}/{name}/predictions ->
201 {"id", "model", "version", "input", "logs", "output", "error", "status", "created_at",
"urls": {"get", "cancel", "stream"}}; GET /v1/predictions/{id}; POST
/v1/predictions/{id}/cancel; GET /v1/webhooks/default/secret -> {"key": "whsec_..."}.
Errors are {"title", "detail", "status"} (401 unauthenticated, 429 with retry-after).
Webhooks carry webhook-id / webhook-timestamp / webhook-signature, signed with that key
(https://replicate.com/docs/topics/webhooks/verify-webhook).

GET /v1/models/{owner}/{name} -> {"owner", "name", ..., "latest_version": {"id",
"openapi_schema": {"components": {"schemas": {"Input": {"properties": {...}}}}}}}: here
black-forest-labs/flux-schnell takes no image, black-forest-labs/flux-dev takes "image" (a URI)
and "prompt_strength". POST /v1/files (multipart "content", as replicate-python's
files.create sends it) -> 201 {"id", "name", "content_type", "size", "etag", "checksums",
"metadata", "created_at", "expires_at", "urls": {"get"}}.

Scripted behaviours: "ok", "429", "500", "failed", "malformed", "slow", "nowebhook".
"""

from __future__ import annotations

import asyncio
import base64
import io
import secrets
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image
from standardwebhooks import Webhook

TOKEN = "r8_test_imagegen"
SECRET = "whsec_" + base64.b64encode(b"replicate-test-signing-key-32byt").decode()
STEP_S = 0.05


def _problem(status: int, detail: str) -> JSONResponse:
    title = {401: "Unauthenticated", 429: "Request was throttled"}.get(status, "Error")
    headers = {"retry-after": "1"} if status == 429 else {}
    return JSONResponse(
        {"title": title, "detail": detail, "status": status}, status_code=status, headers=headers
    )


def create_app() -> FastAPI:
    """The fake server; app.state.script holds the next prediction behaviours."""
    app = FastAPI()
    app.state.script = []
    app.state.predictions = {}
    app.state.files = {}
    app.state.bodies = []
    app.state.cancels = 0
    app.state.webhooks_sent = 0
    app.state.base = ""

    def _authorized(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    text_input = {
        "prompt": {"type": "string", "x-order": 0},
        "aspect_ratio": {"type": "string", "x-order": 1},
        "num_outputs": {"type": "integer", "minimum": 1, "maximum": 4},
        "seed": {"type": "integer"},
        "output_format": {"type": "string"},
    }
    schemas = {
        "black-forest-labs/flux-schnell": text_input,
        "black-forest-labs/flux-dev": {
            **text_input,
            "image": {"type": "string", "format": "uri", "description": "Input image"},
            "prompt_strength": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.8},
        },
    }
    app.state.uploads = {}

    @app.get("/v1/models/{owner}/{name}", response_model=None)
    async def model(owner: str, name: str, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _problem(401, "You did not pass a valid authentication token")
        props = schemas.get(f"{owner}/{name}")
        if props is None:
            return _problem(404, "Not found.")
        schema = {"openapi": "3.0.2", "components": {"schemas": {"Input": {
            "type": "object", "properties": props, "required": ["prompt"]}}}}  # fmt: skip
        version = {"id": "v1", "openapi_schema": schema}
        return JSONResponse(
            {"url": f"https://replicate.com/{owner}/{name}", "owner": owner, "name": name,
             "latest_version": version}
        )  # fmt: skip

    @app.post("/v1/files", response_model=None)
    async def upload(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _problem(401, "You did not pass a valid authentication token")
        form = await request.form()
        content = form.get("content")
        if content is None or not hasattr(content, "read"):
            return _problem(400, "Missing content")
        data = await content.read()  # type: ignore[union-attr]
        fid = secrets.token_hex(8)
        app.state.uploads[fid] = data
        base = str(request.base_url).rstrip("/")
        file = {
            "id": fid, "name": getattr(content, "filename", "file"),
            "content_type": getattr(content, "content_type", ""), "size": len(data),
            "etag": fid, "checksums": {}, "metadata": {},
            "created_at": datetime.now(UTC).isoformat(), "expires_at": None,
            "urls": {"get": f"{base}/v1/files/{fid}"},
        }  # fmt: skip
        return JSONResponse(file, status_code=201)

    @app.get("/v1/webhooks/default/secret", response_model=None)
    async def secret(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _problem(401, "You did not pass a valid authentication token")
        return JSONResponse({"key": SECRET})

    async def run(pid: str, body: dict, behaviour: str) -> None:
        p = app.state.predictions[pid]
        p["status"] = "processing"
        for _ in range(40 if behaviour == "slow" else 4):
            await asyncio.sleep(STEP_S)
            if p["status"] == "canceled":
                break
        if p["status"] != "canceled":
            if behaviour == "failed":
                p["status"], p["error"] = "failed", "NSFW content detected. Try another prompt."
            else:
                urls = []
                for i in range(int(body["input"].get("num_outputs", 1))):
                    buf = io.BytesIO()
                    Image.new("RGB", (1024, 1024), (10, 20 * i, 200)).save(buf, "PNG")
                    app.state.files[f"{pid}-{i}.png"] = buf.getvalue()
                    urls.append(f"{app.state.base}/files/{pid}-{i}.png")
                p["status"], p["output"] = "succeeded", (None if behaviour == "malformed" else urls)
        if body.get("webhook") and behaviour != "nowebhook":
            msg_id, now = f"msg_{secrets.token_hex(8)}", datetime.now(UTC)
            payload = __import__("json").dumps(p)
            async with httpx.AsyncClient() as client:
                await client.post(
                    body["webhook"],
                    content=payload,
                    headers={
                        "content-type": "application/json",
                        "webhook-id": msg_id,
                        "webhook-timestamp": str(int(now.timestamp())),
                        "webhook-signature": Webhook(SECRET).sign(msg_id, now, payload),
                    },
                )
            app.state.webhooks_sent += 1

    @app.post("/v1/models/{owner}/{name}/predictions", response_model=None)
    async def create(owner: str, name: str, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _problem(401, "You did not pass a valid authentication token")
        behaviour = app.state.script.pop(0) if app.state.script else "ok"
        if behaviour == "429":
            return _problem(429, "Request was throttled. Expected available in 1 second.")
        if behaviour == "500":
            return _problem(500, "Internal server error")
        body = await request.json()
        app.state.bodies.append(body)
        app.state.base = str(request.base_url).rstrip("/")
        pid = secrets.token_hex(10)
        app.state.predictions[pid] = {
            "id": pid,
            "model": f"{owner}/{name}",
            "version": "hidden",
            "input": body["input"],
            "logs": "",
            "output": None,
            "error": None,
            "status": "starting",
            "created_at": datetime.now(UTC).isoformat(),
            "urls": {
                "get": f"{app.state.base}/v1/predictions/{pid}",
                "cancel": f"{app.state.base}/v1/predictions/{pid}/cancel",
                "stream": f"{app.state.base}/stream/{pid}",
            },
        }
        asyncio.get_running_loop().create_task(run(pid, body, behaviour))
        return JSONResponse(app.state.predictions[pid], status_code=201)

    @app.get("/v1/predictions/{pid}", response_model=None)
    async def get(pid: str, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _problem(401, "You did not pass a valid authentication token")
        return JSONResponse(app.state.predictions[pid])

    @app.post("/v1/predictions/{pid}/cancel", response_model=None)
    async def cancel(pid: str, request: Request) -> JSONResponse:
        app.state.cancels += 1
        app.state.predictions[pid]["status"] = "canceled"
        return JSONResponse(app.state.predictions[pid])

    @app.get("/files/{name}", response_model=None)
    async def files(name: str) -> Response:
        return Response(app.state.files[name], media_type="image/png")

    return app
