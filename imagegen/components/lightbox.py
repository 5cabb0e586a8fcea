"""The lightbox: the original image fitted to the whole viewport, arrows over it, swipe and
←/→/Esc, and a details panel with every action that can be folded away."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import keyboard_nav
from imagegen.components.card_actions import download_link
from imagegen.components.from_image import lightbox_actions, lineage_panel
from imagegen.components.generation_card import details
from imagegen.components.i18n import local_bytes, t

STAGE_ID = "lightbox-stage"


def _soft(icon: str, label: str, on_click: object, **props: object) -> rx.Component:
    """One of the panel's quiet buttons: an icon and what it does (catalogue English)."""
    return rx.button(
        rx.icon(icon, size=14),
        t(label),
        on_click=on_click,
        variant="soft",
        color_scheme=props.pop("color_scheme", "gray"),
        size="2",
        **props,
    )


def _gallery_actions(state: type[rx.State]) -> list[rx.Component]:
    """Star, share, remix, use seed, add to album and delete: the studio's lightbox."""
    from imagegen.state.albums import AlbumsState
    from imagegen.state.form import PromptFormState
    from imagegen.state.share import ShareState

    img, card = state.image, state.card  # type: ignore[attr-defined]
    return [
        rx.button(
            rx.icon("star", size=14, fill=rx.cond(img.favorite, "currentColor", "none")),
            rx.cond(img.favorite, t("Starred"), t("Star")),
            on_click=state.star,  # type: ignore[attr-defined]
            aria_pressed=rx.cond(img.favorite, "true", "false"),
            variant=rx.cond(img.favorite, "solid", "soft"),
            color_scheme=rx.cond(img.favorite, "amber", "gray"),
            high_contrast=True,
            size="2",
            id="lightbox-star",
        ),
        _soft("share-2", "Share", ShareState.share_image(img.id)),
        _soft("pencil", "Edit prompt", [PromptFormState.remix(card.id), state.close]),
        _soft("dices", "Use seed", PromptFormState.use_seed(card.id)),
        *lightbox_actions(),
        rx.el.select(
            rx.el.option(t("Add to album…"), value=""),
            rx.foreach(AlbumsState.albums, lambda a: rx.el.option(a.name, value=a.id)),
            value="",
            on_change=lambda album_id: AlbumsState.add_image(album_id, img.id),
            class_name="native-select",
            id="lightbox-add-to-album",
            aria_label=t("Add to album"),
        ),
        _soft(
            "trash-2",
            "Delete image",
            state.delete_image,  # type: ignore[attr-defined]
            color_scheme="red",
            id="lightbox-delete",
        ),
    ]


def _arrow(state: type[rx.State], key: str, icon: str, label: str, side: str) -> rx.Component:
    return rx.el.button(
        rx.icon(icon, size=28),
        on_click=state.key(key),  # type: ignore[attr-defined]
        aria_label=t(label),
        title=t(label),
        type="button",
        class_name=f"lightbox-arrow {side}",
    )


def lightbox(state: type[rx.State], *, gallery: bool = True) -> rx.Component:
    """The preview dialog bound to a state with is_open, card, image, position and handlers.

    gallery=True offers the studio's actions; album pages offer remove-from-album.
    """
    from imagegen.state.albums import AlbumPageState

    img, card = state.image, state.card  # type: ignore[attr-defined]
    actions: list[rx.Component] = [
        _soft(
            "copy",
            "Copy prompt",
            [rx.set_clipboard(card.prompt), rx.toast(t("Prompt copied"))],
            id="lightbox-copy-prompt",
        ),
        download_link(img),
    ]
    if gallery:
        actions += _gallery_actions(state)
    else:
        actions.append(
            rx.button(
                t("Remove from album"),
                on_click=AlbumPageState.remove_from_album(img.id),
                variant="soft",
                color_scheme="red",
                size="2",
            )
        )
    info_open = state.info_open  # type: ignore[attr-defined]
    return rx.fragment(
        keyboard_nav(state.key, state.is_open, STAGE_ID),  # type: ignore[attr-defined]
        rx.dialog.root(
            rx.dialog.content(
                rx.el.div(
                    rx.el.div(
                        rx.image(
                            src=state.original_url,  # type: ignore[attr-defined]
                            alt=card.prompt,
                            id="lightbox-image",
                            style={"aspect-ratio": f"{img.width} / {img.height}"},
                        ),
                        _arrow(state, "ArrowLeft", "chevron-left", "Previous image", "left"),
                        _arrow(state, "ArrowRight", "chevron-right", "Next image", "right"),
                        rx.el.div(
                            rx.text(state.position, size="2", id="lightbox-position"),  # type: ignore[attr-defined]
                            rx.spacer(),
                            rx.el.button(
                                rx.icon("panel-right", size=18),
                                on_click=state.toggle_info,  # type: ignore[attr-defined]
                                aria_label=t("Details"),
                                aria_expanded=rx.cond(info_open, "true", "false"),
                                aria_controls="lightbox-info",
                                title=t("Show or hide the details"),
                                type="button",
                                class_name="lightbox-tool",
                            ),
                            rx.dialog.close(
                                rx.el.button(
                                    rx.icon("x", size=20),
                                    aria_label=t("Close"),
                                    title=t("Close (Esc)"),
                                    type="button",
                                    class_name="lightbox-tool",
                                )
                            ),
                            class_name="lightbox-topbar",
                        ),
                        id=STAGE_ID,
                        class_name="lightbox-stage",
                    ),
                    rx.el.aside(
                        rx.dialog.title(
                            rx.el.span(card.prompt, id="lightbox-prompt"),
                            size="3",
                            class_name="lightbox-prompt",
                        ),
                        rx.dialog.description(
                            t("Image details and actions; ← and → move, Esc closes."),
                            class_name="lightbox-hint",
                        ),
                        rx.el.div(details(card), id="lightbox-metadata"),
                        *([lineage_panel()] if gallery else []),
                        rx.text(
                            f"{img.width}×{img.height} · {local_bytes(img.file_size)}",
                            size="1",
                            color_scheme="gray",
                        ),
                        rx.flex(*actions, wrap="wrap", spacing="2", align="center"),
                        id="lightbox-info",
                        hidden=~info_open,
                        tab_index=0,  # it scrolls on phones: the keyboard must reach it
                        class_name="lightbox-info",
                        aria_label=t("Details"),
                    ),
                    class_name="lightbox-body",
                ),
                id="lightbox",
                class_name="lightbox",
            ),
            open=state.is_open,  # type: ignore[attr-defined]
            on_open_change=state.set_open,  # type: ignore[attr-defined]
        ),
    )
