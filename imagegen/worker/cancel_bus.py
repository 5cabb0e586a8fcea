"""Cancels across several worker processes behind one URL: the process that receives a cancel
for a job it does not hold passes it on through Redis, and the one running it stops it."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

import redis

from imagegen.shared_queue import CANCEL_CHANNEL as CHANNEL

log = logging.getLogger("imagegen.worker.cancel")


class CancelBus:
    """A listener thread that hands each broadcast cancel to this process's worker."""

    def __init__(
        self, url: str, cancel: Callable[[str], bool], loop: asyncio.AbstractEventLoop
    ) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._cancel, self._loop = cancel, loop
        self._stop = threading.Event()
        self._ready = threading.Event()
        threading.Thread(target=self._listen, name="cancel-bus", daemon=True).start()
        self._ready.wait(5)

    def publish(self, generation_id: str) -> None:
        """Tells every worker process to cancel this job (the one that has it does)."""
        try:
            self._client.publish(CHANNEL, generation_id)
        except redis.RedisError as e:
            log.warning("could not broadcast the cancel of %s: %s", generation_id, e)

    def close(self) -> None:
        self._stop.set()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self._ready.set()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        gid = message["data"].decode(errors="replace")
                        self._loop.call_soon_threadsafe(self._cancel, gid)
                pubsub.close()
            except redis.RedisError as e:
                self._ready.set()
                log.warning("cancel bus lost Redis (%s); reconnecting", e)
                time.sleep(1)
