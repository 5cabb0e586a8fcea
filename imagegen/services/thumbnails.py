"""Thumbnails: small WebPs, so a gallery page costs a few percent of the originals' bytes."""

from __future__ import annotations

import io

from PIL import Image

THUMB_EDGE = 384
THUMB_QUALITY = 80


def make_thumbnail(data: bytes, edge: int = THUMB_EDGE) -> bytes:
    """A WebP no larger than edge on its longest side, keeping the aspect ratio."""
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        img.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, "WEBP", quality=THUMB_QUALITY, method=4)
    return buf.getvalue()
