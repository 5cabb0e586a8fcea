"""A generation in flight: queued or generating, its progress, a glimpse, and Cancel."""

from __future__ import annotations

import reflex as rx

from imagegen.state.cards import GenerationCard


def pending_body(card: GenerationCard) -> rx.Component:
    """What a PENDING or PROCESSING card shows instead of images."""
    from imagegen.state.gallery import GalleryState

    return rx.vstack(
        rx.hstack(
            rx.spinner(size="3"),
            rx.cond(
                card.queue_position > 0,
                rx.text(
                    "Queued: ",
                    card.queue_position,
                    " ahead of it",
                    size="2",
                    class_name="queue-position",
                ),
                rx.text(
                    "Generating ",
                    card.num_images,
                    " image(s)…",
                    rx.cond(card.progress >= 0, f" {card.progress}%", ""),
                    size="2",
                ),
            ),
            rx.spacer(),
            rx.button(
                "Cancel",
                on_click=GalleryState.cancel(card.id),
                size="1",
                variant="soft",
                color_scheme="gray",
                class_name="cancel-generation",
            ),
            align="center",
            width="100%",
        ),
        rx.cond(
            (card.progress >= 0) & (card.queue_position == 0),
            rx.progress(
                value=card.progress, max=100, width="100%", class_name="generation-progress"
            ),
        ),
        rx.cond(
            card.preview != "",
            rx.image(
                src=card.preview,
                alt="Preview of the image being generated",
                width="128px",
                height="auto",
                class_name="generation-preview",
                style={"border_radius": "6px", "image_rendering": "auto"},
            ),
        ),
        padding_y="4",
        width="100%",
        role="status",
    )
