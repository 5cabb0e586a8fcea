"""Above the gallery grid: search, filters and sort (all in the URL), and the selection bar."""

from __future__ import annotations

import reflex as rx

from imagegen.components.i18n import engine_label, local_number, t
from imagegen.services.routes import Page
from imagegen.state.albums import AlbumsState, SelectionState
from imagegen.state.gallery import GalleryState as G


def _labelled(label: rx.Var, control: rx.Component) -> rx.Component:
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
        aria_label=t(f"Filter by {name}") if name != "sort" else t("Sort order"),
    )


def _any(
    label: rx.Var, name: str, value: rx.Var, items: rx.Var, labelled: bool = False
) -> rx.Component:
    """A filter picker: Any, then what the worker's catalogue offers (labelled: name+label)."""
    option = (
        (lambda e: rx.el.option(engine_label(e["label"]), value=e["name"]))
        if labelled
        else (lambda v: rx.el.option(v, value=v))
    )
    return _labelled(
        label, _select(name, value, rx.el.option(t("Any"), value=""), rx.foreach(items, option))
    )


def _date(label: rx.Var, name: str, value: rx.Var, aria: rx.Var) -> rx.Component:
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
                rx.el.span(t("Filters"), class_name="hide-narrow"),
                rx.cond(G.popover_filtered, rx.badge(t("on"), size="1", color_scheme="violet")),
                variant=rx.cond(G.popover_filtered, "solid", "soft"),
                color_scheme="gray",
                size="2",
                aria_label=t("Filters"),
                id="filters-toggle",
                class_name="touch-target",
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.button(
                    rx.icon("star", size=14, fill=rx.cond(G.favorites, "currentColor", "none")),
                    t("Favourites"),
                    on_click=G.set_filter("favorites", ~G.favorites),
                    aria_pressed=rx.cond(G.favorites, "true", "false"),
                    variant=rx.cond(G.favorites, "solid", "outline"),
                    color_scheme=rx.cond(G.favorites, "amber", "gray"),
                    size="2",
                    id="filter-favorites",
                ),
                rx.grid(
                    _labelled(
                        t("Status"),
                        _select(
                            "status",
                            G.status_filter,
                            rx.el.option(t("Completed"), value="completed"),
                            rx.el.option(t("Failed"), value="failed"),
                            rx.el.option(t("Cancelled"), value="cancelled"),
                            rx.el.option(t("All"), value="all"),
                        ),
                    ),
                    _any(t("Engine"), "engine", G.engine_filter, G.filter_engines, labelled=True),
                    _any(t("Model"), "model", G.model_filter, G.filter_models),
                    _any(t("Size"), "size", G.size_filter, G.filter_sizes),
                    _date(t("From"), "from", G.date_from, t("Created from")),
                    _date(t("To"), "to", G.date_to, t("Created until")),
                    _labelled(
                        t("Sort"),
                        _select(
                            "sort",
                            G.sort,
                            rx.el.option(t("Newest first"), value="newest"),
                            rx.el.option(t("Oldest first"), value="oldest"),
                        ),
                    ),
                    columns="2",
                    spacing="3",
                    width="100%",
                ),
                rx.cond(
                    G.filtered,
                    rx.button(
                        t("Clear filters"),
                        on_click=G.clear_filters,
                        variant="soft",
                        size="2",
                        id="filter-clear",
                    ),
                ),
                spacing="3",
            ),
            width="min(420px, 94vw)",
            aria_label=t("Filters"),
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
                placeholder=t("Search prompts"),
                type="search",
                name="q",
                id="gallery-search",
                aria_label=t("Search prompts"),
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
                rx.cond(
                    G.match_count == 1,
                    t("{n} match", n=local_number(G.match_count)),
                    t("{n} matches", n=local_number(G.match_count)),
                ),
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
                rx.cond(SelectionState.selecting, t("Done selecting"), t("Select")),
                class_name="hide-narrow",
            ),
            on_click=SelectionState.toggle_selecting,
            variant=rx.cond(SelectionState.selecting, "solid", "soft"),
            color_scheme="gray",
            size="2",
            aria_label=rx.cond(SelectionState.selecting, t("Done selecting"), t("Select")),
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
                rx.text(
                    t("{n} selected", n=local_number(SelectionState.selected.length())),
                    id="selected-count",
                ),
                rx.button(
                    t("Select all shown"),
                    on_click=SelectionState.select_all_shown,
                    variant="soft",
                    size="1",
                ),
                rx.el.select(
                    rx.el.option(t("Add to album…"), value=""),
                    rx.foreach(AlbumsState.albums, lambda a: rx.el.option(a.name, value=a.id)),
                    value="",
                    on_change=SelectionState.add_selected,
                    disabled=SelectionState.selected.length() == 0,
                    class_name="native-select",
                    id="selection-add-to-album",
                    aria_label=t("Add selected images to album"),
                ),
                rx.cond(
                    AlbumsState.albums.length() == 0,
                    rx.link(t("Create an album first"), href=Page.ALBUMS, size="2"),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            width="100%",
            class_name="selection-bar",
        ),
    )
