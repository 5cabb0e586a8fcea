"""Deleting from the gallery: a card disappears at once and comes back on Undo; the delete
itself runs when the undo window has passed."""

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
    async def confirm_delete(self) -> rx.event.EventSpec | None:
        """The confirmation's Delete: hides it at once, deleted unless undone in time."""
        kind, target = self.confirm_kind, self.confirm_id
        self.confirm_kind, self.confirm_id = "", ""
        return await self._hide(kind, target) if target else None

    async def _hide(self, kind: str, target_id: str) -> rx.event.EventSpec | None:
        """Hides a generation or an image at once; it is deleted unless undone in time."""
        if self.pending_delete_id:  # one undo at a time: the previous delete goes through now
            await self._delete_now()
        if kind == "image":
            found = self._find_image(target_id)
            card = found[0] if found else None
        else:
            card = next(
                (c for c in self._gallery_cards() + self._results if c.id == target_id), None
            )
        if card is None:
            return None
        where = {
            name: (n, c)
            for name in ("fresh", "history", "_results")
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
        return self.__class__.finish_delete(target_id)

    @rx.event
    async def request_delete(self, generation_id: str) -> rx.event.EventSpec | None:
        """Deletes a generation (after the undo window)."""
        return await self._hide("generation", generation_id)

    @rx.event
    async def request_delete_image(self, image_id: str) -> rx.event.EventSpec | None:
        """Deletes one image (after the undo window); its generation goes with its last image."""
        return await self._hide("image", image_id)

    @rx.event
    def undo_delete(self) -> None:
        """Puts the generation or image back where it was; nothing was deleted."""
        if not self.pending_delete_id or not self._undo:
            return
        _kind, _target, where = self._undo
        for name, (index, card) in where.items():
            cards = [c for c in getattr(self, name) if c.id != card.id]
            cards.insert(min(index, len(cards)), card)
            if name == "_results":
                self._set_results(cards)
            else:
                setattr(self, name, cards)
        self._toast(
            "Image restored." if _kind == "image" else "Generation restored.",
            "success",
            group="undo",
        )
        self._forget_delete()

    @rx.event(background=True)
    async def finish_delete(self, target_id: str) -> None:
        """After the undo window, deletes the generation or image unless it was undone."""
        await asyncio.sleep(get_app_settings().undo_seconds)
        async with self:
            if self.pending_delete_id != target_id:
                return  # undone, or already committed by a newer delete
            await self._delete_now()

    async def _delete_now(self) -> None:
        target, kind = self.pending_delete_id, self.pending_delete_kind
        self._forget_delete()
        delete = svc.delete_image if kind == "image" else svc.delete_generation
        try:
            await asyncio.to_thread(delete, self._user_id, target)
        except ServiceError as e:
            self._fail(e.message)

    def _forget_delete(self) -> None:
        """No delete is pending any more (done, undone, or the user left)."""
        self.pending_delete_id, self.pending_delete_kind, self._undo = "", "", []
