"""The Share dialog: a public link to one image or one generation, and its revocation."""

from __future__ import annotations

import asyncio

import reflex as rx

from imagegen.i18n import translate_message
from imagegen.services import links
from imagegen.services import shares as svc
from imagegen.services.errors import ServiceError
from imagegen.state.session import SessionState


class ShareState(SessionState):
    """The link being shown in the Share dialog."""

    share_open: bool = False
    share_url: str = ""
    share_what: str = ""
    share_error: str = ""
    share_revoked: bool = False
    share_parameters: bool = False  # whether the shared files keep prompt, seed and model
    _token: str = ""
    _target: dict[str, str] = {}

    @rx.var(cache=False)
    def share_error_text(self) -> str:
        """share_error (kept in English) as the dialog shows it, in the page's language."""
        return translate_message(self.share_error, self.lang)

    def _forget_user(self) -> None:
        """Closes the dialog and forgets the previous user's link."""
        self.share_open, self.share_url, self.share_error, self._token = False, "", "", ""
        self.share_parameters, self._target = False, {}

    async def _create(self, what: str, **target: str) -> None:
        principal = await self._principal()
        self.share_open, self.share_revoked, self.share_url = True, False, ""
        self.share_what, self._target = what, dict(target)
        if principal is None:
            self.share_error = "Your session has ended; sign in again."
            return
        try:
            link = await asyncio.to_thread(
                svc.create_share,
                principal.user_id,
                include_parameters=self.share_parameters,
                **target,
            )
        except ServiceError as e:
            self.share_error = e.message
            return
        self.share_error, self._token, self.share_url = (
            "",
            link.token,
            links.share_url(link.token, page_address=self._page_address()),
        )

    @rx.event
    async def share_generation(self, generation_id: str) -> None:
        """Opens the dialog with a link to a whole generation (the image alone by default)."""
        self.share_parameters = False
        await self._create("this generation", generation_id=generation_id)

    @rx.event
    async def share_image(self, image_id: str) -> None:
        """Opens the dialog with a link to one image (the image alone by default)."""
        self.share_parameters = False
        await self._create("this image", image_id=image_id)

    @rx.event
    async def set_share_parameters(self, value: bool) -> None:
        """The owner's choice for this share: a link whose files keep their parameters is
        another link (the one without stays as it was)."""
        self.share_parameters = bool(value)
        if self._target:
            await self._create(self.share_what, **self._target)

    @rx.event
    async def revoke(self) -> None:
        """Ends the link shown; anyone opening it from now on gets 'not found'."""
        principal = await self._principal()
        if principal is None or not self._token:
            return
        try:
            await asyncio.to_thread(svc.revoke_share, principal.user_id, self._token)
        except ServiceError as e:
            self.share_error = e.message
            return
        self.share_revoked, self._token = True, ""

    @rx.event
    def set_share_open(self, value: bool) -> None:
        """The dialog's own close."""
        self.share_open = bool(value) and self.share_open
