"""One image of a card: its thumbnail (it opens the large preview, or selects it while
selecting), its size and its own controls."""

from __future__ import annotations

import reflex as rx

from imagegen.components.card_actions import (
    delete_image_button,
    download_link,
    share_button,
    star_button,
)
from imagegen.state.cards import ImageCard


def image_tile(img: ImageCard, prompt: rx.Var, large: bool = False) -> rx.Component:
    """A thumbnail (alt = its prompt) that opens the large preview; size, star, download."""
    from imagegen.state.albums import SelectionState
    from imagegen.state.lightbox import LightboxState

    picture = rx.image(
        src=img.thumb_url,
        alt=prompt,
        height="auto",
        loading="lazy",
        border_radius="var(--radius-3)",
        style={
            "aspect-ratio": f"{img.width} / {img.height}",
            "object-fit": "contain",
            "max-height": "60vh" if large else "none",
            "width": "auto" if large else "100%",
            "max-width": "100%",
            "margin": "0 auto",
            "display": "block",
            "background": "var(--gray-3)",
        },
    )
    selected = SelectionState.selected.contains(img.id)
    return rx.vstack(
        rx.box(
            rx.el.button(
                picture,
                type="button",
                title=rx.cond(SelectionState.selecting, "Select", "Open large preview"),
                aria_label=rx.cond(SelectionState.selecting, "Select image", "Open image"),
                aria_pressed=rx.cond(
                    SelectionState.selecting, rx.cond(selected, "true", "false"), None
                ),
                on_click=rx.cond(
                    SelectionState.selecting,
                    SelectionState.toggle(img.id),
                    LightboxState.open(img.id, "results" if large else "history"),
                ),
                class_name="image-open",
                data_image_id=img.id,
                style={
                    "all": "unset",
                    "cursor": "zoom-in",
                    "display": "block",
                    "width": "100%",
                    "outline": rx.cond(selected, "3px solid var(--accent-9)", "none"),
                    "border-radius": "var(--radius-3)",
                },
            ),
            rx.cond(
                SelectionState.selecting,
                rx.box(
                    rx.icon(rx.cond(selected, "square-check", "square"), size=20),
                    position="absolute",
                    top="6px",
                    left="6px",
                    color="white",
                    style={"filter": "drop-shadow(0 0 2px black)", "pointer-events": "none"},
                ),
            ),
            position="relative",
            width="100%",
        ),
        rx.flex(
            rx.text(
                f"{img.width}×{img.height} · {img.size_label}",
                size="1",
                color_scheme="gray",
                style={"white-space": "nowrap"},
            ),
            rx.hstack(
                star_button(img),
                share_button("image", img.id),
                delete_image_button(img),
                download_link(img),
                gap="1",
                align="center",
            ),
            width="100%",
            align="center",
            justify="between",
            wrap="wrap",
            gap="1",
        ),
        spacing="1",
        width="100%",
    )
