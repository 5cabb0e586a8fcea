"""The Engine interface: what every generator declares and does, so new ones plug in."""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field


class EngineError(RuntimeError):
    """A generation failed; the message becomes the generation's user-visible reason."""


@dataclass(frozen=True)
class EngineCapabilities:
    """What an engine can do; the app validates requests and builds its form from this."""

    models: list[str]
    default_model: str
    sizes: list[tuple[int, int]]
    max_images: int
    supports_seed: bool = True
    supports_negative_prompt: bool = True
    supports_steps: bool = False
    progress: bool = False
    cancel: bool = False

    def to_json(self) -> dict:
        """camelCase JSON for the engine catalogue."""
        d = asdict(self)
        return {
            "models": d["models"],
            "defaultModel": d["default_model"],
            "sizes": [{"width": w, "height": h} for w, h in self.sizes],
            "maxImages": d["max_images"],
            "supportsSeed": d["supports_seed"],
            "supportsNegativePrompt": d["supports_negative_prompt"],
            "supportsSteps": d["supports_steps"],
            "progress": d["progress"],
            "cancel": d["cancel"],
        }


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
    def generate(self, request: RenderRequest) -> list[RenderedImage]:
        """Renders request.num_images images; raises EngineError with a clear reason."""

    def describe(self) -> dict:
        """The catalogue entry for GET /v1/engines."""
        ok, reason = self.availability()
        return {
            "name": self.name,
            "label": self.label,
            "available": ok,
            "reason": reason or None,
            **self.capabilities().to_json(),
        }
