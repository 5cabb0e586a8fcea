"""Results and gallery: a view of the user's generations that updates itself when webhooks land."""

from __future__ import annotations

import asyncio
import contextlib
import time

import reflex as rx

from imagegen.models import GenerationStatus
from imagegen.services import generations as svc
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.notify import get_notifier
from imagegen.settings import get_settings
from imagegen.state.cards import GenerationCard, card_from_json
from imagegen.state.session import SIGN_IN, SessionState

PAGE_SIZE = 24
IN_FLIGHT = (GenerationStatus.PENDING.value, GenerationStatus.PROCESSING.value)


def _engine_labels() -> dict[str, str]:
    try:
        return {n: e.label for n, e in get_catalog().engines.items()}
    except WorkerUnavailable:
        return {}


def _cards(page: svc.Page) -> list[GenerationCard]:
    labels = _engine_labels()
    return [
        card_from_json(svc.generation_json(g, page.images[g.id]), labels) for g in page.generations
    ]


def _card(user_id: str, generation_id: str) -> GenerationCard:
    gen = svc.get_generation(user_id, generation_id)
    return card_from_json(
        svc.generation_json(gen, svc.images_for([gen.id])[gen.id]), _engine_labels()
    )


class GalleryState(SessionState):
    """This visit's new generations (results) and the history (gallery), newest first."""

    results: list[GenerationCard] = []
    history: list[GenerationCard] = []
    next_cursor: str = ""
    loaded: bool = False
    gallery_error: str = ""
    pending_delete_id: str = ""
    _undo: list = []  # [card, index in history] while a delete can still be undone
    _user_id: str = ""
    _watching: list[str] = []

    @rx.var
    def shown_results(self) -> list[GenerationCard]:
        """In-flight and failed ones, plus the newest completed: older ones live in the gallery."""
        out, newest_done = [], False
        for c in self.results:
            if c.status != GenerationStatus.COMPLETED:
                out.append(c)
            elif not newest_done:
                out.append(c)
                newest_done = True
        return out

    @rx.var
    def has_more(self) -> bool:
        """Whether older generations remain to load."""
        return self.next_cursor != ""

    @rx.event
    async def load(self) -> list | rx.event.EventSpec | None:
        """Page load: verify the user, read the first gallery page and any in-flight work."""
        principal = await self._principal()
        if principal is None:  # Clerk mode: its guards show sign-in while the token syncs
            return None if get_settings().auth == "clerk" else rx.redirect(SIGN_IN)
        if principal.user_id != self._user_id:
            await self._forget_page_state()  # a new user in this tab sees nothing of the last
        self.email, self._user_id = principal.display_name, principal.user_id
        page, pending = await asyncio.gather(
            asyncio.to_thread(svc.list_generations, principal.user_id, limit=PAGE_SIZE),
            asyncio.to_thread(
                svc.list_generations, principal.user_id, statuses=IN_FLIGHT, limit=PAGE_SIZE
            ),
        )
        self.history = await asyncio.to_thread(_cards, page)
        self.next_cursor = page.next_cursor or ""
        pending_cards = await asyncio.to_thread(_cards, pending)
        known = {c.id for c in pending_cards}
        self.results = pending_cards + [
            c for c in self.results if c.id not in known and c.status not in IN_FLIGHT
        ]
        self.loaded = True
        return [GalleryState.watch(c.id) for c in pending_cards]

    @rx.event
    async def load_more(self) -> None:
        """Appends the next page of older generations."""
        if not self.next_cursor or not self._user_id:
            return
        try:
            page = await asyncio.to_thread(
                svc.list_generations, self._user_id, limit=PAGE_SIZE, cursor=self.next_cursor
            )
        except ServiceError as e:
            self.gallery_error = e.message
            return
        seen = {c.id for c in self.history}
        self.history += [c for c in await asyncio.to_thread(_cards, page) if c.id not in seen]
        self.next_cursor = page.next_cursor or ""

    @rx.event
    async def toggle_favorite(self, image_id: str) -> None:
        """Stars or unstars an image, in the database first, then on every card showing it."""
        current = next(
            (i.favorite for c in self.history + self.results for i in c.images if i.id == image_id),
            None,
        )
        if current is None:
            return
        try:
            await asyncio.to_thread(svc.set_favorite, self._user_id, image_id, not current)
        except ServiceError as e:
            self.gallery_error = e.message
            return
        for cards in (self.history, self.results):
            for c in cards:
                for i in c.images:
                    if i.id == image_id:
                        i.favorite = not current
        self.history, self.results = list(self.history), list(self.results)

    @rx.event
    async def request_delete(self, generation_id: str) -> rx.event.EventSpec | None:
        """Hides the generation at once; it is deleted for good unless undone in time."""
        if self.pending_delete_id:  # one undo at a time: the previous delete goes through now
            await self._delete_now(self.pending_delete_id)
        index = next((i for i, c in enumerate(self.history) if c.id == generation_id), None)
        card = (
            self.history[index]
            if index is not None
            else next((c for c in self.results if c.id == generation_id), None)
        )
        if card is None:
            return None
        self._undo = [card, index]
        self.history = [c for c in self.history if c.id != generation_id]
        self.results = [c for c in self.results if c.id != generation_id]
        self.pending_delete_id = generation_id
        return GalleryState.finish_delete(generation_id)

    @rx.event
    def undo_delete(self) -> None:
        """Puts the generation back where it was; nothing was deleted."""
        if not self.pending_delete_id or not self._undo:
            return
        card, index = self._undo
        history = list(self.history)
        history.insert(index if index is not None else 0, card)
        self.history = history
        self.pending_delete_id, self._undo = "", []

    @rx.event(background=True)
    async def finish_delete(self, generation_id: str) -> None:
        """After the undo window, deletes the generation unless it was undone."""
        await asyncio.sleep(get_settings().undo_seconds)
        async with self:
            if self.pending_delete_id != generation_id:
                return  # undone, or already committed by a newer delete
            self.pending_delete_id, self._undo = "", []
            await self._delete_now(generation_id)

    async def _delete_now(self, generation_id: str) -> None:
        self.pending_delete_id, self._undo = "", []
        try:
            await asyncio.to_thread(svc.delete_generation, self._user_id, generation_id)
        except ServiceError as e:
            self.gallery_error = e.message

    def _forget_user(self) -> None:
        """Drops everything shown for the previous user of this tab."""
        self.pending_delete_id, self._undo = "", []
        self.results, self.history, self.next_cursor = [], [], ""
        self.loaded, self._user_id, self._watching = False, "", []

    def _add_result(self, card: GenerationCard) -> None:
        """Shows a just-submitted generation at the top of the results."""
        self.results = [card] + [c for c in self.results if c.id != card.id]

    def _apply(self, card: GenerationCard) -> None:
        self.results = [card if c.id == card.id else c for c in self.results]
        if card.status == GenerationStatus.COMPLETED and all(c.id != card.id for c in self.history):
            self.history = [card] + self.history

    @rx.event(background=True)
    async def watch(self, generation_id: str) -> None:
        """Waits for a generation to finish, woken by the notifier; polls only as a fallback."""
        async with self:
            user_id = self._user_id
            if not user_id or generation_id in self._watching:
                return
            self._watching = [*self._watching, generation_id]
        settings = get_settings()
        deadline = time.monotonic() + settings.generation_timeout_seconds
        card = None
        try:
            while time.monotonic() < deadline:
                with get_notifier().subscribe(generation_id) as changed:
                    card = await asyncio.to_thread(_card, user_id, generation_id)
                    if card.status not in IN_FLIGHT:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), settings.poll_fallback_seconds)
        except ServiceError:
            card = None  # deleted meanwhile
        finally:
            async with self:
                self._watching = [g for g in self._watching if g != generation_id]
                if card is not None and self._user_id == user_id:  # still the same user
                    self._apply(card)
