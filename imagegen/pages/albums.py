"""/albums (the list) and /albums/[album_id] (one album's own page)."""

from __future__ import annotations

import reflex as rx

from imagegen.components.i18n import local_number, t
from imagegen.components.layout import page_shell
from imagegen.components.lightbox import lightbox
from imagegen.services.routes import Page
from imagegen.state.albums import AlbumCard, AlbumItem, AlbumPageState, AlbumsState


def _rename(album: AlbumCard) -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("pencil", size=14),
                aria_label=t("Rename album"),
                variant="ghost",
                size="1",
                class_name="touch-target",
            ),
        ),
        rx.popover.content(
            rx.hstack(
                rx.input(
                    value=AlbumsState.rename_value,
                    on_change=AlbumsState.set_rename_value,
                    aria_label=t("New name"),
                    max_length=120,
                ),
                rx.button(t("Rename"), on_click=AlbumsState.rename_album(album.id), size="2"),
            ),
        ),
        open=AlbumsState.renaming_id == album.id,
        on_open_change=lambda is_open: AlbumsState.set_renaming(album.id, is_open),
    )


def _delete(album: AlbumCard) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("trash-2", size=14),
                aria_label=t("Delete album"),
                variant="ghost",
                color_scheme="red",
                size="1",
                class_name="touch-target",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete this album?")),
            rx.alert_dialog.description(t("The album goes; its images stay in your gallery.")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        t("Delete album"),
                        color_scheme="red",
                        on_click=AlbumsState.delete_album(album.id),
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="4",
            ),
        ),
    )


def _album_tile(album: AlbumCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.link(
                rx.cond(
                    album.cover_url != "",
                    rx.image(
                        src=album.cover_url,
                        alt=album.name,
                        width="100%",
                        style={
                            "aspect-ratio": "1",
                            "object-fit": "cover",
                            "border-radius": "var(--radius-3)",
                        },
                    ),
                    rx.center(
                        rx.vstack(
                            rx.icon("images", size=32, aria_hidden="true"),
                            rx.text(t("Empty: add images from the Studio"), size="1"),
                            align="center",
                            class_name="album-empty-hint",
                        ),
                        width="100%",
                        style={
                            "aspect-ratio": "1",
                            "background": "var(--gray-3)",
                            "border-radius": "var(--radius-3)",
                        },
                    ),
                ),
                href=f"{Page.ALBUMS}/{album.id}",
                width="100%",
                aria_label=t("Open album {name}", name=album.name),
            ),
            # The name on a line of its own, and the buttons wrap under the count: beside them
            # on a phone, the delete button was pushed out of the card.
            rx.link(
                album.name,
                href=f"{Page.ALBUMS}/{album.id}",
                weight="medium",
                class_name="album-name",
            ),
            rx.hstack(
                rx.text(
                    rx.match(
                        album.count,
                        (0, t("No images")),
                        (1, t("1 image")),
                        t("{n} images", n=local_number(album.count)),
                    ),
                    size="1",
                    color_scheme="gray",
                    class_name="album-count",
                ),
                rx.hstack(_rename(album), _delete(album), spacing="1", margin_left="auto"),
                width="100%",
                align="center",
                spacing="1",
                wrap="wrap",
            ),
            width="100%",
        ),
        class_name="album-card",
        data_album_id=album.id,
    )


def albums_page() -> rx.Component:
    """Every album of the user, and a form to start a new one."""
    return page_shell(
        rx.vstack(
            rx.heading(t("Albums"), size="6", as_="h1"),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="name",
                        placeholder=t("New album name"),
                        max_length=120,
                        id="new-album-name",
                        aria_label=t("New album name"),
                    ),
                    rx.button(
                        rx.icon("plus", size=14),
                        t("Create album"),
                        type="submit",
                        id="create-album",
                    ),
                ),
                on_submit=AlbumsState.create_album,
                reset_on_submit=True,
            ),
            rx.cond(
                AlbumsState.albums_loaded & (AlbumsState.albums.length() == 0),
                rx.text(
                    t(
                        "No albums yet. Create one, then add images from the gallery: open an "
                        "image and pick “Add to album”, or use Select to add many at once."
                    ),
                    color_scheme="gray",
                ),
            ),
            rx.grid(
                rx.foreach(AlbumsState.albums, _album_tile),
                columns=rx.breakpoints(initial="2", sm="3", md="4"),
                spacing="4",
                width="100%",
                id="album-grid",
            ),
            width="100%",
            spacing="4",
        ),
    )


def _album_image(item: AlbumItem) -> rx.Component:
    return rx.vstack(
        rx.el.button(
            rx.image(
                src=item.image.thumb_url,
                alt=item.card.prompt,
                width="100%",
                loading="lazy",
                style={
                    "aspect-ratio": f"{item.image.width} / {item.image.height}",
                    "object-fit": "contain",
                    "background": "var(--gray-3)",
                    "border-radius": "var(--radius-3)",
                },
            ),
            type="button",
            on_click=AlbumPageState.open(item.image.id),
            class_name="image-open",
            data_image_id=item.image.id,
            aria_label=t("Open image"),
            style={"all": "unset", "cursor": "zoom-in", "display": "block", "width": "100%"},
        ),
        rx.hstack(
            rx.el.p(item.card.prompt, title=item.card.prompt, class_name="album-caption"),
            rx.icon_button(
                rx.icon("folder-minus", size=14),
                aria_label=t("Remove from album"),
                title=t("Remove from album (the image stays in your gallery)"),
                on_click=AlbumPageState.remove_from_album(item.image.id),
                variant="ghost",
                color_scheme="red",
                size="1",
                class_name="touch-target",
            ),
            width="100%",
            align="center",
        ),
        width="100%",
        spacing="1",
        class_name="album-image",
    )


def album_page() -> rx.Component:
    """One album: its images, most recently added first, with the large preview."""
    return page_shell(
        rx.cond(
            AlbumPageState.album_missing,
            rx.vstack(
                rx.heading(t("Album not found"), size="6", as_="h1"),
                rx.link(t("Back to albums"), href=Page.ALBUMS),
            ),
            rx.vstack(
                rx.link(
                    rx.icon("arrow-left", size=16, aria_hidden="true"),
                    t("Albums"),
                    href=Page.ALBUMS,
                    class_name="back-link",
                ),
                rx.heading(AlbumPageState.album_name, size="6", as_="h1", id="album-title"),
                rx.cond(
                    AlbumPageState.items.length() == 0,
                    rx.text(
                        t("This album is empty. Add images from the gallery."), color_scheme="gray"
                    ),
                ),
                rx.grid(
                    rx.foreach(AlbumPageState.items, _album_image),
                    columns=rx.breakpoints(initial="2", sm="3", md="4"),
                    spacing="4",
                    width="100%",
                    id="album-images",
                ),
                rx.cond(
                    AlbumPageState.album_cursor != "",
                    rx.button(
                        t("Load more"),
                        on_click=AlbumPageState.more_album,
                        variant="outline",
                        width="100%",
                    ),
                ),
                width="100%",
                spacing="4",
            ),
        ),
        lightbox(AlbumPageState, gallery=False),
    )
