"""Parameters read back from PNGs: ours, A1111's own layout, and files without any."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imagegen.services.errors import InvalidInput
from imagegen.services.png_params import parse_a1111, read_parameters
from imagegen.worker.engines.base import RenderRequest
from imagegen.worker.engines.procedural import ProceduralEngine


def test_round_trip_through_our_own_png():
    req = RenderRequest(
        prompt="A lighthouse, at dawn\nsecond line",
        negative_prompt="blurry, text",
        width=512,
        height=768,
        num_images=2,
        seed=41,
    )
    second = ProceduralEngine().generate(req)[1]
    p = read_parameters(second.data)
    assert p.prompt == "A lighthouse, at dawn\nsecond line"
    assert p.negative_prompt == "blurry, text"
    assert (p.seed, p.width, p.height) == (42, 512, 768)  # the second image's own seed


def test_a1111_layout_with_quoted_values():
    text = (
        "masterpiece, a cat on a sofa\n"
        "Negative prompt: lowres, bad anatomy\n"
        "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3735928559, Size: 832x1216, "
        'Model hash: abc123, Model: sdxl_base, Lora hashes: "a: 1, b: 2", Version: v1.10.0'
    )
    p = parse_a1111(text)
    assert p.prompt == "masterpiece, a cat on a sofa"
    assert p.negative_prompt == "lowres, bad anatomy"
    assert (p.seed, p.width, p.height, p.steps, p.model) == (3735928559, 832, 1216, 28, "sdxl_base")


def test_prompt_only():
    assert parse_a1111("just a prompt").prompt == "just a prompt"


def test_files_without_parameters_are_refused_clearly():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    with pytest.raises(InvalidInput, match="carries no generation parameters"):
        read_parameters(buf.getvalue(), "plain.png")
    with pytest.raises(InvalidInput, match="not an image"):
        read_parameters(b"%PDF-1.7 not a png", "doc.pdf")
