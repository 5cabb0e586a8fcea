"""Engine registry: the engines this worker offers, built from settings."""

from __future__ import annotations

from imagegen.worker.engines.base import (
    Cancelled,
    Engine,
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import ProceduralEngine

__all__ = [
    "Cancelled",
    "Engine",
    "EngineCapabilities",
    "EngineError",
    "RenderControl",
    "RenderRequest",
    "RenderedImage",
    "available_engines",
]


def available_engines() -> dict[str, Engine]:
    """The configured engines by name; the procedural one is always there."""
    from imagegen.settings.worker import get_worker_settings

    s = get_worker_settings()
    engines: list[Engine] = [ProceduralEngine(step_ms=s.procedural_step_ms)]
    if s.diffusers_model:
        from imagegen.settings.worker import parse_sizes
        from imagegen.worker.engines.diffusers_local import DiffusersEngine

        engines.append(
            DiffusersEngine(
                [m.strip() for m in s.diffusers_model.split(",") if m.strip()],
                device=s.diffusers_device,
                steps=s.diffusers_steps,
                sizes=parse_sizes(s.diffusers_sizes),
                max_side=s.diffusers_max_side,
                upscaler=s.diffusers_upscaler,
            )
        )
    if s.a1111_url:
        from imagegen.worker.engines.automatic1111 import Automatic1111Engine

        engines.append(
            Automatic1111Engine(
                s.a1111_url,
                s.a1111_user,
                s.a1111_password,
                s.engine_timeout_seconds,
                s.engine_max_retries,
                queue_timeout=s.engine_queue_timeout_seconds,
                upscaler=s.a1111_upscaler,
            )
        )
    if s.comfyui_url:
        from imagegen.worker.engines.comfyui import ComfyUIEngine

        engines.append(
            ComfyUIEngine(
                s.comfyui_url,
                s.comfyui_workflow,
                s.engine_timeout_seconds,
                s.engine_max_retries,
                queue_timeout=s.engine_queue_timeout_seconds,
                img2img_path=s.comfyui_img2img_workflow,
                upscale_path=s.comfyui_upscale_workflow,
            )
        )
    if s.replicate_api_token:
        from imagegen.worker.engines.replicate import ReplicateEngine

        public = s.worker_public_url.rstrip("/")
        engines.append(
            ReplicateEngine(
                s.replicate_api_token,
                s.replicate_base_url,
                [m.strip() for m in s.replicate_models.split(",") if m.strip()],
                f"{public}/v1/replicate/webhook" if public else "",
                s.engine_timeout_seconds,
                s.engine_max_retries,
            )
        )
    if s.openai_api_key:
        from imagegen.worker.engines.openai_images import OpenAIImagesEngine

        engines.append(
            OpenAIImagesEngine(
                s.openai_api_key, s.openai_base_url, s.engine_timeout_seconds, s.engine_max_retries
            )
        )
    return {e.name: e for e in engines}
