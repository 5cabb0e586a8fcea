"""Where this app is reachable: the base of the worker's callbacks and of links in browsers
(services/links.py mints the links themselves)."""

from __future__ import annotations

from collections.abc import Callable

from imagegen.settings.app import get_app_settings

# The host framework's own idea of its address (Reflex's api_url), registered by the
# composition root: services know no web framework.
_fallback: list[Callable[[], str]] = []


def register_fallback(address: Callable[[], str]) -> None:
    """Where the app is when IMAGEGEN_APP_URL is unset (read at each call: it may change)."""
    _fallback[:] = [address]


def _reflex_api_url() -> str:
    return _fallback[0]() if _fallback else ""


def app_base_url() -> str:
    """The app's own base URL as the worker should call it."""
    s = get_app_settings()
    return (s.app_url or _reflex_api_url() or "http://127.0.0.1:3000").rstrip("/")


def public_base_url() -> str:
    """The base URL browsers use for file links (signed local file URLs)."""
    s = get_app_settings()
    return (s.public_url or s.app_url or _reflex_api_url()).rstrip("/")
