"""Completion Notifier seam: wakes whoever waits on a generation when its webhook lands."""

from __future__ import annotations

import abc
import asyncio
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache


class Notifier(abc.ABC):
    """Publish 'generation X changed'; subscribers wait for it with a timeout."""

    @abc.abstractmethod
    def publish(self, generation_id: str) -> None:
        """Signals every subscriber of generation_id; safe from any thread."""

    @abc.abstractmethod
    @contextmanager
    def subscribe(self, generation_id: str) -> Iterator[asyncio.Event]:
        """An event set when generation_id is published; register before checking the DB."""


class InProcessNotifier(Notifier):
    """For one app process: asyncio events, set thread-safely on their own loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(
            set
        )

    def publish(self, generation_id: str) -> None:
        with self._lock:
            subs = list(self._subs.get(generation_id, ()))
        for loop, event in subs:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscribe(self, generation_id: str) -> Iterator[asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._subs[generation_id].add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                subs = self._subs.get(generation_id)
                if subs is not None:
                    subs.discard(entry)
                    if not subs:
                        del self._subs[generation_id]

    def subscriber_count(self) -> int:
        """How many waits are registered (tests check nothing leaks)."""
        with self._lock:
            return sum(len(s) for s in self._subs.values())


@lru_cache
def get_notifier() -> Notifier:
    """The process-wide notifier."""
    return InProcessNotifier()
