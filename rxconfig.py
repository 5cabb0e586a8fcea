"""Reflex configuration: the app module, ports, theme and the optional Redis state manager."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from imagegen.frontend_build import RadixThemes, StylesheetFirst

_port = int(os.environ.get("PORT", "3000"))


def _cors_origins() -> list[str]:
    """Only IMAGEGEN_PUBLIC_URL and IMAGEGEN_CORS_ORIGINS may read answers cross-origin (with
    credentials); Reflex's default would reflect any origin."""
    from imagegen.settings.app import AppSettings

    return AppSettings().allowed_origins()


config = rx.Config(
    app_name="imagegen",
    frontend_port=_port,
    backend_port=_port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        RadixThemes(theme=rx.theme(accent_color="violet", gray_color="slate", radius="medium")),
        StylesheetFirst(),
    ],
    # The system's preference (dark or light) until the user picks one with the header's toggle
    # (remembered). The tests and the README's screenshots use dark: images read better on it.
    default_color_mode="system",
    disable_plugins=[SitemapPlugin],
    cors_allowed_origins=_cors_origins(),
    # REDIS_URL (or Reflex's own REFLEX_REDIS_URL) switches state to Redis: several workers.
    redis_url=os.environ.get("REFLEX_REDIS_URL") or os.environ.get("REDIS_URL") or None,
)
