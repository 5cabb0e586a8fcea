"""The one door from the app to the worker: every request signed with IMAGEGEN_WORKER_SECRET
(Standard Webhooks, a fresh id each time), over one pooled HTTP client."""

from __future__ import annotations

import json
import logging
from functools import lru_cache

import httpx
from standardwebhooks import Webhook

from imagegen.contract import EngineCatalog, Job, new_msg_id, signed_headers
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.worker_client")


class WorkerClient:
    """Submit, cancel and read the engine catalogue; a new client per call would cost tens of
    milliseconds of CPU (TLS context, pool), which a busy app cannot spend on every submit."""

    def __init__(self, base_url: str, secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.webhook = Webhook(secret)
        self.http = httpx.Client(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16)
        )

    def _send(self, method: str, path: str, payload: dict | None, timeout: float) -> httpx.Response:
        body = "" if payload is None else json.dumps(payload, separators=(",", ":"))
        headers = signed_headers(self.webhook, new_msg_id("req"), body)
        return self.http.request(
            method, f"{self.base_url}{path}", content=body, headers=headers, timeout=timeout
        )

    def submit(self, job: Job, timeout: float) -> httpx.Response:
        """POST /v1/jobs; the caller reads the status (202 taken, 409 ran already)."""
        return self._send("POST", "/v1/jobs", job.model_dump(by_alias=True), timeout)

    def cancel(self, generation_id: str, timeout: float = 5) -> bool:
        """Asks the worker to stop a job; False when it could not be told (logged)."""
        try:
            self._send(
                "POST",
                f"/v1/jobs/{generation_id}/cancel",
                {"generationId": generation_id},
                timeout,
            )
        except httpx.HTTPError as e:
            log.warning("could not tell the worker to cancel %s: %s", generation_id, e)
            return False
        return True

    def engines(self, timeout: float = 5) -> EngineCatalog:
        """The engine catalogue (GET /v1/engines); raises httpx errors, or ValueError when the
        answer is not a catalogue."""
        r = self._send("GET", "/v1/engines", None, timeout)
        r.raise_for_status()
        return EngineCatalog.model_validate(r.json())

    def close(self) -> None:
        """Closes the pool (tests reset singletons between stacks)."""
        self.http.close()


@lru_cache
def get_worker_client() -> WorkerClient:
    """The process-wide client for IMAGEGEN_WORKER_URL."""
    s = get_app_settings()
    return WorkerClient(s.worker_url, s.resolved_worker_secret())
