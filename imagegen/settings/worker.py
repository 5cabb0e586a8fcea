"""The generation worker's settings: where it listens, how many jobs it runs, its engines."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator

from imagegen.settings.base import SharedSettings, private_dir


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'512x512,768x512' -> [(512, 512), (768, 512)]; sizes must be multiples of 8."""
    sizes = []
    for part in text.split(","):
        if not part.strip():
            continue
        w, _, h = part.strip().lower().partition("x")
        if not (w.isdigit() and h.isdigit()) or int(w) % 8 or int(h) % 8:
            raise ValueError(f"bad diffusers size {part.strip()!r}: use WxH, multiples of 8")
        sizes.append((int(w), int(h)))
    if not sizes:
        raise ValueError("no diffusers sizes given")
    return sizes


class WorkerSettings(SharedSettings):
    """What the worker process reads; field names map to the env vars in the README table."""

    worker_host: str = Field("127.0.0.1", alias="IMAGEGEN_WORKER_HOST")
    worker_port: int = Field(8001, alias="IMAGEGEN_WORKER_PORT")
    worker_processes: int = Field(1, alias="IMAGEGEN_WORKER_PROCESSES", ge=1, le=64)
    worker_concurrency: int = Field(1, alias="IMAGEGEN_WORKER_CONCURRENCY", ge=1)
    worker_public_url: str = Field("", alias="IMAGEGEN_WORKER_PUBLIC_URL")
    # Echoed by /healthz, so a launcher knows the answer comes from the worker it started.
    worker_instance: str = Field("", alias="IMAGEGEN_WORKER_INSTANCE", max_length=200)
    delivery_max_age_seconds: float = Field(3600, alias="IMAGEGEN_DELIVERY_MAX_AGE", gt=0)
    procedural_step_ms: int = Field(0, alias="IMAGEGEN_PROCEDURAL_STEP_MS", ge=0, le=10_000)
    engine_timeout_seconds: float = Field(180, alias="IMAGEGEN_ENGINE_TIMEOUT", gt=0)
    # How long a job may wait in a remote server's own queue before it starts (ComfyUI, A1111).
    engine_queue_timeout_seconds: float = Field(600, alias="IMAGEGEN_ENGINE_QUEUE_TIMEOUT", gt=0)
    engine_max_retries: int = Field(3, alias="IMAGEGEN_ENGINE_MAX_RETRIES", ge=0, le=10)
    openai_api_key: str = Field("", alias="OPENAI_API_KEY")
    openai_base_url: str = Field("https://api.openai.com/v1", alias="OPENAI_BASE_URL")
    a1111_url: str = Field("", alias="AUTOMATIC1111_URL")
    a1111_user: str = Field("", alias="AUTOMATIC1111_USER")
    a1111_password: str = Field("", alias="AUTOMATIC1111_PASSWORD")
    # The upscaler Upscale x2 asks for (one of GET /sdapi/v1/upscalers); absent: a resize.
    a1111_upscaler: str = Field("R-ESRGAN 4x+", alias="AUTOMATIC1111_UPSCALER", max_length=200)
    comfyui_url: str = Field("", alias="COMFYUI_URL")
    comfyui_workflow: str = Field("", alias="IMAGEGEN_COMFYUI_WORKFLOW")
    # From an image: the img2img workflow (ours by default) and an upscale one (none: a resize).
    comfyui_img2img_workflow: str = Field("", alias="IMAGEGEN_COMFYUI_IMG2IMG_WORKFLOW")
    comfyui_upscale_workflow: str = Field("", alias="IMAGEGEN_COMFYUI_UPSCALE_WORKFLOW")
    replicate_api_token: str = Field("", alias="REPLICATE_API_TOKEN")
    replicate_base_url: str = Field("https://api.replicate.com", alias="REPLICATE_BASE_URL")
    replicate_models: str = Field(
        "black-forest-labs/flux-schnell", alias="IMAGEGEN_REPLICATE_MODELS"
    )
    diffusers_model: str = Field("", alias="IMAGEGEN_DIFFUSERS_MODEL")
    diffusers_device: str = Field("auto", alias="IMAGEGEN_DIFFUSERS_DEVICE")
    diffusers_steps: int = Field(25, alias="IMAGEGEN_DIFFUSERS_STEPS", ge=1, le=150)
    diffusers_sizes: str = Field(
        "512x512,768x768,768x512,512x768,1024x1024", alias="IMAGEGEN_DIFFUSERS_SIZES"
    )
    # Beyond those presets, any size in steps of 8 up to this side (0: the presets only).
    diffusers_max_side: int = Field(2048, alias="IMAGEGEN_DIFFUSERS_MAX_SIDE", ge=0, le=8192)
    # Upscale x2 through an upscale pipeline (a folder or cached repo id); unset: a resize.
    diffusers_upscaler: str = Field("", alias="IMAGEGEN_DIFFUSERS_UPSCALER")

    @field_validator("diffusers_sizes")
    @classmethod
    def _sizes(cls, v: str) -> str:
        parse_sizes(v)  # a bad list fails at start-up, naming the bad entry
        return v

    @property
    def outbox_dir(self) -> Path:
        """Where the worker keeps webhook deliveries until the app accepts them."""
        return self.data_dir / "worker-outbox"

    @property
    def journal_dir(self) -> Path:
        """Where the worker keeps accepted jobs until their result is in the outbox."""
        return self.data_dir / "worker-jobs"


@lru_cache
def get_worker_settings() -> WorkerSettings:
    """The worker process's settings, read once from the environment."""
    s = WorkerSettings()
    private_dir(s.data_dir)
    return s
