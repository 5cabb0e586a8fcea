"""Replicate predictions behind the Engine interface.

API (https://replicate.com/docs/reference/http): POST /v1/models/{owner}/{name}/predictions
{"input": {...}, "webhook", "webhook_events_filter": ["completed"]} -> 201 {"id", "status",
"urls": {"get", "cancel"}, "output", "error"}; GET urls.get polls it; POST urls.cancel stops
it. Webhooks are signed like Standard Webhooks with the key from GET
/v1/webhooks/default/secret (https://replicate.com/docs/topics/webhooks/verify-webhook).
Outputs are URLs that Replicate deletes after an hour: they are downloaded at once and the
worker stores them like any engine's images. From an image: GET /v1/models/{owner}/{name}
gives the model's input schema (latest_version.openapi_schema.components.schemas.Input); a
model with an image input ("image", "input_image" or "init_image") gets the input uploaded
with POST /v1/files (multipart "content") as that field's URL, and its strength as
"prompt_strength" (or "strength") where the schema has one.
"""

from __future__ import annotations

import contextlib
import threading
import time

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
    StrengthRange,
)
from imagegen.worker.engines.remote import Probe, ProbedEngine, as_png, request_json

# Sizes offered, as the aspect ratios FLUX-style models take (their output size is their own).
ASPECTS = {
    (1024, 1024): "1:1",
    (1024, 576): "16:9",
    (576, 1024): "9:16",
    (1024, 768): "4:3",
    (768, 1024): "3:4",
}
POLL_SECONDS = 2.0
IMAGE_FIELDS = ("image", "input_image", "init_image")
STRENGTH_FIELDS = ("prompt_strength", "strength")


class ReplicateEngine(ProbedEngine):
    """Image models hosted on Replicate (or a server speaking its API at REPLICATE_BASE_URL)."""

    name = "replicate"
    label = "Replicate"

    def __init__(
        self,
        token: str,
        base_url: str,
        models: list[str],
        webhook_url: str,
        timeout: float,
        retries: int,
    ) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.models = models
        self.webhook_url = webhook_url  # empty: no webhook, polling only
        self.timeout = timeout
        self.retries = retries
        self._done: dict[str, tuple[threading.Event, list[dict]]] = {}
        self._lock = threading.Lock()
        self._secret: str | None = None
        self._schemas: dict[str, dict] = {}  # each model's input properties, from the probe

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def capabilities(self) -> EngineCapabilities:
        self.probed()  # the models' input schemas come with the probe
        fields = [self._fields(m) for m in self.models]
        return EngineCapabilities(
            models=self.models,
            default_model=self.models[0],
            sizes=list(ASPECTS),
            max_images=4,
            supports_seed=True,
            supports_negative_prompt=False,
            cancel=True,
            supports_image_input=any(image for image, _ in fields),
            strength_range=StrengthRange() if any(st for _, st in fields) else None,
        )

    def _probe(self) -> Probe:
        """Asks for the webhook signing key (it proves the token works), then each model's
        input schema (which of them start from an image)."""
        try:
            self._webhook_secret(refresh=True)
        except EngineError as e:
            return Probe(False, str(e))
        for model in self.models:
            try:
                r = httpx.get(
                    f"{self.base_url}/v1/models/{model}", headers=self._headers(), timeout=5
                )
                schema = r.json()["latest_version"]["openapi_schema"]
                self._schemas[model] = schema["components"]["schemas"]["Input"]["properties"]
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                self._schemas.pop(model, None)  # unknown: offered for text only
        return Probe(True)

    def _fields(self, model: str) -> tuple[str, str]:
        """(image input, strength input) of a model's schema ("" where it has none)."""
        props = self._schemas.get(model) or {}
        image = next((f for f in IMAGE_FIELDS if f in props), "")
        strength = next((f for f in STRENGTH_FIELDS if f in props), "") if image else ""
        return image, strength

    def _upload(self, client: httpx.Client, data: bytes, control: RenderControl) -> str:
        """POST /v1/files: the URL a prediction's image input then takes."""
        answer = request_json(
            "Replicate",
            lambda: client.post(
                f"{self.base_url}/v1/files", files={"content": ("input.png", data, "image/png")}
            ),
            retries=self.retries,
            timeout=self.timeout,
            control=control,
        )
        url = (answer.get("urls") or {}).get("get") if isinstance(answer, dict) else None
        if not isinstance(url, str):
            raise EngineError("Replicate's answer to the file upload had no URL.")
        return url

    def _webhook_secret(self, refresh: bool = False) -> str:
        if self._secret and not refresh:
            return self._secret
        try:
            r = httpx.get(
                f"{self.base_url}/v1/webhooks/default/secret", headers=self._headers(), timeout=5
            )
        except httpx.HTTPError as e:
            raise EngineError(f"{self.base_url} is unreachable ({type(e).__name__})") from e
        if r.status_code in (401, 403):
            raise EngineError(f"the API token was refused ({r.status_code})")
        try:
            r.raise_for_status()
            self._secret = str(r.json()["key"])
        except (httpx.HTTPError, ValueError, KeyError) as e:
            raise EngineError(f"{self.base_url} answered HTTP {r.status_code}") from e
        return self._secret

    def receive_webhook(self, body: bytes, headers: dict[str, str]) -> bool:
        """A prediction's completion, verified with Replicate's signing key; False if forged."""
        try:
            payload = Webhook(self._webhook_secret()).verify(body, headers)
        except (WebhookVerificationError, ValueError, EngineError):
            return False
        if isinstance(payload, dict) and isinstance(payload.get("id"), str):
            with self._lock:
                waiter = self._done.get(payload["id"])
            if waiter is not None:
                waiter[1].append(payload)
                waiter[0].set()
        return True

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        aspect = ASPECTS.get((request.width, request.height))
        if aspect is None:
            raise EngineError(f"Replicate models here take {', '.join(ASPECTS.values())}.")
        body: dict = {
            "input": {
                "prompt": request.prompt,
                "num_outputs": request.num_images,
                "aspect_ratio": aspect,
                "seed": request.seed,
                "output_format": "png",
            }
        }
        if self.webhook_url:
            body["webhook"] = self.webhook_url
            body["webhook_events_filter"] = ["completed"]
        with httpx.Client(timeout=self.timeout, headers=self._headers()) as client:
            if request.init_image is not None:
                image, strength = self._fields(request.model)
                if not image:
                    raise EngineError(f"{request.model} takes no input image on Replicate.")
                body["input"][image] = self._upload(client, request.init_image, control)
                if strength:
                    body["input"][strength] = request.strength
            created = request_json(
                "Replicate",
                lambda: client.post(
                    f"{self.base_url}/v1/models/{request.model}/predictions", json=body
                ),
                retries=self.retries,
                timeout=self.timeout,
                control=control,
            )
            try:
                pid, urls = created["id"], created["urls"]
            except (KeyError, TypeError) as e:
                raise EngineError("Replicate's answer had no prediction id.") from e
            final = self._wait(client, pid, urls, control)
            return self._download(client, final, request)

    def _wait(self, client: httpx.Client, pid: str, urls: dict, control: RenderControl) -> dict:
        """The finished prediction: from its webhook, or by polling when none arrives."""
        event, box = threading.Event(), []
        with self._lock:
            self._done[pid] = (event, box)
        deadline = time.monotonic() + self.timeout
        try:
            while time.monotonic() < deadline:
                if control.cancelled:
                    with contextlib.suppress(httpx.HTTPError):
                        client.post(urls["cancel"])
                    control.check()
                if event.wait(POLL_SECONDS) and box:
                    prediction = box[-1]
                else:
                    prediction = request_json(
                        "Replicate",
                        lambda: client.get(urls["get"]),
                        retries=self.retries,
                        timeout=self.timeout,
                    )
                status = prediction.get("status") if isinstance(prediction, dict) else None
                if status == "succeeded":
                    return prediction
                if status == "failed":
                    raise EngineError(f"Replicate failed: {str(prediction.get('error'))[:300]}")
                if status == "canceled":
                    control.check()
                    raise EngineError("The prediction was cancelled on Replicate.")
            raise EngineError(f"Replicate did not finish within {self.timeout:.0f} s.")
        finally:
            with self._lock:
                self._done.pop(pid, None)

    def _download(
        self, client: httpx.Client, prediction: dict, request: RenderRequest
    ) -> list[RenderedImage]:
        output = prediction.get("output")
        urls = [output] if isinstance(output, str) else output
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise EngineError("Replicate's prediction has no image URLs in its output.")
        out = []
        for n, url in enumerate(urls[: request.num_images]):
            try:
                r = client.get(url)  # now: Replicate deletes outputs after an hour
                r.raise_for_status()
            except httpx.HTTPError as e:
                raise EngineError(f"Replicate's image {n + 1} could not be fetched.") from e
            out.append(as_png(r.content, request, n, "Replicate"))
        return out
