"""The gallery's search box and filter pickers: they live in the page URL (?q=…&status=…),
so Back undoes a filter and a link shows the same gallery."""

from __future__ import annotations

import reflex as rx

from imagegen.i18n import translate_message
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.search import GalleryFilter, parse_filter
from imagegen.state.session import HOME

# Each filter's URL parameter and the state field that mirrors it.
FIELDS = {
    "q": "q",
    "favorites": "favorites",
    "status": "status_filter",
    "engine": "engine_filter",
    "model": "model_filter",
    "size": "size_filter",
    "from": "date_from",
    "to": "date_to",
    "sort": "sort",
}


def filter_options() -> tuple[list[dict[str, str]], list[str], list[str]]:
    """Engines, models and sizes the filter pickers offer, from what the worker declares."""
    try:
        catalog = get_catalog()
    except WorkerUnavailable:
        return [], [], []
    engines = [{"name": n, "label": e.label} for n, e in catalog.engines.items()]
    models = sorted({m for e in catalog.engines.values() for m in e.models})
    sizes = sorted({f"{w}x{h}" for e in catalog.engines.values() for w, h in e.sizes})
    return engines, models, sizes


class GalleryFilters(rx.State, mixin=True):
    """The search and filters of GalleryState (a mixin: its events are GalleryState's)."""

    q: str = ""
    favorites: bool = False
    status_filter: str = "completed"
    engine_filter: str = ""
    size_filter: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "newest"
    filter_engines: list[dict[str, str]] = []
    filter_models: list[str] = []
    filter_sizes: list[str] = []
    model_filter: str = ""
    _filter: GalleryFilter = GalleryFilter()

    @rx.var
    def filtered(self) -> bool:
        """Whether any filter narrows the gallery (the empty state then says so)."""
        return self.q != "" or self.popover_filtered

    @rx.var
    def popover_filtered(self) -> bool:
        """Whether a filter of the Filters popover is set (the search box shows its own)."""
        return (
            self.favorites
            or self.status_filter != "completed"
            or self.engine_filter != ""
            or self.model_filter != ""
            or self.size_filter != ""
            or self.date_from != ""
            or self.date_to != ""
            or self.sort != "newest"
        )

    def _read_url_filter(self) -> GalleryFilter:
        params = dict(self.router.url.query_parameters)
        try:
            f = parse_filter(params)
        except ServiceError as e:
            self._fail(
                self._t(
                    "{message} Showing everything instead.",
                    message=translate_message(e.message, self.lang),
                )
            )
            f = GalleryFilter()
        self._filter = f
        self.q, self.favorites, self.status_filter = f.q, f.favorites, f.status
        self.engine_filter, self.size_filter, self.sort = f.engine, f.size, f.sort
        self.model_filter = f.model
        self.date_from = f.date_from.isoformat() if f.date_from else ""
        self.date_to = f.date_to.isoformat() if f.date_to else ""
        return f

    def _go(self, f: GalleryFilter) -> rx.event.EventSpec:
        """Puts the filter in the URL; the page's on_load then shows it (and Back undoes it)."""
        query = f.to_query()
        return rx.redirect(f"{HOME}?{query}" if query else HOME)

    def _filter_from_fields(self) -> GalleryFilter | None:
        values = {name: getattr(self, field) for name, field in FIELDS.items()}
        values["favorites"] = "1" if self.favorites else ""
        try:
            return parse_filter(values)
        except ServiceError as e:
            self._fail(e.message)
            return None

    @rx.event
    def set_q(self, value: str) -> None:
        """Typing in the search box; the search runs on Enter."""
        self.q = value[:200]

    @rx.event
    def search(self, _form: dict | None = None) -> rx.event.EventSpec | None:
        """Runs the typed search (with the other filters) by putting it in the URL."""
        f = self._filter_from_fields()
        return self._go(f) if f else None

    @rx.event
    def set_filter(self, name: str, value: str | bool) -> rx.event.EventSpec | None:
        """Changes one filter and applies it at once."""
        if name not in FIELDS or name == "q":
            return None
        value = bool(value) if name == "favorites" else str(value or "")
        setattr(self, FIELDS[name], "" if value == "any" else value)
        f = self._filter_from_fields()
        return self._go(f) if f else None

    @rx.event
    def clear_filters(self) -> rx.event.EventSpec:
        """Back to every completed generation, newest first."""
        return self._go(GalleryFilter())
