"""Jobs as signed HTTP requests to one worker URL (which may be a load balancer): every request
signed with IMAGEGEN_WORKER_SECRET (Standard Webhooks, a fresh id each time), one pooled client."""

from __future__ import annotations

import json
import logging

import httpx
from standardwebhooks import Webhook

from imagegen.contract import EngineCatalog, Job, new_msg_id, signed_headers
from imagegen.services.worker_client.base import (
    JobRefused,
    WorkerClient,
    WorkerTimeout,
    WorkerUnreachable,
)

log = logging.getLogger("imagegen.worker_client")


class HttpWorkerClient(WorkerClient):
    """POST /v1/jobs and friends; a new client per call would cost tens of milliseconds of CPU
    (TLS context, pool), which a busy app cannot spend on every submit."""

    def __init__(self, base_url: str, secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.webhook = Webhook(secret)
        self.http = httpx.Client(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16)
        )

    def where(self) -> str:
        return f"at {self.base_url}"

    def _send(self, method: str, path: str, payload: dict | None, timeout: float) -> httpx.Response:
        body = "" if payload is None else json.dumps(payload, separators=(",", ":"))
        headers = signed_headers(self.webhook, new_msg_id("req"), body)
        return self.http.request(
            method, f"{self.base_url}{path}", content=body, headers=headers, timeout=timeout
        )

    def submit(self, job: Job, timeout: float) -> None:
        try:
            r = self._send("POST", "/v1/jobs", job.model_dump(by_alias=True), timeout)
        except httpx.TimeoutException as e:
            raise WorkerTimeout(type(e).__name__) from e
        except httpx.HTTPError as e:
            raise WorkerUnreachable(type(e).__name__) from e
        # 409: a repeat of a job it already ran (a submit that timed out, then landed)
        if r.status_code not in (202, 409):
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = None
            raise JobRefused(detail or f"HTTP {r.status_code}")

    def cancel(self, generation_id: str, engine: str | None = None, timeout: float = 5) -> bool:
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
        try:
            r = self._send("GET", "/v1/engines", None, timeout)
            r.raise_for_status()
        except httpx.HTTPError as e:
            raise WorkerUnreachable(type(e).__name__) from e
        return EngineCatalog.model_validate(r.json())

    def close(self) -> None:
        self.http.close()
