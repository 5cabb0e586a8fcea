"""The large preview: the original image, ←/→ across the current set, and its metadata."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import keyboard_nav
from imagegen.components.card_actions import download_link


def _row(label: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="90px"),
        rx.data_list.value(value, style={"overflow-wrap": "anywhere"}),
    )


def _metadata(state: type[rx.State]) -> rx.Component:
    card, img = state.card, state.image  # type: ignore[attr-defined]
    return rx.data_list.root(
        _row("Engine", card.engine),
        _row("Model", card.model),
        _row("Size", f"{img.width}×{img.height} · {img.size_label}"),
        _row("Seed", card.seed.to_string()),
        rx.cond(card.negative_prompt != "", _row("Negative", card.negative_prompt)),
        _row("Created", card.created),
        rx.cond(card.duration != "", _row("Took", card.duration)),
        size="1",
        id="lightbox-metadata",
    )


def lightbox(state: type[rx.State], *, gallery: bool = True) -> rx.Component:
    """The preview dialog bound to a state with is_open, card, image, position and handlers.

    gallery=True adds star, delete and add-to-album; album pages offer remove-from-album.
    """
    from imagegen.state.albums import AlbumPageState, AlbumsState

    img, card = state.image, state.card  # type: ignore[attr-defined]
    actions: list[rx.Component] = [
        rx.button(
            rx.icon("copy", size=14),
            "Copy prompt",
            on_click=[rx.set_clipboard(card.prompt), rx.toast("Prompt copied")],
            variant="soft",
            size="1",
            id="lightbox-copy-prompt",
        ),
        download_link(img),
    ]
    if gallery:
        actions += [
            rx.button(
                rx.icon("star", size=14, fill=rx.cond(img.favorite, "currentColor", "none")),
                rx.cond(img.favorite, "Starred", "Star"),
                on_click=state.star,  # type: ignore[attr-defined]
                aria_pressed=rx.cond(img.favorite, "true", "false"),
                variant="soft",
                color_scheme=rx.cond(img.favorite, "amber", "gray"),
                size="1",
                id="lightbox-star",
            ),
            rx.el.select(
                rx.el.option("Add to album…", value=""),
                rx.foreach(AlbumsState.albums, lambda a: rx.el.option(a.name, value=a.id)),
                value="",
                on_change=lambda album_id: AlbumsState.add_image(album_id, img.id),
                class_name="native-select",
                id="lightbox-add-to-album",
                aria_label="Add to album",
            ),
            rx.button(
                rx.icon("trash-2", size=14),
                "Delete",
                on_click=state.delete_image,  # type: ignore[attr-defined]
                variant="soft",
                color_scheme="red",
                size="1",
                id="lightbox-delete",
            ),
        ]
    else:
        actions.append(
            rx.button(
                "Remove from album",
                on_click=AlbumPageState.remove_from_album(img.id),
                variant="soft",
                color_scheme="red",
                size="1",
            )
        )
    return rx.fragment(
        keyboard_nav(state.key, state.is_open),  # type: ignore[attr-defined]
        rx.dialog.root(
            rx.dialog.content(
                rx.flex(
                    rx.box(
                        rx.image(
                            src=state.original_url,  # type: ignore[attr-defined]
                            alt=card.prompt,
                            id="lightbox-image",
                            style={
                                "max-width": "100%",
                                "max-height": "78vh",
                                "object-fit": "contain",
                                "margin": "0 auto",
                                "display": "block",
                                "aspect-ratio": f"{img.width} / {img.height}",
                                "background": "var(--gray-3)",
                            },
                        ),
                        flex="3",
                        min_width="0",
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.text(
                                state.position,
                                size="1",
                                color_scheme="gray",
                                id="lightbox-position",
                            ),  # type: ignore[attr-defined]
                            rx.spacer(),
                            rx.dialog.close(
                                rx.icon_button(
                                    rx.icon("x", size=16), aria_label="Close", variant="ghost"
                                )
                            ),
                            width="100%",
                        ),
                        rx.dialog.title(
                            card.prompt,
                            size="3",
                            style={"overflow-wrap": "anywhere", "white-space": "pre-wrap"},
                            id="lightbox-prompt",
                        ),
                        rx.dialog.description("Image details", class_name="sr-only"),
                        _metadata(state),
                        rx.flex(*actions, wrap="wrap", gap="2", align="center"),
                        rx.hstack(
                            rx.button(
                                rx.icon("chevron-left"),
                                "Previous",
                                on_click=state.key("ArrowLeft"),  # type: ignore[attr-defined]
                                variant="outline",
                                size="1",
                            ),
                            rx.button(
                                "Next",
                                rx.icon("chevron-right"),
                                on_click=state.key("ArrowRight"),  # type: ignore[attr-defined]
                                variant="outline",
                                size="1",
                            ),
                            rx.text("← → to move, Esc to close", size="1", color_scheme="gray"),
                            align="center",
                            wrap="wrap",
                        ),
                        flex="2",
                        min_width="240px",
                        spacing="3",
                    ),
                    gap="4",
                    direction=rx.breakpoints(initial="column", md="row"),
                ),
                max_width="min(1400px, 96vw)",
                id="lightbox",
            ),
            open=state.is_open,  # type: ignore[attr-defined]
            on_open_change=state.set_open,  # type: ignore[attr-defined]
        ),
    )
