"""The loaded history as fixed pages: Reflex sends a changed var whole, so each scroll step
fills one new page var and sends only it, however far the user has scrolled."""

from __future__ import annotations

import reflex as rx

from imagegen.state.cards import GenerationCard

HISTORY_PAGES = 100  # page vars; past the last one, the last page takes the rest
PAGE_NAMES = tuple(f"history_{n}" for n in range(HISTORY_PAGES))


class GalleryPages(rx.State, mixin=True):
    """The history, one var per loaded page (`history_0`, `history_1`, …)."""

    has_history: bool = False  # any card in any page: the empty state's test
    _pages_used: int = 0  # pages filled so far; the next step fills the next one

    for _name in PAGE_NAMES:
        __annotations__[_name] = "list[GenerationCard]"
        vars()[_name] = []
    del _name

    def _page_names(self) -> list[str]:
        """The pages in use, in order."""
        return list(PAGE_NAMES[: max(self._pages_used, 1)])

    def _history(self) -> list[GenerationCard]:
        """Every loaded history card, in the order shown."""
        return [c for name in self._page_names() for c in getattr(self, name)]

    def _pages_changed(self) -> None:
        has = any(getattr(self, name) for name in self._page_names())
        if has != self.has_history:
            self.has_history = has

    def _set_history(self, cards: list[GenerationCard]) -> None:
        """A fresh first page; the pages that held cards are emptied (only they are sent)."""
        for name in self._page_names()[1:]:
            setattr(self, name, [])
        if cards or getattr(self, PAGE_NAMES[0]):
            setattr(self, PAGE_NAMES[0], list(cards))
        self._pages_used = 1 if cards else 0
        self._pages_changed()

    def _append_history(self, cards: list[GenerationCard], new_page: bool = True) -> None:
        """The next step's cards, in a page of their own (the last page once all are used);
        a single arrival joins the last page."""
        if not cards:
            return
        n = min(
            self._pages_used - (0 if new_page or not self._pages_used else 1), HISTORY_PAGES - 1
        )
        setattr(self, PAGE_NAMES[n], [*getattr(self, PAGE_NAMES[n]), *cards])
        self._pages_used = n + 1
        self._pages_changed()

    def _replace_in_history(self, card_id: str, new: GenerationCard | None) -> None:
        """Replaces (or removes, for None) a card in the one page that holds it."""
        for name in self._page_names():
            cards = getattr(self, name)
            if any(c.id == card_id for c in cards):
                setattr(
                    self,
                    name,
                    [new if c.id == card_id else c for c in cards if c.id != card_id or new],
                )
        self._pages_changed()
