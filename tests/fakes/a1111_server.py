"""A local stand-in for AUTOMATIC1111's API (stable-diffusion-webui --api --api-auth).

Shapes from https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API and the
server's own /docs: POST /sdapi/v1/txt2img -> {"images": [b64 PNG], "parameters", "info"};
GET /sdapi/v1/progress -> {"progress", "eta_relative", "state", "current_image",
"textinfo"}; POST /sdapi/v1/interrupt -> {}; GET /sdapi/v1/sd-models -> [{"title",
"model_name", "hash", "sha256", "filename", "config"}]. With --api-auth, a wrong or missing
basic auth answers 401 {"detail": "Incorrect username or password"}.

Each txt2img takes `steps` x STEP_S seconds, so progress and interrupt can be watched.
Scripted behaviours: "ok", "429", "500", "slow", "malformed".
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image, PngImagePlugin

USER, PASSWORD = "webui", "s3cret"
STEP_S = 0.1


def _png_b64(width: int, height: int, seed: int, prompt: str) -> str:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"{prompt}\nSteps: 20, Seed: {seed}, Size: {width}x{height}")
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (seed % 255, 120, 60)).save(buf, "PNG", pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode()


def create_app() -> FastAPI:
    """The fake server; app.state.script holds the next txt2img behaviours."""
    app = FastAPI()
    app.state.script = []
    app.state.requests = []
    app.state.progress = 0.0
    app.state.interrupted = False
    app.state.interrupts = 0

    def _authorized(request: Request) -> bool:
        raw = request.headers.get("authorization", "")
        if not raw.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(raw[6:]).decode().partition(":")
        return secrets.compare_digest(user, USER) and secrets.compare_digest(password, PASSWORD)

    def _denied() -> JSONResponse:
        return JSONResponse({"detail": "Incorrect username or password"}, status_code=401)

    @app.get("/sdapi/v1/sd-models", response_model=None)
    async def models(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        return JSONResponse(
            [
                {
                    "title": "v1-5-pruned-emaonly.safetensors [6ce0161689]",
                    "model_name": "v1-5-pruned-emaonly",
                    "hash": "6ce0161689",
                    "sha256": None,
                    "filename": "/models/v1-5-pruned-emaonly.safetensors",
                    "config": None,
                },
            ]
        )

    @app.get("/sdapi/v1/progress", response_model=None)
    async def progress(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        return JSONResponse(
            {
                "progress": app.state.progress,
                "eta_relative": 1.0,
                "state": {"interrupted": app.state.interrupted, "job_count": 1},
                "current_image": None,
                "textinfo": None,
            }
        )

    @app.post("/sdapi/v1/interrupt", response_model=None)
    async def interrupt(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        app.state.interrupted = True
        app.state.interrupts += 1
        return JSONResponse({})

    @app.post("/sdapi/v1/txt2img", response_model=None)
    async def txt2img(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        body = await request.json()
        app.state.requests.append(body)
        behaviour = app.state.script.pop(0) if app.state.script else "ok"
        if behaviour == "500":
            return JSONResponse(
                {
                    "error": "OutOfMemoryError",
                    "detail": "CUDA out of memory",
                    "body": "",
                    "errors": "",
                },
                status_code=500,
            )
        if behaviour == "malformed":
            return JSONResponse({"images": None, "info": "{}"})
        if behaviour == "429":  # e.g. behind a reverse proxy's rate limit
            return JSONResponse(
                {"detail": "Too many requests"}, status_code=429, headers={"retry-after": "1"}
            )
        app.state.interrupted, app.state.progress = False, 0.0
        steps = int(body.get("steps", 20)) * (10 if behaviour == "slow" else 1)
        for step in range(steps):
            if app.state.interrupted:
                break
            await asyncio.sleep(STEP_S)
            app.state.progress = (step + 1) / steps
        n, seed = int(body.get("batch_size", 1)), int(body.get("seed", -1))
        images = [
            _png_b64(body["width"], body["height"], seed + i, body["prompt"]) for i in range(n)
        ]
        app.state.progress = 0.0
        return JSONResponse(
            {"images": images, "parameters": body, "info": json.dumps({"seed": seed})}
        )

    return app
