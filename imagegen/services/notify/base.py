"""The completion Notifier seam: wakes whoever waits on a topic (a generation, a user)."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Notifier(abc.ABC):
    """Publish 'topic X changed' (with an optional progress relay); subscribers wait for it."""

    @abc.abstractmethod
    def publish(self, topic: str, relay: dict | None = None) -> None:
        """Signals every subscriber of topic, in every app process; safe from any thread and
        never blocking. relay carries a progress update to the other processes' boards."""

    @abc.abstractmethod
    @contextmanager
    def subscribe(self, topic: str) -> Iterator[asyncio.Event]:
        """An event set when topic is published; register before checking the DB."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Stops background threads (tests; the app keeps one notifier for its life)."""


# Where relays from other processes go: the progress module registers its board when it is
# imported, so the notifier needs no import of what listens to it.
_relay_sinks: list[Callable[[str, dict], None]] = []


def on_relay(sink: Callable[[str, dict], None]) -> None:
    """Sets the one receiver of relays that arrive from other processes."""
    _relay_sinks[:] = [sink]


def deliver_relay(topic: str, relay: dict) -> None:
    """Hands a relay from another process to its receiver, if one is registered."""
    for sink in _relay_sinks:
        sink(topic, relay)


def user_topic(user_id: str) -> str:
    """The topic every tab of one user follows: a generation of theirs appeared or ended."""
    return f"user:{user_id}"
