"""HTTP calls to a provider, with the failure policy every remote engine shares.

401/403 and other 4xx fail at once with the provider's message; 429 and 5xx are retried a
bounded number of times (429 honours Retry-After, capped); a timeout or a malformed answer
fails with a clear reason. Nothing ever leaves a generation waiting forever.
"""

from __future__ import annotations

import abc
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image, UnidentifiedImageError

from imagegen.worker.engines.base import (
    Engine,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import encode_png, parameters_text

MAX_RETRY_WAIT = 20.0


def _provider_message(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return r.text[:200].strip() or r.reason_phrase
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
        for key in ("detail", "error", "message"):
            if isinstance(body.get(key), str):
                return body[key][:300]
    return r.reason_phrase


def as_png(
    data: bytes,
    request: RenderRequest,
    index: int,
    provider: str,
    *,
    steps: int = 0,
    seeded: bool = True,
) -> RenderedImage:
    """A provider's image as our PNG, carrying the A1111-style `parameters` chunk."""
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError) as e:
        raise EngineError(
            f"{provider} sent image {index + 1} in a form that cannot be read."
        ) from e
    text = parameters_text(request, index, img.size, steps=steps, seeded=seeded)
    png = encode_png(img.convert("RGB"), text)
    return RenderedImage(data=png, width=img.width, height=img.height)


def request_json(
    provider: str,
    send: Callable[[], httpx.Response],
    *,
    retries: int,
    timeout: float,
    control: RenderControl | None = None,
    sleep: Callable[[float], None] = time.sleep,
    explain: Callable[[httpx.Response], str | None] | None = None,
) -> Any:
    """The JSON of a successful answer, or EngineError with a reason a user can act on
    (`explain` may read a refusal's body better than the generic message does)."""
    attempt = 0
    while True:
        attempt += 1
        if control is not None:
            control.check()
        try:
            r = send()
        except httpx.TimeoutException as e:
            raise EngineError(f"{provider} did not answer within {timeout:.0f} s.") from e
        except httpx.HTTPError as e:
            raise EngineError(f"{provider} is unreachable ({type(e).__name__}).") from e
        if r.status_code in (401, 403):
            raise EngineError(
                f"{provider} refused the credentials ({r.status_code}): {_provider_message(r)}"
            )
        retryable = r.status_code == 429 or r.status_code >= 500
        if retryable and attempt <= retries:
            wait = min(MAX_RETRY_WAIT, 2.0 ** (attempt - 1))
            if r.status_code == 429:
                header = r.headers.get("retry-after", "")
                wait = min(MAX_RETRY_WAIT, float(header)) if header.isdigit() else wait
            sleep(wait)
            continue
        if r.status_code == 429:
            raise EngineError(
                f"{provider} is rate limiting requests (429) after {attempt} attempts: "
                f"{_provider_message(r)}"
            )
        if 400 <= r.status_code < 500 and explain is not None and (why := explain(r)):
            raise EngineError(why)
        if r.status_code >= 400:
            raise EngineError(
                f"{provider} failed with HTTP {r.status_code}"
                + (f" after {attempt} attempts" if retryable else "")
                + f": {_provider_message(r)}"
            )
        try:
            return r.json()
        except ValueError as e:
            raise EngineError(f"{provider} sent an answer that is not JSON.") from e


@dataclass(frozen=True)
class Probe:
    """What a look at the provider found: up or not (with why), and its models if it lists any."""

    ok: bool
    reason: str = ""
    models: list[str] = field(default_factory=list)


class ProbedEngine(Engine):
    """A remote engine that asks its server whether it is up at most once a PROBE_TTL: the
    catalogue is read on every form load, and a slow provider must not slow the page."""

    PROBE_TTL = 60.0

    @abc.abstractmethod
    def _probe(self) -> Probe:
        """Asks the provider (a cheap call); never raises."""

    def probed(self) -> Probe:
        """The latest probe, fresh within PROBE_TTL."""
        now = time.monotonic()
        cached: tuple[float, Probe] | None = getattr(self, "_probe_cache", None)
        if cached is not None and now - cached[0] < self.PROBE_TTL:
            return cached[1]
        probe = self._probe()
        self._probe_cache = (now, probe)
        return probe

    def availability(self) -> tuple[bool, str]:
        probe = self.probed()
        return probe.ok, probe.reason

    def after_failure(self) -> None:
        """The cached probe may say "up" for a minute more: the next look asks the server."""
        self._probe_cache = None
