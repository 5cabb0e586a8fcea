"""Scrolling deep into the history sends one page of cards per step, not the whole history:
the websocket delta of each step holds the new page var only."""

from __future__ import annotations

import dataclasses

from imagegen.state.cards import GenerationCard, ImageCard
from imagegen.state.gallery_pages import HISTORY_PAGES, PAGE_NAMES


def _gallery():  # noqa: ANN202
    import reflex as rx
    from reflex_base.registry import RegistrationContext

    from imagegen.state.gallery import GalleryState

    RegistrationContext.ensure_context()
    root = rx.State(_reflex_internal_init=True)
    return root.get_substate(GalleryState.get_full_name().split(".")[1:])


def _cards(start: int, n: int) -> list[GenerationCard]:
    return [
        GenerationCard(id=f"g{k}", prompt=f"p{k}", images=[ImageCard(id=f"i{k}")])
        for k in range(start, start + n)
    ]


def _sent(state) -> set[str]:  # noqa: ANN001
    """The vars a delta would carry now, then a clean slate (as after a sent delta)."""
    dirty = {v for v in state.dirty_vars if v in PAGE_NAMES or v == "has_history"}
    state._clean()
    return dirty


def test_each_step_sends_only_its_own_page_at_any_depth():
    g = _gallery()
    g._set_history(_cards(0, 24))
    assert _sent(g) == {"history_0", "has_history"}
    for step in range(1, 60):
        g._append_history(_cards(step * 24, 24))
        assert _sent(g) == {f"history_{step}"}, step
    assert [c.id for c in g._history()] == [f"g{k}" for k in range(60 * 24)]
    assert len(g.history_59) == 24 and g.history_60 == []


def test_a_change_to_one_card_sends_only_the_page_that_holds_it():
    g = _gallery()
    g._set_history(_cards(0, 24))
    for step in range(1, 10):
        g._append_history(_cards(step * 24, 24))
    _sent(g)
    card = g.history_7[3]
    g._replace_in_history(card.id, dataclasses.replace(card, prompt="edited"))
    assert _sent(g) == {"history_7"} and g.history_7[3].prompt == "edited"
    g._replace_in_history(card.id, None)
    assert _sent(g) == {"history_7"} and card.id not in {c.id for c in g._history()}
    g._set_history([])  # a new search: every used page emptied, and the empty state shows
    assert _sent(g) == {*PAGE_NAMES[:10], "has_history"} and not g.has_history


def test_past_the_last_page_var_the_last_page_takes_the_rest():
    g = _gallery()
    g._set_history(_cards(0, 24))
    for step in range(1, HISTORY_PAGES + 3):
        g._append_history(_cards(step * 24, 24))
    assert len(g._history()) == (HISTORY_PAGES + 3) * 24
    assert len(getattr(g, PAGE_NAMES[-1])) == 4 * 24
