"""Cards for one generation: pending, failed or completed with its images."""

from __future__ import annotations

import reflex as rx

from imagegen.components.card_actions import (
    delete_button,
    file_link,
    remix_button,
    retry_button,
    share_button,
)
from imagegen.components.image_tile import image_tile
from imagegen.components.pending_card import pending_body
from imagegen.contract import GenerationStatus
from imagegen.state.cards import GenerationCard


def _meta(card: GenerationCard) -> rx.Component:
    return rx.flex(
        rx.badge(card.engine, variant="soft", title="Engine"),
        rx.badge(card.model, variant="soft", color_scheme="gray", title="Model"),
        rx.badge(card.size, variant="soft", color_scheme="gray"),
        rx.badge(f"seed {card.seed}", variant="soft", color_scheme="gray"),
        rx.cond(card.duration != "", rx.badge(card.duration, variant="soft", color_scheme="gray")),
        wrap="wrap",
        spacing="1",
    )


def _images(card: GenerationCard, large: bool) -> rx.Component:
    """A completed card: its images, under a note when some are missing."""
    return rx.vstack(
        rx.cond(
            card.error != "",
            rx.callout(
                card.error,
                icon="info",
                color_scheme="amber",
                size="1",
                width="100%",
                class_name="partial-note",
            ),
        ),
        rx.grid(
            rx.foreach(card.images, lambda i: image_tile(i, card.prompt, large)),
            columns=rx.cond(card.images.length() > 1, "2", "1"),
            spacing="2",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _ended(card: GenerationCard, failed: bool) -> rx.Component:
    """A card that ended without images: why (a failure's message wraps and is an alert),
    and Retry."""
    return rx.callout(
        rx.flex(
            rx.text(card.error) if failed else rx.text("Cancelled."),
            retry_button(card),
            gap="3",
            align="center",
            justify="between",
            width="100%",
            **({"wrap": "wrap"} if failed else {}),
        ),
        icon="triangle_alert" if failed else "circle_x",
        color_scheme="red" if failed else "gray",
        width="100%",
        **({"role": "alert"} if failed else {}),
    )


def _body(card: GenerationCard, large: bool) -> rx.Component:
    return rx.match(
        card.status,
        (GenerationStatus.COMPLETED, _images(card, large)),
        (GenerationStatus.FAILED, _ended(card, failed=True)),
        (GenerationStatus.CANCELLED, _ended(card, failed=False)),
        pending_body(card),
    )


def _header(card: GenerationCard) -> rx.Component:
    """The prompt and the card's controls."""
    return rx.hstack(
        rx.text(
            card.prompt,
            weight="medium",
            size="3",
            style={"overflow-wrap": "anywhere", "white-space": "pre-wrap"},
            class_name="generation-prompt",
        ),
        rx.spacer(),
        rx.cond(
            card.images.length() > 1,
            file_link("folder-down", "Download all", card.download_all_url),
        ),
        rx.cond(card.status == GenerationStatus.COMPLETED, share_button("generation", card.id)),
        remix_button(card),
        rx.cond(
            (card.status != GenerationStatus.PENDING)
            & (card.status != GenerationStatus.PROCESSING),
            delete_button(card),
        ),
        width="100%",
        align="start",
    )


def generation_card(card: GenerationCard, large: bool = False) -> rx.Component:
    """Prompt, date, metadata and the generation's images (or its state)."""
    return rx.card(
        rx.vstack(
            _header(card),
            rx.cond(
                card.negative_prompt != "",
                rx.text("Negative: ", card.negative_prompt, size="1", color_scheme="gray"),
            ),
            rx.hstack(
                rx.text(card.created, size="1", color_scheme="gray"),
                _meta(card),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            _body(card, large),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_status=card.status,
        data_generation_id=card.id,
        class_name="generation-card",
    )
