"""Which browser origins may act on a signed-in user's behalf: the app's own (whatever address
the browser used), IMAGEGEN_PUBLIC_URL and IMAGEGEN_CORS_ORIGINS. Cross-site requests
carrying a cookie, and websockets opened from elsewhere, are refused with this one rule."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from imagegen.settings.app import get_app_settings

SESSION_COOKIE = "imagegen_session"
CLERK_COOKIE = "__session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def trusted_origins() -> list[str]:
    """The configured origins, plus the dev frontend's (Reflex serves it on its own port)."""
    out = get_app_settings().allowed_origins()
    try:
        from reflex.config import get_config

        dev = _origin_of(get_config().deploy_url or "")
    except Exception:  # the API served alone, without rxconfig
        dev = ""
    if not dev:
        return out
    # The dev frontend under either loopback name (its URL says localhost).
    twins = {
        dev,
        dev.replace("//localhost:", "//127.0.0.1:"),
        dev.replace("//127.0.0.1:", "//localhost:"),
    }
    return [*out, *sorted(twins - set(out))]


def origin_allowed(origin: str, host: str, forwarded_host: str = "") -> bool:
    """True for the request's own origin (Origin's host:port equals the Host the browser
    sent, through a proxy too) or a trusted one."""
    o = _origin_of(origin)
    if not o:
        return False
    netloc = urlsplit(o).netloc
    if netloc in {h.strip().lower() for h in (host, forwarded_host) if h}:
        return True
    return o in trusted_origins()


def socket_origin_allowed(origin: str | None, environ: dict | None = None) -> bool:
    """For socket.io's handshake: a page elsewhere can't drive a signed-in user's session
    (cross-site websocket hijacking). A client that sends no Origin is no browser."""
    if not origin:
        return True
    env = environ or {}
    return origin_allowed(origin, env.get("HTTP_HOST", ""), env.get("HTTP_X_FORWARDED_HOST", ""))


def _cookie_names(header: bytes) -> set[str]:
    names = set()
    for part in header.decode("latin-1").split(";"):
        name = part.split("=", 1)[0].strip()
        if name:
            names.add(name)
    return names


class CrossSiteGuard:
    """403 for a state-changing request that rides on a session cookie (or signs in) from
    another site: Origin must be ours, or, without it, Sec-Fetch-Site same-origin or none.
    A request with an Authorization header carries its own proof and passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE and not self._ok(scope):
            from starlette.responses import JSONResponse

            message = "Cross-site request refused: it must come from this app's own pages."
            await JSONResponse({"success": False, "error": message}, 403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _ok(scope: Scope) -> bool:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if b"authorization" in headers:
            return True
        cookies = _cookie_names(headers.get(b"cookie", b""))
        signs_in = scope["path"].startswith("/api/auth/session")
        if not (signs_in or cookies & {SESSION_COOKIE, CLERK_COOKIE}):
            return True
        origin = headers.get(b"origin", b"").decode("latin-1")
        if origin and origin != "null":
            return origin_allowed(
                origin,
                headers.get(b"host", b"").decode("latin-1"),
                headers.get(b"x-forwarded-host", b"").decode("latin-1"),
            )
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1")
        if site:
            return site in ("same-origin", "none")
        return origin != "null"  # no browser headers at all: not a browser, so no CSRF


class TrustedCors(CORSMiddleware):
    """CORS for the trusted origins only, read per request: the dev frontend's address is
    known only once it has started, and Reflex's own CORS would reflect any origin."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(
            app, allow_origins=[], allow_credentials=True, allow_methods=["*"], allow_headers=["*"]
        )

    def is_allowed_origin(self, origin: str) -> bool:
        """Same-origin requests need no CORS; other origins must be trusted."""
        return _origin_of(origin) in trusted_origins()


def use_trusted_cors(api: Starlette) -> None:
    """Stands in for Reflex's App._add_cors, so every layer Reflex builds applies TrustedCors."""
    api.add_middleware(TrustedCors)
