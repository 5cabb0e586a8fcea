"""Albums as the user sees them: the list, one album's page, and adding images to them."""

from __future__ import annotations

import asyncio
import dataclasses

import reflex as rx

from imagegen.models import ImageFile, ImageGeneration
from imagegen.services import albums as svc
from imagegen.services import generations as gen_svc
from imagegen.services import links
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page
from imagegen.state.cards import GenerationCard, ImageCard, card_for
from imagegen.state.gallery import GalleryState
from imagegen.state.preview import LargePreview
from imagegen.state.session import SIGN_IN, SessionState

ALBUM_PAGE = 48


@dataclasses.dataclass
class AlbumCard:
    """One album in the list."""

    id: str = ""
    name: str = ""
    count: int = 0
    cover_url: str = ""


class AlbumsState(SessionState):
    """The signed-in user's albums: list, create, rename, delete, add images."""

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The album list (studio and albums pages), once Clerk says who is signed in."""
        return [cls.load_albums] if not path.startswith(f"{Page.ALBUMS}/") else []

    albums: list[AlbumCard] = []
    album_error: str = ""
    album_notice: str = ""
    albums_loaded: bool = False
    renaming_id: str = ""
    rename_value: str = ""

    def _notice(self, message: str) -> None:
        """What an album action did, as a toast."""
        self.album_notice, self.album_error = message, ""
        self._toast(message, "success")

    def _fail(self, message: str, group: str = "") -> None:
        """Why an album action failed, as a toast."""
        self.album_error, self.album_notice = message, ""
        super()._fail(message, group)

    def _forget_user(self) -> None:
        """Drops the previous user's albums from this tab."""
        self.albums, self.album_error, self.album_notice = [], "", ""
        self.albums_loaded = False

    async def _uid(self) -> str | None:
        principal = await self._principal()
        if principal is not None:
            self.email = principal.display_name
        return principal.user_id if principal else None

    async def _refresh(self, user_id: str) -> None:
        summaries = await asyncio.to_thread(svc.list_albums, user_id)
        self.albums = [
            AlbumCard(
                id=a.album.id,
                name=a.album.name,
                count=a.count,
                cover_url=links.thumbnail_url(a.cover) if a.cover else "",
            )
            for a in summaries
        ]
        self.albums_loaded = True

    @rx.event
    async def load_albums(self) -> rx.event.EventSpec | None:
        """Reads the user's albums (the albums page, and the pickers on the studio)."""
        user_id = await self._uid()
        if user_id is None:
            from imagegen.settings.app import get_app_settings

            return None if get_app_settings().auth == "clerk" else rx.redirect(SIGN_IN)
        self.album_error, self.album_notice = "", ""
        await self._refresh(user_id)
        return None

    async def _run(self, fn, *args: object) -> tuple[bool, object]:  # noqa: ANN001
        """(ok, result) of a service call as the signed-in user; errors land in album_error."""
        user_id = await self._uid()
        if user_id is None:
            self._fail("Your session has ended; sign in again.")
            return False, None
        try:
            out = await asyncio.to_thread(fn, user_id, *args)
        except ServiceError as e:
            self._fail(e.message)
            return False, None
        self.album_error = ""
        await self._refresh(user_id)
        return True, out

    @rx.event
    async def create_album(self, form: dict) -> None:
        """Creates an album from the New album form."""
        ok, album = await self._run(svc.create_album, str(form.get("name") or ""))
        if ok:
            self._notice(f"Album “{album.name}” created.")  # type: ignore[attr-defined]

    @rx.event
    async def rename_album(self, album_id: str) -> None:
        """Renames an album to what was typed in its Rename box."""
        ok, album = await self._run(svc.rename_album, album_id, self.rename_value)
        if ok:
            self.renaming_id = ""
            self._notice(f"Renamed to “{album.name}”.")  # type: ignore[attr-defined]

    @rx.event
    def set_renaming(self, album_id: str, is_open: bool) -> None:
        """Opens or closes the Rename popover of one album."""
        self.renaming_id = album_id if is_open else ""
        self.rename_value = next((a.name for a in self.albums if a.id == album_id), "")

    @rx.event
    def set_rename_value(self, value: str) -> None:
        """Typing the new name."""
        self.rename_value = value[:200]

    @rx.event
    async def delete_album(self, album_id: str) -> None:
        """Deletes an album; its images stay in the gallery."""
        name = next((a.name for a in self.albums if a.id == album_id), "")
        ok, _ = await self._run(svc.delete_album, album_id)
        if ok:
            self._notice(f"Album “{name}” deleted; its images are still in your gallery.")

    async def _add(self, album_id: str, image_ids: list[str]) -> bool:
        ok, added = await self._run(svc.add_images, album_id, image_ids)
        if not ok:
            return False
        name = next((a.name for a in self.albums if a.id == album_id), "the album")
        n = len(image_ids)
        # Whole sentences (not pieces), so that each reads back through its catalogue entry.
        if n == 1:
            msg = "Added 1 image to “{name}”."
            if not added:
                msg = "Added 1 image to “{name}” (1 already there)."
        elif added == n:
            msg = "Added {n} images to “{name}”."
        else:
            msg = "Added {n} images to “{name}” ({m} already there)."
        self._notice(msg.format(n=n, m=n - added, name=name))
        return True

    @rx.event
    async def add_image(self, album_id: str, image_id: str) -> None:
        """Adds one image to an album (from the large preview)."""
        if album_id:
            await self._add(album_id, [image_id])


class SelectionState(GalleryState):
    """Multi-select in the gallery grid, to add many images to an album at once."""

    selecting: bool = False
    selected: list[str] = []

    def _forget_user(self) -> None:
        """Leaves selection mode and forgets the selection."""
        self.selecting, self.selected = False, []

    @rx.event
    def toggle_selecting(self) -> None:
        """Enters or leaves selection mode (leaving clears the selection)."""
        self.selecting, self.selected = not self.selecting, []

    @rx.event
    def toggle(self, image_id: str) -> None:
        """Selects or deselects one image."""
        if image_id in self.selected:
            self.selected = [i for i in self.selected if i != image_id]
        elif len(self.selected) < svc.MAX_ADD:
            self.selected = [*self.selected, image_id]

    @rx.event
    def select_all_shown(self) -> None:
        """Selects every image the gallery shows now."""
        self.selected = [i.id for c in self._gallery_cards() for i in c.images][: svc.MAX_ADD]

    @rx.event
    async def add_selected(self, album_id: str) -> None:
        """Adds the selected images to an album, then leaves selection mode."""
        if not album_id or not self.selected:
            return
        albums = await self.get_state(AlbumsState)
        if await albums._add(album_id, list(self.selected)):
            self.selecting, self.selected = False, []


@dataclasses.dataclass
class AlbumItem:
    """An image on an album page, with the generation it came from."""

    image: ImageCard = dataclasses.field(default_factory=ImageCard)
    card: GenerationCard = dataclasses.field(default_factory=GenerationCard)


class AlbumPageState(LargePreview, AlbumsState):
    """One album's page: its images, most recently added first, and a large preview."""

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The album on an album's page, once Clerk says who is signed in."""
        return [cls.load_album] if path.startswith(f"{Page.ALBUMS}/") else []

    album_name: str = ""
    items: list[AlbumItem] = []
    album_cursor: str = ""
    album_missing: bool = False
    _album_id: str = ""

    def _forget_user(self) -> None:
        """Drops the album the previous user was looking at."""
        self.album_name, self.items, self.album_cursor, self._album_id = "", [], "", ""
        self.is_open = False

    def _item(self, f: ImageFile, g: ImageGeneration) -> AlbumItem:
        card = card_for(gen_svc.generation_view(g, [f]), lang=self.lang)
        return AlbumItem(image=card.images[0], card=card)

    async def _page(self, user_id: str, cursor: str | None) -> None:
        page = await asyncio.to_thread(
            svc.album_page, user_id, self._album_id, limit=ALBUM_PAGE, cursor=cursor
        )
        self.album_name = page.album.name
        fresh = [self._item(f, g) for f, g in page.items]
        self.items = (self.items if cursor else []) + fresh
        self.album_cursor = page.next_cursor or ""

    @rx.event
    async def load_album(self) -> rx.event.EventSpec | None:
        """Page load: the album named in the URL, if it is the user's."""
        user_id = await self._uid()
        if user_id is None:
            from imagegen.settings.app import get_app_settings

            return None if get_app_settings().auth == "clerk" else rx.redirect(SIGN_IN)
        self._album_id = str(self.router.page.params.get("album_id") or "")
        self.is_open, self.album_missing, self.items = False, False, []
        try:
            await self._page(user_id, None)
        except ServiceError as e:
            self.album_missing, self.album_name, self.album_error = True, "", e.message
            return None
        await self._refresh(user_id)
        self.album_error = ""
        return None

    @rx.event
    async def more_album(self) -> None:
        """The next page of the album."""
        user_id = await self._uid()
        if user_id and self.album_cursor:
            await self._page(user_id, self.album_cursor)

    @rx.event
    async def remove_from_album(self, image_id: str) -> None:
        """Takes an image out of this album; it stays in the gallery."""
        ok, _ = await self._run(svc.remove_image, self._album_id, image_id)
        if not ok:
            return
        self.items = [i for i in self.items if i.image.id != image_id]
        self.is_open = self.is_open and self.image.id != image_id
        self._notice("Removed from the album; the image is still in your gallery.")

    async def _show(self, image_id: str) -> None:
        user_id = await self._uid()
        for n, item in enumerate(self.items):
            if item.image.id == image_id and user_id:
                try:
                    url = await asyncio.to_thread(gen_svc.original_url, user_id, image_id)
                except ServiceError as e:
                    self._fail(e.message)
                    self.is_open = False
                    return
                self.card, self.image, self.is_open = item.card, item.image, True
                self.original_url, self.position = url, f"{n + 1} / {len(self.items)}"

    @rx.event
    async def open(self, image_id: str) -> None:
        """Opens the large preview on one image of the album."""
        await self._show(image_id)

    @rx.event
    async def key(self, key: str) -> None:
        """← and → step through the album; Escape closes."""
        if key == "Escape" or not self.is_open:
            self.is_open = False
            return
        ids = [i.image.id for i in self.items]
        if self.image.id in ids:
            n = ids.index(self.image.id) + (1 if key == "ArrowRight" else -1)
            if 0 <= n < len(ids):
                await self._show(ids[n])
