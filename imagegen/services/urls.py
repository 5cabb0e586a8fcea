"""Where this app is reachable: for callbacks from the worker and for file links in browsers."""

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


def completion_callback_url() -> str:
    """The completion webhook the worker POSTs to."""
    return f"{app_base_url()}/api/webhooks/image-completion"


def progress_callback_url() -> str:
    """Where the worker POSTs signed progress events."""
    return f"{app_base_url()}/api/webhooks/image-progress"
