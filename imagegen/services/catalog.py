"""The worker's engine catalogue, cached briefly, used to validate requests and fill the form."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from imagegen.services.worker_client import get_worker_client
from imagegen.settings.app import get_app_settings

_TTL = 30.0


@dataclass(frozen=True)
class EngineInfo:
    """One engine as the worker describes it."""

    name: str
    label: str
    available: bool
    reason: str | None
    models: list[str]
    default_model: str
    sizes: list[tuple[int, int]]
    max_images: int
    supports_seed: bool
    supports_negative_prompt: bool
    model_limits: dict[str, tuple[list[tuple[int, int]], int]] = field(default_factory=dict)

    def limits(self, model: str) -> tuple[list[tuple[int, int]], int]:
        """(sizes, max images) for one model: its own rules where it has them."""
        return self.model_limits.get(model, (self.sizes, self.max_images))

    @classmethod
    def from_json(cls, d: dict) -> EngineInfo:
        """Parses a /v1/engines entry."""
        return cls(
            name=d["name"],
            label=d["label"],
            available=d.get("available", True),
            reason=d.get("reason"),
            models=list(d["models"]),
            default_model=d["defaultModel"],
            sizes=[(s["width"], s["height"]) for s in d["sizes"]],
            max_images=d["maxImages"],
            supports_seed=d.get("supportsSeed", True),
            supports_negative_prompt=d.get("supportsNegativePrompt", True),
            model_limits={
                m: ([(s["width"], s["height"]) for s in rules["sizes"]], rules["maxImages"])
                for m, rules in (d.get("modelLimits") or {}).items()
            },
        )


@dataclass(frozen=True)
class Catalog:
    """All engines plus which one is the default."""

    default: str
    engines: dict[str, EngineInfo]
    raw: dict


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
        raw = get_worker_client().engines(timeout=5)
        cat = Catalog(
            default=raw["default"],
            engines={e["name"]: EngineInfo.from_json(e) for e in raw["engines"]},
            raw=raw,
        )
    except (httpx.HTTPError, KeyError, ValueError) as e:
        message = (
            f"The generation worker at {get_app_settings().worker_url} "
            f"is unreachable ({type(e).__name__})."
        )
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
