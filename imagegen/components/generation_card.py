"""A generation as a group of the gallery: its images first (or its progress, or why it
ended), then its prompt clamped to two lines, then a quiet date, an info popover and ⋯."""

from __future__ import annotations

import reflex as rx

from imagegen.components.card_actions import generation_menu, retry_button
from imagegen.components.from_image import operation_label
from imagegen.components.i18n import engine_label, local_date, local_duration, t
from imagegen.components.image_tile import image_tile, ratio
from imagegen.components.pending_card import pending_body
from imagegen.contract import GenerationStatus
from imagegen.state.cards import GenerationCard


def _row(label: str, value: rx.Var | str | rx.Component) -> rx.Component:
    """One metadata row; `label` is catalogue English."""
    return rx.data_list.item(
        rx.data_list.label(t(label), min_width="84px"),
        rx.data_list.value(value, style={"overflow-wrap": "anywhere"}),
    )


def _how(card: GenerationCard) -> rx.Component:
    """How it was made from an image, with the strength where one applied."""
    return rx.el.span(
        operation_label(card.operation),
        rx.cond(
            card.strength >= 0,
            rx.el.span(" · ", t("Strength"), " ", card.strength.to_string()),
        ),
    )


def details(card: GenerationCard) -> rx.Component:
    """Engine, model, size, seed, time taken, negative prompt: the generation's metadata."""
    return rx.data_list.root(
        _row("Engine", engine_label(card.engine)),
        _row("Model", rx.cond(card.model == "lanczos", t("Lanczos resize (not AI)"), card.model)),
        _row("Size", card.size),
        _row("Seed", card.seed.to_string()),
        rx.cond(card.operation != "", _row("How", _how(card))),
        rx.cond(card.negative_prompt != "", _row("Negative", card.negative_prompt)),
        _row("Created", local_date(card.created_at)),
        rx.cond(card.duration_ms >= 0, _row("Took", local_duration(card.duration_ms))),
        size="1",
        class_name="generation-details",
    )


def info_popover(card: GenerationCard) -> rx.Component:
    """The full prompt and every setting, on demand."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.el.button(
                rx.icon("info", size=16),
                aria_label=t("Details"),
                title=t("Prompt and settings"),
                type="button",
                class_name="group-action touch-target",
            )
        ),
        rx.popover.content(
            rx.text(
                card.prompt,
                size="2",
                weight="medium",
                style={"white-space": "pre-wrap", "overflow-wrap": "anywhere"},
                class_name="details-prompt",
            ),
            rx.box(details(card), margin_top="3"),
            max_width="min(360px, 92vw)",
            aria_label=t("Prompt and settings"),
        ),
    )


def _images(card: GenerationCard) -> rx.Component:
    """A completed group's images, under a note when some are missing."""
    return rx.fragment(
        rx.cond(
            card.error != "",
            rx.text(card.error, size="1", class_name="partial-note"),
        ),
        rx.el.div(
            rx.foreach(card.images, lambda i: image_tile(i, card)),
            class_name="gen-images",
        ),
    )


def _ended(card: GenerationCard, failed: bool) -> rx.Component:
    """A group that ended without images: why (a failure is an alert), and Retry."""
    return rx.el.div(
        rx.hstack(
            rx.icon("triangle_alert" if failed else "circle_x", size=18, aria_hidden="true"),
            rx.text(card.error if failed else t("Cancelled."), size="2"),
            align="start",
            spacing="2",
        ),
        retry_button(card),
        class_name="gen-ended failed" if failed else "gen-ended",
        **({"role": "alert"} if failed else {}),
    )


def _body(card: GenerationCard) -> rx.Component:
    return rx.match(
        card.status,
        (GenerationStatus.COMPLETED, _images(card)),
        (GenerationStatus.FAILED, _ended(card, failed=True)),
        (GenerationStatus.CANCELLED, _ended(card, failed=False)),
        pending_body(card),
    )


def _weight(card: GenerationCard) -> rx.Var:
    """How wide the group is in its row: the sum of its images' aspect ratios."""
    return rx.cond(
        (card.status == GenerationStatus.COMPLETED) & (card.images.length() > 0),
        card.ratio_sum,
        ratio(card.width, card.height) * card.num_images,  # type: ignore[operator]
    )


def generation_card(card: GenerationCard, new: bool = False) -> rx.Component:
    """One generation: images, prompt (two lines, the rest on demand), date, details, ⋯."""
    return rx.el.article(
        _body(card),
        rx.el.div(
            rx.el.p(card.prompt, class_name="generation-prompt", title=card.prompt),
            rx.el.div(
                *(
                    [rx.badge(t("New"), color_scheme="violet", size="1", class_name="new-badge")]
                    if new
                    else []
                ),
                rx.cond(
                    card.via_key != "",
                    rx.badge(
                        t("API · {name}", name=card.via_key),
                        color_scheme="blue",
                        size="1",
                        class_name="api-badge",
                        title=t("Made through the API with the key {name}", name=card.via_key),
                    ),
                ),
                rx.cond(
                    card.operation != "",
                    rx.badge(
                        operation_label(card.operation),
                        color_scheme="gray",
                        size="1",
                        class_name="operation-badge",
                    ),
                ),
                rx.cond(
                    card.outside_filter,
                    rx.badge(
                        t("Outside your filters"),
                        color_scheme="amber",
                        size="1",
                        class_name="outside-filter",
                        title=t("Your search or filters would not show it; it stays while new"),
                    ),
                ),
                rx.el.time(
                    local_date(card.created_at),
                    date_time=card.created_at,
                    class_name="generation-date",
                ),
                info_popover(card),
                generation_menu(card),
                class_name="generation-meta",
            ),
            class_name="generation-caption",
        ),
        data_status=card.status,
        data_generation_id=card.id,
        class_name="generation-card",
        style={"--ar": _weight(card)},
        aria_label=card.prompt,
    )


@rx.memo
def history_card(card: rx.Var[GenerationCard], rest: rx.RestProp) -> rx.Component:
    """A history card, compiled once and shared by every history page (each page's loop
    refers to it; React skips the cards of pages that did not change). `rest` lets the
    loop key each card by its id."""
    return generation_card(card)  # type: ignore[arg-type]
