"""The large preview: one image at a time across the gallery, with its metadata."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imagegen.models import GenerationStatus
from imagegen.services import generations as svc
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.generations.from_image import upscale_image, upscaler_of, vary_image
from imagegen.services.generations.lineage import Lineage, lineage
from imagegen.services.routes import Page
from imagegen.state.cards import GenerationCard, ImageCard, card_for, card_of, engine_labels
from imagegen.state.gallery import GalleryState
from imagegen.state.preview import LargePreview

VARY_TOASTS = {"subtle": "Making a subtle variation…", "strong": "Making a strong variation…"}


@dataclasses.dataclass
class Kin:
    """An image in the lineage panel: its thumbnail, and how it was made."""

    id: str = ""
    thumb_url: str = ""
    operation: str = ""


def _engine_powers(engine: str) -> tuple[bool, str]:
    """(can start from an image, its upscaler or "lanczos") for one engine of the catalogue."""
    try:
        info = get_catalog().engines.get(engine)
    except WorkerUnavailable:
        return False, upscaler_of(None)
    return bool(info and info.available and info.supports_image_input), upscaler_of(info)


class LightboxState(LargePreview, GalleryState):
    """Which image the large preview shows; ←/→ walk the gallery as it is filtered now."""

    source: Kin = Kin()  # what the shown image was made from (id "" if nothing, or gone)
    source_gone: bool = False
    from_upload: bool = False
    derived: list[Kin] = []  # what was made from it
    can_vary: bool = False  # its engine starts from an image
    upscaler: str = ""  # its engine's own upscaler, or "lanczos" (a labelled resize)

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """After the gallery's load (a language switch reads the cards again), the open
        preview shows the image's card as read now."""
        return [cls.refresh] if not path.startswith(Page.ALBUMS) else []

    @rx.event
    async def refresh(self) -> None:
        """Shows the open image again from the gallery's cards (closes if it has gone)."""
        if self.is_open and not await self._show(self.image.id):
            self.is_open = False

    def _forget_user(self) -> None:
        """Closes the preview of the previous user's image."""
        self.is_open, self.card, self.image, self.position = (
            False,
            GenerationCard(),
            ImageCard(),
            "",
        )

    def _items(self) -> list[tuple[GenerationCard, ImageCard]]:
        cards = self._shown_cards()
        return [(c, i) for c in cards if c.status == GenerationStatus.COMPLETED for i in c.images]

    async def _show(self, image_id: str) -> bool:
        items = self._items()
        for n, (c, i) in enumerate(items):
            if i.id == image_id:
                try:
                    url = await asyncio.to_thread(svc.original_url, self._user_id, image_id)
                except ServiceError as e:
                    self._fail(e.message)
                    self.is_open = False
                    return False
                self.card, self.image, self.is_open, self.original_url = c, i, True, url
                self.position = f"{n + 1} / {len(items)}"
                await self._read_lineage(image_id)
                return True
        return await self._show_elsewhere(image_id)

    async def _show_elsewhere(self, image_id: str) -> bool:
        """An image the page does not show (a source deep in the history, or filtered out)."""
        try:
            gid = await asyncio.to_thread(svc.generation_of_image, self._user_id, image_id)
            card = await asyncio.to_thread(card_of, self._user_id, gid, self.lang)
            url = await asyncio.to_thread(svc.original_url, self._user_id, image_id)
        except ServiceError as e:
            self._fail(e.message)
            return False
        image = next((i for i in card.images if i.id == image_id), None)
        if image is None:
            return False
        self.card, self.image, self.is_open, self.original_url = card, image, True, url
        self.position = ""
        await self._read_lineage(image_id)
        return True

    async def _read_lineage(self, image_id: str) -> None:
        try:
            found: Lineage = await asyncio.to_thread(lineage, self._user_id, image_id)
        except ServiceError:
            found = Lineage()
        src = found.source
        self.source = Kin(src.row.id, src.links.thumbnail, found.operation) if src else Kin()
        self.source_gone, self.from_upload = found.source_gone, found.from_upload
        self.derived = [
            Kin(d.image.row.id, d.image.links.thumbnail, d.operation) for d in found.derived
        ]
        self.can_vary, self.upscaler = await asyncio.to_thread(_engine_powers, found.engine)

    @rx.event
    async def open(self, image_id: str) -> None:
        """Opens the preview on one image; ←/→ then walk everything the page shows."""
        await self._show(image_id)

    async def _step(self, delta: int) -> None:
        """The next (1) or previous (-1) image; loads the next page at the end of the gallery."""
        if not self.is_open:
            return
        items = self._items()
        n = next((k for k, (_c, i) in enumerate(items) if i.id == self.image.id), None)
        if n is None:
            self.is_open = False
            return
        target = n + (1 if delta > 0 else -1)
        if target >= len(items) and self.next_cursor:
            await self._fetch_more()
            items = self._items()
        if 0 <= target < len(items):
            await self._show(items[target][1].id)

    @rx.event
    async def key(self, key: str) -> None:
        """Keyboard: ← and → step through the gallery; Escape closes."""
        if key == "ArrowRight":
            await self._step(1)
        elif key == "ArrowLeft":
            await self._step(-1)
        elif key == "Escape":
            self.is_open = False

    @rx.event
    async def star(self) -> None:
        """Stars or unstars the image shown, everywhere it appears."""
        if not self.is_open:
            return
        await self._toggle_favorite(self.image.id)
        await self._show(self.image.id)

    @rx.event
    async def delete_image(self) -> None:
        """Deletes the image shown (undo is offered) and moves on to the next one."""
        if not self.is_open:
            return
        items = self._items()
        n = next((k for k, (_c, i) in enumerate(items) if i.id == self.image.id), None)
        if not await self._hide("image", self.image.id):
            return
        items_after = self._items()
        if n is not None and items_after:
            await self._show(items_after[min(n, len(items_after) - 1)][1].id)
        else:
            self.is_open = False

    async def _start(self, make, toast: str):  # noqa: ANN001, ANN202 (a generator of events)
        """Starts a generation from the shown image; its card appears on top of the gallery."""
        if not self.is_open or not self._user_id:
            return
        try:
            gen = await asyncio.to_thread(make, self._user_id, self.image.id)
        except ServiceError as e:
            self._fail(e.message)
            return
        labels = await asyncio.to_thread(engine_labels)
        self._add_result(card_for(svc.generation_view(gen, []), labels, self.lang))
        self.is_open = False
        self._toast(toast, "success")
        yield GalleryState.watch(gen.id)
        yield rx.call_script("window.scrollTo({top: 0, behavior: 'smooth'})")

    @rx.event
    async def vary(self, how: str):  # noqa: ANN201
        """The same prompt with new seeds, from this image: subtle or strong."""
        if how not in VARY_TOASTS:
            return
        async for event in self._start(
            lambda user, image: vary_image(user, image, how),  # type: ignore[arg-type]
            VARY_TOASTS[how],
        ):
            yield event

    @rx.event
    async def upscale(self):  # noqa: ANN201
        """This image at twice its size."""
        async for event in self._start(upscale_image, "Upscaling ×2…"):
            yield event

    @rx.event
    async def open_kin(self, image_id: str) -> None:
        """Opens the image this one was made from, or one made from it."""
        if self.is_open:
            await self._show(image_id)
