"""Small progress previews: cheap enough to send a few times per job, small enough for state."""

from __future__ import annotations

import io

from PIL import Image

PREVIEW_SIDE = 128  # the pending card shows it at this size or smaller
MAX_PREVIEW_BYTES = 48_000  # the app ignores anything larger (it lives in memory and in state)


def preview_bytes(img: Image.Image, side: int = PREVIEW_SIDE) -> bytes:
    """A WebP no larger than side×side: a glimpse of the image while it renders."""
    small = img.convert("RGB")
    small.thumbnail((side, side), Image.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, "WEBP", quality=60, method=0)
    return buf.getvalue()
