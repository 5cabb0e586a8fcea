"""The small controls of a card: download, star, share, edit prompt, retry and delete."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from imagegen.state.cards import GenerationCard, ImageCard


def download_link(img: ImageCard) -> rx.Component:
    """The per-image 'Download' control: an attachment URL, so it saves the original PNG."""
    return file_link("download", "Download", img.download_url, download=img.filename)


def file_link(icon: str, label: str, url: rx.Var, **props: object) -> rx.Component:
    """A link to a file the browser saves (one image, or a generation's ZIP)."""
    # reload_document: Reflex renders anchors as react-router Links, which would route the
    # click client-side instead of letting the browser download the attachment.
    return ReactRouterLink.create(
        rx.icon(icon, size=14),
        label,
        to=url,
        reload_document=True,
        class_name="download-link",
        **props,
    )


def icon_action(icon: str, label: str, **props: object) -> rx.Component:
    """A small ghost icon button whose aria-label names what it does."""
    return rx.icon_button(
        rx.icon(icon, size=14), aria_label=label, variant="ghost", size="1", **props
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


def share_button(what: str, target_id: rx.Var) -> rx.Component:
    """Share: a public link to this "image" or this whole "generation"."""
    from imagegen.state.share import ShareState

    share = ShareState.share_image if what == "image" else ShareState.share_generation
    return icon_action(
        "share-2",
        f"Share {what}",
        title=f"Share a public link to this {what}",
        on_click=share(target_id),
    )


def remix_button(card: GenerationCard) -> rx.Component:
    """Edit prompt: fills the form with this generation's parameters for a new one."""
    from imagegen.state.form import PromptFormState

    return icon_action(
        "pencil",
        "Edit prompt",
        title="Edit prompt and generate again",
        on_click=PromptFormState.remix(card.id),
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


def confirm_delete(
    label: str, title: str, description: str, on_confirm: rx.EventSpec, icon: str = "trash-2"
) -> rx.Component:
    """A small red button that asks before it deletes."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(icon_action(icon, label, title=label, color_scheme="red")),
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


def delete_button(card: GenerationCard) -> rx.Component:
    """A trash button that asks first; the delete can then be undone for a few seconds."""
    from imagegen.state.gallery import GalleryState

    return confirm_delete(
        "Delete generation",
        "Delete this generation?",
        "Its images and their files are removed. You can undo for a few seconds.",
        GalleryState.request_delete(card.id),
    )
