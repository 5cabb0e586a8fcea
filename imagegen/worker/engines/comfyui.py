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
import dataclasses
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
    StrengthRange,
)
from imagegen.worker.engines.comfyui_protocol import (
    combo_choices,
    fill_workflow,
    has_slot,
    model_source,
    node_errors_text,
    preview_frame,
    refusal,
    workflow_steps,
)
from imagegen.worker.engines.procedural import ANY_SIZE, SIZES
from imagegen.worker.engines.remote import Probe, ProbedEngine, as_png, request_json

DEFAULT_WORKFLOW = Path(__file__).parent / "workflows" / "txt2img.json"
IMG2IMG_WORKFLOW = Path(__file__).parent / "workflows" / "img2img.json"


def _load(path: Path) -> dict:
    """A workflow template from its file (a clear error at start-up if it is unreadable)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise EngineError(f"The ComfyUI workflow {path} cannot be read: {e}") from e


STEPS = 20
SLOTS = ("prompt", "negative", "seed", "width", "height", "steps", "batch", "model")
NO_MODEL = "default"  # the catalogue's model for a workflow that needs none
HISTORY_WAIT_S = 5.0  # how long an empty history is asked again after the end message
PREVIEW_INTERVAL_S = 0.5  # at most two previews a second reach the pending card


class ComfyUIEngine(ProbedEngine):
    """A ComfyUI server running our txt2img workflow (or yours)."""

    name = "comfyui"
    label = "ComfyUI"

    def __init__(
        self,
        url: str,
        workflow_path: str,
        timeout: float,
        retries: int,
        queue_timeout: float = 600.0,
        img2img_path: str = "",
        upscale_path: str = "",
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout  # from the prompt's start: its run time
        self.queue_timeout = queue_timeout  # waiting in ComfyUI's own queue, before that
        self.retries = retries
        self.template = _load(Path(workflow_path) if workflow_path else DEFAULT_WORKFLOW)
        self.source = model_source(self.template)
        # From an image: img2img (ours by default) and, if one is configured, an upscale
        # workflow; each takes the uploaded input in its {{input_image}} slot.
        img2img = _load(Path(img2img_path) if img2img_path else IMG2IMG_WORKFLOW)
        self.img2img = img2img if has_slot(img2img, "input_image") else None
        self.upscaler_path = Path(upscale_path) if upscale_path else None
        self.upscale_template = _load(self.upscaler_path) if self.upscaler_path else None

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
            supports_image_input=self.img2img is not None,
            strength_range=StrengthRange(min=0.0, max=1.0) if self.img2img else None,
            upscaler=f"ComfyUI: {self.upscaler_path.stem}" if self.upscaler_path else "",
        )

    def _ws_url(self, client_id: str) -> str:
        parts = urlsplit(self.url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path}/ws?clientId={client_id}"

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        template = self.template
        if request.init_image is not None:
            if self.img2img is None:
                raise EngineError("This ComfyUI setup has no image-to-image workflow.")
            template = self.img2img
        return self._run(request, control or RenderControl(), template)

    def upscale(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> RenderedImage | None:
        """The configured upscale workflow (none: the worker's labelled resize)."""
        if self.upscale_template is None or request.init_image is None:
            return None
        one = dataclasses.replace(request, num_images=1, strength=0.0)
        return self._run(one, control or RenderControl(), self.upscale_template)[0]

    def _run(
        self, request: RenderRequest, control: RenderControl, template: dict
    ) -> list[RenderedImage]:
        """One workflow, one prompt per image where it has seed and batch slots."""
        # A ComfyUI batch shares one seed: with seed and batch slots, each image is a prompt
        # of its own, so image n really comes from seed+n, as its PNG says.
        per_image = has_slot(template, "seed") and has_slot(template, "batch")
        runs = request.num_images if per_image else 1
        client_id = uuid.uuid4().hex
        try:
            ws = connect(self._ws_url(client_id), open_timeout=10, close_timeout=2)
        except (OSError, WebSocketException) as e:
            raise EngineError(f"ComfyUI's websocket is unreachable ({type(e).__name__}).") from e
        images: list[RenderedImage] = []
        with ws, httpx.Client(timeout=self.timeout) as client:
            extra: dict[str, object] = {}
            if request.init_image is not None:
                extra["input_image"] = self._upload(client, request.init_image, control)
                extra["strength"] = request.strength
            for n in range(runs):
                workflow = fill_workflow(
                    template,
                    extra
                    | {
                        "prompt": request.prompt,
                        "negative": request.negative_prompt,
                        "seed": request.seed + n,
                        "width": request.width,
                        "height": request.height,
                        "steps": STEPS,
                        "batch": 1 if per_image else request.num_images,
                        "model": request.model,
                    },
                )
                prompt_id, refused = self._submit(client, workflow, client_id, control)
                self._follow(ws, client, prompt_id, control, (n, runs))
                wanted = 1 if per_image else request.num_images
                images += self._outputs(
                    client, prompt_id, request, refused, first=n, count=wanted,
                    steps=workflow_steps(workflow) or STEPS,
                )  # fmt: skip
        return images

    def _upload(self, client: httpx.Client, image: bytes, control: RenderControl) -> str:
        """POST /upload/image into ComfyUI's input folder: the name LoadImage then takes."""
        name = f"imagegen-{uuid.uuid4().hex}.png"
        answer = request_json(
            "ComfyUI",
            lambda: client.post(
                f"{self.url}/upload/image",
                files={"image": (name, image, "image/png")},
                data={"type": "input", "overwrite": "true"},
            ),
            retries=self.retries,
            timeout=self.timeout,
            control=control,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("name"), str):
            raise EngineError("ComfyUI's answer to /upload/image had no file name.")
        sub = answer.get("subfolder") or ""
        return f"{sub}/{answer['name']}" if sub else answer["name"]

    def _submit(
        self, client: httpx.Client, workflow: dict, client_id: str, control: RenderControl
    ) -> tuple[str, str]:
        """Queues one prompt: its id, and what ComfyUI refused of it while accepting the rest."""
        answer = request_json(
            "ComfyUI",
            lambda: client.post(
                f"{self.url}/prompt", json={"prompt": workflow, "client_id": client_id}
            ),
            retries=self.retries,
            timeout=self.timeout,
            control=control,
            explain=refusal,
        )
        prompt_id = answer.get("prompt_id") if isinstance(answer, dict) else None
        if not isinstance(prompt_id, str):
            raise EngineError("ComfyUI's answer to /prompt had no prompt_id.")
        return prompt_id, node_errors_text(answer.get("node_errors"))

    def _cancel(self, client: httpx.Client, prompt_id: str) -> None:
        """Ours only: out of ComfyUI's queue if it waits there, interrupted if it runs."""
        with contextlib.suppress(httpx.HTTPError):
            client.post(f"{self.url}/queue", json={"delete": [prompt_id]})
        with contextlib.suppress(httpx.HTTPError):
            client.post(f"{self.url}/interrupt", json={"prompt_id": prompt_id})

    def _follow(  # noqa: ANN202
        self,
        ws: object,
        client: httpx.Client,
        prompt_id: str,
        control: RenderControl,
        part: tuple[int, int] = (0, 1),
    ):
        """Relays progress (prompt n of N covers its Nth of the job) until ComfyUI's end
        message for this prompt (executing, node null: sent once the history is written;
        execution_success comes before it)."""
        # Two limits: the wait in ComfyUI's queue (a busy server is not a failing one), then
        # the run from ComfyUI's execution_start.
        started, deadline = False, time.monotonic() + self.queue_timeout
        fraction, last_preview = part[0] / part[1], 0.0
        while True:
            if control.cancelled:
                self._cancel(client, prompt_id)
                control.check()
            if time.monotonic() > deadline:
                self._cancel(client, prompt_id)
                if started:
                    raise EngineError(
                        f"ComfyUI did not finish within {self.timeout:.0f} s of starting the"
                        " prompt (IMAGEGEN_ENGINE_TIMEOUT)."
                    )
                raise EngineError(
                    f"ComfyUI did not start the prompt within {self.queue_timeout:.0f} s: it"
                    " waited in ComfyUI's queue behind other work (IMAGEGEN_ENGINE_QUEUE_TIMEOUT)."
                )
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
            if not started and data.get("prompt_id") == prompt_id:  # execution_start, or after
                started, deadline = True, time.monotonic() + self.timeout
            if kind == "progress" and data.get("max"):
                done = float(data.get("value", 0)) / float(data["max"])
                fraction = (part[0] + done) / part[1]
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
        self,
        client: httpx.Client,
        prompt_id: str,
        request: RenderRequest,
        refused: str = "",
        *,
        first: int = 0,
        count: int = 1,
        steps: int = STEPS,
    ) -> list[RenderedImage]:
        """Images `first`... of the job, from this prompt's history."""
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
        for n, f in enumerate(files[:count]):
            r = client.get(
                f"{self.url}/view",
                params={
                    "filename": f.get("filename"),
                    "subfolder": f.get("subfolder", ""),
                    "type": f.get("type", "output"),
                },
            )
            if r.status_code != 200:
                raise EngineError(
                    f"ComfyUI could not serve image {first + n + 1} (HTTP {r.status_code})."
                )
            out.append(as_png(r.content, request, first + n, "ComfyUI", steps=steps))
        return out
