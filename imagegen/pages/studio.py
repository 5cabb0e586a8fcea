"""/generate-images: the sticky prompt bar over one gallery, newest first, in which this
visit's new and in-flight generations come first, marked New."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import infinite_scroll
from imagegen.components.card_actions import confirm_delete_dialog
from imagegen.components.gallery_tools import filter_bar, selection_bar
from imagegen.components.generation_card import generation_card, history_card
from imagegen.components.i18n import t
from imagegen.components.layout import page_shell
from imagegen.components.lightbox import lightbox
from imagegen.components.prompt_form import prompt_form
from imagegen.components.share_dialog import share_dialog
from imagegen.state.form import PromptFormState
from imagegen.state.gallery import GalleryState as G
from imagegen.state.gallery_pages import PAGE_NAMES
from imagegen.state.lightbox import LightboxState

GALLERY_ID = "gallery"
EXAMPLES = [
    "A lighthouse at dawn, watercolor",
    "A red fox in fresh snow, soft morning light",
    "A tiny café on a rainy Paris street, cinematic",
    "An isometric city of floating islands, pastel colours",
]


def empty_state() -> rx.Component:
    """No generation yet: an invitation, with example prompts one click away."""
    return rx.el.div(
        rx.icon("sparkles", size=32, aria_hidden="true"),
        rx.heading(t("Your first image is one prompt away"), size="5", as_="h2"),
        rx.text(
            t(
                "Nothing here yet: your generations will appear here. Type a prompt above, or "
                "start from one of these:"
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.el.div(
            *[
                rx.button(
                    t(p),
                    # The prompt in the page's language, as the button shows it.
                    on_click=[PromptFormState.set_example(t(p)), PromptFormState.generate],
                    variant="soft",
                    size="2",
                    class_name="example-prompt",
                )
                for p in EXAMPLES
            ],
            class_name="example-prompts",
        ),
        class_name="empty-state",
        id="gallery-empty",
    )


def _no_match() -> rx.Component:
    return rx.hstack(
        rx.text(t("Nothing matches these filters."), color_scheme="gray"),
        rx.button(t("Clear filters"), on_click=G.clear_filters, variant="soft", size="2"),
        align="center",
        wrap="wrap",
        id="gallery-no-match",
    )


def gallery_section() -> rx.Component:
    """Every generation, newest first, as groups that fill 1 to 3 or more columns by width."""
    return rx.el.section(
        rx.heading(t("Gallery"), size="4", as_="h2", class_name="sr-only", id="gallery-heading"),
        selection_bar(),
        rx.cond(
            G.loaded & ~G.has_history & (G.fresh.length() == 0) & (G.shown_results.length() == 0),
            rx.cond(G.filtered, _no_match(), empty_state()),
        ),
        rx.el.div(
            rx.foreach(G.shown_results, lambda c: generation_card(c, new=True)),
            rx.foreach(G.fresh, lambda c: generation_card(c)),
            *(
                rx.foreach(getattr(G, name), lambda c: history_card(card=c, key=c.id))
                for name in PAGE_NAMES
            ),
            class_name="gallery-groups",
            id="gallery-grid",
        ),
        infinite_scroll(G.load_more, G.has_more, G.loading_more),
        rx.cond(
            G.has_more,
            rx.button(
                t("Load more"),
                on_click=G.load_more,
                loading=G.loading_more,
                variant="soft",
                width="100%",
                id="load-more",
            ),
        ),
        id=GALLERY_ID,
        tab_index=-1,
        aria_labelledby="gallery-heading",
        class_name="gallery",
    )


def studio_page() -> rx.Component:
    """The generate-images page."""
    return page_shell(
        rx.heading(t("Studio"), as_="h1", class_name="sr-only"),
        rx.el.div(prompt_form(), filter_bar(), class_name="studio-bar"),
        gallery_section(),
        lightbox(LightboxState),
        share_dialog(),
        confirm_delete_dialog(),
        skip_to=GALLERY_ID,
        skip_label="Skip to gallery",
    )
