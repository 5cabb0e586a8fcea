"""The large preview dialog's own part, shared by the gallery's and an album page's preview:
which image it shows, and closing it."""

from __future__ import annotations

import reflex as rx

from imagegen.state.cards import GenerationCard, ImageCard


class LargePreview(rx.State, mixin=True):
    """The dialog's vars and its closing (a mixin: its events are its users' own)."""

    is_open: bool = False
    card: GenerationCard = GenerationCard()
    image: ImageCard = ImageCard()
    position: str = ""  # "3 / 12"
    original_url: str = ""  # minted on opening, so the grid never carries (or loads) originals
    info_open: bool = True  # the details panel beside (or under) the image

    @rx.event
    def toggle_info(self) -> None:
        """Folds the details panel away, or brings it back."""
        self.info_open = not self.info_open

    @rx.event
    def close(self) -> None:
        """Closes the preview."""
        self.is_open = False

    @rx.event
    def set_open(self, value: bool) -> None:
        """The dialog's own open/close (Esc, click outside): it can only close it."""
        self.is_open = bool(value) and self.is_open
