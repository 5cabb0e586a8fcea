"""ComfyUI behind the Engine interface: an API-format workflow with slots, run by its server.

The protocol as ComfyUI (upstream v0.12.1) speaks it, read in its server.py and main.py:
POST /prompt {"prompt": workflow, "client_id"} -> {"prompt_id", "number", "node_errors"}; a
refused workflow gets 400 {"error", "node_errors": {node: {"errors": [{"message", "details"}],
"class_type"}}}, and node_errors can come in a 200 too (some outputs passed). The websocket
/ws?clientId= sends progress, execution_error / execution_interrupted, and execution_success
BEFORE the history is written: the end is {"type": "executing", "data": {"node": null,
"prompt_id"}}, sent after it. GET /history/{prompt_id} lists the outputs; GET /view serves each
image. Cancel removes a waiting prompt (POST /queue {"delete": [id]}) and interrupts it only if
it is the one running (POST /interrupt {"prompt_id": id}): a bare /interrupt would stop anyone's.
GET /object_info/<Loader> lists the models of the loader the workflow uses. Started with
--preview-method, ComfyUI also sends binary preview frames, which become the card's preview.

The workflow template (IMAGEGEN_COMFYUI_WORKFLOW, else workflows/txt2img.json) marks its
slots with the strings "{{prompt}}", "{{negative}}", "{{seed}}", "{{width}}", "{{height}}",
"{{steps}}", "{{batch}}" and "{{model}}". A workflow without a "{{model}}" slot needs no model:
it runs with the model it names itself, if any.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import struct
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PIL import Image, UnidentifiedImageError
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.preview import preview_bytes
from imagegen.worker.engines.procedural import ANY_SIZE, SIZES
from imagegen.worker.engines.remote import Probe, ProbedEngine, as_png, request_json

DEFAULT_WORKFLOW = Path(__file__).parent / "workflows" / "txt2img.json"
STEPS = 20
SLOTS = ("prompt", "negative", "seed", "width", "height", "steps", "batch", "model")
# ComfyUI's model loaders and the input naming their file: where a workflow's model comes from.
LOADERS = {
    "CheckpointLoaderSimple": "ckpt_name",
    "CheckpointLoader": "ckpt_name",
    "ImageOnlyCheckpointLoader": "ckpt_name",
    "unCLIPCheckpointLoader": "ckpt_name",
    "UNETLoader": "unet_name",
    "DiffusersLoader": "model_path",
}
NO_MODEL = "default"  # the catalogue's model for a workflow that needs none
HISTORY_WAIT_S = 5.0  # how long an empty history is asked again after the end message
PREVIEW_INTERVAL_S = 0.5  # at most two previews a second reach the pending card


def model_source(template: dict) -> tuple[str, str, str | None]:
    """(node class, input, its literal model or None for the {{model}} slot) of the loader the
    workflow takes its model from; ("", "", None) when it has none."""
    literal: tuple[str, str, str | None] = ("", "", None)
    for node in template.values():
        if not isinstance(node, dict):
            continue
        inputs = node.get("inputs") if isinstance(node.get("inputs"), dict) else {}
        for name, value in inputs.items():
            if value == "{{model}}":
                return str(node.get("class_type", "")), name, None
        cls = node.get("class_type")
        if cls in LOADERS and isinstance(inputs.get(LOADERS[cls]), str) and not literal[0]:
            literal = (cls, LOADERS[cls], inputs[LOADERS[cls]])
    return literal


def combo_choices(info: object, node_class: str, name: str) -> list[str]:
    """A combo input's choices from /object_info: [[choices...], {...}] (V1 nodes) or
    ["COMBO", {"options": [...]}] (V3 nodes)."""
    spec = info[node_class]["input"]  # type: ignore[index]
    field = (spec.get("required") or {}).get(name) or (spec.get("optional") or {}).get(name)
    first = field[0]
    choices = field[1].get("options", []) if first == "COMBO" else first
    return [c for c in choices if isinstance(c, str)]


def node_errors_text(node_errors: object) -> str:
    """ComfyUI's node_errors as a sentence naming each node and its reason."""
    parts = []
    if isinstance(node_errors, dict):
        for node_id, entry in node_errors.items():
            if not isinstance(entry, dict):
                continue
            for e in entry.get("errors") or []:
                if isinstance(e, dict):
                    detail = f" ({e['details']})" if e.get("details") else ""
                    parts.append(
                        f"{entry.get('class_type', 'node')} (node {node_id}): "
                        f"{e.get('message', 'invalid')}{detail}"
                    )
    return "; ".join(parts)[:500]


def preview_frame(frame: bytes, prompt_id: str) -> bytes | None:
    """A small WebP from one of ComfyUI's binary preview frames (--preview-method): a 4-byte
    event (1: a JPEG or PNG after a 4-byte image type; 4: after a 4-byte length and JSON
    metadata naming its prompt), else None."""
    if len(frame) < 9:
        return None
    event = struct.unpack(">I", frame[:4])[0]
    body = frame[8:]
    if event == 4:
        size = struct.unpack(">I", frame[4:8])[0]
        try:
            meta = json.loads(frame[8 : 8 + size])
        except ValueError:
            return None
        if isinstance(meta, dict) and meta.get("prompt_id") not in (None, prompt_id):
            return None
        body = frame[8 + size :]
    elif event != 1:
        return None
    try:
        with Image.open(io.BytesIO(body)) as img:
            return preview_bytes(img)
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _refusal(r: httpx.Response) -> str | None:
    """A refused workflow's reason, node by node (the top message says only "failed validation")."""
    try:
        body = r.json()
    except ValueError:
        return None
    text = node_errors_text(body.get("node_errors")) if isinstance(body, dict) else ""
    return f"ComfyUI refused the workflow: {text}" if text else None


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
        self.source = model_source(self.template)

    def _probe(self) -> Probe:
        """Asks /object_info about the workflow's loader (or, with no model slot, one of its
        nodes): proves it is ComfyUI, that it has the node, and names the models."""
        node_class, name, literal = self.source
        if not node_class:
            node_class = next(
                (n["class_type"] for n in self.template.values() if isinstance(n, dict)), ""
            )
        try:
            r = httpx.get(f"{self.url}/object_info/{node_class}", timeout=5)
            r.raise_for_status()
            info = r.json()
            if not isinstance(info, dict):
                raise TypeError("object_info is not an object")
        except (httpx.HTTPError, ValueError, TypeError) as e:
            return Probe(False, f"{self.url} is unreachable or not ComfyUI ({type(e).__name__})")
        if node_class not in info:
            return Probe(False, f"the server has no {node_class} node, which the workflow uses")
        if not name or literal is not None:  # the workflow needs no choice of model
            return Probe(True, "", [literal or NO_MODEL])
        try:
            models = combo_choices(info, node_class, name)
        except (KeyError, TypeError, IndexError, AttributeError):
            return Probe(False, f"the server's {node_class} does not list its {name} choices")
        if not models:
            return Probe(False, f"the server has no models for {node_class} ({name})")
        return Probe(True, "", models)

    def capabilities(self) -> EngineCapabilities:
        models = self.probed().models or [NO_MODEL]
        return EngineCapabilities(
            models=models,
            default_model=models[0],
            sizes=SIZES,
            size_range=ANY_SIZE,
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
                explain=_refusal,
            )
            prompt_id = answer.get("prompt_id") if isinstance(answer, dict) else None
            if not isinstance(prompt_id, str):
                raise EngineError("ComfyUI's answer to /prompt had no prompt_id.")
            # Accepted with some outputs refused: said if nothing comes out of the rest.
            refused = node_errors_text(answer.get("node_errors"))
            self._follow(ws, client, prompt_id, control)
            return self._outputs(client, prompt_id, request, refused)

    def _cancel(self, client: httpx.Client, prompt_id: str) -> None:
        """Ours only: out of ComfyUI's queue if it waits there, interrupted if it runs."""
        with contextlib.suppress(httpx.HTTPError):
            client.post(f"{self.url}/queue", json={"delete": [prompt_id]})
        with contextlib.suppress(httpx.HTTPError):
            client.post(f"{self.url}/interrupt", json={"prompt_id": prompt_id})

    def _follow(self, ws: object, client: httpx.Client, prompt_id: str, control: RenderControl):  # noqa: ANN202
        """Relays progress until ComfyUI's end message for this prompt (executing, node null:
        sent once the history is written; execution_success comes before it)."""
        deadline = time.monotonic() + self.timeout
        fraction, last_preview = 0.0, 0.0
        while True:
            if control.cancelled:
                self._cancel(client, prompt_id)
                control.check()
            if time.monotonic() > deadline:
                self._cancel(client, prompt_id)
                raise EngineError(f"ComfyUI did not finish within {self.timeout:.0f} s.")
            try:
                raw = ws.recv(timeout=0.5)  # type: ignore[attr-defined]
            except TimeoutError:
                continue
            except WebSocketException as e:
                raise EngineError("ComfyUI closed its websocket before the result.") from e
            if not isinstance(raw, str):
                preview = preview_frame(raw, prompt_id)
                if preview is not None and time.monotonic() - last_preview >= PREVIEW_INTERVAL_S:
                    last_preview = time.monotonic()
                    control.report(fraction, preview)
                continue
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            data = msg.get("data") if isinstance(msg, dict) else None
            if not isinstance(data, dict) or data.get("prompt_id") not in (None, prompt_id):
                continue
            kind = msg.get("type")
            if kind == "progress" and data.get("max"):
                fraction = float(data.get("value", 0)) / float(data["max"])
                control.report(fraction)
            elif kind == "execution_error":
                reason = data.get("exception_message") or "the workflow failed"
                node = (
                    f" in {data['node_type']} (node {data.get('node_id')})"
                    if data.get("node_type")
                    else ""
                )
                raise EngineError(f"ComfyUI failed{node}: {str(reason)[:300]}")
            elif kind == "execution_interrupted":
                control.check()
                raise EngineError("ComfyUI interrupted the workflow.")
            elif kind == "executing" and data.get("node") is None and data.get("prompt_id"):
                return

    def _outputs(
        self, client: httpx.Client, prompt_id: str, request: RenderRequest, refused: str = ""
    ) -> list[RenderedImage]:
        deadline = time.monotonic() + HISTORY_WAIT_S
        while True:  # written before the end message; asked again briefly should it lag
            history = request_json(
                "ComfyUI",
                lambda: client.get(f"{self.url}/history/{prompt_id}"),
                retries=self.retries,
                timeout=self.timeout,
            )
            if not isinstance(history, dict) or prompt_id in history:
                break
            if time.monotonic() > deadline:
                raise EngineError(
                    f"ComfyUI finished, but its history for this prompt stayed empty for "
                    f"{HISTORY_WAIT_S:.0f} s."
                )
            time.sleep(0.2)
        try:
            outputs = history[prompt_id]["outputs"]
            files = [i for node in outputs.values() for i in node.get("images", [])]
            if not all(isinstance(f, dict) for f in files):
                raise TypeError("image entries are not objects")
        except (KeyError, TypeError, AttributeError) as e:
            raise EngineError("ComfyUI's history for this prompt could not be read.") from e
        if not files:
            if refused:
                raise EngineError(f"ComfyUI refused part of the workflow: {refused}")
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
