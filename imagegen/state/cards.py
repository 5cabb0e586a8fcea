"""Cards: what the page shows of a generation, built from the same view (rows, fresh links,
live progress) as the API's JSON, never from that JSON."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from imagegen.i18n import translate_message
from imagegen.models import GenerationStatus, ImageFile, ImageGeneration, as_utc
from imagegen.services import generations as svc
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.generations import GenerationView, ImageView


@dataclasses.dataclass
class ImageCard:
    """One image as a card shows it."""

    id: str = ""
    thumb_url: str = ""  # the grid shows thumbnails; the original URL is minted on opening
    download_url: str = ""
    filename: str = ""
    width: int = 0
    height: int = 0
    file_size: int = 0  # bytes: the page writes it in its language
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
    width: int = 1  # the size asked for: an in-flight group's placeholders take its shape
    height: int = 1
    ratio_sum: float = 1.0  # its images' aspect ratios added: the group's width in its row
    seed: int = 0
    num_images: int = 1
    duration_ms: int = -1  # time taken (-1: unknown); the page writes it in its language
    created_at: str = ""  # ISO 8601 UTC; the page writes it in the reader's language and zone
    download_all_url: str = ""
    progress: int = -1  # percent while running, -1 when unknown
    queue_position: int = 0  # jobs ahead while waiting
    preview: str = ""  # a glimpse of the image so far (data: URL), when the engine sends one
    outside_filter: bool = False  # a new one the gallery's search or filters would not show
    operation: str = ""  # made from an image: "input", "vary" or "upscale" ("remix" is a form)
    strength: float = -1.0  # how far it moved from its image (-1: none applied)
    via_key: str = ""  # made through the API with this key ("" from the studio)
    images: list[ImageCard] = dataclasses.field(default_factory=list)


def iso_utc(dt: datetime | None) -> str:
    """An ISO 8601 UTC timestamp; SQLite hands back naive datetimes that are UTC."""
    return as_utc(dt).isoformat() if dt is not None else ""


def image_card_for(view: ImageView, lang: str = "en") -> ImageCard:
    """An image's card, from its row and links."""
    img = view.row
    return ImageCard(
        id=img.id,
        thumb_url=view.links.thumbnail,
        download_url=view.links.download,
        filename=img.filename,
        width=img.width,
        height=img.height,
        file_size=img.file_size,
        favorite=img.favorite,
    )


def card_for(
    view: GenerationView, engine_labels: dict[str, str] | None = None, lang: str = "en"
) -> GenerationCard:
    """A generation's card, from the same view the API's JSON is built from; its error and
    sizes in `lang`."""
    gen, info, labels = view.row, view.progress, engine_labels or {}
    return GenerationCard(
        id=gen.id,
        prompt=gen.prompt,
        negative_prompt=gen.negative_prompt or "",
        status=str(gen.status),
        error=translate_message(gen.error or "", lang),
        engine=labels.get(gen.engine, gen.engine),  # English: the page translates it
        model=gen.model,
        size=f"{gen.width}×{gen.height}",
        width=gen.width or 1,
        height=gen.height or 1,
        ratio_sum=sum(i.row.width / max(i.row.height, 1) for i in view.images)
        or gen.num_images * (gen.width or 1) / (gen.height or 1),
        seed=gen.seed,
        num_images=gen.num_images,
        duration_ms=gen.duration_ms if gen.duration_ms is not None else -1,
        created_at=iso_utc(gen.created_at),
        download_all_url=view.download_all_url or "",
        progress=info.percent if info else -1,
        queue_position=info.queue_position if info else 0,
        preview=info.preview if info else "",
        operation=gen.operation if gen.operation in ("input", "vary", "upscale") else "",
        strength=gen.strength if gen.strength is not None else -1.0,
        via_key=gen.via_key or "",
        images=[image_card_for(i, lang) for i in view.images],
    )


def engine_labels() -> dict[str, str]:
    """Engine names as the worker labels them (the bare names while it is unreachable)."""
    try:
        return {n: e.label for n, e in get_catalog().engines.items()}
    except WorkerUnavailable:
        return {}


def cards_of(
    gens: list[ImageGeneration],
    images: dict[str, list[ImageFile]] | None = None,
    lang: str = "en",
) -> list[GenerationCard]:
    """Cards of generations (in `lang`), their images read in one query unless at hand."""
    images = images if images is not None else svc.images_for([g.id for g in gens])
    labels = engine_labels()
    return [card_for(svc.generation_view(g, images[g.id]), labels, lang) for g in gens]


def card_of(user_id: str, generation_id: str, lang: str = "en") -> GenerationCard:
    """The card of one of the user's generations, read afresh (in `lang`)."""
    gen = svc.get_generation(user_id, generation_id)
    return cards_of([gen], lang=lang)[0]
