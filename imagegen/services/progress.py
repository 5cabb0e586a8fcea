"""Live progress of in-flight generations: kept in memory, never written to the database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from imagegen.services.notify import get_notifier
from imagegen.services.notify.base import on_relay

TTL_SECONDS = 3600.0


@dataclass(frozen=True)
class ProgressInfo:
    """The latest word from the worker about one generation."""

    percent: int
    queue_position: int  # jobs ahead of it; 0 once it runs
    at: float
    done: bool = False  # finished: later (stray) progress events are ignored
    preview: str = ""  # the latest glimpse (a small data: URL), kept until a newer one


class ProgressBoard:
    """Latest progress per generation; a progress event wakes the generation's watchers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, ProgressInfo] = {}

    def update(
        self, generation_id: str, percent: int, queue_position: int, preview: str | None = None
    ) -> None:
        """Records an event (no database write) and wakes whoever watches the generation, in
        this process and (through the notifier) in every other."""
        if self._apply(generation_id, percent, queue_position, preview):
            relay = {"percent": percent, "queue": queue_position, "preview": preview}
            get_notifier().publish(generation_id, relay)

    def _apply(
        self, generation_id: str, percent: int, queue_position: int, preview: str | None
    ) -> bool:
        now = time.monotonic()
        with self._lock:
            current = self._latest.get(generation_id)
            if current is not None and current.done:
                return False
            kept = preview or (current.preview if current is not None else "")
            self._latest[generation_id] = ProgressInfo(percent, queue_position, now, preview=kept)
            if len(self._latest) > 10_000:  # forget stale entries of lost generations
                self._latest = {k: v for k, v in self._latest.items() if now - v.at < TTL_SECONDS}
        return True

    def apply(self, generation_id: str, relay: dict) -> None:
        """A relay from another process's board (no re-publish)."""
        if relay.get("done"):
            self._finish(generation_id)
            return
        try:
            percent, position = int(relay["percent"]), int(relay["queue"])
        except (KeyError, TypeError, ValueError):
            return
        self._apply(generation_id, percent, position, relay.get("preview"))

    def get(self, generation_id: str) -> ProgressInfo | None:
        """The latest progress, if any arrived."""
        with self._lock:
            return self._latest.get(generation_id)

    def finish(self, generation_id: str) -> None:
        """The generation is over: drop its progress, ignore any that still trickles in, and
        wake its watchers everywhere."""
        self._finish(generation_id)
        get_notifier().publish(generation_id, {"done": True})

    def _finish(self, generation_id: str) -> None:
        with self._lock:
            self._latest[generation_id] = ProgressInfo(100, 0, time.monotonic(), done=True)


@lru_cache
def get_progress_board() -> ProgressBoard:
    """The process-wide board; with Redis, every process's board hears every update."""
    return ProgressBoard()


on_relay(lambda topic, relay: get_progress_board().apply(topic, relay))
