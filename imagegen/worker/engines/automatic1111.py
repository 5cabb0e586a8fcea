"""AUTOMATIC1111's stable-diffusion-webui (started with --api) behind the Engine interface.

API (https://github.com/AUTOMATIC1111/stable-diffusion-webui/wiki/API, /docs on a server):
POST /sdapi/v1/txt2img {prompt, negative_prompt, seed, steps, width, height, batch_size,
override_settings} -> {"images": [base64 PNG, ...], "parameters": {...}, "info": "..."};
GET /sdapi/v1/progress -> {"progress": 0..1, "eta_relative", "state": {...}};
POST /sdapi/v1/interrupt stops the current job, whoever's (it then answers with what it has);
since 1.6, txt2img takes `force_task_id`, and POST /internal/progress {"id_task"} says whether
that job waits for the server's one-job lock (queued), runs (active, with its progress) or is done;
GET /sdapi/v1/sd-models -> [{"title", "model_name", "hash", ...}]. --api-auth adds HTTP basic
auth (401 {"detail": ...} otherwise).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import threading
import time
import uuid
from dataclasses import dataclass

import httpx
from PIL import Image, UnidentifiedImageError

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
    StrengthRange,
)
from imagegen.worker.engines.procedural import ANY_SIZE, SIZES, encode_png
from imagegen.worker.engines.remote import Probe, ProbedEngine, request_json

LOADED = "loaded"  # "whatever checkpoint the server has loaded": no override is sent
STEPS = 20
POLL_S = 0.5
DEFAULT_UPSCALER = "R-ESRGAN 4x+"  # in every A1111 install (models download on first use)
TASK_SEEN_S = 5.0  # a server that never lists our task id by then ignores force_task_id


@dataclass(frozen=True)
class TaskState:
    """Our job on the server: "queued", "running" (with its fraction), "done" or "unknown"."""

    where: str
    fraction: float = 0.0


class Automatic1111Engine(ProbedEngine):
    """txt2img on an AUTOMATIC1111 server, with its progress and its interrupt."""

    name = "automatic1111"
    label = "AUTOMATIC1111"

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        timeout: float,
        retries: int,
        queue_timeout: float = 600.0,
        upscaler: str = DEFAULT_UPSCALER,
    ) -> None:
        self.url = url.rstrip("/")
        self.auth = httpx.BasicAuth(user, password) if user else None
        self.timeout = timeout  # the job's run, from the moment the server starts it
        self.queue_timeout = queue_timeout  # waiting for the server's lock, before that
        self.retries = retries
        self.wanted_upscaler = upscaler
        self._upscalers: list[str] = []  # what the last probe found on the server

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
        try:  # its upscalers (ESRGAN and friends): the first listed is "None"
            r = httpx.get(f"{self.url}/sdapi/v1/upscalers", auth=self.auth, timeout=5)
            self._upscalers = [u["name"] for u in r.json() if isinstance(u, dict)]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            self._upscalers = []
        return Probe(True, "", models)

    def _upscaler(self) -> str:
        """The configured upscaler if the server has it ("" otherwise: a labelled resize)."""
        self.probed()
        return self.wanted_upscaler if self.wanted_upscaler in self._upscalers else ""

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
            supports_image_input=True,  # img2img, with init_images and denoising_strength
            strength_range=StrengthRange(min=0.0, max=1.0),
            upscaler=self._upscaler(),
        )

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        task_id = f"imagegen-{uuid.uuid4().hex}"
        body: dict = {
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "seed": request.seed,
            "steps": STEPS,
            "width": request.width,
            "height": request.height,
            "batch_size": request.num_images,
            "n_iter": 1,
            "force_task_id": task_id,  # so /internal/progress can say whether ours waits or runs
        }
        if request.model and request.model != LOADED:
            body["override_settings"] = {"sd_model_checkpoint": request.model}
        route = "txt2img"
        if request.init_image is not None:  # img2img: from the input, by denoising strength
            route = "img2img"
            body["init_images"] = [base64.b64encode(request.init_image).decode()]
            body["denoising_strength"] = request.strength
            body["resize_mode"] = 1  # crop and resize to width x height, as the form asked
        outcome: dict = {}
        # No read timeout on the POST itself: it blocks while the job waits for the server's
        # lock, and _follow enforces the two limits from what the server says.
        client = httpx.Client(timeout=httpx.Timeout(10.0, read=None), auth=self.auth)

        def post() -> None:
            try:
                outcome["answer"] = request_json(
                    "AUTOMATIC1111",
                    lambda: client.post(f"{self.url}/sdapi/v1/{route}", json=body),
                    retries=self.retries,
                    timeout=self.timeout,
                    control=control,
                )
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = e
            finally:
                client.close()

        poster = threading.Thread(target=post, name="a1111-txt2img", daemon=True)
        poster.start()
        self._follow(task_id, poster, control)
        control.check()  # interrupted: whatever came back is not kept
        if "error" in outcome:
            raise outcome["error"]
        return self._images(outcome.get("answer"), request)

    def upscale(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> RenderedImage | None:
        """/sdapi/v1/extra-single-image with the server's upscaler (None: it has none)."""
        name = self._upscaler()
        if not name or request.init_image is None:
            return None
        body = {
            "image": base64.b64encode(request.init_image).decode(),
            "resize_mode": 1,  # to upscaling_resize_w x _h
            "upscaling_resize_w": request.width,
            "upscaling_resize_h": request.height,
            "upscaling_crop": False,
            "upscaler_1": name,
            "upscaler_2": "None",
            "extras_upscaler_2_visibility": 0,
            "gfpgan_visibility": 0,
            "codeformer_visibility": 0,
        }
        # Extras take no task id: one limit, its queue wait and its run together.
        limit = self.queue_timeout + self.timeout
        with httpx.Client(timeout=httpx.Timeout(10.0, read=limit), auth=self.auth) as client:
            answer = request_json(
                "AUTOMATIC1111",
                lambda: client.post(f"{self.url}/sdapi/v1/extra-single-image", json=body),
                retries=self.retries,
                timeout=limit,
                control=control,
            )
        b64 = answer.get("image") if isinstance(answer, dict) else None
        if not isinstance(b64, str) or not b64:
            raise EngineError("AUTOMATIC1111's upscale answer had no image in it.")
        try:
            with Image.open(
                io.BytesIO(base64.b64decode(b64.split(",", 1)[-1], validate=True))
            ) as im:
                big = im.convert("RGB")
        except (binascii.Error, UnidentifiedImageError, OSError) as e:
            raise EngineError("AUTOMATIC1111 sent the upscaled image in an unreadable form.") from e
        text = f"{request.prompt}\nUpscaler: {name}, Size: {big.width}x{big.height}"
        return RenderedImage(encode_png(big, text), big.width, big.height)

    def _images(self, answer: object, request: RenderRequest) -> list[RenderedImage]:
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

    def _task(self, client: httpx.Client, task_id: str) -> TaskState | None:
        """Where our job is, from /internal/progress; None if the server has no such route."""
        try:
            r = client.post(
                f"{self.url}/internal/progress",
                json={"id_task": task_id, "id_live_preview": -1, "live_preview": False},
            )
        except httpx.HTTPError:
            return TaskState("unknown")  # a missed look; the next one may answer
        try:
            data = r.json() if r.status_code == 200 else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or "active" not in data:
            return None
        if data.get("active"):
            return TaskState("running", float(data.get("progress") or 0))
        if data.get("completed"):
            return TaskState("done")
        return TaskState("queued" if data.get("queued") else "unknown")

    def _follow(self, task_id: str, poster: threading.Thread, control: RenderControl) -> None:
        """Until the POST answers: relays our progress, turns a cancel into a stop of ours
        only, and fails a job that waits longer than queue_timeout or runs longer than
        timeout (a server before 1.6 ignores force_task_id: all its time counts as run)."""
        submitted = time.monotonic()
        started: float | None = None
        seen, legacy = False, False
        with httpx.Client(timeout=5, auth=self.auth) as client:
            while poster.is_alive():
                poster.join(POLL_S)
                if not poster.is_alive():
                    return
                now = time.monotonic()
                state = None if legacy else self._task(client, task_id)
                if state is None or (
                    not seen and state.where == "unknown" and now - submitted > TASK_SEEN_S
                ):
                    legacy, started = True, started or submitted
                    state = TaskState("running", self._server_progress(client))
                seen = seen or state.where != "unknown"
                if state.where == "running":
                    started = started or now
                    control.report(state.fraction)
                if control.cancelled:
                    self._stop(client, task_id, running=started is not None, poster=poster)
                    control.check()
                if started is not None and now - started > self.timeout:
                    self._stop(client, task_id, running=True, poster=poster)
                    waited = started - submitted
                    raise EngineError(
                        f"AUTOMATIC1111 did not finish within {self.timeout:.0f} s of starting"
                        f" the job (IMAGEGEN_ENGINE_TIMEOUT), after {waited:.0f} s in its queue."
                    )
                if started is None and now - submitted > self.queue_timeout:
                    self._stop(client, task_id, running=False, poster=poster)
                    raise EngineError(
                        f"AUTOMATIC1111 did not start the job within {self.queue_timeout:.0f} s:"
                        " it waited in AUTOMATIC1111's queue behind other work"
                        " (IMAGEGEN_ENGINE_QUEUE_TIMEOUT)."
                    )

    def _server_progress(self, client: httpx.Client) -> float:
        """The server's own progress (whoever's job runs): all a server before 1.6 offers."""
        try:
            r = client.get(f"{self.url}/sdapi/v1/progress", params={"skip_current_image": "true"})
            return float(r.json().get("progress", 0))
        except (httpx.HTTPError, ValueError, TypeError, AttributeError):
            return 0.0

    def _stop(
        self, client: httpx.Client, task_id: str, *, running: bool, poster: threading.Thread
    ) -> None:
        """Stops ours only. /sdapi/v1/interrupt stops whatever runs, and A1111 cannot drop a
        job that waits for its lock: a waiting one is watched, and interrupted once it starts."""
        if running:
            with contextlib.suppress(httpx.HTTPError):
                client.post(f"{self.url}/sdapi/v1/interrupt")
            poster.join(5)  # it answers at once with what it has
            return
        threading.Thread(
            target=self._interrupt_when_started, args=(task_id, poster), daemon=True
        ).start()

    def _interrupt_when_started(self, task_id: str, poster: threading.Thread) -> None:
        """Waits (bounded) for an abandoned job to reach the front, then interrupts it."""
        deadline = time.monotonic() + self.queue_timeout + self.timeout
        with httpx.Client(timeout=5, auth=self.auth) as client:
            while poster.is_alive() and time.monotonic() < deadline:
                state = self._task(client, task_id)
                if state is None or state.where == "done":
                    return
                if state.where == "running":
                    with contextlib.suppress(httpx.HTTPError):
                        client.post(f"{self.url}/sdapi/v1/interrupt")
                    return
                poster.join(POLL_S)
