"""Results and gallery: a view of the user's generations that updates itself when webhooks land.

GalleryState is one state class in four modules, by what the user sees: the list and its
pages here, search and filters (gallery_filters), delete and undo (gallery_delete), live
cards (gallery_follow); the three are mixins, so their events stay GalleryState's own.
"""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imagegen.models import IN_FLIGHT
from imagegen.services import generations as svc
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings
from imagegen.state.cards import GenerationCard, card_of, cards_of
from imagegen.state.gallery_delete import GalleryDeletes
from imagegen.state.gallery_filters import GalleryFilters, filter_options
from imagegen.state.gallery_follow import GalleryFollow
from imagegen.state.gallery_pages import GalleryPages
from imagegen.state.session import SIGN_IN, SessionState

PAGE_SIZE = 24


def _page_cards(page: svc.Page, lang: str = "en") -> list[GenerationCard]:
    return cards_of(page.generations, page.images, lang)


class GalleryState(GalleryFilters, GalleryDeletes, GalleryFollow, GalleryPages, SessionState):
    """One gallery, newest first: this visit's new generations (`shown_results`: submitted
    here or elsewhere since the page loaded, in flight or done, marked New) on top, then live
    arrivals (`fresh`), then the history, in pages (gallery_pages). Each card is in one list
    only, so a generation landing sends one card over the websocket, never the loaded
    history."""

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The studio's loads, once Clerk says who is signed in."""
        return [cls.load] if not path.startswith(Page.ALBUMS) else []

    shown_results: list[GenerationCard] = []
    fresh: list[GenerationCard] = []
    next_cursor: str = ""
    loaded: bool = False
    loading_more: bool = False
    gallery_error: str = ""
    match_count: int = -1  # generations the search and filters match (-1: not counted yet)
    _results: list[GenerationCard] = []  # every result of this visit, newest first
    _user_id: str = ""

    def _fail(self, message: str, group: str = "") -> None:
        """Why a gallery action failed: kept, and shown as a toast."""
        self.gallery_error = message
        super()._fail(message, group)

    @rx.var
    def has_more(self) -> bool:
        """Whether more generations remain to load."""
        return self.next_cursor != ""

    def _set_results(self, results: list[GenerationCard]) -> None:
        """This visit's new generations, shown at the top of the gallery."""
        self._results = results
        if results != self.shown_results:
            self.shown_results = list(results)

    def _shown_cards(self) -> list[GenerationCard]:
        """Every card on the page, in the order shown."""
        return self._results + self._gallery_cards()

    def _gallery_cards(self) -> list[GenerationCard]:
        return self.fresh + self._history()

    def _replace_card(self, card_id: str, new: GenerationCard | None) -> None:
        """Replaces (or removes, for None) a card wherever it is shown; untouched lists stay
        clean, so the websocket delta carries only what changed."""
        if any(c.id == card_id for c in self.fresh):
            self.fresh = [
                new if c.id == card_id else c for c in self.fresh if c.id != card_id or new
            ]
        self._replace_in_history(card_id, new)
        if any(c.id == card_id for c in self._results):
            self._set_results(
                [new if c.id == card_id else c for c in self._results if c.id != card_id or new]
            )

    @rx.event
    async def load(self) -> list | rx.event.EventSpec | None:
        """Page load: verify the user, read the first gallery page and any in-flight work."""
        principal = await self._principal()
        if principal is None:  # Clerk mode: its guards show sign-in while the token syncs
            return None if get_app_settings().auth == "clerk" else rx.redirect(SIGN_IN)
        if principal.user_id != self._user_id:
            await self._forget_page_state()  # a new user in this tab sees nothing of the last
        self.email, self._user_id = principal.display_name, principal.user_id
        self.gallery_error = ""
        f = self._read_url_filter()
        page, pending, options, count = await asyncio.gather(
            asyncio.to_thread(svc.list_generations, principal.user_id, limit=PAGE_SIZE, filters=f),
            asyncio.to_thread(
                svc.list_generations, principal.user_id, statuses=IN_FLIGHT, limit=PAGE_SIZE
            ),
            asyncio.to_thread(filter_options),
            asyncio.to_thread(svc.count_generations, principal.user_id, f),
        )
        self.match_count = count
        self.filter_engines, self.filter_models, self.filter_sizes = options
        self._set_history(await asyncio.to_thread(_page_cards, page, self.lang))
        self.fresh = []
        self.next_cursor = page.next_cursor or ""
        # New since the page loaded: what is still running; what ended is in the history.
        pending_cards = await asyncio.to_thread(_page_cards, pending, self.lang)
        self._set_results(pending_cards)
        self.loaded = True
        return [GalleryState.follow(), *(GalleryState.watch(c.id) for c in pending_cards)]

    async def _fetch_more(self) -> None:
        try:
            page = await asyncio.to_thread(
                svc.list_generations,
                self._user_id,
                limit=PAGE_SIZE,
                cursor=self.next_cursor,
                filters=self._filter,
            )
        except ServiceError as e:
            self._fail(e.message)
            return
        seen = {c.id for c in self._shown_cards()}
        self._append_history(
            [c for c in await asyncio.to_thread(_page_cards, page, self.lang) if c.id not in seen]
        )
        self.next_cursor = page.next_cursor or ""

    @rx.event
    async def load_more(self):  # noqa: ANN201 (an async generator: it yields to show a spinner)
        """Appends the next page (infinite scroll calls this; so does Load more)."""
        if not self.next_cursor or not self._user_id or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            await self._fetch_more()
        finally:
            self.loading_more = False

    @rx.event
    async def cancel(self, generation_id: str) -> None:
        """Stops an in-flight generation; its card turns CANCELLED via its watcher."""
        if not self._user_id:
            return
        try:
            await asyncio.to_thread(svc.cancel_generation, self._user_id, generation_id)
        except ServiceError as e:
            self._fail(e.message)

    @rx.event
    async def retry(self, generation_id: str) -> rx.event.EventSpec | None:
        """Runs a failed generation again; its card becomes the new, pending one."""
        if not self._user_id:
            return None
        try:
            gen = await asyncio.to_thread(svc.retry_generation, self._user_id, generation_id)
        except ServiceError as e:
            self._fail(e.message)
            return None
        card = await asyncio.to_thread(card_of, self._user_id, gen.id, self.lang)
        self._replace_card(generation_id, None)
        self._add_result(card)
        return GalleryState.watch(gen.id) if card.status in IN_FLIGHT else None

    def _find_image(self, image_id: str) -> tuple[GenerationCard, int] | None:
        for c in self._gallery_cards() + self._results:
            for n, i in enumerate(c.images):
                if i.id == image_id:
                    return c, n
        return None

    async def _toggle_favorite(self, image_id: str) -> None:
        found = self._find_image(image_id)
        if found is None:
            return
        current = found[0].images[found[1]].favorite
        try:
            await asyncio.to_thread(svc.set_favorite, self._user_id, image_id, not current)
        except ServiceError as e:
            self._fail(e.message)
            return
        for c in {c.id: c for c in self._gallery_cards() + self._results}.values():
            if any(i.id == image_id for i in c.images):
                images = [
                    dataclasses.replace(i, favorite=not current) if i.id == image_id else i
                    for i in c.images
                ]
                self._replace_card(c.id, dataclasses.replace(c, images=images))

    @rx.event
    async def toggle_favorite(self, image_id: str) -> None:
        """Stars or unstars an image, in the database first, then on every card showing it."""
        await self._toggle_favorite(image_id)

    def _forget_user(self) -> None:
        """Drops everything shown for the previous user of this tab."""
        self._forget_delete()
        self._set_history([])
        self.fresh, self.next_cursor = [], ""
        self._set_results([])
        self.loaded, self._user_id, self._watching, self._follower = False, "", [], ""

    def _add_result(self, card: GenerationCard) -> None:
        """Shows a just-submitted generation at the top of the results."""
        self._set_results([card] + [c for c in self._results if c.id != card.id])

    def _apply(self, card: GenerationCard, belongs: bool) -> None:
        """A finished generation updates its result card and, if the filter admits it, the
        gallery: on top when newest first, at the end once every older page is loaded."""
        if any(c.id == card.id for c in self._results):  # a new one: it stays, and says so
            mark = dataclasses.replace(
                card,
                outside_filter=self.filtered and card.status == "COMPLETED" and not belongs,
            )
            self._set_results([mark if c.id == card.id else c for c in self._results])
            return
        if not belongs or any(c.id == card.id for c in self._gallery_cards()):
            return
        if self._filter.sort == "newest":
            self.fresh = [card] + self.fresh
        elif not self.next_cursor:
            self._append_history([card], new_page=False)
