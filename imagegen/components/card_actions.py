"""The controls of a generation and of each image: star, download, and the "⋯" menus with
share, remix, use seed, add to album and the (clearly named) deletes."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from imagegen.components.i18n import t
from imagegen.state.cards import GenerationCard, ImageCard

TILE_ACTION = "tile-action touch-target"


def file_link(icon: str, label: str, url: rx.Var, *, icon_only: bool = False, **props: object):  # noqa: ANN201
    """A link to a file the browser saves (one image, or a generation's ZIP); `label` is
    catalogue English."""
    # reload_document: Reflex renders anchors as react-router Links, which would route the
    # click client-side instead of letting the browser download the attachment.
    children = [rx.icon(icon, size=16, aria_hidden="true")]
    if not icon_only:
        children.append(rx.el.span(t(label)))
    return ReactRouterLink.create(
        *children,
        to=url,
        reload_document=True,
        aria_label=t(label),
        title=t(label),
        class_name=TILE_ACTION if icon_only else "download-link",
        **props,
    )


def download_link(img: ImageCard, icon_only: bool = False) -> rx.Component:
    """The per-image 'Download' control: an attachment URL, so it saves the original PNG."""
    return file_link(
        "download", "Download", img.download_url, icon_only=icon_only, download=img.filename
    )


def star_button(img: ImageCard) -> rx.Component:
    """A star that marks the image as a favourite (pressed) or not."""
    from imagegen.state.gallery import GalleryState

    return rx.el.button(
        rx.icon("star", size=16, fill=rx.cond(img.favorite, "currentColor", "none")),
        aria_label=t("Favourite"),
        aria_pressed=rx.cond(img.favorite, "true", "false"),
        title=rx.cond(img.favorite, t("Starred: click to unstar"), t("Star")),
        on_click=GalleryState.toggle_favorite(img.id),
        type="button",
        class_name=rx.cond(img.favorite, f"{TILE_ACTION} starred", TILE_ACTION),
    )


def _more_trigger(label: str, class_name: str) -> rx.Component:
    return rx.dropdown_menu.trigger(
        rx.el.button(
            rx.icon("ellipsis", size=16),
            aria_label=t(label),
            title=t(label),
            type="button",
            class_name=class_name,
        )
    )


def _album_submenu(image_id: rx.Var) -> rx.Component:
    from imagegen.state.albums import AlbumsState

    return rx.dropdown_menu.sub(
        rx.dropdown_menu.sub_trigger(rx.icon("folder-plus", size=14), t("Add to album")),
        rx.dropdown_menu.sub_content(
            rx.foreach(
                AlbumsState.albums,
                lambda a: rx.dropdown_menu.item(
                    a.name, on_click=AlbumsState.add_image(a.id, image_id)
                ),
            ),
            rx.cond(
                AlbumsState.albums.length() == 0,
                rx.dropdown_menu.item(t("Create an album first"), disabled=True),
            ),
        ),
    )


def image_menu(img: ImageCard, card: GenerationCard) -> rx.Component:
    """⋯ on an image: share, remix, use seed, add to album, delete this image."""
    from imagegen.state.form import PromptFormState
    from imagegen.state.gallery import GalleryState
    from imagegen.state.share import ShareState

    return rx.dropdown_menu.root(
        _more_trigger("More actions for this image", TILE_ACTION),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                rx.icon("share-2", size=14),
                t("Share image"),
                on_click=ShareState.share_image(img.id),
            ),
            rx.dropdown_menu.item(
                rx.icon("pencil", size=14),
                t("Edit prompt"),
                on_click=PromptFormState.remix(card.id),
            ),
            rx.dropdown_menu.item(
                rx.icon("dices", size=14), t("Use seed"), on_click=PromptFormState.use_seed(card.id)
            ),
            _album_submenu(img.id),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                rx.icon("trash-2", size=14),
                t("Delete image"),
                color="red",
                on_click=GalleryState.ask_delete("image", img.id),
            ),
            align="end",
        ),
        modal=False,
    )


def generation_menu(card: GenerationCard) -> rx.Component:
    """⋯ on a generation: download all, share, remix, use seed, delete the whole generation."""
    from imagegen.state.form import PromptFormState
    from imagegen.state.gallery import GalleryState
    from imagegen.state.share import ShareState

    done = card.status == "COMPLETED"
    return rx.dropdown_menu.root(
        _more_trigger("More actions for this generation", "group-action touch-target"),
        rx.dropdown_menu.content(
            rx.cond(
                card.images.length() > 1,
                rx.dropdown_menu.item(
                    file_link("folder-down", "Download all", card.download_all_url),
                    as_child=True,
                ),
            ),
            rx.cond(
                done,
                rx.dropdown_menu.item(
                    rx.icon("share-2", size=14),
                    t("Share generation"),
                    on_click=ShareState.share_generation(card.id),
                ),
            ),
            rx.dropdown_menu.item(
                rx.icon("pencil", size=14),
                t("Edit prompt"),
                on_click=PromptFormState.remix(card.id),
            ),
            rx.dropdown_menu.item(
                rx.icon("dices", size=14), t("Use seed"), on_click=PromptFormState.use_seed(card.id)
            ),
            rx.cond(
                (card.status != "PENDING") & (card.status != "PROCESSING"),
                rx.fragment(
                    rx.dropdown_menu.separator(),
                    rx.dropdown_menu.item(
                        rx.icon("trash-2", size=14),
                        rx.cond(
                            card.images.length() > 1,
                            t("Delete generation ({n} images)", n=card.images.length()),
                            t("Delete generation"),
                        ),
                        color="red",
                        on_click=GalleryState.ask_delete("generation", card.id),
                    ),
                ),
            ),
            align="end",
        ),
        modal=False,
    )


def retry_button(card: GenerationCard) -> rx.Component:
    """Runs a failed generation again with the same parameters."""
    from imagegen.state.gallery import GalleryState

    return rx.button(
        rx.icon("rotate-ccw", size=14),
        t("Retry"),
        on_click=GalleryState.retry(card.id),
        size="2",
        variant="soft",
        color_scheme="red",
    )


def confirm_delete_dialog() -> rx.Component:
    """The one confirmation before a delete (of an image, or of a generation and its images);
    Undo is offered for a few seconds after."""
    from imagegen.state.gallery import GalleryState as G

    image = G.confirm_kind == "image"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(
                rx.cond(image, t("Delete this image?"), t("Delete this generation?"))
            ),
            rx.alert_dialog.description(
                rx.cond(
                    image,
                    t("The image and its file are removed. You can undo for a few seconds."),
                    rx.cond(
                        G.confirm_count > 1,
                        t(
                            "Its {n} images and their files are removed. "
                            "You can undo for a few seconds.",
                            n=G.confirm_count,
                        ),
                        t(
                            "Its images and their files are removed. "
                            "You can undo for a few seconds."
                        ),
                    ),
                ),
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        t("Delete"),
                        color_scheme="red",
                        high_contrast=True,
                        on_click=G.confirm_delete,
                        id="confirm-delete",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="4",
            ),
            max_width="min(440px, 94vw)",
        ),
        open=G.confirm_id != "",
        on_open_change=G.set_confirm_open,
    )
