"""A local stand-in for ComfyUI's server, behaving as upstream v0.12.1 does (read in its source:
server.py's routes, main.py's prompt_worker, execution.py's PromptExecutor and validation).

Behaviours copied from the real server:
- One prompt runs at a time; the others wait in a queue, in order (PromptQueue).
- A run sends, to the prompt's client: execution_start, execution_cached, executing (per node),
  progress {"value", "max", "prompt_id", "node"}, executed, then execution_success. Only THEN
  is the history written (prompt_worker's task_done runs after execute() returns), and only
  after that comes {"type": "executing", "data": {"node": null, "prompt_id"}}: the real end. An
  immediate GET /history/{id} after execution_success answers {} (HISTORY_DELAY_S here).
- A failure sends execution_error (an interrupt, execution_interrupted), then the history is
  written with status "error", then executing with node null, as after a success.
- POST /prompt validates: a bad input answers 400 {"error": {"type":
  "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details",
  "extra_info"}, "node_errors": {node: {"errors": [{"type", "message", "details",
  "extra_info"}], "dependent_outputs", "class_type"}}}; here a KSampler seed over the scripted
  maximum is refused with ComfyUI's "Value … bigger than max of …" message. When some outputs
  pass, it answers 200 with the failing nodes in node_errors and runs the rest.
- POST /queue {"delete": [prompt_id, ...]} removes waiting prompts (a running one is not in the
  waiting queue and is untouched); {"clear": true} empties the queue.
- POST /interrupt {"prompt_id": id} interrupts only if that prompt is the one running, and does
  nothing otherwise; a bare POST /interrupt interrupts whatever runs, anyone's.
- Started with --preview-method, it sends binary frames to the running prompt's client: a
  4-byte event (1, PREVIEW_IMAGE), a 4-byte image type (1 JPEG, 2 PNG), then the image
  (server.py's send_image / encode_bytes); other events are other binary frames.
- POST /upload/image (multipart "image", "type", "overwrite", "subfolder") stores into the input
  folder and answers {"name", "subfolder", "type"}; without overwrite a clash becomes
  "name (1).png" (same bytes: the same name). LoadImage with a file the folder lacks is refused
  at validation: "Custom validation failed for node", details "image - Invalid image file: x".
- GET /object_info/<Node> answers {Node: {"input": {"required": {...}}, ...}}, with combo
  inputs as [[choices...], {...}] (V1 nodes: CheckpointLoaderSimple, UNETLoader) or
  ["COMBO", {"options": [...]}] (V3 nodes); a class the server lacks gets {} with 200.

Scripted behaviours (app.state.script, one per /prompt): "ok", "429", "500", "exec_error",
"malformed", "slow" (x4 steps), "slower" (x10), "output_invalid" (200 with node_errors,
nothing saved), "late_history" (the history lands only after the end message).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import struct
import time
import uuid

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from PIL import Image

STEP_S = 0.03
HISTORY_DELAY_S = 0.3  # between execution_success and the history being written
CHECKPOINT = "sd_xl_base_1.0.safetensors"
CHECKPOINTS = [CHECKPOINT, "v1-5-pruned-emaonly.safetensors"]
UNETS = ["flux1-schnell.safetensors"]
SEED_MAX = 0xFFFFFFFFFFFFFFFF


def _png(width: int, height: int, shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30 * shade % 255, 200, 90)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(width: int, height: int, shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (shade * 9 % 255, 60, 160)).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _shape(workflow: dict) -> tuple[tuple[int, int], int, str | None]:
    """(size, batch, uploaded input name) of a txt2img or an img2img workflow."""
    by_class = {n["class_type"]: n["inputs"] for n in workflow.values()}
    if "EmptyLatentImage" in by_class:
        latent = by_class["EmptyLatentImage"]
        return (latent["width"], latent["height"]), int(latent["batch_size"]), None
    scale = by_class["ImageScale"]
    batch = int(by_class.get("RepeatLatentBatch", {}).get("amount", 1))
    return (scale["width"], scale["height"]), batch, by_class["LoadImage"]["image"]


def _from_input(data: bytes, size: tuple[int, int], sampler: dict) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        fitted = im.convert("RGB").resize(size)
    art = Image.new("RGB", size, (200, 0, 200))
    buf = io.BytesIO()
    Image.blend(fitted, art, float(sampler.get("denoise", 1))).save(buf, "PNG")
    return buf.getvalue()


def create_app() -> FastAPI:
    """The fake server; app.state.script holds the next /prompt behaviours."""
    app = FastAPI()
    s = app.state
    s.script, s.prompts, s.sockets, s.history, s.images = [], [], {}, {}, {}
    s.queue: list[dict] = []  # waiting prompts, in order
    s.running: dict | None = None
    s.interrupt_requested = False
    s.interrupts = 0  # POST /interrupt calls, whatever they did
    s.interrupt_bodies: list[dict] = []
    s.deleted: list[str] = []
    s.seed_max = SEED_MAX
    s.previews = False  # ComfyUI started with --preview-method
    s.checkpoints = list(CHECKPOINTS)
    s.number = 0
    s.inputs: dict[str, bytes] = {}  # ComfyUI's input folder: uploads, by LoadImage name
    wake = asyncio.Event()

    @app.on_event("startup")
    async def start_worker() -> None:
        asyncio.get_running_loop().create_task(worker())

    async def send(client: str, msg: dict) -> None:
        socket = s.sockets.get(client)
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.send_json(msg)

    async def worker() -> None:
        """ComfyUI's prompt_worker: one prompt at a time, in queue order."""
        while True:
            if not s.queue:
                wake.clear()
                await wake.wait()
                continue
            item = s.queue.pop(0)
            s.running, s.interrupt_requested = item, False
            try:
                await run(item)
            finally:
                s.running = None

    def write_history(item: dict, outputs: dict, ok: bool) -> None:
        s.history[item["id"]] = {
            item["id"]: {
                "prompt": [item["number"], item["id"], item["workflow"], {}, list(outputs)],
                "outputs": outputs,
                "status": {"status_str": "success" if ok else "error", "completed": ok},
            }
        }

    async def run(item: dict) -> None:
        pid, client, workflow, behaviour = item["id"], item["client"], item["workflow"], item["b"]
        sampler = next((k, n) for k, n in workflow.items() if n["class_type"] == "KSampler")
        size, batch, source = _shape(workflow)
        steps = int(sampler[1]["inputs"]["steps"]) * {"slow": 4, "slower": 10}.get(behaviour, 1)
        await send(client, {"type": "execution_start", "data": {"prompt_id": pid}})
        await send(client, {"type": "execution_cached", "data": {"nodes": [], "prompt_id": pid}})
        await send(client, {"type": "executing", "data": {"node": sampler[0], "prompt_id": pid}})
        outputs: dict = {}
        ok = True
        for step in range(steps):
            if s.interrupt_requested:
                await send(
                    client,
                    {
                        "type": "execution_interrupted",
                        "data": {"prompt_id": pid, "node_id": sampler[0], "node_type": "KSampler",
                                 "executed": []},
                    },
                )  # fmt: skip
                ok = False
                break
            await asyncio.sleep(STEP_S)
            if s.previews and step % 5 == 4:  # --preview-method: PREVIEW_IMAGE, as send_image
                socket = s.sockets.get(client)
                if socket is not None:
                    await socket.send_bytes(
                        struct.pack(">II", 1, 1) + _jpeg(64, 64, step)  # event 1, JPEG
                    )
                    await socket.send_bytes(struct.pack(">I", 3) + b"unknown event")
            await send(
                client,
                {
                    "type": "progress",
                    "data": {"value": step + 1, "max": steps, "prompt_id": pid,
                             "node": sampler[0]},
                },
            )  # fmt: skip
        if ok and behaviour == "exec_error":
            await send(
                client,
                {
                    "type": "execution_error",
                    "data": {
                        "prompt_id": pid,
                        "node_id": sampler[0],
                        "node_type": "KSampler",
                        "exception_message": "Allocation on device 0 would exceed allowed memory.",
                        "exception_type": "torch.OutOfMemoryError",
                    },
                },
            )
            ok = False
        if ok and behaviour != "output_invalid":
            files = []
            for i in range(batch):
                name = f"imagegen_{pid[:8]}_{i:05d}_.png"
                if source is not None:  # img2img: the input, fitted, moved by the denoise
                    s.images[name] = _from_input(s.inputs[source], size, sampler[1]["inputs"])
                else:
                    s.images[name] = _png(size[0], size[1], i)
                files.append({"filename": name, "subfolder": "", "type": "output"})
            outputs = {"9": {"images": "nope" if behaviour == "malformed" else files}}
            await send(
                client, {"type": "executed", "data": {"node": "9", "output": outputs["9"],
                                                     "prompt_id": pid}},
            )  # fmt: skip
        if ok:
            await send(client, {"type": "execution_success", "data": {"prompt_id": pid}})
        # prompt_worker: execute() has returned; task_done writes the history, then the end.
        await asyncio.sleep(HISTORY_DELAY_S)
        if behaviour != "late_history":
            write_history(item, outputs, ok)
        await send(client, {"type": "executing", "data": {"node": None, "prompt_id": pid}})
        if behaviour == "late_history":
            await asyncio.sleep(1.0)
            write_history(item, outputs, ok)

    @app.get("/object_info/{node_class}", response_model=None)
    async def object_info(node_class: str) -> JSONResponse:
        required = {
            "CheckpointLoaderSimple": {"ckpt_name": [list(s.checkpoints), {"tooltip": "…"}]},
            "UNETLoader": {
                "unet_name": [list(UNETS)],
                "weight_dtype": [["default", "fp8_e4m3fn", "fp8_e5m2"]],
            },
            "ImageOnlyLoader": {"model": ["COMBO", {"options": ["tiny.safetensors"]}]},
            "KSampler": {"seed": ["INT", {"default": 0, "min": 0, "max": s.seed_max}]},
            "SaveImage": {"images": ["IMAGE"], "filename_prefix": ["STRING", {}]},
            "EmptyImage": {"width": ["INT", {}], "height": ["INT", {}]},
            "EmptyLatentImage": {"width": ["INT", {}], "height": ["INT", {}]},
            "CLIPTextEncode": {"text": ["STRING", {}], "clip": ["CLIP"]},
            "VAEDecode": {"samples": ["LATENT"], "vae": ["VAE"]},
        }.get(node_class)
        if required is None:
            return JSONResponse({})  # ComfyUI's answer for a class it does not have
        return JSONResponse(
            {node_class: {"input": {"required": required}, "name": node_class, "output": []}}
        )

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        client = socket.query_params.get("clientId", "") or uuid.uuid4().hex
        s.sockets[client] = socket
        await socket.send_json(
            {
                "type": "status",
                "data": {"status": {"exec_info": {"queue_remaining": len(s.queue)}}, "sid": client},
            }
        )
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            s.sockets.pop(client, None)

    def validate(workflow: dict) -> dict:
        """node_errors, as ComfyUI's validate_inputs reports them."""
        errors = {}
        for node_id, node in workflow.items():
            image = node["inputs"].get("image")
            if node["class_type"] == "LoadImage" and image not in s.inputs:
                errors[node_id] = {  # LoadImage.VALIDATE_INPUTS, as validate_inputs wraps it
                    "errors": [
                        {
                            "type": "custom_validation_failed",
                            "message": "Custom validation failed for node",
                            "details": f"image - Invalid image file: {image}",
                            "extra_info": {"input_name": "image"},
                        }
                    ],
                    "dependent_outputs": ["9"],
                    "class_type": "LoadImage",
                }
            if node["class_type"] == "KSampler":
                seed = node["inputs"]["seed"]
                if isinstance(seed, int) and seed > s.seed_max:
                    errors[node_id] = {
                        "errors": [
                            {
                                "type": "value_bigger_than_max",
                                "message": f"Value {seed} bigger than max of {s.seed_max}",
                                "details": "seed",
                                "extra_info": {"input_name": "seed", "received_value": seed},
                            }
                        ],
                        "dependent_outputs": ["9"],
                        "class_type": "KSampler",
                    }
        return errors

    @app.post("/prompt", response_model=None)
    async def prompt(request: Request) -> JSONResponse:
        body = await request.json()
        behaviour = s.script.pop(0) if s.script else "ok"
        if behaviour == "429":
            return JSONResponse({"error": "busy"}, status_code=429, headers={"retry-after": "1"})
        if behaviour == "500":
            return JSONResponse({"error": "internal"}, status_code=500)
        node_errors = validate(body["prompt"])
        if node_errors:
            details = "\n".join(
                f"{e['message']}: {e['details']}" for n in node_errors.values() for e in n["errors"]
            )
            return JSONResponse(
                {
                    "error": {
                        "type": "prompt_outputs_failed_validation",
                        "message": "Prompt outputs failed validation",
                        "details": details,
                        "extra_info": {},
                    },
                    "node_errors": node_errors,
                },
                status_code=400,
            )
        if behaviour == "output_invalid":  # another output passed: 200, and the rest runs
            node_errors = {
                "9": {
                    "errors": [
                        {
                            "type": "required_input_missing",
                            "message": "Required input is missing",
                            "details": "images",
                            "extra_info": {"input_name": "images"},
                        }
                    ],
                    "dependent_outputs": ["9"],
                    "class_type": "SaveImage",
                }
            }
        s.number += 1
        pid = str(uuid.uuid4())
        item = {
            "id": pid,
            "number": s.number,
            "client": body.get("client_id", ""),
            "workflow": body["prompt"],
            "b": behaviour,
            "t": time.monotonic(),
        }
        s.prompts.append(body)
        s.queue.append(item)
        wake.set()
        return JSONResponse({"prompt_id": pid, "number": s.number, "node_errors": node_errors})

    @app.get("/queue", response_model=None)
    async def queue() -> JSONResponse:
        def row(i: dict) -> list:
            return [i["number"], i["id"], i["workflow"], {"client_id": i["client"]}, ["9"]]

        return JSONResponse(
            {
                "queue_running": [row(s.running)] if s.running else [],
                "queue_pending": [row(i) for i in s.queue],
            }
        )

    @app.post("/queue", response_model=None)
    async def edit_queue(request: Request) -> Response:
        body = await request.json()
        if body.get("clear"):
            s.queue.clear()
        for pid in body.get("delete", []):
            before = len(s.queue)
            s.queue[:] = [i for i in s.queue if i["id"] != pid]
            if len(s.queue) < before:
                s.deleted.append(pid)
        return Response(status_code=200)

    @app.post("/upload/image", response_model=None)
    async def upload_image(request: Request) -> Response:
        """server.py's image_upload: multipart "image" into the input folder (type input), a
        clash renamed "name (1).png" unless overwrite is "true"/"1" or the bytes are the same."""
        form = await request.form()
        image = form.get("image")
        if image is None or not getattr(image, "filename", ""):
            return Response(status_code=400)
        data = await image.read()  # type: ignore[union-attr]
        sub = str(form.get("subfolder", ""))
        name = image.filename  # type: ignore[union-attr]
        if str(form.get("overwrite")) not in ("true", "1"):
            stem, dot, ext = name.rpartition(".")
            i = 1
            while (f"{sub}/{name}" if sub else name) in s.inputs and s.inputs[
                f"{sub}/{name}" if sub else name
            ] != data:
                name = f"{stem} ({i}).{ext}" if dot else f"{name} ({i})"
                i += 1
        s.inputs[f"{sub}/{name}" if sub else name] = data
        kind = str(form.get("type") or "input")
        return JSONResponse({"name": name, "subfolder": sub, "type": kind})

    @app.get("/history/{prompt_id}", response_model=None)
    async def history(prompt_id: str) -> JSONResponse:
        return JSONResponse(s.history.get(prompt_id, {}))

    @app.get("/view", response_model=None)
    async def view(filename: str, subfolder: str = "", type: str = "output") -> Response:  # noqa: A002
        data = s.images.get(filename)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="image/png")

    @app.post("/interrupt", response_model=None)
    async def interrupt(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        s.interrupts += 1
        s.interrupt_bodies.append(body)
        target = body.get("prompt_id")
        if s.running is not None and (not target or s.running["id"] == target):
            s.interrupt_requested = True
        return Response(status_code=200)

    return app
