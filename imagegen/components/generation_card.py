"""Cards for one generation: pending, failed or completed with its images."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from imagegen.state.cards import GenerationCard, ImageCard


def download_link(img: ImageCard) -> rx.Component:
    """The per-image 'Download' control: an attachment URL, so it saves the original PNG."""
    # reload_document: Reflex renders anchors as react-router Links, which would route the
    # click client-side instead of letting the browser download the attachment.
    return ReactRouterLink.create(
        rx.icon("download", size=14),
        "Download",
        to=img.download_url,
        download=img.filename,
        reload_document=True,
        class_name="download-link",
    )


def star_button(img: ImageCard) -> rx.Component:
    """A star that marks the image as a favourite (pressed) or not."""
    from imagegen.state.gallery import GalleryState

    return rx.icon_button(
        rx.icon("star", size=14, fill=rx.cond(img.favorite, "currentColor", "none")),
        aria_label="Favourite",
        aria_pressed=rx.cond(img.favorite, "true", "false"),
        on_click=GalleryState.toggle_favorite(img.id),
        variant="ghost",
        size="1",
        color_scheme=rx.cond(img.favorite, "amber", "gray"),
    )


def image_tile(img: ImageCard, prompt: rx.Var, large: bool = False) -> rx.Component:
    """An image (alt = its prompt) with its size and a Download control."""
    return rx.vstack(
        ReactRouterLink.create(
            rx.image(
                src=img.url if large else img.thumb_url,
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
            ),
            to=img.url,
            target="_blank",
            rel="noopener",
            title="Open full size",
            reload_document=True,
            style={"width": "100%"},
        ),
        rx.flex(
            rx.text(
                f"{img.width}×{img.height} · {img.size_label}",
                size="1",
                color_scheme="gray",
                style={"white-space": "nowrap"},
            ),
            rx.hstack(star_button(img), download_link(img), gap="1", align="center"),
            width="100%",
            align="center",
            justify="between",
            wrap="wrap",
            gap="1",
        ),
        spacing="1",
        width="100%",
    )


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


def _body(card: GenerationCard, large: bool) -> rx.Component:
    return rx.match(
        card.status,
        (
            "COMPLETED",
            rx.grid(
                rx.foreach(card.images, lambda i: image_tile(i, card.prompt, large)),
                columns=rx.cond(card.images.length() > 1, "2", "1"),
                spacing="2",
                width="100%",
            ),
        ),
        (
            "FAILED",
            rx.callout(
                card.error, icon="triangle_alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        ("CANCELLED", rx.callout("Cancelled.", icon="circle_x", color_scheme="gray")),
        rx.hstack(
            rx.spinner(size="3"),
            rx.text("Generating ", card.num_images, " image(s)…", size="2"),
            align="center",
            padding_y="5",
            role="status",
        ),
    )


def remix_button(card: GenerationCard) -> rx.Component:
    """Edit prompt: fills the form with this generation's parameters for a new one."""
    from imagegen.state.form import PromptFormState

    return rx.icon_button(
        rx.icon("pencil", size=14),
        aria_label="Edit prompt",
        title="Edit prompt and generate again",
        variant="ghost",
        size="1",
        on_click=PromptFormState.remix(card.id),
    )


def delete_button(card: GenerationCard) -> rx.Component:
    """A trash button that asks first; the delete can then be undone for a few seconds."""
    from imagegen.state.gallery import GalleryState

    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("trash-2", size=14),
                aria_label="Delete generation",
                variant="ghost",
                color_scheme="red",
                size="1",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this generation?"),
            rx.alert_dialog.description(
                "Its images and their files are removed. You can undo for a few seconds."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete", color_scheme="red", on_click=GalleryState.request_delete(card.id)
                    )
                ),
                gap="3",
                justify="end",
                margin_top="4",
            ),
        ),
    )


def generation_card(card: GenerationCard, large: bool = False) -> rx.Component:
    """Prompt, date, metadata and the generation's images (or its state)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
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
                    ReactRouterLink.create(
                        rx.icon("folder-down", size=14),
                        "Download all",
                        to=card.download_all_url,
                        reload_document=True,
                        class_name="download-link",
                    ),
                ),
                remix_button(card),
                rx.cond(
                    (card.status != "PENDING") & (card.status != "PROCESSING"),
                    delete_button(card),
                ),
                width="100%",
                align="start",
            ),
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
