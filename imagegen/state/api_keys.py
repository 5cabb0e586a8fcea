"""The API keys page: make a key (shown once), list them, revoke one."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imagegen.services import api_keys as svc
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page
from imagegen.state.cards import iso_utc
from imagegen.state.session import SIGN_IN, SessionState


@dataclasses.dataclass
class KeyRow:
    """One key as the list shows it (never the key itself)."""

    id: str = ""
    name: str = ""
    prefix: str = ""
    scope: str = ""
    created_at: str = ""  # ISO 8601: the page writes it in the reader's language
    last_used_at: str = ""


class ApiKeysState(SessionState):
    """The signed-in user's personal API keys."""

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The key list, once Clerk says who is signed in."""
        return [cls.load_keys] if path.startswith(Page.KEYS) else []

    keys: list[KeyRow] = []
    keys_loaded: bool = False
    new_key: str = ""  # the key just made: shown once, until the page is left
    new_key_name: str = ""
    key_error: str = ""

    def _forget_user(self) -> None:
        """Drops the previous user's keys (and any key just shown) from this tab."""
        self.keys, self.keys_loaded, self.new_key, self.new_key_name = [], False, "", ""
        self.key_error = ""

    def _fail(self, message: str, group: str = "") -> None:
        self.key_error = message
        super()._fail(message, group)

    async def _refresh(self, user_id: str) -> None:
        rows = await asyncio.to_thread(svc.list_keys, user_id)
        self.keys = [
            KeyRow(k.id, k.name, k.prefix, k.scope, iso_utc(k.created_at),
                   iso_utc(k.last_used_at))
            for k in rows
        ]  # fmt: skip
        self.keys_loaded = True

    @rx.event
    async def load_keys(self) -> rx.event.EventSpec | None:
        """Reads the user's keys; a key shown earlier is not shown again."""
        principal = await self._principal()
        if principal is None:
            from imagegen.settings.app import get_app_settings

            return None if get_app_settings().auth == "clerk" else rx.redirect(SIGN_IN)
        self.email = principal.display_name
        self.new_key, self.new_key_name, self.key_error = "", "", ""
        await self._refresh(principal.user_id)
        return None

    @rx.event
    async def create_key(self, form: dict) -> None:
        """Makes a key from the form; it is shown this once."""
        principal = await self._principal()
        if principal is None:
            self._fail("Your session has ended; sign in again.")
            return
        name, scope = str(form.get("name") or ""), str(form.get("scope") or "generate")
        try:
            row, token = await asyncio.to_thread(svc.create_key, principal.user_id, name, scope)
        except ServiceError as e:
            self._fail(e.message)
            return
        self.new_key, self.new_key_name, self.key_error = token, row.name, ""
        await self._refresh(principal.user_id)

    @rx.event
    def hide_new_key(self) -> None:
        """The user has copied the key: it leaves the page for good."""
        self.new_key, self.new_key_name = "", ""

    @rx.event
    async def revoke_key(self, key_id: str) -> None:
        """Revokes one of the user's keys: refused from its next request."""
        principal = await self._principal()
        if principal is None:
            self._fail("Your session has ended; sign in again.")
            return
        try:
            await asyncio.to_thread(svc.revoke_key, principal.user_id, key_id)
        except ServiceError as e:
            self._fail(e.message)
            return
        name = next((k.name for k in self.keys if k.id == key_id), "")
        await self._refresh(principal.user_id)
        self._toast(self._t("Key “{name}” revoked.", name=name), "success")
