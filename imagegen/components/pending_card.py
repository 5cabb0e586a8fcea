"""A generation in flight: placeholders in its images' shape, its progress, a glimpse of
the image so far, and Cancel."""

from __future__ import annotations

import reflex as rx

from imagegen.components.i18n import local_number, t
from imagegen.state.cards import GenerationCard


def pending_body(card: GenerationCard) -> rx.Component:
    """What a PENDING or PROCESSING group shows instead of images."""
    from imagegen.state.gallery import GalleryState

    return rx.el.div(
        rx.cond(
            card.preview != "",
            rx.image(
                src=card.preview,
                alt=t("Preview of the image being generated"),
                class_name="generation-preview",
            ),
        ),
        rx.el.div(
            rx.hstack(
                rx.spinner(size="2"),
                rx.cond(
                    card.queue_position > 0,
                    rx.text(
                        t("Queued: {n} ahead of it", n=local_number(card.queue_position)),
                        size="2",
                        class_name="queue-position",
                    ),
                    rx.text(
                        rx.cond(
                            card.num_images == 1,
                            t("Generating 1 image…"),
                            t("Generating {n} images…", n=local_number(card.num_images)),
                        ),
                        rx.cond(card.progress >= 0, t(" {p}%", p=card.progress), ""),
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
                    aria_label=t("Progress"),
                ),
            ),
            rx.button(
                t("Cancel"),
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
