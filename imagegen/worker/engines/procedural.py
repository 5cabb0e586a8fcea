"""A built-in procedural renderer: deterministic abstract art from the prompt; no AI involved."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import time

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, PngImagePlugin

from imagegen.worker.engines.base import (
    Engine,
    EngineCapabilities,
    RenderControl,
    RenderedImage,
    RenderRequest,
    SizeRange,
    StrengthRange,
)
from imagegen.worker.engines.preview import PREVIEW_SIDE, preview_bytes

SIZES = [(512, 512), (768, 768), (1024, 1024), (768, 1024), (1024, 768), (576, 1024), (1024, 576)]
# Any width and height in steps of 8, as Stable Diffusion's latents want (A1111 takes 64-2048).
ANY_SIZE = SizeRange(min=64, max=2048, step=8)

# Colour words in the prompt pull the palette toward them; in the negative prompt, away.
_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 50, 47),
    "orange": (245, 140, 40),
    "yellow": (245, 215, 60),
    "green": (70, 170, 90),
    "teal": (40, 160, 160),
    "blue": (50, 110, 220),
    "purple": (130, 80, 200),
    "violet": (150, 90, 220),
    "pink": (240, 120, 170),
    "brown": (140, 90, 50),
    "black": (20, 20, 25),
    "white": (245, 245, 240),
    "gold": (212, 175, 55),
    "silver": (190, 195, 200),
    "cyan": (60, 200, 230),
    "magenta": (210, 60, 170),
    "grey": (128, 128, 135),
    "gray": (128, 128, 135),
    "rouge": (220, 50, 47),
    "bleu": (50, 110, 220),
    "vert": (70, 170, 90),
    "jaune": (245, 215, 60),
    "noir": (20, 20, 25),
    "blanc": (245, 245, 240),
}


def _rng(request: RenderRequest, index: int) -> random.Random:
    key = (
        f"{request.prompt}\x00{request.negative_prompt}\x00{request.seed}\x00"
        f"{request.width}x{request.height}\x00{index}"
    )
    return random.Random(hashlib.sha256(key.encode()).digest())


def _palette(request: RenderRequest, rng: random.Random) -> list[tuple[int, int, int]]:
    words = {w.strip(".,;:!?").lower() for w in request.prompt.split()}
    banned = {w.strip(".,;:!?").lower() for w in request.negative_prompt.split()}
    wanted = [c for w, c in _COLOURS.items() if w in words and w not in banned]
    banned_rgb = [c for w, c in _COLOURS.items() if w in banned]
    palette = list(wanted)
    while len(palette) < 5:
        c = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if all(sum(abs(a - b) for a, b in zip(c, bad, strict=True)) > 180 for bad in banned_rgb):
            palette.append(c)
    rng.shuffle(palette)
    return palette


def render(request: RenderRequest, index: int) -> Image.Image:
    """One deterministic image for (prompt, negative prompt, seed, size, index)."""
    rng = _rng(request, index)
    w, h = request.width, request.height
    palette = _palette(request, rng)
    small = (max(w // 4, 1), max(h // 4, 1))
    # Background: two colourised gradients blended at a random angle.
    grad = (
        Image.linear_gradient("L")
        .rotate(rng.uniform(0, 360), resample=Image.BILINEAR, expand=False)
        .resize(small)
    )
    bg = ImageOps.colorize(grad, palette[0], palette[1])
    radial = ImageOps.colorize(Image.radial_gradient("L").resize(small), palette[2], palette[0])
    bg = Image.blend(bg, radial, rng.uniform(0.2, 0.6))
    # Soft shapes, blurred for depth, then crisp ones on top.
    layer = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(6, 14)):
        c = palette[rng.randrange(len(palette))]
        cx, cy = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        r = rng.uniform(0.05, 0.35) * min(small)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*c, rng.randint(60, 170)))
    layer = layer.filter(ImageFilter.GaussianBlur(radius=min(small) / 30))
    bg = Image.alpha_composite(bg.convert("RGBA"), layer)
    crisp = Image.new("RGBA", small, (0, 0, 0, 0))
    draw = ImageDraw.Draw(crisp)
    for _ in range(rng.randint(3, 7)):
        c = palette[rng.randrange(len(palette))]
        pts = [
            (rng.uniform(0, small[0]), rng.uniform(0, small[1])) for _ in range(rng.randint(3, 5))
        ]
        draw.polygon(pts, fill=(*c, rng.randint(90, 200)))
    for _ in range(rng.randint(2, 5)):
        c = palette[rng.randrange(len(palette))]
        pts = [(rng.uniform(0, small[0]), rng.uniform(0, small[1])) for _ in range(3)]
        draw.line(pts, fill=(*c, 220), width=max(1, min(small) // 120), joint="curve")
    img = Image.alpha_composite(bg, crisp).convert("RGB").resize((w, h), Image.BICUBIC)
    # Fine grain at full size keeps upscaling from looking smeared.
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).point(lambda v: v // 32)
    return ImageChops.add(img, Image.merge("RGB", (grain, grain, grain)), offset=-4)


def blend_with_input(art: Image.Image, init: bytes, strength: float) -> Image.Image:
    """img2img without a model: the input (fitted to the art's size) crossfaded into the art,
    by strength, so that the whole from-an-image pipeline runs anywhere, deterministically."""
    with Image.open(io.BytesIO(init)) as src:
        fitted = ImageOps.fit(src.convert("RGB"), art.size, Image.Resampling.LANCZOS)
    return Image.blend(fitted, art.convert("RGB"), max(0.0, min(1.0, strength)))


def lanczos_upscale(data: bytes, width: int, height: int) -> Image.Image:
    """A plain Lanczos resize: the fallback where an engine has no upscaler (never called AI)."""
    with Image.open(io.BytesIO(data)) as src:
        return src.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)


def encode_png(img: Image.Image, parameters: str) -> bytes:
    """PNG bytes with the generation parameters in a 'parameters' text chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", parameters)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info, compress_level=3)
    return buf.getvalue()


def parameters_text(
    request: RenderRequest,
    index: int,
    size: tuple[int, int],
    *,
    steps: int,
    sampler: str = "",
    seeded: bool = True,
) -> str:
    """The AUTOMATIC1111-style parameters text other tools (and our PNG drop) know how to read."""
    lines = [request.prompt]
    if request.negative_prompt:
        lines.append(f"Negative prompt: {request.negative_prompt}")
    fields = [f"Steps: {steps}"]
    if sampler:
        fields.append(f"Sampler: {sampler}")
    if seeded:
        fields.append(f"Seed: {request.seed + index}")
    fields += [f"Size: {size[0]}x{size[1]}", f"Model: {request.model}"]
    lines.append(", ".join(fields))
    return "\n".join(lines)


class ProceduralEngine(Engine):
    """Honest placeholder art that needs no model, GPU or network."""

    name = "procedural"
    label = "Procedural (built-in)"
    model = "procedural-v1"

    def capabilities(self) -> EngineCapabilities:
        return EngineCapabilities(
            models=[self.model],
            default_model=self.model,
            sizes=SIZES,
            size_range=ANY_SIZE,
            max_images=4,
            supports_seed=True,
            supports_negative_prompt=True,
            progress=True,
            cancel=True,
            supports_image_input=True,
            strength_range=StrengthRange(min=0.0, max=1.0),
        )

    def __init__(self, step_ms: int = 0) -> None:
        # A pause per step (10 per image) stands in for a slow model in demos and tests.
        self.step_ms = step_ms

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        control = control or RenderControl()
        request = dataclasses.replace(request, model=request.model or self.model)
        out, steps = [], 10
        for i in range(request.num_images):
            img = render(request, i) if self.step_ms else None
            for step in range(steps if self.step_ms else 0):
                control.check()
                time.sleep(self.step_ms / 1000)
                preview = None
                if img is not None and step % 3 == 1:  # a glimpse that sharpens as it goes
                    preview = _glimpse(img, 1 - (step + 1) / steps)
                control.report((i * steps + step + 1) / (request.num_images * steps), preview)
            control.check()
            img = img or render(request, i)
            if request.init_image is not None:
                img = blend_with_input(img, request.init_image, request.strength)
            data = encode_png(
                img,
                parameters_text(request, i, img.size, steps=1, sampler="procedural"),
            )
            out.append(RenderedImage(data=data, width=img.width, height=img.height))
            control.report((i + 1) / request.num_images)
        return out


def _glimpse(img: Image.Image, blur: float) -> bytes:
    """A small, blurred preview: the more is left to do, the blurrier."""
    small = img.copy()
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return preview_bytes(small.filter(ImageFilter.GaussianBlur(radius=1 + blur * 8)))
