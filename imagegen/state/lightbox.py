"""The large preview: one image at a time across the gallery, with its metadata."""

from __future__ import annotations

import asyncio

import reflex as rx

from imagegen.models import GenerationStatus
from imagegen.services import generations as svc
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page
from imagegen.state.cards import GenerationCard, ImageCard
from imagegen.state.gallery import GalleryState
from imagegen.state.preview import LargePreview


class LightboxState(LargePreview, GalleryState):
    """Which image the large preview shows; ←/→ walk the gallery as it is filtered now."""

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
                return True
        return False

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
