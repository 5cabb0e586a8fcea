"""Build-time plugins for the frontend (rxconfig.py lists them): what every page's first
paint waits for, cut to what it needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import reflex as rx

# The Radix palettes the UI uses: the theme's accent and gray, and the color schemes of its
# badges, callouts and buttons (a new color_scheme needs its file here).
RADIX_COLORS = ("violet", "slate", "gray", "red", "amber", "green", "blue")
_MODULE_PRELOAD = re.compile(r'<link rel="modulepreload"(?! fetchpriority)')


class RadixThemes(rx.plugins.RadixThemesPlugin):
    """Radix Themes with only the palettes in use: its whole stylesheet (88 KB gzipped, 27 of
    them colours nothing here uses) blocks every page's first paint."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        colors = tuple(f"@radix-ui/themes/tokens/colors/{c}.css" for c in RADIX_COLORS)
        return (
            "@radix-ui/themes/tokens/base.css",
            *colors,
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )


class StylesheetFirst(rx.plugins.Plugin):
    """The prerendered pages paint without their JavaScript, so its module preloads are
    fetched at low priority: the render-blocking stylesheet gets the bandwidth first."""

    def post_build(self, **context: Any) -> None:
        for page in Path(context["static_dir"]).rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            low = _MODULE_PRELOAD.sub('<link rel="modulepreload" fetchpriority="low"', html)
            if low != html:
                page.write_text(low, encoding="utf-8")
