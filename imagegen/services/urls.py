"""Where this app is reachable: the base of the worker's callbacks and of links in browsers
(services/links.py mints the links themselves)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from imagegen.settings.app import get_app_settings

# The host framework's own idea of its address (Reflex's api_url), registered by the
# composition root: services know no web framework.
_fallback: list[Callable[[], str]] = []
# Whether the app's pages are served by the same server as its API (then a page's links can
# be relative, so they work from whatever address or proxy the browser used).
_same_server: list[Callable[[], bool]] = []
# The scheme and host an API request came in on: its JSON's links follow it.
_request_base: ContextVar[str] = ContextVar("imagegen_request_base", default="")


def register_fallback(address: Callable[[], str]) -> None:
    """Where the app is when IMAGEGEN_APP_URL is unset (read at each call: it may change)."""
    _fallback[:] = [address]


def register_same_server(check: Callable[[], bool]) -> None:
    """How to tell whether pages and API share one server (read at each call)."""
    _same_server[:] = [check]


@contextmanager
def request_base(base: str) -> Iterator[None]:
    """Within this block, links follow the address the request came in on."""
    token = _request_base.set(base.rstrip("/"))
    try:
        yield
    finally:
        _request_base.reset(token)


def link_base_url() -> str:
    """The base of links a browser follows inside the app (files, thumbnails, ZIPs): the
    request's own address; in a page, nothing (relative) when one server serves pages and API,
    else the API's configured address."""
    if base := _request_base.get():
        return base
    if _same_server and _same_server[0]():
        return ""
    return public_base_url()


def share_base_url(page_address: str = "") -> str:
    """The base of links that leave the app (share links): IMAGEGEN_PUBLIC_URL when set, else
    the address the browser used."""
    s = get_app_settings()
    return (s.public_url or _request_base.get() or page_address or public_base_url()).rstrip("/")


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
