"""The Engine interface: what every generator declares and does, so new ones plug in."""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from imagegen.contract import (  # noqa: F401 (re-exported)
    EngineCapabilities,
    EngineInfo,
    SizeRange,
    StrengthRange,
)


class EngineError(RuntimeError):
    """A generation failed; the message becomes the generation's user-visible reason."""


class Cancelled(Exception):
    """The user cancelled the generation; the engine stopped early."""


class RenderControl:
    """What a running engine may do besides rendering: report progress, notice a cancel."""

    def __init__(self, on_progress: Callable[[float, bytes | None], None] | None = None) -> None:
        self._on_progress = on_progress
        self._cancel = threading.Event()

    def report(self, fraction: float, preview: bytes | None = None) -> None:
        """Progress in 0..1 (and an optional small preview image); cheap to call often."""
        if self._on_progress is not None:
            self._on_progress(max(0.0, min(1.0, fraction)), preview)

    def cancel(self) -> None:
        """Asks the engine to stop (from another thread)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether a cancel was asked for."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raises Cancelled if a cancel was asked for; engines call it between steps."""
        if self._cancel.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class RenderRequest:
    """One job's parameters as the engine sees them."""

    prompt: str
    width: int
    height: int
    num_images: int = 1
    seed: int = 0
    negative_prompt: str = ""
    model: str = ""
    extra: dict = field(default_factory=dict)
    # img2img: the input (PNG, JPEG or WebP bytes, already checked by the app) and how far to
    # move from it, 0 (keep it) to 1 (ignore it).
    init_image: bytes | None = None
    strength: float = 0.0


@dataclass(frozen=True)
class RenderedImage:
    """One finished image, encoded."""

    data: bytes
    width: int
    height: int
    format: str = "PNG"


class Engine(abc.ABC):
    """A generator. Subclasses set name and label and implement capabilities and generate."""

    name: str = "abstract"
    label: str = "Abstract"

    @abc.abstractmethod
    def capabilities(self) -> EngineCapabilities:
        """What this engine supports."""

    def availability(self) -> tuple[bool, str]:
        """(usable, reason); engines behind a network check their server here."""
        return True, ""

    @abc.abstractmethod
    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        """Renders request.num_images images; raises EngineError with a clear reason, or
        Cancelled when control says so. Engines with progress report it through control."""

    def upscale(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> RenderedImage | None:
        """request.init_image enlarged to request.width x height by the engine's own upscaler,
        if it has one; None lets the worker resize it (Lanczos, labelled as such)."""
        return None

    def validate(self, request: RenderRequest) -> None:  # noqa: B027 (optional hook)
        """Raises EngineError when the request breaks a rule of this engine or model."""

    def after_failure(self) -> None:  # noqa: B027 (optional hook)
        """A job just failed on this engine: a remote one checks its server again at once."""

    def concurrency(self, default: int) -> int:
        """How many jobs this engine runs at once (a GPU or an API quota may say fewer)."""
        return default

    def info(self) -> EngineInfo:
        """The catalogue entry for GET /v1/engines (checks availability: may be slow)."""
        ok, reason = self.availability()
        return EngineInfo(
            name=self.name,
            label=self.label,
            available=ok,
            reason=reason or None,
            **dict(self.capabilities()),
        )

    def describe(self) -> dict:
        """The catalogue entry as JSON."""
        return self.info().model_dump(mode="json", by_alias=True)
