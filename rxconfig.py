"""Reflex configuration: the app module, ports and the optional Redis state manager."""

import os

import reflex as rx

_port = int(os.environ.get("PORT", "3000"))

config = rx.Config(
    app_name="imagegen",
    frontend_port=_port,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
)
