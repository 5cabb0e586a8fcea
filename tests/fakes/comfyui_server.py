"""A local stand-in for ComfyUI's server API, in the shapes its docs and source give.

Routes (https://docs.comfy.org/development/comfyui-server/comms_routes): POST /prompt ->
{"prompt_id", "number", "node_errors": {}} or 400 {"error": {"type", "message", "details",
"extra_info"}, "node_errors": {...}}; GET /history/{id} -> {id: {"prompt": [...],
"outputs": {node: {"images": [{"filename", "subfolder", "type"}]}}, "status": {...}}};
GET /view?filename&subfolder&type -> image bytes; POST /interrupt; GET /object_info/<node>.
Websocket /ws?clientId= messages (comms_messages): status, execution_start, executing,
progress {"value", "max", "prompt_id", "node"}, executed, execution_success,
execution_error, execution_interrupted.

Scripted behaviours: "ok", "429", "500", "bad_workflow", "exec_error", "malformed", "slow".
"""

from __future__ import annotations

import asyncio
import io
import uuid

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from PIL import Image

STEP_S = 0.05
CHECKPOINT = "sd_xl_base_1.0.safetensors"


def create_app() -> FastAPI:
    """The fake server; app.state.script holds the next /prompt behaviours."""
    app = FastAPI()
    app.state.script = []
    app.state.prompts = []
    app.state.sockets = {}
    app.state.history = {}
    app.state.images = {}
    app.state.interrupted = False
    app.state.interrupts = 0

    @app.get("/object_info/CheckpointLoaderSimple", response_model=None)
    async def object_info() -> JSONResponse:
        return JSONResponse(
            {
                "CheckpointLoaderSimple": {
                    "input": {
                        "required": {"ckpt_name": [[CHECKPOINT, "v1-5-pruned-emaonly.safetensors"]]}
                    }
                }
            }
        )

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        client = socket.query_params.get("clientId", "")
        app.state.sockets[client] = socket
        await socket.send_json(
            {
                "type": "status",
                "data": {"status": {"exec_info": {"queue_remaining": 0}}, "sid": client},
            }
        )
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            app.state.sockets.pop(client, None)

    async def run(prompt_id: str, client: str, workflow: dict, behaviour: str) -> None:
        socket = app.state.sockets.get(client)
        sampler = next(n for n in workflow.values() if n["class_type"] == "KSampler")
        latent = next(n for n in workflow.values() if n["class_type"] == "EmptyLatentImage")
        steps = int(sampler["inputs"]["steps"]) * (20 if behaviour == "slow" else 1)
        await socket.send_json({"type": "execution_start", "data": {"prompt_id": prompt_id}})
        for step in range(steps):
            if app.state.interrupted:
                await socket.send_json(
                    {
                        "type": "execution_interrupted",
                        "data": {"prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler"},
                    }
                )
                return
            await asyncio.sleep(STEP_S)
            await socket.send_json(
                {
                    "type": "progress",
                    "data": {"value": step + 1, "max": steps, "prompt_id": prompt_id, "node": "3"},
                }
            )
        if behaviour == "exec_error":
            await socket.send_json(
                {
                    "type": "execution_error",
                    "data": {
                        "prompt_id": prompt_id,
                        "node_id": "3",
                        "node_type": "KSampler",
                        "exception_message": "Allocation on device 0 would exceed allowed memory.",
                        "exception_type": "torch.OutOfMemoryError",
                    },
                }
            )
            return
        files = []
        for i in range(int(latent["inputs"]["batch_size"])):
            name = f"imagegen_{prompt_id[:8]}_{i:05d}_.png"
            buf = io.BytesIO()
            Image.new(
                "RGB", (latent["inputs"]["width"], latent["inputs"]["height"]), (30 * i, 200, 90)
            ).save(buf, "PNG")
            app.state.images[name] = buf.getvalue()
            files.append({"filename": name, "subfolder": "", "type": "output"})
        outputs = {"9": {"images": files}}
        if behaviour == "malformed":
            outputs = {"9": {"images": "nope"}}
        app.state.history[prompt_id] = {
            prompt_id: {
                "prompt": [0, prompt_id, workflow, {}, []],
                "outputs": outputs,
                "status": {"status_str": "success", "completed": True},
            }
        }
        await socket.send_json(
            {
                "type": "executed",
                "data": {"node": "9", "output": outputs["9"], "prompt_id": prompt_id},
            }
        )
        await socket.send_json(
            {"type": "executing", "data": {"node": None, "prompt_id": prompt_id}}
        )

    @app.post("/prompt", response_model=None)
    async def prompt(request: Request) -> JSONResponse:
        body = await request.json()
        behaviour = app.state.script.pop(0) if app.state.script else "ok"
        if behaviour == "429":
            return JSONResponse({"error": "busy"}, status_code=429, headers={"retry-after": "1"})
        if behaviour == "500":
            return JSONResponse({"error": "internal"}, status_code=500)
        if behaviour == "bad_workflow":
            return JSONResponse(
                {
                    "error": {
                        "type": "prompt_outputs_failed_validation",
                        "message": "Prompt outputs failed validation",
                        "details": "",
                        "extra_info": {},
                    },
                    "node_errors": {"4": {"errors": [{"message": "Value not in list"}]}},
                },
                status_code=400,
            )
        app.state.prompts.append(body)
        app.state.interrupted = False
        prompt_id = str(uuid.uuid4())
        asyncio.get_running_loop().create_task(
            run(prompt_id, body.get("client_id", ""), body["prompt"], behaviour)
        )
        return JSONResponse(
            {"prompt_id": prompt_id, "number": len(app.state.prompts), "node_errors": {}}
        )

    @app.get("/history/{prompt_id}", response_model=None)
    async def history(prompt_id: str) -> JSONResponse:
        return JSONResponse(app.state.history.get(prompt_id, {}))

    @app.get("/view", response_model=None)
    async def view(filename: str, subfolder: str = "", type: str = "output") -> Response:  # noqa: A002
        data = app.state.images.get(filename)
        if data is None:
            return Response(status_code=404)
        return Response(data, media_type="image/png")

    @app.post("/interrupt", response_model=None)
    async def interrupt() -> JSONResponse:
        app.state.interrupted = True
        app.state.interrupts += 1
        return JSONResponse({})

    return app
