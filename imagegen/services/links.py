"""Every link the app mints: file, thumbnail, download, ZIP, share page, shared image and the
worker's callbacks, on the paths of services/routes.py. A link a browser follows without auth
(a file, a ZIP) carries its own expiring signature."""

from __future__ import annotations

from dataclasses import dataclass

from imagegen.models import ImageFile
from imagegen.services import signing
from imagegen.services.routes import Route, path
from imagegen.services.storage import get_storage
from imagegen.services.urls import app_base_url, link_base_url, share_base_url
from imagegen.settings.app import get_app_settings


@dataclass(frozen=True)
class ImageLinks:
    """An image's expiring links: the original, its thumbnail, and the original as a download."""

    file: str
    thumbnail: str  # the grid loads these; originals only in the large preview and on download
    download: str


def _base(base_url: str | None) -> str:
    return link_base_url() if base_url is None else base_url


def file_url(key: str, download_name: str | None = None, base_url: str | None = None) -> str:
    """An expiring link to a stored object (signed by the app, or presigned by S3)."""
    ttl = get_app_settings().url_ttl_seconds
    return get_storage().url(key, ttl, download_name=download_name, base_url=_base(base_url))


def thumbnail_url(img: ImageFile, base_url: str | None = None) -> str:
    """An expiring link to an image's thumbnail (its original when it has none)."""
    return file_url(img.thumbnail_key or img.storage_key, base_url=base_url)


def image_links(img: ImageFile) -> ImageLinks:
    """Fresh links to one image."""
    base = link_base_url()
    return ImageLinks(
        file=file_url(img.storage_key, base_url=base),
        thumbnail=thumbnail_url(img, base_url=base),
        download=file_url(img.storage_key, download_name=img.filename, base_url=base),
    )


def _zip_subject(generation_id: str) -> str:
    return f"zip/{generation_id}"


def zip_url(generation_id: str, base_url: str | None = None) -> str:
    """A signed, expiring link to a generation's images as one ZIP (a link cannot carry auth)."""
    s = get_app_settings()
    expires, sig = signing.sign(
        s.resolved_secret_key(), _zip_subject(generation_id), s.url_ttl_seconds, download=True
    )
    zip_path = path(Route.ZIP, generation_id=generation_id)
    return f"{_base(base_url)}{zip_path}?exp={expires}&sig={sig}"


def zip_link_valid(generation_id: str, expires: int, sig: str) -> bool:
    """Whether (expires, sig) is an unexpired signature minted by zip_url for this generation."""
    key = get_app_settings().resolved_secret_key()
    return signing.verify(key, _zip_subject(generation_id), expires, sig, download=True)


def share_url(token: str, base_url: str | None = None, page_address: str = "") -> str:
    """The public page of a share link (absolute: it leaves the app)."""
    base = share_base_url(page_address) if base_url is None else base_url
    return f"{base}{path(Route.SHARE_PAGE, token=token)}"


def shared_image_url(token: str, image_id: str, thumbnail: bool = False, base_url: str = "") -> str:
    """An image of a share's public page (relative unless a base is given)."""
    image_path = path(Route.SHARED_IMAGE, token=token, image_id=image_id)
    return f"{base_url}{image_path}{'?thumb=1' if thumbnail else ''}"


def completion_callback_url() -> str:
    """The completion webhook the worker POSTs to."""
    return f"{app_base_url()}{Route.COMPLETION_WEBHOOK}"


def progress_callback_url() -> str:
    """Where the worker POSTs signed progress events."""
    return f"{app_base_url()}{Route.PROGRESS_WEBHOOK}"
