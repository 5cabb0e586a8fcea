"""Cards for one generation: pending, failed or completed with its images."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from imagegen.contract import GenerationStatus
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
                share_image_button(img),
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


def share_image_button(img: ImageCard) -> rx.Component:
    """Share: a public link to this one image."""
    from imagegen.state.share import ShareState

    return rx.icon_button(
        rx.icon("share-2", size=14),
        aria_label="Share image",
        title="Share a public link to this image",
        on_click=ShareState.share_image(img.id),
        variant="ghost",
        size="1",
    )


def delete_image_button(img: ImageCard) -> rx.Component:
    """Deletes this one image after a confirmation; Undo can bring it back for a few seconds."""
    from imagegen.state.gallery import GalleryState

    return confirm_delete(
        "Delete image",
        "Delete this image?",
        "The image and its file are removed. You can undo for a few seconds.",
        GalleryState.request_delete_image(img.id),
        icon="x",
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
    from imagegen.state.gallery import GalleryState

    return rx.match(
        card.status,
        (
            GenerationStatus.COMPLETED,
            rx.vstack(
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
            ),
        ),
        (
            GenerationStatus.FAILED,
            rx.callout(
                rx.flex(
                    rx.text(card.error),
                    retry_button(card),
                    gap="3",
                    align="center",
                    justify="between",
                    wrap="wrap",
                    width="100%",
                ),
                icon="triangle_alert",
                color_scheme="red",
                role="alert",
                width="100%",
            ),
        ),
        (
            GenerationStatus.CANCELLED,
            rx.callout(
                rx.flex(
                    rx.text("Cancelled."),
                    retry_button(card),
                    gap="3",
                    align="center",
                    justify="between",
                    width="100%",
                ),
                icon="circle_x",
                color_scheme="gray",
                width="100%",
            ),
        ),
        rx.vstack(
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
        ),
    )


def retry_button(card: GenerationCard) -> rx.Component:
    """Runs a failed generation again with the same parameters."""
    from imagegen.state.gallery import GalleryState

    return rx.button(
        rx.icon("rotate-ccw", size=14),
        "Retry",
        on_click=GalleryState.retry(card.id),
        size="1",
        variant="soft",
        color_scheme="red",
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


def confirm_delete(
    label: str, title: str, description: str, on_confirm: rx.EventSpec, icon: str = "trash-2"
) -> rx.Component:
    """A small red button that asks before it deletes."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon(icon, size=14),
                aria_label=label,
                title=label,
                variant="ghost",
                color_scheme="red",
                size="1",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=on_confirm)
                ),
                gap="3",
                justify="end",
                margin_top="4",
            ),
        ),
    )


def delete_button(card: GenerationCard) -> rx.Component:
    """A trash button that asks first; the delete can then be undone for a few seconds."""
    from imagegen.state.gallery import GalleryState

    return confirm_delete(
        "Delete generation",
        "Delete this generation?",
        "Its images and their files are removed. You can undo for a few seconds.",
        GalleryState.request_delete(card.id),
    )


def generation_card(card: GenerationCard, large: bool = False) -> rx.Component:
    """Prompt, date, metadata and the generation's images (or its state)."""
    from imagegen.state.share import ShareState

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
                rx.cond(
                    card.status == GenerationStatus.COMPLETED,
                    rx.icon_button(
                        rx.icon("share-2", size=14),
                        aria_label="Share generation",
                        title="Share a public link to this generation",
                        on_click=ShareState.share_generation(card.id),
                        variant="ghost",
                        size="1",
                    ),
                ),
                remix_button(card),
                rx.cond(
                    (card.status != GenerationStatus.PENDING)
                    & (card.status != GenerationStatus.PROCESSING),
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
