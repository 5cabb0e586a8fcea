"""/generate-images: the form, this visit's results, and the whole gallery."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import infinite_scroll
from imagegen.components.gallery_tools import album_notices, filter_bar, selection_bar
from imagegen.components.generation_card import generation_card
from imagegen.components.layout import header, page_shell
from imagegen.components.lightbox import lightbox
from imagegen.components.prompt_form import prompt_form
from imagegen.components.share_dialog import share_dialog
from imagegen.state.gallery import GalleryState as G
from imagegen.state.lightbox import LightboxState


def results_section() -> rx.Component:
    """The newest generations of this visit, shown large."""
    return rx.cond(
        G.shown_results.length() > 0,
        rx.vstack(
            rx.heading("Results", size="5", as_="h2"),
            rx.foreach(G.shown_results, lambda c: generation_card(c, large=True)),
            width="100%",
            spacing="3",
            id="results",
        ),
    )


def gallery_section() -> rx.Component:
    """Every completed generation, newest first, in 1 to 3 columns."""
    return rx.vstack(
        rx.heading("Gallery", size="5", as_="h2"),
        filter_bar(),
        album_notices(),
        selection_bar(),
        rx.cond(
            G.pending_delete_id != "",
            rx.callout(
                rx.hstack(
                    rx.text(
                        rx.cond(G.pending_delete_kind == "image", "Image", "Generation"),
                        " deleted.",
                    ),
                    rx.button("Undo", on_click=G.undo_delete, size="1", variant="soft"),
                    align="center",
                    gap="3",
                ),
                icon="trash-2",
                color_scheme="gray",
                role="status",
                width="100%",
            ),
        ),
        rx.cond(
            G.gallery_error != "",
            rx.callout(G.gallery_error, icon="circle_alert", color_scheme="red", role="alert"),
        ),
        rx.cond(
            G.loaded & (G.history.length() == 0) & (G.fresh.length() == 0),
            rx.cond(
                G.filtered,
                rx.hstack(
                    rx.text("Nothing matches these filters.", color_scheme="gray"),
                    rx.button("Clear filters", on_click=G.clear_filters, variant="soft", size="1"),
                    align="center",
                    id="gallery-no-match",
                ),
                rx.text(
                    "Nothing here yet: your completed generations will appear here.",
                    color_scheme="gray",
                ),
            ),
        ),
        rx.grid(
            rx.foreach(G.fresh, lambda c: generation_card(c)),
            rx.foreach(G.history, lambda c: generation_card(c)),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="4",
            width="100%",
            id="gallery-grid",
        ),
        infinite_scroll(G.load_more, G.has_more, G.loading_more),
        rx.cond(
            G.has_more,
            rx.button(
                "Load more",
                on_click=G.load_more,
                loading=G.loading_more,
                variant="outline",
                width="100%",
                id="load-more",
            ),
        ),
        width="100%",
        spacing="3",
        id="gallery",
    )


def studio_page() -> rx.Component:
    """The generate-images page."""
    return page_shell(
        header(),
        prompt_form(),
        results_section(),
        gallery_section(),
        lightbox(LightboxState),
        share_dialog(),
    )
