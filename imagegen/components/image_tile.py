"""One image of a generation: its thumbnail at its own aspect ratio (it opens the lightbox,
or selects it while selecting), with its actions over it on hover, focus, and always on touch."""

from __future__ import annotations

import reflex as rx

from imagegen.components.card_actions import download_link, image_menu, star_button
from imagegen.components.i18n import t
from imagegen.state.cards import GenerationCard, ImageCard


def ratio(width: rx.Var, height: rx.Var) -> rx.Var:
    """An aspect ratio as CSS and as a flex weight (width / height)."""
    return width.to(float) / height.to(float)  # type: ignore[operator]


def image_tile(img: ImageCard, card: GenerationCard) -> rx.Component:
    """A thumbnail (alt = its prompt) that opens the lightbox; star, download and ⋯ over it."""
    from imagegen.state.albums import SelectionState
    from imagegen.state.lightbox import LightboxState

    selected = SelectionState.selected.contains(img.id)
    return rx.el.div(
        rx.el.button(
            # Width and height as attributes (Reflex turns the props into CSS sizes), and the
            # ratio in CSS: the tile keeps its shape before the file arrives. Without them the
            # gallery jumped by a screen's height as its thumbnails landed (CLS 0.6).
            rx.el.img(
                src=img.thumb_url,
                alt=card.prompt,
                loading="lazy",
                decoding="async",
                custom_attrs={"width": img.width, "height": img.height},
                class_name="tile-image",
            ),
            type="button",
            title=rx.cond(SelectionState.selecting, t("Select"), t("Open")),
            aria_label=rx.cond(SelectionState.selecting, t("Select image"), t("Open image")),
            aria_pressed=rx.cond(
                SelectionState.selecting, rx.cond(selected, "true", "false"), None
            ),
            on_click=rx.cond(
                SelectionState.selecting,
                SelectionState.toggle(img.id),
                LightboxState.open(img.id),
            ),
            class_name=rx.cond(selected, "image-open selected", "image-open"),
            data_image_id=img.id,
        ),
        rx.cond(
            SelectionState.selecting,
            rx.box(
                rx.icon(rx.cond(selected, "square-check", "square"), size=20),
                class_name="tile-check",
            ),
            rx.el.div(
                star_button(img),
                download_link(img, icon_only=True),
                image_menu(img, card),
                class_name="tile-actions",
            ),
        ),
        class_name="gen-tile",
        style={"--ar": ratio(img.width, img.height)},
    )
