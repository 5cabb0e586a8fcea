"""Generation parameters from a PNG's AUTOMATIC1111-style `parameters` text chunk."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from imagegen.services.errors import InvalidInput

MAX_BYTES = 30 * 1024 * 1024
# "Key: value" pairs on the last line; a value may be quoted and hold commas.
_PAIR = re.compile(r'\s*([\w .\-/()]+?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')


@dataclass(frozen=True)
class PngParameters:
    """What the form can take from a dropped image."""

    prompt: str
    negative_prompt: str = ""
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    model: str = ""


def parse_a1111(text: str) -> PngParameters:
    """Reads the A1111 text: prompt lines, 'Negative prompt:' lines, then 'Key: value, …'."""
    lines = text.strip().split("\n")
    settings: dict[str, str] = {}
    if lines and re.match(r"^\s*Steps:\s*\d", lines[-1]):
        settings = {k.strip(): v.strip().strip('"') for k, v in _PAIR.findall(lines.pop())}
    prompt_lines, negative_lines, in_negative = [], [], False
    for line in lines:
        if line.startswith("Negative prompt:"):
            in_negative = True
            line = line[len("Negative prompt:") :].lstrip()
        (negative_lines if in_negative else prompt_lines).append(line)
    prompt = "\n".join(prompt_lines).strip()
    if not prompt and not settings:
        raise InvalidInput("This image's parameters are empty.", field="file")

    def number(key: str) -> int | None:
        value = settings.get(key, "")
        return int(value) if value.isdigit() else None

    width = height = None
    size = re.match(r"^(\d+)x(\d+)$", settings.get("Size", ""))
    if size:
        width, height = int(size.group(1)), int(size.group(2))
    return PngParameters(
        prompt=prompt,
        negative_prompt="\n".join(negative_lines).strip(),
        seed=number("Seed"),
        width=width,
        height=height,
        steps=number("Steps"),
        model=settings.get("Model", ""),
    )


def read_parameters(data: bytes, filename: str = "the file") -> PngParameters:
    """The parameters embedded in an image; a clear InvalidInput when there are none."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{filename} is larger than {MAX_BYTES // 2**20} MB.", field="file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            text = img.info.get("parameters")
            kind = img.format
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InvalidInput(f"{filename} is not an image this app can read.", field="file") from e
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            f"{filename} ({kind}) carries no generation parameters: drop a PNG made by imagegen, "
            "AUTOMATIC1111 or another tool that writes a 'parameters' chunk.",
            field="file",
        )
    return parse_a1111(text)


_TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def strip_metadata(png: bytes) -> bytes:
    """The same PNG without its text, EXIF and time chunks: a shared image that carries
    nothing but pixels (no prompt, seed or model). Not a PNG: returned unchanged."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return png
    out, pos = [png[:8]], 8
    while pos + 12 <= len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        end = pos + 12 + length
        kind = png[pos + 4 : pos + 8]
        if end > len(png):
            return png  # truncated: leave it as it is
        if kind not in _TEXT_CHUNKS:
            out.append(png[pos:end])
        pos = end
        if kind == b"IEND":
            break
    return b"".join(out)
