"""The browser session cookie: set and cleared only by HTTP answers (HttpOnly, SameSite=Lax,
Secure over https), from a one-minute ticket the sign-in form hands over; slid forward on
each page load, so an idle session ends after IMAGEGEN_SESSION_TTL."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imagegen.api.origins import SESSION_COOKIE, origin_allowed
from imagegen.api.schemas import WRITE, errors
from imagegen.services import signing
from imagegen.services.auth import get_auth
from imagegen.services.errors import NotFound, Unauthorized
from imagegen.services.routes import Page, Route
from imagegen.settings.app import get_app_settings

router = APIRouter(tags=["auth"])
HOME, SIGN_IN = Page.HOME, Page.SIGN_IN


def _secure(request_scheme: str) -> bool:
    return request_scheme == "https" or get_app_settings().public_url.startswith("https://")


def cookie_header(token: str, secure: bool, max_age: int | None = None) -> str:
    """The Set-Cookie value; an empty token clears the cookie."""
    ttl = get_app_settings().session_ttl_seconds if max_age is None else max_age
    parts = [f"{SESSION_COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={ttl}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _back_to(request: Request, path: str) -> str:
    """Where to send the browser next: its own page origin when that is ours (the dev
    frontend runs on another port), else the same host."""
    origin = request.headers.get("origin", "")
    host = request.headers.get("host", "")
    if origin and origin_allowed(origin, host, request.headers.get("x-forwarded-host", "")):
        parts = urlsplit(origin)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return path


def _local():  # noqa: ANN202
    auth = get_auth()
    if not hasattr(auth, "rotate"):
        raise NotFound(f"Sessions are handled by {auth.name}.")
    return auth


@router.post(
    Route.SESSION,
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(*WRITE, 401, 404),
)
async def open_session(request: Request, ticket: Annotated[str, Form(max_length=4096)]) -> Response:
    """Trades the sign-in form's ticket for the session cookie, then goes to the studio."""
    auth = _local()
    token = signing.open_ticket(get_app_settings().resolved_secret_key(), ticket)
    fresh = await run_in_threadpool(auth.rotate, token) if token else None
    if fresh is None:
        raise Unauthorized("This sign-in link has expired or was used; sign in again.")
    r = RedirectResponse(_back_to(request, HOME), status_code=303)
    r.headers.append("set-cookie", cookie_header(fresh, _secure(request.url.scheme)))
    r.headers["cache-control"] = "no-store"
    return r


@router.post(
    Route.SESSION_END,
    status_code=303,
    response_class=RedirectResponse,
    responses=errors(*WRITE, 404),
)
async def end_session(request: Request) -> Response:
    """Signs out: the session ends server-side and the cookie is cleared."""
    auth = _local()
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(auth.logout, token)
    r = RedirectResponse(_back_to(request, SIGN_IN), status_code=303)
    r.headers.append("set-cookie", cookie_header("", _secure(request.url.scheme), max_age=0))
    r.headers["cache-control"] = "no-store"
    return r


class SlidingSession:
    """On each page load by a signed-in browser, sets the cookie again with a full lifetime
    (the database's expiry slides as it is used): active users stay signed in, idle ones
    are signed out after IMAGEGEN_SESSION_TTL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope)
        if not token:
            await self.app(scope, receive, send)
            return

        async def send_refreshed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    auth = get_auth()
                    if hasattr(auth, "rotate") and await run_in_threadpool(
                        auth.authenticate, token
                    ):
                        secure = _secure(scope.get("scheme", "http"))
                        extra = (b"set-cookie", cookie_header(token, secure).encode())
                        message = {**message, "headers": [*message["headers"], extra]}
            await send(message)

        await self.app(scope, receive, send_refreshed)


def _cookie(scope: Scope) -> str:
    for k, v in scope.get("headers", []):
        if k.lower() == b"cookie":
            for part in v.decode("latin-1").split(";"):
                name, _, value = part.strip().partition("=")
                if name == SESSION_COOKIE and value:
                    return value
    return ""
