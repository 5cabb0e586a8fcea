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


def _any(
    label: str, name: str, value: rx.Var, items: rx.Var, labelled: bool = False
) -> rx.Component:
    """A filter picker: Any, then what the worker's catalogue offers (labelled: name+label)."""
    option = (
        (lambda e: rx.el.option(e["label"], value=e["name"]))
        if labelled
        else (lambda v: rx.el.option(v, value=v))
    )
    return _labelled(
        label, _select(name, value, rx.el.option("Any", value=""), rx.foreach(items, option))
    )


def _date(label: str, name: str, value: rx.Var, aria: str) -> rx.Component:
    """A date filter (from / to), applied at once."""
    return _labelled(
        label,
        rx.el.input(
            type="date",
            value=value,
            on_change=lambda v: G.set_filter(name, v),
            class_name="native-select",
            id=f"filter-{name}",
            aria_label=aria,
        ),
    )


def _filters_popover() -> rx.Component:
    """Favourites, status, engine, model, size, dates and sort, folded into one popover."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("list-filter", size=16),
                rx.el.span("Filters", class_name="hide-narrow"),
                rx.cond(G.filtered, rx.badge("on", size="1", color_scheme="violet")),
                variant=rx.cond(G.filtered, "solid", "soft"),
                color_scheme="gray",
                size="2",
                aria_label="Filters",
                id="filters-toggle",
                class_name="touch-target",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.button(
                    rx.icon("star", size=14, fill=rx.cond(G.favorites, "currentColor", "none")),
                    "Favourites",
                    on_click=G.set_filter("favorites", ~G.favorites),
                    aria_pressed=rx.cond(G.favorites, "true", "false"),
                    variant=rx.cond(G.favorites, "solid", "outline"),
                    color_scheme=rx.cond(G.favorites, "amber", "gray"),
                    size="2",
                    id="filter-favorites",
                ),
                rx.grid(
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
                    _any("Engine", "engine", G.engine_filter, G.filter_engines, labelled=True),
                    _any("Model", "model", G.model_filter, G.filter_models),
                    _any("Size", "size", G.size_filter, G.filter_sizes),
                    _date("From", "from", G.date_from, "Created from"),
                    _date("To", "to", G.date_to, "Created until"),
                    _labelled(
                        "Sort",
                        _select(
                            "sort",
                            G.sort,
                            rx.el.option("Newest first", value="newest"),
                            rx.el.option("Oldest first", value="oldest"),
                        ),
                    ),
                    columns="2",
                    gap="3",
                    width="100%",
                ),
                rx.cond(
                    G.filtered,
                    rx.button(
                        "Clear filters",
                        on_click=G.clear_filters,
                        variant="soft",
                        size="2",
                        id="filter-clear",
                    ),
                ),
                spacing="3",
            ),
            width="min(420px, 94vw)",
            aria_label="Filters",
        ),
    )


def filter_bar() -> rx.Component:
    """Search on Enter, the Filters popover, the number of matches and Select: in a toolbar
    that stays in reach. Filters live in the URL, so Back undoes a change."""
    return rx.el.div(
        rx.form(
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
                size="2",
            ),
            on_submit=G.search,
            class_name="toolbar-search",
            role="search",
        ),
        _filters_popover(),
        rx.cond(
            G.filtered & (G.match_count >= 0),
            rx.text(
                G.match_count,
                rx.cond(G.match_count == 1, " match", " matches"),
                size="2",
                color_scheme="gray",
                id="match-count",
                aria_live="polite",
                class_name="nowrap",
            ),
        ),
        rx.spacer(),
        rx.button(
            rx.icon("square-check", size=16),
            rx.el.span(
                rx.cond(SelectionState.selecting, "Done selecting", "Select"),
                class_name="hide-narrow",
            ),
            on_click=SelectionState.toggle_selecting,
            variant=rx.cond(SelectionState.selecting, "solid", "soft"),
            color_scheme="gray",
            size="2",
            aria_label=rx.cond(SelectionState.selecting, "Done selecting", "Select"),
            id="select-mode",
            class_name="touch-target",
        ),
        class_name="gallery-toolbar",
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
            class_name="selection-bar",
        ),
    )
