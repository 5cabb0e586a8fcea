"""Live progress of in-flight generations: kept in memory, never written to the database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from imagegen.services.notify import get_notifier

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
        """Records an event (no database write) and wakes whoever watches the generation."""
        now = time.monotonic()
        with self._lock:
            current = self._latest.get(generation_id)
            if current is not None and current.done:
                return
            kept = preview or (current.preview if current is not None else "")
            self._latest[generation_id] = ProgressInfo(percent, queue_position, now, preview=kept)
            if len(self._latest) > 10_000:  # forget stale entries of lost generations
                self._latest = {k: v for k, v in self._latest.items() if now - v.at < TTL_SECONDS}
        get_notifier().publish(generation_id)

    def get(self, generation_id: str) -> ProgressInfo | None:
        """The latest progress, if any arrived."""
        with self._lock:
            return self._latest.get(generation_id)

    def finish(self, generation_id: str) -> None:
        """The generation is over: drop its progress and ignore any that still trickles in."""
        with self._lock:
            self._latest[generation_id] = ProgressInfo(100, 0, time.monotonic(), done=True)


@lru_cache
def get_progress_board() -> ProgressBoard:
    """The process-wide board (one app process; Redis carries it across processes later)."""
    return ProgressBoard()
