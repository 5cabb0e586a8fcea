"""Deleting from the gallery: the database hides the item at once (a reload does not bring it
back), Undo shows it again, and the purge (services.maintenance) removes it for good once the
undo window has passed."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imagegen.services import generations as svc
from imagegen.services.errors import ServiceError
from imagegen.settings.app import get_app_settings


class GalleryDeletes(rx.State, mixin=True):
    """Delete and undo of GalleryState (a mixin: its events are GalleryState's)."""

    pending_delete_id: str = ""
    pending_delete_kind: str = ""  # "generation" or "image"
    _undo: list = []  # [kind, target id, {list name: (index, card as it was)}] while undoable
    confirm_kind: str = ""  # the delete the confirmation dialog asks about: "image", "generation"
    confirm_id: str = ""
    confirm_count: int = 0  # images a generation's delete takes with it

    @rx.event
    def ask_delete(self, kind: str, target_id: str) -> None:
        """Opens the confirmation for deleting one image or a whole generation."""
        card = next((c for c in self._shown_cards() if c.id == target_id), None)
        self.confirm_count = len(card.images) if card else 0
        self.confirm_kind, self.confirm_id = (
            ("image" if kind == "image" else "generation"),
            target_id,
        )

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        """Cancel, Esc or a click outside closes the confirmation; nothing is deleted."""
        if not is_open:
            self.confirm_kind, self.confirm_id = "", ""

    @rx.event
    async def confirm_delete(self) -> None:
        """The confirmation's Delete."""
        kind, target = self.confirm_kind, self.confirm_id
        self.confirm_kind, self.confirm_id = "", ""
        if target:
            await self._hide(kind, target)

    async def _hide(self, kind: str, target_id: str) -> bool:
        """Deletes a generation or an image: gone from every view at once (the database hides
        it), back on Undo, purged with its files once the undo window has passed. False when
        it is not this user's to delete."""
        if kind == "image":
            found = self._find_image(target_id)
            card = found[0] if found else None
        else:
            card = next(
                (c for c in self._gallery_cards() + self._results if c.id == target_id), None
            )
        if card is None:
            return False
        hide = svc.hide_image if kind == "image" else svc.hide_generation
        try:
            await asyncio.to_thread(hide, self._user_id, target_id)
        except ServiceError as e:
            self._fail(e.message)
            return False
        where = {
            name: (n, c)
            for name in ("fresh", *self._page_names(), "_results")
            for n, c in enumerate(getattr(self, name))
            if c.id == card.id
        }
        self._undo = [kind, target_id, where]
        left = [i for i in card.images if i.id != target_id] if kind == "image" else []
        self._replace_card(card.id, dataclasses.replace(card, images=left) if left else None)
        self.pending_delete_id, self.pending_delete_kind = target_id, kind
        self._toast(
            "Image deleted." if kind == "image" else "Generation deleted.",
            action="Undo",
            handler=type(self).undo_delete,
            group="undo",
            duration_ms=int(get_app_settings().undo_seconds * 1000),
        )
        return True

    @rx.event
    async def request_delete(self, generation_id: str) -> None:
        """Deletes a generation, with Undo."""
        await self._hide("generation", generation_id)

    @rx.event
    async def request_delete_image(self, image_id: str) -> None:
        """Deletes one image, with Undo; its generation goes with its last image."""
        await self._hide("image", image_id)

    @rx.event
    async def undo_delete(self) -> None:
        """Puts the generation or image back where it was, in the database and on the page."""
        if not self._undo:
            return
        kind, target, where = self._undo
        self._forget_delete()
        restore = svc.restore_image if kind == "image" else svc.restore_generation
        try:
            await asyncio.to_thread(restore, self._user_id, target)
        except ServiceError:
            self._fail("Too late to undo: it has been deleted for good.")
            return
        for name, (index, card) in where.items():
            cards = [c for c in getattr(self, name) if c.id != card.id]
            cards.insert(min(index, len(cards)), card)
            if name == "_results":
                self._set_results(cards)
            else:
                setattr(self, name, cards)
        self._pages_changed()
        # A toast of its own, not the Undo toast's group: sonner removes the toast whose action
        # was pressed 200 ms later, and would take this one with it had it the same id.
        self._toast("Image restored." if kind == "image" else "Generation restored.", "success")

    def _forget_delete(self) -> None:
        """No delete can be undone any more (undone, or the user left)."""
        self.pending_delete_id, self.pending_delete_kind, self._undo = "", "", []
