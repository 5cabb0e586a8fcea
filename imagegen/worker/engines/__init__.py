"""Engine registry: the engines this worker offers, built from settings."""

from __future__ import annotations

from imagegen.worker.engines.base import (
    Engine,
    EngineCapabilities,
    EngineError,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import ProceduralEngine

__all__ = [
    "Engine",
    "EngineCapabilities",
    "EngineError",
    "RenderRequest",
    "RenderedImage",
    "available_engines",
]


def available_engines() -> dict[str, Engine]:
    """The configured engines by name; the procedural one is always there."""
    engines: list[Engine] = [ProceduralEngine()]
    return {e.name: e for e in engines}
