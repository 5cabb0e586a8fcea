"""A local stand-in for AUTOMATIC1111's API (stable-diffusion-webui >= 1.6, --api --api-auth).

Shapes from the server's own source (modules/api/api.py, modules/progress.py,
modules/shared_state.py): POST /sdapi/v1/txt2img -> {"images": [b64 PNG], "parameters",
"info"}; GET /sdapi/v1/progress -> {"progress", "eta_relative", "state", "current_image",
"textinfo"}; POST /sdapi/v1/interrupt -> {}; GET /sdapi/v1/sd-models -> [{"title",
"model_name", "hash", "sha256", "filename", "config"}]. With --api-auth, a wrong or missing
basic auth on /sdapi answers 401 {"detail": "Incorrect username or password"}.

Behaviours it copies from that source:
- one job at a time: txt2img takes `force_task_id` (or makes its own id), adds it to
  `pending_tasks`, then waits for the server-wide `queue_lock`; `start_task` makes it the
  `current_task`, and `finish_task` moves it to `finished_tasks` (the last 16);
- POST /internal/progress {"id_task"} (no --api-auth: it is the web UI's own route) answers
  {"active", "queued", "completed", "progress", "eta", "live_preview", "id_live_preview",
  "textinfo"}, with progress only for the task that runs ("In queue: i/n" for one that waits);
- /sdapi/v1/progress is the server's, whoever's job runs;
- /sdapi/v1/interrupt stops whatever runs; `state.begin` clears the flag when the next job
  starts, so an interrupt never reaches a job still waiting for the lock. An interrupted job
  still answers, with the images it has.
`app.state.honours_task_id = False` acts as a server before 1.6, which ignores force_task_id.

Each txt2img takes `steps` x STEP_S seconds, so progress and interrupt can be watched.
img2img (POST /sdapi/v1/img2img) is txt2img with `init_images` (base64) and
`denoising_strength`; a missing init image is 404 {"detail": "Init image not found"}. Upscale is
POST /sdapi/v1/extra-single-image {"image", "resize_mode", "upscaling_resize(_w/_h)",
"upscaler_1", ...} -> {"image", "html_info"}, with the names of GET /sdapi/v1/upscalers (always
"None", "Lanczos", "Nearest", then the installed models); it takes no task id.

Scripted behaviours: "ok", "429", "500", "slow", "malformed".
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
import time
import uuid

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


def create_app() -> FastAPI:  # noqa: C901 - one closure per route of the real server
    """The fake server; app.state.script holds the next txt2img behaviours."""
    app = FastAPI()
    st = app.state
    st.script, st.requests = [], []
    st.progress, st.interrupted, st.interrupts = 0.0, False, 0
    st.honours_task_id = True
    st.pending: dict[str, float] = {}
    st.current: str | None = None
    st.finished: list[str] = []
    st.steps_run: dict[str, int] = {}  # task id -> steps it rendered before it answered
    st.ended_at: dict[str, float] = {}  # task id -> time.time() when it let go of the lock
    st.queue_lock = asyncio.Lock()
    st.upscalers = ["R-ESRGAN 4x+", "ESRGAN_4x"]  # those installed besides the built-in resizes
    st.extras: list[dict] = []

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
                "progress": st.progress,
                "eta_relative": 1.0,
                "state": {"interrupted": st.interrupted, "job_count": 1 if st.current else 0},
                "current_image": None,
                "textinfo": None,
            }
        )

    @app.post("/internal/progress", response_model=None)
    async def task_progress(request: Request) -> JSONResponse:
        body = await request.json()
        task = body.get("id_task")
        active, queued, completed = task == st.current, task in st.pending, task in st.finished
        if not active:
            text = "Waiting..."
            if queued:
                order = sorted(st.pending, key=st.pending.__getitem__)
                text = f"In queue: {order.index(task) + 1}/{len(order)}"
            return JSONResponse(
                {
                    "active": False,
                    "queued": queued,
                    "completed": completed,
                    "progress": None,
                    "eta": None,
                    "live_preview": None,
                    "id_live_preview": -1,
                    "textinfo": text,
                }
            )
        return JSONResponse(
            {
                "active": True,
                "queued": queued,
                "completed": completed,
                "progress": st.progress,
                "eta": 1.0,
                "live_preview": None,
                "id_live_preview": body.get("id_live_preview", -1),
                "textinfo": None,
            }
        )

    @app.post("/sdapi/v1/interrupt", response_model=None)
    async def interrupt(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        st.interrupted = True
        st.interrupts += 1
        return JSONResponse({})

    @app.get("/sdapi/v1/upscalers", response_model=None)
    async def upscalers(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        names = ["None", "Lanczos", "Nearest", *st.upscalers]
        return JSONResponse(
            [
                {"name": n, "model_name": None, "model_path": None, "model_url": None, "scale": 4}
                for n in names
            ]
        )

    @app.post("/sdapi/v1/extra-single-image", response_model=None)
    async def extras(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        body = await request.json()
        st.extras.append(body)
        if body.get("upscaler_1") not in ["None", "Lanczos", "Nearest", *st.upscalers]:
            # modules/postprocessing: an unknown name is a bare assertion -> 500
            return JSONResponse(
                {
                    "error": "AssertionError",
                    "detail": "",
                    "body": "",
                    "errors": "could not find upscaler",
                },
                status_code=500,
            )
        with Image.open(io.BytesIO(base64.b64decode(body["image"]))) as im:
            if body.get("resize_mode") == 1:
                size = (int(body["upscaling_resize_w"]), int(body["upscaling_resize_h"]))
            else:
                k = float(body.get("upscaling_resize", 2))
                size = (int(im.width * k), int(im.height * k))
            big = im.convert("RGB").resize(size)
        buf = io.BytesIO()
        big.save(buf, "PNG")
        return JSONResponse(
            {"html_info": "<p></p>", "image": base64.b64encode(buf.getvalue()).decode()}
        )

    @app.post("/sdapi/v1/img2img", response_model=None)
    async def img2img(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        body = await request.json()
        if not body.get("init_images"):
            return JSONResponse({"detail": "Init image not found"}, status_code=404)
        return await _render(body)

    @app.post("/sdapi/v1/txt2img", response_model=None)
    async def txt2img(request: Request) -> JSONResponse:
        if not _authorized(request):
            return _denied()
        return await _render(await request.json())

    async def _render(body: dict) -> JSONResponse:
        st.requests.append(body)
        behaviour = st.script.pop(0) if st.script else "ok"
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
        forced = body.get("force_task_id") if st.honours_task_id else None
        task = forced or f"task({uuid.uuid4().hex[:15]})"
        st.pending[task] = time.time()  # add_task_to_queue
        async with st.queue_lock:
            st.pending.pop(task, None)  # start_task
            st.current = task
            st.interrupted, st.progress = False, 0.0  # state.begin
            steps = int(body.get("steps", 20)) * (10 if behaviour == "slow" else 1)
            done = 0
            for step in range(steps):
                if st.interrupted:
                    break
                await asyncio.sleep(STEP_S)
                done = step + 1
                st.progress = done / steps
            st.steps_run[task], st.ended_at[task] = done, time.time()
            st.finished = [*st.finished, task][-16:]  # finish_task
            st.current, st.progress = None, 0.0
        n, seed = int(body.get("batch_size", 1)), int(body.get("seed", -1))
        images = [
            _png_b64(body["width"], body["height"], seed + i, body["prompt"]) for i in range(n)
        ]
        return JSONResponse(
            {"images": images, "parameters": body, "info": json.dumps({"seed": seed})}
        )

    return app
