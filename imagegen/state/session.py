"""Who is signed in: the session token lives in an HttpOnly cookie that page script never
sees; the websocket's handshake carries it, and every event re-checks it."""

from __future__ import annotations

import asyncio
import uuid
from http.cookies import CookieError, SimpleCookie

import reflex as rx

from imagegen.i18n import LANG_COOKIE, pick_language, tr, translate_message
from imagegen.services import signing
from imagegen.services.auth import Principal, get_auth
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page, Route
from imagegen.settings.app import get_app_settings

SESSION_COOKIE = "imagegen_session"  # set by Route.SESSION, read from the handshake

HOME = Page.HOME
SIGN_IN = Page.SIGN_IN


def event_name(handler: rx.EventHandler) -> str:
    """The full name the browser sends back to run `handler`."""
    return f"{handler.state_full_name}.{handler.fn.__name__}"  # type: ignore[attr-defined]


class SessionState(rx.State):
    """The signed-in user, and the sign-up / sign-in / sign-out forms."""

    email: str = ""
    # A form post the page makes at once (SessionHandoff): the server's answer sets or
    # clears the HttpOnly cookie, then leads the browser on.
    handoff_path: str = ""
    handoff_ticket: str = ""
    auth_error: str = ""
    auth_busy: bool = False
    _synced_user: str = ""
    _clerk_token: str = ""  # Clerk mode: the token its browser script hands over
    # The newest toast (components/toasts.py shows it): every page state's feedback.
    toast_event: dict[str, str | int] = {}
    # The language switch's choice, remembered by the browser ("" until the user picks one).
    lang_choice: str = rx.Cookie("", name=LANG_COOKIE, max_age=400 * 24 * 3600, same_site="lax")

    @rx.var(cache=False)
    def lang(self) -> str:
        """The page's language: the remembered choice, else the browser's Accept-Language."""
        return pick_language(self.lang_choice, self.router.headers.accept_language)

    @rx.event
    def set_language(self, code: str) -> list:
        """The language switch: remembered in a cookie (the share page reads it too). The
        page's text follows at once; what the server wrote (cards' errors, sizes, durations,
        engine names) is read again in the new language."""
        before = self.lang
        self.lang_choice = code if code in ("en", "fr") else ""
        return self._page_loads() if self.lang != before and self.email else []

    def _page_loads(self) -> list:
        """The loads of the page this tab shows (each page state says which are its own)."""
        path = self.router.url.path
        return [
            e
            for cls in self._page_states()
            if "_loads_after_sign_in" in cls.__dict__  # its own, not one it inherits
            for e in cls._loads_after_sign_in(path)
        ]

    def _t(self, text: str, **params: object) -> str:
        """A catalogue string in this tab's language (toasts and messages made here)."""
        return tr(text, self.lang, **params)

    def _fail(self, message: str, group: str = "") -> None:
        """Says what went wrong where the user is looking (page states also keep it)."""
        self._toast(message, "error", group=group, duration_ms=8000)

    def _toast(
        self,
        message: str,
        kind: str = "info",
        *,
        action: str = "",
        handler: rx.EventHandler | None = None,
        group: str = "",
        duration_ms: int = 5000,
    ) -> None:
        """Shows a toast, in the tab's language; one with the same group replaces the last (one
        Undo at a time)."""
        self.toast_event = {
            "id": uuid.uuid4().hex,
            "kind": kind,
            "message": translate_message(message, self.lang),
            "action": tr(action, self.lang) if action else "",
            "handler": event_name(handler) if handler is not None else "",
            "group": group,
            "duration": duration_ms,
        }

    def _session_token(self) -> str:
        """The session token: Clerk's, else the cookie sent with this tab's websocket."""
        if get_app_settings().auth == "clerk":
            return self._clerk_token
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = jar.get(SESSION_COOKIE)
        return morsel.value if morsel else ""

    def _page_address(self) -> str:
        """The scheme and host this tab reached the app's server on (its websocket's Host),
        for links that must be absolute, such as share links."""
        headers = self.router.headers
        host = headers.raw_headers.get("x-forwarded-host") or headers.host
        if not host:
            return ""
        scheme = headers.raw_headers.get("x-forwarded-proto") or (
            "https" if headers.origin.startswith("https:") else "http"
        )
        return f"{scheme}://{host}"

    async def _principal(self) -> Principal | None:
        """The user behind the cookie, verified against the database."""
        return await asyncio.to_thread(get_auth().authenticate, self._session_token() or None)

    @classmethod
    def _page_states(cls) -> list[type[SessionState]]:
        """Every state class built on this one (the gallery, the form, albums...), found
        without importing them: they import this module."""
        found, todo = [], list(SessionState.get_substates())
        while todo:
            sub = todo.pop()
            found.append(sub)
            todo.extend(sub.get_substates())
        return sorted(found, key=lambda c: c.get_full_name())

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """What a page state loads once a user is known on `path` (Clerk mode); none here."""
        return []

    async def _forget_page_state(self) -> None:
        """Signing out wipes what this tab showed, so the next user starts from nothing."""
        for cls in self._page_states():
            if "_forget_user" in cls.__dict__:
                (await self.get_state(cls))._forget_user()

    @rx.event
    async def redirect_home_or_sign_in(self) -> rx.event.EventSpec:
        """`/` leads to the studio when signed in, else to sign-in."""
        return rx.redirect(HOME if await self._principal() else SIGN_IN)

    @rx.event
    async def redirect_if_signed_in(self) -> rx.event.EventSpec | None:
        """The sign-in and sign-up pages skip straight to the studio for a signed-in user."""
        self.auth_error, self.auth_busy = "", False  # the tab's last sign-in may have left it
        if await self._principal():
            return rx.redirect(HOME)
        return None

    async def _finish(self, action: str, form: dict) -> rx.event.EventSpec | None:
        auth = get_auth()
        fn = getattr(auth, "signup" if action == "signup" else "login", None)
        if fn is None:
            self.auth_error = self._t(
                "Sign-in is handled by {name}, not by this form.", name=auth.name
            )
            return None
        self.auth_busy = True
        try:
            email, password = (str(form.get(k) or "") for k in ("email", "password"))
            token = await asyncio.to_thread(fn, email, password)
        except ServiceError as e:
            self.auth_error = translate_message(e.message, self.lang)
            self.auth_busy = False
            return None
        self.auth_error = ""
        self.handoff_path = Route.SESSION
        self.handoff_ticket = signing.seal_ticket(get_app_settings().resolved_secret_key(), token)
        return None

    @rx.event
    async def sign_up(self, form: dict) -> rx.event.EventSpec | None:
        """Creates a local account and signs in."""
        return await self._finish("signup", form)

    @rx.event
    async def sign_in(self, form: dict) -> rx.event.EventSpec | None:
        """Signs in with email and password."""
        return await self._finish("login", form)

    @rx.event
    async def clerk_session(self, token: str) -> list | None:
        """Clerk mode: the browser's current session token; a new user loads their studio."""
        if get_app_settings().auth != "clerk":
            return None
        self._clerk_token = token or ""
        principal = await self._principal() if token else None
        if principal is None:
            self.email, self._synced_user = "", ""
            await self._forget_page_state()
            return None
        self.email = principal.display_name
        if principal.user_id == self._synced_user:
            return None
        self._synced_user = principal.user_id
        return self._page_loads()

    @rx.event
    async def sign_out(self) -> None:
        """Ends the session server-side, then lets the server clear the cookie and leave."""
        token = self._session_token()
        if token:
            await asyncio.to_thread(get_auth().logout, token)  # type: ignore[attr-defined]
        self.email = ""
        await self._forget_page_state()
        self.handoff_path, self.handoff_ticket = Route.SESSION_END, uuid.uuid4().hex
