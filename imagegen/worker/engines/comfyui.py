"""ComfyUI behind the Engine interface: an API-format workflow with slots, run by its server.

API (https://docs.comfy.org/development/comfyui-server/comms_routes and comms_messages):
POST /prompt {"prompt": workflow, "client_id"} -> {"prompt_id", "number", "node_errors"}
(400 {"error": {"type", "message"}, "node_errors"} for a bad workflow); the websocket
/ws?clientId= sends {"type": "progress", "data": {"value", "max", "prompt_id"}}, then
"executing" with node null (or "execution_success") when done, "execution_error" or
"execution_interrupted" otherwise; GET /history/{prompt_id} lists the outputs; GET /view
serves each image; POST /interrupt stops the running prompt; GET /object_info/
CheckpointLoaderSimple lists the checkpoints.

The workflow template (IMAGEGEN_COMFYUI_WORKFLOW, else workflows/txt2img.json) marks its
slots with the strings "{{prompt}}", "{{negative}}", "{{seed}}", "{{width}}", "{{height}}",
"{{steps}}", "{{batch}}" and "{{model}}".
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import SIZES
from imagegen.worker.engines.remote import Probe, ProbedEngine, as_png, request_json

DEFAULT_WORKFLOW = Path(__file__).parent / "workflows" / "txt2img.json"
STEPS = 20
SLOTS = ("prompt", "negative", "seed", "width", "height", "steps", "batch", "model")


def fill_workflow(template: dict, values: dict[str, object]) -> dict:
    """The template with every slot filled: a whole-string slot takes the value's type."""

    def fill(node: object) -> object:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str) and "{{" in node:
            for name, value in values.items():
                slot = "{{" + name + "}}"
                if node == slot:
                    return value
                node = node.replace(slot, str(value))
        return node

    return fill(copy.deepcopy(template))  # type: ignore[return-value]


class ComfyUIEngine(ProbedEngine):
    """A ComfyUI server running our txt2img workflow (or yours)."""

    name = "comfyui"
    label = "ComfyUI"

    def __init__(self, url: str, workflow_path: str, timeout: float, retries: int) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        path = Path(workflow_path) if workflow_path else DEFAULT_WORKFLOW
        try:
            self.template = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise EngineError(f"The ComfyUI workflow {path} cannot be read: {e}") from e

    def _probe(self) -> Probe:
        """Reads the checkpoint loader's choices: proves it is ComfyUI, and names the models."""
        try:
            r = httpx.get(f"{self.url}/object_info/CheckpointLoaderSimple", timeout=5)
            r.raise_for_status()
            info = r.json()["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0]
            models = [m for m in info if isinstance(m, str)]
        except (httpx.HTTPError, ValueError, KeyError, TypeError, IndexError) as e:
            return Probe(False, f"{self.url} is unreachable or not ComfyUI ({type(e).__name__})")
        if not models:
            return Probe(False, "the server has no checkpoints")
        return Probe(True, "", models)

    def capabilities(self) -> EngineCapabilities:
        models = self.probed().models
        return EngineCapabilities(
            models=models or ["default"],
            default_model=(models or ["default"])[0],
            sizes=SIZES,
            max_images=4,
            supports_steps=True,
            progress=True,
            cancel=True,
        )

    def _ws_url(self, client_id: str) -> str:
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path}/ws?clientId={client_id}"

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        workflow = fill_workflow(
            self.template,
            {
                "prompt": request.prompt,
                "negative": request.negative_prompt,
                "seed": request.seed,
                "width": request.width,
                "height": request.height,
                "steps": STEPS,
                "batch": request.num_images,
                "model": request.model,
            },
        )
        client_id = uuid.uuid4().hex
        try:
            ws = connect(self._ws_url(client_id), open_timeout=10, close_timeout=2)
        except (OSError, WebSocketException) as e:
            raise EngineError(f"ComfyUI's websocket is unreachable ({type(e).__name__}).") from e
        with ws, httpx.Client(timeout=self.timeout) as client:
            answer = request_json(
                "ComfyUI",
                lambda: client.post(
                    f"{self.url}/prompt", json={"prompt": workflow, "client_id": client_id}
                ),
                retries=self.retries,
                timeout=self.timeout,
                control=control,
            )
            prompt_id = answer.get("prompt_id") if isinstance(answer, dict) else None
            if not isinstance(prompt_id, str):
                raise EngineError("ComfyUI's answer to /prompt had no prompt_id.")
            self._follow(ws, client, prompt_id, control)
            return self._outputs(client, prompt_id, request)

    def _follow(self, ws: object, client: httpx.Client, prompt_id: str, control: RenderControl):  # noqa: ANN202
        """Relays progress until the prompt ends; a cancel becomes /interrupt."""
        deadline = time.monotonic() + self.timeout
        while True:
            if control.cancelled:
                with contextlib.suppress(httpx.HTTPError):
                    client.post(f"{self.url}/interrupt")
                control.check()
            if time.monotonic() > deadline:
                raise EngineError(f"ComfyUI did not finish within {self.timeout:.0f} s.")
            try:
                raw = ws.recv(timeout=0.5)  # type: ignore[attr-defined]
            except TimeoutError:
                continue
            except WebSocketException as e:
                raise EngineError("ComfyUI closed its websocket before the result.") from e
            if not isinstance(raw, str):
                continue  # binary preview frames
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            data = msg.get("data") or {}
            if data.get("prompt_id") not in (None, prompt_id):
                continue
            kind = msg.get("type")
            if kind == "progress" and data.get("max"):
                control.report(float(data.get("value", 0)) / float(data["max"]))
            elif kind == "execution_error":
                reason = data.get("exception_message") or "the workflow failed"
                raise EngineError(f"ComfyUI failed: {str(reason)[:300]}")
            elif kind == "execution_interrupted":
                control.check()
                raise EngineError("ComfyUI interrupted the workflow.")
            elif kind == "execution_success" or (
                kind == "executing" and data.get("node") is None and data.get("prompt_id")
            ):
                return

    def _outputs(
        self, client: httpx.Client, prompt_id: str, request: RenderRequest
    ) -> list[RenderedImage]:
        history = request_json(
            "ComfyUI",
            lambda: client.get(f"{self.url}/history/{prompt_id}"),
            retries=self.retries,
            timeout=self.timeout,
        )
        try:
            outputs = history[prompt_id]["outputs"]
            files = [i for node in outputs.values() for i in node.get("images", [])]
            if not all(isinstance(f, dict) for f in files):
                raise TypeError("image entries are not objects")
        except (KeyError, TypeError, AttributeError) as e:
            raise EngineError("ComfyUI's history for this prompt could not be read.") from e
        if not files:
            raise EngineError("ComfyUI's workflow produced no images (is there a SaveImage?).")
        out = []
        for n, f in enumerate(files[: request.num_images]):
            r = client.get(
                f"{self.url}/view",
                params={
                    "filename": f.get("filename"),
                    "subfolder": f.get("subfolder", ""),
                    "type": f.get("type", "output"),
                },
            )
            if r.status_code != 200:
                raise EngineError(f"ComfyUI could not serve image {n + 1} (HTTP {r.status_code}).")
            out.append(as_png(r.content, request, n, "ComfyUI", steps=STEPS))
        return out
