"""Jobs onto the shared queue (saq on Redis), where every worker on every machine pulls them
when it has a free slot; the engine catalogue from what the live workers publish."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import threading
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio as aioredis
from saq.job import TERMINAL_STATUSES

from imagegen.contract import MAX_ATTEMPTS, EngineCatalog, Job, job_signature
from imagegen.services.worker_client.base import WorkerClient, WorkerTimeout, WorkerUnreachable
from imagegen.shared_queue import (
    CANCEL_CHANNEL,
    CANCEL_REASON,
    ENGINES_KEY,
    FUNCTION,
    FairRedisQueue,
    lease_timers,
    make_queue,
)

log = logging.getLogger("imagegen.worker_client")


class SharedQueueClient(WorkerClient):
    """saq is asyncio and the app's services are not: its calls run on one private loop."""

    def __init__(self, url: str, secret: str, lease_seconds: int) -> None:
        self.url, self.secret, self.lease = url, secret, lease_seconds
        self.sync = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="shared-queue", daemon=True).start()
        self._redis: aioredis.Redis | None = None
        self._queues: dict[str, FairRedisQueue] = {}

    def where(self) -> str:
        parts = urlsplit(self.url)
        return f"on the shared queue at {parts.hostname}:{parts.port or 6379}"

    def _call(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError as e:
            future.cancel()
            raise WorkerTimeout("TimeoutError") from e
        except (redis.RedisError, OSError) as e:
            raise WorkerUnreachable(type(e).__name__) from e

    def _queue(self, engine: str) -> FairRedisQueue:
        """Called on the private loop only."""
        if self._redis is None:
            self._redis = aioredis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)
        if engine not in self._queues:
            self._queues[engine] = make_queue(self._redis, engine)
        return self._queues[engine]

    def submit(self, job: Job, timeout: float) -> None:
        body = job.model_dump_json(by_alias=True)

        async def enqueue() -> None:
            await self._queue(job.params.engine).enqueue(
                FUNCTION,
                key=job.generation_id,  # a repeat while it is queued or running is ignored
                timeout=0,  # engines bound their own time; the lease catches a dead worker
                heartbeat=lease_timers(self.lease)[1],
                retries=MAX_ATTEMPTS + 1,  # the last attempt only reports the failure
                ttl=3600,
                meta={"owner": job.owner_key},
                job=body,
                sig=job_signature(self.secret, body),
            )

        self._call(enqueue(), timeout)

    def cancel(self, generation_id: str, engine: str | None = None, timeout: float = 5) -> bool:
        async def abort() -> bool:
            engines = [engine] if engine else list(self._queues)
            for name in engines:
                queue = self._queue(name)
                found = await queue.job(generation_id)
                if found is not None and found.status not in TERMINAL_STATUSES:
                    await queue.abort(found, CANCEL_REASON)  # out of the queue, or stopped
                    await queue.forget(found)
                    return True
            return False

        try:
            self.sync.publish(CANCEL_CHANNEL, generation_id)  # the process running it stops at once
            return self._call(abort(), timeout)
        except (WorkerTimeout, WorkerUnreachable, redis.RedisError) as e:
            log.warning("could not cancel %s on the shared queue: %s", generation_id, e)
            return False

    def engines(self, timeout: float = 5) -> EngineCatalog:
        """The union of what every live worker process publishes."""
        try:
            keys = list(self.sync.scan_iter(f"{ENGINES_KEY}*", count=200))
            bodies = self.sync.mget(keys) if keys else []
        except redis.RedisError as e:
            raise WorkerUnreachable(type(e).__name__) from e
        merged: dict[str, Any] = {}
        for body in bodies:
            if body is None:
                continue
            catalog = EngineCatalog.model_validate(json.loads(body))
            for e in catalog.engines:
                merged.setdefault(e.name, e)
        if not merged:
            raise WorkerUnreachable("no worker is pulling from the queue")
        default = "procedural" if "procedural" in merged else next(iter(merged))
        return EngineCatalog(default=default, engines=list(merged.values()))

    def close(self) -> None:
        async def shut() -> None:
            if self._redis is not None:
                await self._redis.aclose()

        with contextlib.suppress(Exception):  # closing: nothing left to tell
            asyncio.run_coroutine_threadsafe(shut(), self._loop).result(2)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self.sync.close()
