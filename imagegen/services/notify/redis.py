"""The notifier for several app processes: Redis pub/sub carries every publish (and progress
relays) to every process, where the local notifier wakes that process's waiters."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from imagegen.services.notify.base import Notifier, deliver_relay
from imagegen.services.notify.local import InProcessNotifier

log = logging.getLogger("imagegen.notify")
CHANNEL = "imagegen:events"


class RedisNotifier(Notifier):
    """Publishes go out through one background thread (never blocking a caller); a listener
    thread applies relays to this process's progress board and wakes its waiters."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self.url, self.channel = url, channel
        self.origin = uuid.uuid4().hex  # our own messages are already applied locally
        self.local = InProcessNotifier()
        self._out: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        threading.Thread(target=self._send_loop, name="notify-pub", daemon=True).start()
        threading.Thread(target=self._listen_loop, name="notify-sub", daemon=True).start()
        self._ready.wait(5)  # subscribed (or Redis is down: the poll fallback covers that)

    def publish(self, topic: str, relay: dict | None = None) -> None:
        self.local.publish(topic)
        self._out.put(json.dumps({"t": topic, "r": relay, "o": self.origin}))

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[asyncio.Event]:
        with self.local.subscribe(topic) as event:
            yield event

    def subscriber_count(self) -> int:
        """How many waits are registered here (tests check nothing leaks)."""
        return self.local.subscriber_count()

    def close(self) -> None:
        self._stop.set()
        self._out.put(None)

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            message = self._out.get()
            if message is None:
                return
            for attempt in range(3):
                try:
                    self._client.publish(self.channel, message)
                    break
                except redis.RedisError as e:
                    log.warning("redis publish failed (attempt %d): %s", attempt + 1, e)
                    time.sleep(0.2 * (attempt + 1))

    def _listen_loop(self) -> None:
        delay = 0.2
        while not self._stop.is_set():
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._ready.set()
                self.local.wake_all()  # anything missed while disconnected: re-read the DB
                delay = 0.2
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._receive(message["data"])
                pubsub.close()
            except redis.RedisError as e:
                self._ready.set()
                log.warning("redis subscription lost (%s); reconnecting in %.1fs", e, delay)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _receive(self, data: bytes) -> None:
        try:
            event = json.loads(data)
            topic, relay, origin = event["t"], event.get("r"), event.get("o")
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed notification: %r", data[:200])
            return
        if origin == self.origin:
            return
        if relay:
            deliver_relay(topic, relay)
        self.local.publish(topic)
