"""Serves locally stored images behind signed, expiring URLs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from imagegen.api.schemas import binary, errors
from imagegen.services.errors import NotFound
from imagegen.services.routes import Route
from imagegen.services.storage import get_storage
from imagegen.services.storage.local import LocalStorage

router = APIRouter(tags=["files"])

_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


@router.get(
    Route.FILE,
    response_class=FileResponse,
    responses={
        **binary(*_TYPES.values(), "application/octet-stream", description="The stored bytes."),
        **errors(404),
    },
)
def get_file(
    key: Annotated[
        str,
        Path(
            description="The object's key, slashes and all",
            openapi_examples={"image": {"value": "generations/c0ab/0.png"}},
        ),
    ],
    exp: Annotated[int, Query()],
    sig: Annotated[str, Query(max_length=128)],
    download: Annotated[str | None, Query(max_length=255)] = None,
) -> FileResponse:
    """The object's bytes, if the signature is valid and unexpired; 404 otherwise."""
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        raise NotFound("Not found.")
    try:  # hmac.compare_digest raises on a non-ASCII str: such a signature is simply wrong
        ok = sig.isascii() and storage.verify(key, exp, sig, download)
        path = storage.path(key) if ok else None
    except ValueError:
        path = None
    if path is None or not path.is_file():
        raise NotFound("Not found, or the link has expired.")
    media = _TYPES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if download is not None:
        return FileResponse(
            path,
            media_type=media,
            filename=download,
            content_disposition_type="attachment",
            headers=headers,
        )
    return FileResponse(path, media_type=media, headers=headers)
