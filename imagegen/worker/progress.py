"""Signed progress events to the app, throttled, never retried or stored."""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import httpx
from standardwebhooks import Webhook

from imagegen.contract import (
    Job,
    Progress,
    signed_headers,
)
from imagegen.worker.engines.preview import MAX_PREVIEW_BYTES

log = logging.getLogger("imagegen.worker")


class ProgressSender:
    """Signed progress events, at most a few per second per job, never retried or stored:
    the next one replaces a lost one, and the completion webhook is what counts."""

    def __init__(self, secret: str, min_interval: float = 0.25) -> None:
        self.webhook = Webhook(secret)
        self.min_interval = min_interval
        self._last: dict[str, float] = {}
        self._previews: dict[str, bytes] = {}  # latest unsent preview per job
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task] = set()

    def report(
        self,
        job: Job,
        percent: int,
        queue_position: int,
        force: bool = False,
        preview: bytes | None = None,
        min_gap: float = 0.0,
    ) -> bool:
        """Sends (soon) the job's progress; call on the event loop. A preview that falls
        inside the throttle window rides on the next event that goes out. True if sent."""
        if not job.progress_url:
            return False
        gid = job.generation_id
        if preview is not None and len(preview) <= MAX_PREVIEW_BYTES:
            self._previews[gid] = preview
        now = time.monotonic()
        if not force and now - self._last.get(gid, 0.0) < max(self.min_interval, min_gap):
            return False
        self._last[gid] = now
        shot = self._previews.pop(gid, None)
        event = Progress(
            generation_id=gid,
            percent=percent,
            queue_position=queue_position,
            preview=f"data:image/webp;base64,{base64.b64encode(shot).decode()}" if shot else None,
        )
        task = asyncio.get_running_loop().create_task(self._post(job.progress_url, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def aclose(self) -> None:
        """Closes the pooled client (on shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def forget(self, generation_id: str) -> None:
        """The job is over."""
        self._last.pop(generation_id, None)
        self._previews.pop(generation_id, None)

    async def _post(self, url: str, event: Progress) -> None:
        body = event.model_dump_json(by_alias=True)
        headers = signed_headers(self.webhook, f"prg_{event.generation_id}_{time.time_ns()}", body)
        if self._client is None:  # one pooled client: a new one per event costs ~50 ms of CPU
            self._client = httpx.AsyncClient(timeout=3)
        try:
            await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            log.debug("progress for %s not delivered: %s", event.generation_id, e)
