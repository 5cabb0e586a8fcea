"""Live cards: a generation in flight updates its card as the worker reports, and whatever
the user starts or finishes in another tab or device shows in this one too."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta

import reflex as rx

from imagegen.models import IN_FLIGHT
from imagegen.services import generations as svc
from imagegen.services.errors import ServiceError
from imagegen.services.notify import get_notifier, user_topic
from imagegen.services.progress import get_progress_board
from imagegen.services.search import GalleryFilter
from imagegen.settings.app import get_app_settings
from imagegen.state.cards import GenerationCard, card_of, cards_of

FOLLOW_CHECK_SECONDS = 20  # how often an idle follower checks that its tab is still there
BOOT_ID = uuid.uuid4().hex[:12]  # this process: watches of a dead one are not waited for


class GalleryFollow(rx.State, mixin=True):
    """The watches and the follower of GalleryState (a mixin: its events are GalleryState's)."""

    _watching: list[str] = []
    _follower: str = ""  # the live follow task of this tab (the newest one wins)

    @rx.event(background=True)
    async def watch(self, generation_id: str) -> None:
        """Waits for a generation to finish, woken by the notifier; polls only as a fallback."""
        async with self:
            user_id, filters, lang = self._user_id, self._filter, self.lang
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
                        card = await asyncio.to_thread(card_of, user_id, generation_id, lang)
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
        since = datetime.now(UTC) - timedelta(seconds=55)  # the first check covers the load
        # One subscription for the tab's life: a change that lands while this task is busy
        # (or before its first wait) leaves the event set, so it is never missed.
        with get_notifier().subscribe(user_topic(user_id)) as changed:
            first = True
            while True:
                if not first:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), FOLLOW_CHECK_SECONDS)
                woke, first = first or changed.is_set(), False
                changed.clear()
                async with self:
                    if self._follower != token or self._user_id != user_id:
                        return  # a newer follower took over, or the user signed out
                    client, filters = self.router.session.client_token, self._filter
                    lang = self.lang
                if not _connected(client):
                    return  # the tab is gone
                if not woke:
                    continue
                check_from, since = since - timedelta(seconds=5), datetime.now(UTC)
                gens = await asyncio.to_thread(svc.recent_changes, user_id, check_from)
                cards = await asyncio.to_thread(cards_of, gens, None, lang)
                belongs = await asyncio.to_thread(_belonging, user_id, cards, filters)
                to_watch = []
                async with self:
                    if self._user_id != user_id:
                        return
                    shown = {c.id for c in self._shown_cards()}
                    for card in cards:
                        if card.status in IN_FLIGHT:
                            if card.id not in shown:
                                self._add_result(card)
                            to_watch.append(card.id)
                        elif card.id not in shown:
                            self._apply(card, belongs[card.id] and self._filter == filters)
                for gid in to_watch:
                    yield self.__class__.watch(gid)


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
