"""The worker's engine catalogue, cached briefly, used to validate requests and fill the form."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from imagegen.contract import EngineCatalog, EngineInfo
from imagegen.services.worker_client import WorkerUnreachable, get_worker_client

_TTL = 30.0


@dataclass(frozen=True)
class Catalog:
    """The worker's EngineCatalog, indexed by engine name."""

    default: str
    engines: dict[str, EngineInfo]
    wire: EngineCatalog | None = None  # as received: keys a newer worker adds are relayed too

    @classmethod
    def from_wire(cls, wire: EngineCatalog) -> Catalog:
        """Indexes a parsed GET /v1/engines answer."""
        return cls(default=wire.default, engines={e.name: e for e in wire.engines}, wire=wire)

    def to_wire(self) -> EngineCatalog:
        """The catalogue as the worker sent it (what /api/engines relays)."""
        return self.wire or EngineCatalog(default=self.default, engines=[*self.engines.values()])


class WorkerUnavailable(RuntimeError):
    """The generation worker did not answer."""


_lock = threading.Lock()
_cache: tuple[float, Catalog] | None = None
_failure: tuple[float, str] | None = None  # a down worker is not asked again for a moment
FAILURE_TTL = 2.0


def get_catalog(max_age: float = _TTL) -> Catalog:
    """The catalogue, from cache when fresh; raises WorkerUnavailable when unreachable."""
    global _cache, _failure
    with _lock:
        if _cache and time.monotonic() - _cache[0] < max_age:
            return _cache[1]
        if _failure and time.monotonic() - _failure[0] < min(max_age, FAILURE_TTL):
            raise WorkerUnavailable(_failure[1])
    try:
        cat = Catalog.from_wire(get_worker_client().engines(timeout=5))
    except (WorkerUnreachable, httpx.HTTPError, KeyError, ValueError) as e:
        why = str(e) if isinstance(e, WorkerUnreachable) else type(e).__name__
        message = f"The generation worker {get_worker_client().where()} is unreachable ({why})."
        with _lock:
            _failure = (time.monotonic(), message)
        raise WorkerUnavailable(message) from e
    with _lock:
        _cache, _failure = (time.monotonic(), cat), None
    return cat


def clear_cache() -> None:
    """Forgets the cached catalogue (tests, and after config changes)."""
    global _cache, _failure
    with _lock:
        _cache, _failure = None, None
