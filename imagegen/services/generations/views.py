"""A generation as every screen shows it: its rows, freshly minted links and live progress.
The API's JSON and the page's cards are both built from this, never one from the other."""

from __future__ import annotations

from dataclasses import dataclass

from imagegen.models import IN_FLIGHT, GenerationStatus, ImageFile, ImageGeneration
from imagegen.services import links
from imagegen.services.progress import ProgressInfo, get_progress_board


@dataclass(frozen=True)
class ImageView:
    """One image row with its links."""

    row: ImageFile
    links: links.ImageLinks


@dataclass(frozen=True)
class GenerationView:
    """One generation row with its images, its ZIP link and (in flight) its progress."""

    row: ImageGeneration
    images: list[ImageView]
    download_all_url: str | None  # None without images
    progress: ProgressInfo | None  # the worker's latest word while it runs, from memory

    @property
    def partial(self) -> bool:
        """Some images are missing (the error says why); the ones here are complete."""
        return self.row.status == GenerationStatus.COMPLETED and bool(self.row.error)


def image_view(img: ImageFile) -> ImageView:
    """An image with fresh links."""
    return ImageView(img, links.image_links(img))


def _progress(gen: ImageGeneration) -> ProgressInfo | None:
    if gen.status not in IN_FLIGHT:
        return None
    info = get_progress_board().get(gen.id)
    return None if info is None or info.done else info


def generation_view(gen: ImageGeneration, images: list[ImageFile]) -> GenerationView:
    """A generation with its images' fresh links, its ZIP link and its live progress."""
    return GenerationView(
        row=gen,
        images=[image_view(i) for i in images],
        download_all_url=links.zip_url(gen.id) if images else None,
        progress=_progress(gen),
    )
