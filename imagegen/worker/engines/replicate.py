"""Replicate predictions behind the Engine interface.

API (https://replicate.com/docs/reference/http): POST /v1/models/{owner}/{name}/predictions
{"input": {...}, "webhook", "webhook_events_filter": ["completed"]} -> 201 {"id", "status",
"urls": {"get", "cancel"}, "output", "error"}; GET urls.get polls it; POST urls.cancel stops
it. Webhooks are signed like Standard Webhooks with the key from GET
/v1/webhooks/default/secret (https://replicate.com/docs/topics/webhooks/verify-webhook).
Outputs are URLs that Replicate deletes after an hour: they are downloaded at once and the
worker stores them like any engine's images.
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

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(
            models=self.models,
            default_model=self.models[0],
            sizes=list(ASPECTS),
            max_images=4,
            supports_seed=True,
            supports_negative_prompt=False,
            cancel=True,
        )

    def _probe(self) -> Probe:
        """Asks for the webhook signing key: it proves the token works."""
        try:
            self._webhook_secret(refresh=True)
        except EngineError as e:
            return Probe(False, str(e))
        return Probe(True)

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
