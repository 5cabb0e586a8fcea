"""Thumbnails are small WebPs that keep the picture's shape."""

import io

from PIL import Image

from imagegen.services.thumbnails import make_thumbnail
from imagegen.worker.engines import RenderRequest
from imagegen.worker.engines.procedural import ProceduralEngine


def _png(w: int, h: int) -> bytes:
    return ProceduralEngine().generate(RenderRequest(prompt="t", width=w, height=h))[0].data


def test_thumbnail_is_a_webp_of_at_most_384_px_with_the_same_aspect():
    for (w, h), expected in (
        ((1024, 1024), (384, 384)),
        ((1024, 576), (384, 216)),
        ((576, 1024), (216, 384)),
    ):
        original = _png(w, h)
        thumb = make_thumbnail(original)
        img = Image.open(io.BytesIO(thumb))
        assert img.format == "WEBP" and img.size == expected
        assert len(thumb) < len(original) / 20
