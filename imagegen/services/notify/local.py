"""The notifier of one app process: asyncio events, set thread-safely on their own loops."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from imagegen.services.notify.base import Notifier


class InProcessNotifier(Notifier):
    """For one app process: asyncio events, set thread-safely on their own loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(
            set
        )

    def publish(self, topic: str, relay: dict | None = None) -> None:
        with self._lock:
            subs = list(self._subs.get(topic, ()))
        for loop, event in subs:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._subs[topic].add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                subs = self._subs.get(topic)
                if subs is not None:
                    subs.discard(entry)
                    if not subs:
                        del self._subs[topic]

    def wake_all(self) -> None:
        """Wakes every waiter (after a gap in the feed, each re-reads the database)."""
        with self._lock:
            subs = [e for entries in self._subs.values() for e in entries]
        for loop, event in subs:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def subscriber_count(self) -> int:
        """How many waits are registered (tests check nothing leaks)."""
        with self._lock:
            return sum(len(s) for s in self._subs.values())
