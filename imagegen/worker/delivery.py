"""Signed webhook delivery with an on-disk outbox, so a finished job survives a worker restart."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from pathlib import Path

import httpx
from standardwebhooks import Webhook

from imagegen.contract import signed_headers

__all__ = ["Outbox", "signed_headers"]
log = logging.getLogger("imagegen.worker.delivery")

# Statuses that mean "the app will never accept this": stop retrying, keep a dead letter.
_PERMANENT = {400, 401, 403, 404, 410, 413, 415, 422}


class Outbox:
    """Pending deliveries as JSON files; written before the first attempt, removed on success."""

    def __init__(
        self,
        root: Path,
        secret: str,
        *,
        base_delay: float = 0.5,
        max_delay: float = 60.0,
        timeout: float = 10.0,
        max_age: float = 3600.0,
    ) -> None:
        self.root = root
        self.dead = root / "dead"
        self.root.mkdir(parents=True, exist_ok=True)
        self.webhook = Webhook(secret)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.max_age = max_age  # past it, a delivery is given up (the app's watchdog ends it)
        self._tasks: set[asyncio.Task] = set()
        self._client: httpx.AsyncClient | None = None

    def enqueue(self, msg_id: str, url: str, payload: dict) -> Path:
        """Persists a delivery atomically and returns its file."""
        path = self.root / f"{msg_id}.json"
        tmp = path.with_suffix(".tmp")
        entry = {"id": msg_id, "url": url, "payload": payload, "created": time.time()}
        tmp.write_text(json.dumps(entry))
        os.replace(tmp, path)
        return path

    def send(self, msg_id: str, url: str, payload: dict) -> asyncio.Task[bool]:
        """Persists then delivers in the background; the task says whether the app took it."""
        return self._spawn(self.enqueue(msg_id, url, payload))

    def resume(self) -> int:
        """Restarts delivery of everything left by a previous run."""
        paths = sorted(self.root.glob("*.json"))
        for p in paths:
            self._spawn(p)
        return len(paths)

    def _spawn(self, path: Path) -> asyncio.Task[bool]:
        task = asyncio.get_running_loop().create_task(self._deliver(path))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def pending(self) -> int:
        """How many deliveries are still in flight."""
        return len(self._tasks)

    async def _deliver(self, path: Path) -> bool:
        entry = json.loads(path.read_text())
        created = float(entry.get("created") or path.stat().st_mtime)
        body = json.dumps(entry["payload"], separators=(",", ":"))
        attempt = 0
        if self._client is None:  # shared: a client per delivery costs ~50 ms of CPU
            self._client = httpx.AsyncClient(timeout=self.timeout)
        client = self._client
        while True:
            attempt += 1
            headers = signed_headers(self.webhook, entry["id"], body)
            try:
                r = await client.post(entry["url"], content=body, headers=headers)
                if r.is_success:
                    path.unlink(missing_ok=True)
                    log.info("delivered %s after %d attempt(s)", entry["id"], attempt)
                    return True
                if r.status_code in _PERMANENT:
                    self._bury(path)
                    log.error(
                        "app rejected %s with %d: %s", entry["id"], r.status_code, r.text[:300]
                    )
                    return False
                reason = f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                reason = f"{type(e).__name__}: {e}"
            delay = min(self.max_delay, self.base_delay * 2 ** min(attempt - 1, 16))
            delay *= random.uniform(0.8, 1.2)
            age = time.time() - created
            if age + delay > self.max_age:
                self._bury(path)
                log.error(
                    "gave up delivering %s to %s after %d attempt(s) over %.0f s "
                    "(IMAGEGEN_DELIVERY_MAX_AGE=%g; last error: %s); kept in %s, and the app's "
                    "watchdog will end the generation FAILED",
                    entry["id"],
                    entry["url"],
                    attempt,
                    age,
                    self.max_age,
                    reason,
                    self.dead,
                )
                return False
            log.warning(
                "delivery %s attempt %d failed (%s); retrying in %.1fs",
                entry["id"],
                attempt,
                reason,
                delay,
            )
            await asyncio.sleep(delay)

    def _bury(self, path: Path) -> None:
        """Moves a delivery that will never succeed to the dead letters, for a person to see."""
        self.dead.mkdir(exist_ok=True)
        os.replace(path, self.dead / path.name)

    async def aclose(self) -> None:
        """Closes the pooled client (on shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def drain(self, timeout: float) -> None:
        """Waits up to timeout for in-flight deliveries (used on shutdown and in tests)."""
        deadline = time.monotonic() + timeout
        while self._tasks and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
