"""Above the gallery grid: search, filters and sort (all in the URL), and the selection bar."""

from __future__ import annotations

import reflex as rx

from imagegen.services.routes import Page
from imagegen.state.albums import AlbumsState, SelectionState
from imagegen.state.gallery import GalleryState as G


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="1", color_scheme="gray"),
        control,
        style={"display": "flex", "flex-direction": "column", "gap": "2px"},
    )


def _select(name: str, value: rx.Var, *options: rx.Component) -> rx.Component:
    return rx.el.select(
        *options,
        value=value,
        on_change=lambda v: G.set_filter(name, v),
        class_name="native-select",
        id=f"filter-{name}",
        name=name,
        aria_label=f"Filter by {name}" if name != "sort" else "Sort order",
    )


def filter_bar() -> rx.Component:
    """Search on Enter; every other control applies at once. Back undoes a change."""
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16)),
                    value=G.q,
                    on_change=G.set_q,
                    placeholder="Search prompts",
                    type="search",
                    name="q",
                    id="gallery-search",
                    aria_label="Search prompts",
                    width="100%",
                ),
                rx.button("Search", type="submit", variant="soft"),
                width="100%",
            ),
            on_submit=G.search,
            width="100%",
        ),
        rx.flex(
            rx.button(
                rx.icon("star", size=14, fill=rx.cond(G.favorites, "currentColor", "none")),
                "Favourites",
                on_click=G.set_filter("favorites", ~G.favorites),
                aria_pressed=rx.cond(G.favorites, "true", "false"),
                variant=rx.cond(G.favorites, "solid", "outline"),
                color_scheme=rx.cond(G.favorites, "amber", "gray"),
                size="2",
                id="filter-favorites",
                align_self="end",
            ),
            _labelled(
                "Status",
                _select(
                    "status",
                    G.status_filter,
                    rx.el.option("Completed", value="completed"),
                    rx.el.option("Failed", value="failed"),
                    rx.el.option("Cancelled", value="cancelled"),
                    rx.el.option("All", value="all"),
                ),
            ),
            _labelled(
                "Engine",
                _select(
                    "engine",
                    G.engine_filter,
                    rx.el.option("Any", value=""),
                    rx.foreach(
                        G.filter_engines, lambda e: rx.el.option(e["label"], value=e["name"])
                    ),
                ),
            ),
            _labelled(
                "Model",
                _select(
                    "model",
                    G.model_filter,
                    rx.el.option("Any", value=""),
                    rx.foreach(G.filter_models, lambda m: rx.el.option(m, value=m)),
                ),
            ),
            _labelled(
                "Size",
                _select(
                    "size",
                    G.size_filter,
                    rx.el.option("Any", value=""),
                    rx.foreach(G.filter_sizes, lambda s: rx.el.option(s, value=s)),
                ),
            ),
            _labelled(
                "From",
                rx.el.input(
                    type="date",
                    value=G.date_from,
                    on_change=lambda v: G.set_filter("from", v),
                    class_name="native-select",
                    id="filter-from",
                    aria_label="Created from",
                ),
            ),
            _labelled(
                "To",
                rx.el.input(
                    type="date",
                    value=G.date_to,
                    on_change=lambda v: G.set_filter("to", v),
                    class_name="native-select",
                    id="filter-to",
                    aria_label="Created until",
                ),
            ),
            _labelled(
                "Sort",
                _select(
                    "sort",
                    G.sort,
                    rx.el.option("Newest first", value="newest"),
                    rx.el.option("Oldest first", value="oldest"),
                ),
            ),
            rx.cond(
                G.filtered,
                rx.button(
                    "Clear filters",
                    on_click=G.clear_filters,
                    variant="ghost",
                    size="2",
                    align_self="end",
                    id="filter-clear",
                ),
            ),
            rx.spacer(),
            rx.button(
                rx.icon("square-check", size=14),
                rx.cond(SelectionState.selecting, "Done selecting", "Select"),
                on_click=SelectionState.toggle_selecting,
                variant=rx.cond(SelectionState.selecting, "solid", "outline"),
                size="2",
                align_self="end",
                id="select-mode",
            ),
            wrap="wrap",
            gap="3",
            width="100%",
            align="end",
        ),
        width="100%",
        spacing="2",
        id="gallery-filters",
    )


def selection_bar() -> rx.Component:
    """While selecting: how many, Select all, and Add to album."""
    return rx.cond(
        SelectionState.selecting,
        rx.card(
            rx.flex(
                rx.text(SelectionState.selected.length(), " selected", id="selected-count"),
                rx.button(
                    "Select all shown",
                    on_click=SelectionState.select_all_shown,
                    variant="soft",
                    size="1",
                ),
                rx.el.select(
                    rx.el.option("Add to album…", value=""),
                    rx.foreach(AlbumsState.albums, lambda a: rx.el.option(a.name, value=a.id)),
                    value="",
                    on_change=SelectionState.add_selected,
                    disabled=SelectionState.selected.length() == 0,
                    class_name="native-select",
                    id="selection-add-to-album",
                    aria_label="Add selected images to album",
                ),
                rx.cond(
                    AlbumsState.albums.length() == 0,
                    rx.link("Create an album first", href=Page.ALBUMS, size="2"),
                ),
                gap="3",
                align="center",
                wrap="wrap",
            ),
            width="100%",
            style={"position": "sticky", "top": "8px", "z-index": "5"},
        ),
    )


def album_notices() -> rx.Component:
    """What the last album action did, or why it failed."""
    return rx.fragment(
        rx.cond(
            AlbumsState.album_notice != "",
            rx.callout(
                AlbumsState.album_notice,
                icon="check",
                color_scheme="green",
                role="status",
                id="album-notice",
            ),
        ),
        rx.cond(
            AlbumsState.album_error != "",
            rx.callout(
                AlbumsState.album_error, icon="circle_alert", color_scheme="red", role="alert"
            ),
        ),
    )
