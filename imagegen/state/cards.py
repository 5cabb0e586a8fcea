"""View models for the page, built from the same JSON the API serves."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from imagegen.models import GenerationStatus


@dataclasses.dataclass
class ImageCard:
    """One image as a card shows it."""

    id: str = ""
    thumb_url: str = ""  # the grid shows thumbnails; the original URL is minted on opening
    download_url: str = ""
    filename: str = ""
    width: int = 0
    height: int = 0
    size_label: str = ""
    favorite: bool = False


@dataclasses.dataclass
class GenerationCard:
    """One generation as the results and gallery sections show it."""

    id: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    status: str = GenerationStatus.PENDING.value
    error: str = ""  # why it failed; on a COMPLETED card, why some images are missing
    engine: str = ""
    model: str = ""
    size: str = ""
    seed: int = 0
    num_images: int = 1
    duration: str = ""
    created: str = ""
    download_all_url: str = ""
    progress: int = -1  # percent while running, -1 when unknown
    queue_position: int = 0  # jobs ahead while waiting
    preview: str = ""  # a glimpse of the image so far (data: URL), when the engine sends one
    images: list[ImageCard] = dataclasses.field(default_factory=list)


def human_bytes(n: int) -> str:
    """1.2 MB style sizes."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_duration(ms: int | None) -> str:
    """'0.8 s' style durations."""
    if ms is None:
        return ""
    return f"{ms / 1000:.1f} s" if ms < 60_000 else f"{ms // 60_000} min {ms % 60_000 // 1000} s"


def human_date(iso: str | None) -> str:
    """'2026-11-25 18:06 UTC' from the API's ISO timestamps."""
    if not iso:
        return ""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")


def card_from_json(g: dict, engine_labels: dict[str, str] | None = None) -> GenerationCard:
    """Maps the API's generation JSON onto a card."""
    labels = engine_labels or {}
    return GenerationCard(
        id=g["id"],
        prompt=g["prompt"],
        negative_prompt=g.get("negativePrompt") or "",
        status=g["status"],
        error=g.get("error") or "",
        engine=labels.get(g["engine"], g["engine"]),
        model=g["model"],
        size=f"{g['width']}×{g['height']}",
        seed=g["seed"],
        num_images=g["numImages"],
        duration=human_duration(g.get("durationMs")),
        created=human_date(g.get("createdAt")),
        download_all_url=g.get("downloadAllUrl") or "",
        progress=(g.get("progress") or {}).get("percent", -1),
        queue_position=(g.get("progress") or {}).get("queuePosition", 0),
        preview=(g.get("progress") or {}).get("preview") or "",
        images=[
            ImageCard(
                id=i["id"],
                thumb_url=i["thumbnailUrl"],
                download_url=i["downloadUrl"],
                filename=i["filename"],
                width=i["width"],
                height=i["height"],
                size_label=human_bytes(i["fileSize"]),
                favorite=i.get("favorite", False),
            )
            for i in g["images"]
        ],
    )
