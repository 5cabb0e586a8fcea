"""A generation in flight: placeholders in its images' shape, its progress, a glimpse of
the image so far, and Cancel."""

from __future__ import annotations

import reflex as rx

from imagegen.state.cards import GenerationCard


def pending_body(card: GenerationCard) -> rx.Component:
    """What a PENDING or PROCESSING group shows instead of images."""
    from imagegen.state.gallery import GalleryState

    return rx.el.div(
        rx.cond(
            card.preview != "",
            rx.image(
                src=card.preview,
                alt="Preview of the image being generated",
                class_name="generation-preview",
            ),
        ),
        rx.el.div(
            rx.hstack(
                rx.spinner(size="2"),
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
                align="center",
                spacing="2",
            ),
            rx.cond(
                (card.progress >= 0) & (card.queue_position == 0),
                rx.progress(
                    value=card.progress,
                    max=100,
                    width="100%",
                    class_name="generation-progress",
                    aria_label="Progress",
                ),
            ),
            rx.button(
                "Cancel",
                on_click=GalleryState.cancel(card.id),
                size="2",
                variant="soft",
                color_scheme="gray",
                class_name="cancel-generation touch-target",
            ),
            class_name="pending-status",
        ),
        class_name="gen-pending",
        role="status",
        style={"aspect-ratio": f"{card.ratio_sum}"},
    )
