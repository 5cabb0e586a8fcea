"""Hugging Face diffusers behind the Engine interface: local weights only, CUDA when present.

The pipeline comes from a folder (`save_pretrained` layout, with model_index.json) or from the
local Hugging Face cache by repo id; nothing is ever downloaded at run time. Needs the optional
extra: pip install 'imagegen[diffusers]'.
API: https://huggingface.co/docs/diffusers/api/pipelines/overview (DiffusionPipeline.
from_pretrained with local_files_only, __call__ with callback_on_step_end).
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import json
import math
import os
import threading
import time
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from PIL import ImageOps

from imagegen.worker.engines.base import (
    Cancelled,
    Engine,
    EngineCapabilities,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
    SizeRange,
    StrengthRange,
)
from imagegen.worker.engines.preview import preview_bytes
from imagegen.worker.engines.procedural import encode_png, parameters_text

# The worker must never reach for the Hub, even through a component's from_pretrained.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

# Latent -> RGB for 4-channel Stable Diffusion latents (the factors ComfyUI and A1111 use for
# their cheap previews): a glimpse without running the VAE at every step.
_SD_LATENT_RGB = [
    [0.3512, 0.2297, 0.3227],
    [0.3250, 0.4974, 0.2350],
    [-0.2829, 0.1762, 0.2721],
    [-0.2120, -0.2616, -0.7177],
]
PREVIEW_INTERVAL_S = 0.5


def _installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("diffusers", "torch"))


class DiffusersEngine(Engine):
    """Stable Diffusion (or any text-to-image DiffusionPipeline) on this machine."""

    name = "diffusers"
    label = "Diffusers (local)"

    def __init__(
        self,
        models: list[str],
        *,
        device: str = "auto",
        steps: int = 25,
        sizes: list[tuple[int, int]] | None = None,
        max_images: int = 4,
        max_side: int = 2048,
        upscaler: str = "",
    ) -> None:
        # Model name -> where it lives: a folder's name, or the repo id of a cached model.
        self.sources = {self._model_name(m): m for m in models}
        self.upscaler = upscaler  # an upscale pipeline (x2 or x4), as a folder or repo id
        self.device = device
        self.steps = steps
        self.sizes = sizes or [(512, 512), (768, 768), (768, 512), (512, 768), (1024, 1024)]
        self.max_images = max_images
        # Any size in steps of 8 beyond the presets, as diffusers' latents allow.
        self.size_range = SizeRange(min=64, max=max_side, step=8) if max_side >= 64 else None
        self._pipes: dict[str, Any] = {}
        self._img2img_pipes: dict[str, Any] = {}
        self._lock = threading.Lock()  # one pipeline call at a time: it owns the device

    @staticmethod
    def _model_name(spec: str) -> str:
        path = Path(spec).expanduser()
        return path.name if _looks_like_path(spec) else spec

    def capabilities(self) -> EngineCapabilities:
        models = list(self.sources)
        return EngineCapabilities(
            models=models,
            default_model=models[0],
            sizes=self.sizes,
            size_range=self.size_range,
            max_images=self.max_images,
            supports_seed=True,
            supports_negative_prompt=True,
            supports_steps=True,
            progress=True,
            cancel=True,
            # img2img from the loaded pipeline (from_pipe: no second copy of the weights); at
            # least one step must run, so the least strength is 1/steps.
            supports_image_input=True,
            strength_range=StrengthRange(min=math.ceil(100 / self.steps) / 100, max=1.0),
            upscaler=self._model_name(self.upscaler) if self.upscaler else "",
        )

    def concurrency(self, default: int) -> int:
        return 1  # a second job would only queue on the device's lock

    def availability(self) -> tuple[bool, str]:
        if not _installed():
            return False, "the diffusers extra is not installed: pip install 'imagegen[diffusers]'"
        for spec in self.sources.values():
            try:
                self._resolve(spec)
            except EngineError as e:
                return False, str(e)
        return True, ""

    def validate(self, request: RenderRequest) -> None:
        if request.negative_prompt and not self._takes_negative(request.model):
            raise EngineError(f"Model {request.model} does not take a negative prompt.")

    def _takes_negative(self, model: str) -> bool:
        try:
            index = json.loads(
                (self._resolve(self.sources[model]) / "model_index.json").read_text()
            )
        except (EngineError, KeyError, OSError, ValueError):
            return True  # generate() reports the real problem
        return not str(index.get("_class_name", "")).startswith("Flux")

    def _resolve(self, spec: str) -> Path:
        """The folder holding the pipeline; a clear error naming the path when it is missing."""
        if _looks_like_path(spec):
            path = Path(spec).expanduser()
            if not path.is_dir():
                raise EngineError(f"Diffusers model folder {path} does not exist.")
            if not (path / "model_index.json").is_file():
                raise EngineError(
                    f"{path} holds no diffusers pipeline (model_index.json is missing)."
                )
            return path
        try:
            from huggingface_hub import snapshot_download
            from huggingface_hub.constants import HF_HUB_CACHE

            return Path(snapshot_download(spec, local_files_only=True))
        except ImportError as e:
            raise EngineError("huggingface_hub is not installed.") from e
        except Exception as e:  # noqa: BLE001 (LocalEntryNotFoundError and friends)
            raise EngineError(
                f"Model {spec} is not in the local Hugging Face cache ({HF_HUB_CACHE}); "
                f"imagegen never downloads at run time: fetch it first "
                f"(hf download {spec}) or point IMAGEGEN_DIFFUSERS_MODEL at a folder."
            ) from e

    def _torch_device(self) -> tuple[str, Any]:
        import torch

        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        return device, dtype

    def _pipeline(self, model: str) -> Any:
        """The loaded pipeline for a model (loaded once, on first use)."""
        return self._load(model, self.sources[model])

    def _load(self, key: str, spec: str) -> Any:
        """A pipeline from a folder or the local cache, loaded once under `key`."""
        pipe = self._pipes.get(key)
        if pipe is not None:
            return pipe
        if not _installed():
            raise EngineError(
                "The diffusers extra is not installed: pip install 'imagegen[diffusers]'."
            )
        path = self._resolve(spec)
        from diffusers import DiffusionPipeline

        device, dtype = self._torch_device()
        try:
            pipe = DiffusionPipeline.from_pretrained(str(path), local_files_only=True, dtype=dtype)
            pipe = pipe.to(device)
        except (OSError, ValueError, RuntimeError, TypeError) as e:
            first = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
            raise EngineError(f"Could not load the diffusers pipeline from {path}: {first}") from e
        pipe.set_progress_bar_config(disable=True)
        self._pipes[key] = pipe
        return pipe

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        with self._lock:
            control.check()
            pipe = self._pipeline(request.model)
            if request.init_image is not None:
                pipe = self._img2img(request.model, pipe)
            return self._run(pipe, request, control)

    def upscale(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> RenderedImage | None:
        """The configured upscale pipeline, then fitted to the size asked (x4 models too)."""
        if not self.upscaler or request.init_image is None:
            return None
        import torch

        control = control or RenderControl()
        with self._lock:
            control.check()
            pipe = self._load("upscaler", self.upscaler)
            device, _ = self._torch_device()
            with PILImage.open(io.BytesIO(request.init_image)) as src:
                low = src.convert("RGB")
            try:
                with torch.inference_mode():
                    big = pipe(
                        prompt=request.prompt,
                        image=low,
                        num_inference_steps=self.steps,
                        generator=torch.Generator(device=device).manual_seed(request.seed),
                        output_type="pil",
                    ).images[0]
            except (RuntimeError, ValueError) as e:
                raise EngineError(f"The diffusers upscaler failed: {str(e)[:300]}") from e
        size = (request.width, request.height)
        if big.size != size:
            big = big.resize(size, PILImage.Resampling.LANCZOS)
        name = self._model_name(self.upscaler)
        text = f"{request.prompt}\nUpscaler: {name}, Size: {big.width}x{big.height}"
        return RenderedImage(encode_png(big, text), big.width, big.height)

    def _img2img(self, model: str, pipe: Any) -> Any:
        """The image-to-image pipeline made from the loaded one, sharing its weights."""
        found = self._img2img_pipes.get(model)
        if found is None:
            from diffusers import AutoPipelineForImage2Image

            try:
                found = AutoPipelineForImage2Image.from_pipe(pipe)
            except (ValueError, TypeError) as e:
                raise EngineError(f"Model {model} has no image-to-image pipeline: {e}") from e
            found.set_progress_bar_config(disable=True)
            self._img2img_pipes[model] = found
        return found

    def _run(
        self, pipe: Any, request: RenderRequest, control: RenderControl
    ) -> list[RenderedImage]:
        import torch

        device, _ = self._torch_device()
        accepts = inspect.signature(pipe.__call__).parameters
        kwargs: dict[str, Any] = {
            "prompt": request.prompt,
            "width": request.width,
            "height": request.height,
            "num_inference_steps": self.steps,
            "num_images_per_prompt": request.num_images,
            # One generator per image: image i is reproducible from seed + i alone.
            "generator": [
                torch.Generator(device=device).manual_seed(request.seed + i)
                for i in range(request.num_images)
            ],
            "output_type": "pil",
        }
        if request.negative_prompt and "negative_prompt" in accepts:
            kwargs["negative_prompt"] = request.negative_prompt
        steps = self.steps
        if request.init_image is not None:  # fitted to the size asked; strength of the steps
            with PILImage.open(io.BytesIO(request.init_image)) as src:
                kwargs["image"] = ImageOps.fit(src.convert("RGB"), (request.width, request.height))
            kwargs["strength"] = request.strength
            steps = max(1, int(self.steps * request.strength))
            for size in ("width", "height"):
                if size not in accepts:
                    kwargs.pop(size)
        last_preview = [0.0]

        def on_step_end(_pipe: Any, step: int, _t: Any, tensors: dict) -> dict:
            control.check()  # Cancelled unwinds out of the pipeline: nothing is kept
            preview = None
            now = time.monotonic()
            if now - last_preview[0] >= PREVIEW_INTERVAL_S and "latents" in tensors:
                last_preview[0] = now
                preview = _latent_preview(tensors["latents"])
            control.report((step + 1) / steps, preview)
            return tensors

        if "callback_on_step_end" in accepts:
            kwargs["callback_on_step_end"] = on_step_end
            kwargs["callback_on_step_end_tensor_inputs"] = ["latents"]
        try:
            with torch.inference_mode():
                images = pipe(**kwargs).images
        except Cancelled:
            raise
        except torch.cuda.OutOfMemoryError as e:
            raise EngineError(
                f"The GPU ran out of memory at {request.width}x{request.height} "
                f"x{request.num_images}; try fewer images or a smaller size."
            ) from e
        except (RuntimeError, ValueError) as e:
            first = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
            raise EngineError(f"diffusers failed: {first}") from e
        sampler = type(pipe.scheduler).__name__
        out = []
        for i, img in enumerate(images):
            text = parameters_text(request, i, img.size, steps=self.steps, sampler=sampler)
            out.append(
                RenderedImage(data=encode_png(img, text), width=img.width, height=img.height)
            )
        return out


def _looks_like_path(spec: str) -> bool:
    return spec.startswith(("/", ".", "~")) or os.sep in spec and Path(spec).expanduser().exists()


def _latent_preview(latents: Any) -> bytes | None:
    """The first image's latents as a small RGB picture, or None when the layout is unknown."""
    import torch
    from PIL import Image

    if latents.ndim != 4 or latents.shape[1] != len(_SD_LATENT_RGB):
        return None
    factors = torch.tensor(_SD_LATENT_RGB, dtype=torch.float32)
    rgb = torch.einsum("chw,cr->hwr", latents[0].float().cpu(), factors)
    pixels = ((rgb + 1) / 2).clamp(0, 1).mul(255).to(torch.uint8).numpy()
    return preview_bytes(Image.fromarray(pixels, "RGB"))
