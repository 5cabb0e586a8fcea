"""Results and gallery: a view of the user's generations that updates itself when webhooks land."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

import reflex as rx

from imagegen.models import IN_FLIGHT, GenerationStatus
from imagegen.services import generations as svc
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.notify import get_notifier, user_topic
from imagegen.services.progress import get_progress_board
from imagegen.services.search import GalleryFilter, parse_filter
from imagegen.settings.app import get_app_settings
from imagegen.state.cards import GenerationCard, card_from_json
from imagegen.state.session import HOME, SIGN_IN, SessionState

PAGE_SIZE = 24
FOLLOW_CHECK_SECONDS = 20  # how often an idle follower checks that its tab is still there
BOOT_ID = uuid.uuid4().hex[:12]  # this process: watches of a dead one are not waited for


def _engine_labels() -> dict[str, str]:
    try:
        return {n: e.label for n, e in get_catalog().engines.items()}
    except WorkerUnavailable:
        return {}


def _filter_options() -> tuple[list[dict[str, str]], list[str], list[str]]:
    """Engines, models and sizes the filter pickers offer, from what the worker declares."""
    try:
        catalog = get_catalog()
    except WorkerUnavailable:
        return [], [], []
    engines = [{"name": n, "label": e.label} for n, e in catalog.engines.items()]
    models = sorted({m for e in catalog.engines.values() for m in e.models})
    sizes = sorted({f"{w}x{h}" for e in catalog.engines.values() for w, h in e.sizes})
    return engines, models, sizes


def _cards(page: svc.Page) -> list[GenerationCard]:
    return _cards_of(page.generations, page.images)


def _card(user_id: str, generation_id: str) -> GenerationCard:
    gen = svc.get_generation(user_id, generation_id)
    return card_from_json(
        svc.generation_json(gen, svc.images_for([gen.id])[gen.id]), _engine_labels()
    )


class GalleryState(SessionState):
    """This visit's new generations (results) and the history (gallery), newest first.

    Live arrivals go to `fresh` (shown above `history`) and results to `shown_results`, so a
    generation landing sends one or two cards over the websocket, never the loaded history.
    """

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The studio's loads, once Clerk says who is signed in."""
        return [cls.load] if not path.startswith("/albums") else []

    shown_results: list[GenerationCard] = []
    fresh: list[GenerationCard] = []
    history: list[GenerationCard] = []
    next_cursor: str = ""
    loaded: bool = False
    loading_more: bool = False
    gallery_error: str = ""
    pending_delete_id: str = ""
    pending_delete_kind: str = ""  # "generation" or "image"
    # The filters mirror the page URL (?q=…&status=…), the single place they live.
    q: str = ""
    favorites: bool = False
    status_filter: str = "completed"
    engine_filter: str = ""
    size_filter: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "newest"
    filter_engines: list[dict[str, str]] = []
    filter_models: list[str] = []
    filter_sizes: list[str] = []
    model_filter: str = ""
    _filter: GalleryFilter = GalleryFilter()
    _results: list[GenerationCard] = []  # every result of this visit, newest first
    _undo: list = []  # [kind, target id, {list name: (index, card as it was)}] while undoable
    _user_id: str = ""
    _watching: list[str] = []
    _follower: str = ""  # the live follow task of this tab (the newest one wins)

    @rx.var
    def has_more(self) -> bool:
        """Whether more generations remain to load."""
        return self.next_cursor != ""

    @rx.var
    def filtered(self) -> bool:
        """Whether any filter narrows the gallery (the empty state then says so)."""
        return (
            self.q != ""
            or self.favorites
            or self.status_filter != "completed"
            or self.engine_filter != ""
            or self.model_filter != ""
            or self.size_filter != ""
            or self.date_from != ""
            or self.date_to != ""
            or self.sort != "newest"
        )

    def _set_results(self, results: list[GenerationCard]) -> None:
        """Keeps every result; shows in-flight and failed ones plus the newest completed."""
        self._results = results
        shown, newest_done = [], False
        for c in results:
            if c.status != GenerationStatus.COMPLETED:
                shown.append(c)
            elif not newest_done:
                shown.append(c)
                newest_done = True
        if shown != self.shown_results:
            self.shown_results = shown

    def _gallery_cards(self) -> list[GenerationCard]:
        return self.fresh + self.history

    def _replace_card(self, card_id: str, new: GenerationCard | None) -> None:
        """Replaces (or removes, for None) a card wherever it is shown; untouched lists stay
        clean, so the websocket delta carries only what changed."""
        for name in ("fresh", "history"):
            cards = getattr(self, name)
            if any(c.id == card_id for c in cards):
                setattr(
                    self,
                    name,
                    [new if c.id == card_id else c for c in cards if c.id != card_id or new],
                )
        if any(c.id == card_id for c in self._results):
            self._set_results(
                [new if c.id == card_id else c for c in self._results if c.id != card_id or new]
            )

    def _read_url_filter(self) -> GalleryFilter:
        params = dict(self.router.url.query_parameters)
        try:
            f = parse_filter(params)
        except ServiceError as e:
            self.gallery_error = f"{e.message} Showing everything instead."
            f = GalleryFilter()
        self._filter = f
        self.q, self.favorites, self.status_filter = f.q, f.favorites, f.status
        self.engine_filter, self.size_filter, self.sort = f.engine, f.size, f.sort
        self.model_filter = f.model
        self.date_from = f.date_from.isoformat() if f.date_from else ""
        self.date_to = f.date_to.isoformat() if f.date_to else ""
        return f

    def _go(self, f: GalleryFilter) -> rx.event.EventSpec:
        """Puts the filter in the URL; the page's on_load then shows it (and Back undoes it)."""
        query = f.to_query()
        return rx.redirect(f"{HOME}?{query}" if query else HOME)

    def _filter_from_fields(self) -> GalleryFilter | None:
        try:
            return parse_filter(
                {
                    "q": self.q,
                    "favorites": "1" if self.favorites else "",
                    "status": self.status_filter,
                    "engine": self.engine_filter,
                    "model": self.model_filter,
                    "size": self.size_filter,
                    "from": self.date_from,
                    "to": self.date_to,
                    "sort": self.sort,
                }
            )
        except ServiceError as e:
            self.gallery_error = e.message
            return None

    @rx.event
    def set_q(self, value: str) -> None:
        """Typing in the search box; the search runs on Enter."""
        self.q = value[:200]

    @rx.event
    def search(self, _form: dict | None = None) -> rx.event.EventSpec | None:
        """Runs the typed search (with the other filters) by putting it in the URL."""
        f = self._filter_from_fields()
        return self._go(f) if f else None

    @rx.event
    def set_filter(self, name: str, value: str | bool) -> rx.event.EventSpec | None:
        """Changes one filter and applies it at once."""
        fields = {
            "favorites": "favorites",
            "status": "status_filter",
            "engine": "engine_filter",
            "model": "model_filter",
            "size": "size_filter",
            "from": "date_from",
            "to": "date_to",
            "sort": "sort",
        }
        if name not in fields:
            return None
        value = bool(value) if name == "favorites" else str(value or "")
        setattr(self, fields[name], "" if value == "any" else value)
        f = self._filter_from_fields()
        return self._go(f) if f else None

    @rx.event
    def clear_filters(self) -> rx.event.EventSpec:
        """Back to every completed generation, newest first."""
        return self._go(GalleryFilter())

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
        page, pending, options = await asyncio.gather(
            asyncio.to_thread(svc.list_generations, principal.user_id, limit=PAGE_SIZE, filters=f),
            asyncio.to_thread(
                svc.list_generations, principal.user_id, statuses=IN_FLIGHT, limit=PAGE_SIZE
            ),
            asyncio.to_thread(_filter_options),
        )
        self.filter_engines, self.filter_models, self.filter_sizes = options
        self.history, self.fresh = await asyncio.to_thread(_cards, page), []
        self.next_cursor = page.next_cursor or ""
        pending_cards = await asyncio.to_thread(_cards, pending)
        known = {c.id for c in pending_cards}
        self._set_results(
            pending_cards
            + [c for c in self._results if c.id not in known and c.status not in IN_FLIGHT]
        )
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
            self.gallery_error = e.message
            return
        seen = {c.id for c in self._gallery_cards()}
        self.history = self.history + [
            c for c in await asyncio.to_thread(_cards, page) if c.id not in seen
        ]
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
            self.gallery_error = e.message

    @rx.event
    async def retry(self, generation_id: str) -> rx.event.EventSpec | None:
        """Runs a failed generation again; its card becomes the new, pending one."""
        if not self._user_id:
            return None
        try:
            gen = await asyncio.to_thread(svc.retry_generation, self._user_id, generation_id)
        except ServiceError as e:
            self.gallery_error = e.message
            return None
        card = await asyncio.to_thread(_card, self._user_id, gen.id)
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
            self.gallery_error = e.message
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
        return GalleryState.finish_delete(target_id)

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
        self.pending_delete_id, self.pending_delete_kind, self._undo = "", "", []

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
        self.pending_delete_id, self.pending_delete_kind, self._undo = "", "", []
        delete = svc.delete_image if kind == "image" else svc.delete_generation
        try:
            await asyncio.to_thread(delete, self._user_id, target)
        except ServiceError as e:
            self.gallery_error = e.message

    def _forget_user(self) -> None:
        """Drops everything shown for the previous user of this tab."""
        self.pending_delete_id, self.pending_delete_kind, self._undo = "", "", []
        self.history, self.fresh, self.next_cursor = [], [], ""
        self._set_results([])
        self.loaded, self._user_id, self._watching, self._follower = False, "", [], ""

    def _add_result(self, card: GenerationCard) -> None:
        """Shows a just-submitted generation at the top of the results."""
        self._set_results([card] + [c for c in self._results if c.id != card.id])

    def _apply(self, card: GenerationCard, belongs: bool) -> None:
        """A finished generation updates its result card and, if the filter admits it, the
        gallery: on top when newest first, at the end once every older page is loaded."""
        self._set_results([card if c.id == card.id else c for c in self._results])
        if not belongs or any(c.id == card.id for c in self._gallery_cards()):
            return
        if self._filter.sort == "newest":
            self.fresh = [card] + self.fresh
        elif not self.next_cursor:
            self.history = self.history + [card]

    @rx.event(background=True)
    async def watch(self, generation_id: str) -> None:
        """Waits for a generation to finish, woken by the notifier; polls only as a fallback."""
        async with self:
            user_id, filters = self._user_id, self._filter
            mark = f"{BOOT_ID}:{generation_id}"
            if not user_id or mark in self._watching:
                return
            # Marks from a process that died (state kept in Redis) must not block a new watch.
            self._watching = [*(w for w in self._watching if w.startswith(BOOT_ID)), mark]
        settings = get_app_settings()
        deadline = time.monotonic() + settings.generation_timeout_seconds
        board = get_progress_board()
        card, seen_at = None, None
        try:
            while time.monotonic() < deadline:
                with get_notifier().subscribe(generation_id) as changed:
                    info = board.get(generation_id)
                    fresh_progress = info is not None and not info.done and info.at != seen_at
                    if card is None or not fresh_progress:  # a result, a cancel, or a poll
                        card = await asyncio.to_thread(_card, user_id, generation_id)
                        if card.status not in IN_FLIGHT:
                            break
                    if fresh_progress and info is not None:  # progress: memory only, no DB
                        seen_at = info.at
                        card = dataclasses.replace(
                            card,
                            progress=info.percent,
                            queue_position=info.queue_position,
                            preview=info.preview,
                        )
                        async with self:
                            if self._user_id == user_id:
                                self._replace_card(card.id, card)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), settings.poll_fallback_seconds)
        except ServiceError:
            card = None  # deleted meanwhile
        belongs = False
        if card is not None and card.status not in IN_FLIGHT:
            with contextlib.suppress(ServiceError):
                belongs = await asyncio.to_thread(svc.matches, user_id, generation_id, filters)
        async with self:
            self._watching = [w for w in self._watching if w != mark]
            if card is not None and self._user_id == user_id:  # still the same user
                self._apply(card, belongs and self._filter == filters)

    @rx.event(background=True)
    async def follow(self):  # noqa: ANN201 (an async generator: it starts watches)
        """Keeps this tab in step with the user's other tabs and devices: a generation started
        or ended anywhere (on any app process) shows here too. One per tab; the newest wins."""
        token = uuid.uuid4().hex
        async with self:
            user_id = self._user_id
            if not user_id:
                return
            self._follower = token
        since = datetime.now(UTC)
        while True:
            with get_notifier().subscribe(user_topic(user_id)) as changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), FOLLOW_CHECK_SECONDS)
                woke = changed.is_set()
            async with self:
                if self._follower != token or self._user_id != user_id:
                    return  # a newer follower took over, or the user signed out
                client, filters = self.router.session.client_token, self._filter
            if not _connected(client):
                return  # the tab is gone
            if not woke:
                continue
            check_from, since = since - timedelta(seconds=5), datetime.now(UTC)
            gens = await asyncio.to_thread(svc.recent_changes, user_id, check_from)
            cards = await asyncio.to_thread(_cards_of, gens)
            belongs = await asyncio.to_thread(_belonging, user_id, cards, filters)
            to_watch = []
            async with self:
                if self._user_id != user_id:
                    return
                shown = {c.id for c in self._results} | {c.id for c in self._gallery_cards()}
                for card in cards:
                    if card.status in IN_FLIGHT:
                        if card.id not in shown:
                            self._add_result(card)
                        to_watch.append(card.id)
                    elif card.id not in shown:
                        self._apply(card, belongs[card.id] and self._filter == filters)
            for gid in to_watch:
                yield GalleryState.watch(gid)


def _cards_of(gens: list, images: dict | None = None) -> list[GenerationCard]:
    """Cards of generations, their images read in one query unless already at hand."""
    images = images if images is not None else svc.images_for([g.id for g in gens])
    labels = _engine_labels()
    return [card_from_json(svc.generation_json(g, images[g.id]), labels) for g in gens]


def _belonging(user_id: str, cards: list[GenerationCard], f: GalleryFilter) -> dict[str, bool]:
    return {c.id: svc.matches(user_id, c.id, f) for c in cards if c.status not in IN_FLIGHT}


def _connected(client_token: str) -> bool:
    """Whether this tab still has its websocket (on this process)."""
    from reflex.utils.prerequisites import get_and_validate_app

    try:
        namespace = get_and_validate_app().app.event_namespace
    except Exception:  # noqa: BLE001 (no app here: a test calling the handler directly)
        return True
    return namespace is None or client_token in namespace.token_to_sid
