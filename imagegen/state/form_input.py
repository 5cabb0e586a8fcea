"""The form's starting image: one of the user's images or an upload, and the strength."""

from __future__ import annotations

import asyncio

import reflex as rx

from imagegen.contract import SizeRange
from imagegen.services import uploads
from imagegen.services.errors import ServiceError
from imagegen.services.generations.requests import DEFAULT_STRENGTH, input_size


class StartingImage(rx.State, mixin=True):
    """A mixin of the prompt form: its events need the form's session (`_principal`)."""

    input_thumb: str = ""  # a fresh link to a small view of it ("" when there is none)
    strength: float = DEFAULT_STRENGTH
    _input_image_id: str = ""
    _upload_id: str = ""

    @rx.var
    def has_input(self) -> bool:
        """Whether the next generation starts from an image."""
        return self.input_thumb != ""

    def _forget_input(self) -> None:
        self.input_thumb, self._input_image_id, self._upload_id = "", "", ""
        self.strength = DEFAULT_STRENGTH

    async def _set_source(self, image_id: str | None, upload_id: str | None) -> bool:
        principal = await self._principal()  # type: ignore[attr-defined]
        if principal is None:
            return False
        try:
            source = await asyncio.to_thread(
                uploads.resolve_source, principal.user_id, image_id, upload_id
            )
            thumb = await asyncio.to_thread(uploads.preview_url, source)
        except ServiceError as e:
            self._fail(e.message)  # type: ignore[attr-defined]
            return False
        self.input_thumb = thumb
        self._input_image_id, self._upload_id = image_id or "", upload_id or ""
        step = getattr(self, "size_step", 0)
        if step:  # an engine that takes any size: the input's own shape, as the API does
            rule = SizeRange(min=self.size_min, max=self.size_max, step=step)  # type: ignore[attr-defined]
            fitted = input_size(source.width, source.height, rule)
            if fitted:
                self.size = f"{fitted[0]}x{fitted[1]}"  # type: ignore[attr-defined]
        return True

    @rx.event
    async def use_input(self, image_id: str) -> None:
        """One of the user's images becomes the starting image of the next generation."""
        if await self._set_source(image_id, None):
            self._toast(  # type: ignore[attr-defined]
                "The image will be the starting point of the next generation.", "success"
            )

    @rx.event
    async def upload_input(self, files: list[rx.UploadFile]) -> None:
        """A dropped or picked file, checked and stored, becomes the starting image."""
        if not files:
            return
        principal = await self._principal()  # type: ignore[attr-defined]
        if principal is None:
            return
        file = files[0]
        data = await file.read(uploads.get_app_settings().max_upload_bytes + 1)
        try:
            row = await asyncio.to_thread(uploads.store_upload, principal.user_id, data)
        except ServiceError as e:
            self._fail(e.message, group="input")  # type: ignore[attr-defined]
            return
        if await self._set_source(None, row.id):
            name = file.name or self._t("the file")  # type: ignore[attr-defined]
            self._toast(  # type: ignore[attr-defined]
                self._t("Uploaded {name}: it is the starting image.", name=name),  # type: ignore[attr-defined]
                "success",
                group="input",
            )

    @rx.event
    def clear_input(self) -> None:
        """The next generation starts from the prompt alone."""
        self._forget_input()

    @rx.event
    def set_strength(self, value: list[float] | float | str) -> None:
        """How far to move from the image: 0 keeps it, 1 ignores it."""
        v = value[0] if isinstance(value, list) and value else value
        try:
            self.strength = max(0.0, min(1.0, round(float(v), 2)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
