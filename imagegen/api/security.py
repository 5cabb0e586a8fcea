"""Security headers on every HTTP answer, pages and API alike."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagegen.services.urls import request_base
from imagegen.settings.app import get_app_settings


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def page_csp() -> str:
    """The page policy: our own scripts (Reflex inlines its bootstrap), images from storage."""
    s = get_app_settings()
    img = {"'self'", "data:", "blob:"}
    connect = {"'self'", "ws:", "wss:"}
    for url in (s.public_url, s.app_url, s.s3_endpoint_url):
        if _origin(url):
            img.add(_origin(url))
            connect.add(_origin(url))
    if s.storage_kind == "s3" and not s.s3_endpoint_url:
        img.add("https://*.amazonaws.com")
    script = {"'self'", "'unsafe-inline'"}
    frame = {"'self'"}
    if s.auth == "clerk":  # Clerk's script, its API and its hosted components
        for url in (s.clerk_js_url, "https://*.clerk.accounts.dev", "https://*.clerk.com"):
            if _origin(url) or "*" in url:
                script.add(_origin(url) or url)
                connect.add(_origin(url) or url)
                frame.add(_origin(url) or url)
        img.add("https://img.clerk.com")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(sorted(script))}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(sorted(img))}",
            f"connect-src {' '.join(sorted(connect))}",
            "font-src 'self' data:",
            f"frame-src {' '.join(sorted(frame))}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
# Swagger UI at /api/docs: its script, styles and icon are the app's own files, it fetches
# the schema and "Try it out" calls from the app. FastAPI's page starts it with an inline
# script: 'unsafe-inline' rather than its hash, which would change with FastAPI's template
# (the page holds no user content).
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """ASGI middleware: adds CSP, nosniff, frame-ancestors and Referrer-Policy to responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._page_csp: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower()
                    not in (
                        b"content-security-policy",
                        b"x-content-type-options",
                        b"referrer-policy",
                        b"x-frame-options",
                    )
                ]
                ctype = dict(message.get("headers", [])).get(b"content-type", b"")
                if scope["path"].startswith("/api/docs"):
                    csp = DOCS_CSP
                elif ctype.startswith(b"text/html") or 300 <= message.get("status", 200) < 400:
                    # A redirect gets the page policy too: Chromium keeps a redirect's
                    # `sandbox` for the page it lands on (Starlette redirects a folder to /x/).
                    if self._page_csp is None:
                        self._page_csp = page_csp()
                    csp = self._page_csp
                else:
                    csp = API_CSP
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestAddress:
    """ASGI middleware: an HTTP request's links (file URLs in its JSON) follow the scheme and
    host it came in on, so they work from any address or reverse proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = (headers.get(b"host") or b"").decode("latin-1")
        if not host or any(c in host for c in "/\\@ "):
            await self.app(scope, receive, send)
            return
        with request_base(f"{scope.get('scheme', 'http')}://{host}"):
            await self.app(scope, receive, send)


class PageSlash:
    """ASGI middleware: a page asked for without its trailing slash (/sign-in) is served as
    /sign-in/ in place, instead of Starlette's redirect (a round trip on every page load)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._pages: dict[str, bool] = {}

    def _is_page(self, path: str) -> bool:
        if path not in self._pages and len(self._pages) < 1000:
            from reflex.utils import prerequisites
            from reflex_base import constants

            built = prerequisites.get_web_dir() / constants.Dirs.STATIC
            self._pages[path] = (built / path.strip("/") / "index.html").is_file()
        return self._pages.get(path, False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            scope.get("method") in ("GET", "HEAD")
            and len(path) > 1
            and not path.endswith("/")
            and "." not in path.rsplit("/", 1)[-1]
            and not path.startswith(("/api/", "/_", "/s/"))
            and path.count("/") == 1
            and self._is_page(path)
        ):
            scope = {**scope, "path": path + "/", "raw_path": (path + "/").encode()}
        await self.app(scope, receive, send)
