"""AUTOMATIC1111's stable-diffusion-webui (started with --api) behind the Engine interface.

API (https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API, /docs on a server):
POST /sdapi/v1/txt2img {prompt, negative_prompt, seed, steps, width, height, batch_size,
override_settings} -> {"images": [base64 PNG, ...], "parameters": {...}, "info": "..."};
GET /sdapi/v1/progress -> {"progress": 0..1, "eta_relative", "state": {...}};
POST /sdapi/v1/interrupt stops the current job (it then answers with what it has);
GET /sdapi/v1/sd-models -> [{"title", "model_name", "hash", ...}]. --api-auth adds HTTP basic
auth (401 {"detail": ...} otherwise).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import threading

import httpx
from PIL import Image, UnidentifiedImageError

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import ANY_SIZE, SIZES
from imagegen.worker.engines.remote import Probe, ProbedEngine, request_json

LOADED = "loaded"  # "whatever checkpoint the server has loaded": no override is sent
STEPS = 20


class Automatic1111Engine(ProbedEngine):
    """txt2img on an AUTOMATIC1111 server, with its progress and its interrupt."""

    name = "automatic1111"
    label = "AUTOMATIC1111"

    def __init__(self, url: str, user: str, password: str, timeout: float, retries: int) -> None:
        self.url = url.rstrip("/")
        self.auth = httpx.BasicAuth(user, password) if user else None
        self.timeout = timeout
        self.retries = retries

    def _probe(self) -> Probe:
        """Lists the server's checkpoints: proves it is up, and names the models."""
        try:
            r = httpx.get(f"{self.url}/sdapi/v1/sd-models", auth=self.auth, timeout=5)
            if r.status_code == 401:
                return Probe(False, "the server refused the username or password (401)")
            if r.status_code >= 400:
                return Probe(False, f"{self.url} answered HTTP {r.status_code}")
            models = [m["model_name"] for m in r.json() if isinstance(m, dict)]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
            return Probe(False, f"{self.url} is unreachable ({type(e).__name__})")
        return Probe(True, "", models)

    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(
            models=[LOADED, *self.probed().models],
            default_model=LOADED,
            sizes=SIZES,
            size_range=ANY_SIZE,
            max_images=4,
            supports_seed=True,
            supports_negative_prompt=True,
            supports_steps=True,
            progress=True,
            cancel=True,
        )

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        body: dict = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "seed": request.seed,
            "steps": STEPS,
            "width": request.width,
            "height": request.height,
            "batch_size": request.num_images,
            "n_iter": 1,
        }
        if request.model and request.model != LOADED:
            body["override_settings"] = {"sd_model_checkpoint": request.model}
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(control, done), daemon=True)
        watcher.start()
        try:
            with httpx.Client(timeout=self.timeout, auth=self.auth) as client:
                answer = request_json(
                    "AUTOMATIC1111",
                    lambda: client.post(f"{self.url}/sdapi/v1/txt2img", json=body),
                    retries=self.retries,
                    timeout=self.timeout,
                    control=control,
                )
        finally:
            done.set()
            watcher.join(2)
        control.check()  # interrupted: whatever came back is not kept
        images = answer.get("images") if isinstance(answer, dict) else None
        if not isinstance(images, list) or not images:
            raise EngineError("AUTOMATIC1111's answer had no images in it.")
        out = []
        for n, b64 in enumerate(images[: request.num_images]):
            try:
                data = base64.b64decode(str(b64).split(",", 1)[-1], validate=True)
                img = Image.open(io.BytesIO(data))
                img.load()
            except (binascii.Error, UnidentifiedImageError, OSError) as e:
                raise EngineError(f"AUTOMATIC1111 sent image {n + 1} in an unreadable form.") from e
            if img.format != "PNG":
                raise EngineError(f"AUTOMATIC1111 sent image {n + 1} as {img.format}, not PNG.")
            # Its PNGs carry their own `parameters` chunk already: kept as they are.
            out.append(RenderedImage(data=data, width=img.width, height=img.height))
        return out

    def _watch(self, control: RenderControl, done: threading.Event) -> None:
        """While txt2img runs: relays /progress, and turns a cancel into /interrupt."""
        with httpx.Client(timeout=5, auth=self.auth) as client:
            while not done.wait(0.5):
                if control.cancelled:
                    with contextlib.suppress(httpx.HTTPError):
                        client.post(f"{self.url}/sdapi/v1/interrupt")
                    return
                try:
                    r = client.get(
                        f"{self.url}/sdapi/v1/progress", params={"skip_current_image": "true"}
                    )
                    fraction = float(r.json().get("progress", 0))
                except (httpx.HTTPError, ValueError, TypeError, AttributeError):
                    continue  # progress is best effort; the result is what counts
                control.report(fraction)
