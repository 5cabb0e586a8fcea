"""Album routes: the caller's albums and their images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import (
    WRITE,
    AlbumCreated,
    AlbumList,
    AlbumPage,
    AlbumRenamed,
    ImagesAdded,
    Ok,
    errors,
)
from imagegen.api.shaping import album_json, generation_out, image_json
from imagegen.services import albums as svc
from imagegen.services.generations import image_view
from imagegen.services.routes import Route

router = APIRouter(tags=["albums"])


class AlbumName(BaseModel):
    """A new album's name, or a new name for one."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=1000)


class ImageIds(BaseModel):
    """Images to add to an album."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    image_ids: list[str] = Field(max_length=svc.MAX_ADD)


@router.get(Route.ALBUMS, response_model=AlbumList, responses=errors(401))
def list_albums(user: CurrentUser) -> dict:
    """The caller's albums, by name."""
    return {"success": True, "albums": [album_json(a) for a in svc.list_albums(user.user_id)]}


@router.post(
    Route.ALBUMS,
    status_code=201,
    response_model=AlbumCreated,
    responses=errors(*WRITE, 401, 409),
)
def create_album(body: AlbumName, user: CurrentUser) -> dict:
    """Creates an empty album."""
    album = svc.create_album(user.user_id, body.name)
    return {"success": True, "album": album_json(svc.AlbumSummary(album, 0, None))}


@router.get(Route.ALBUM, response_model=AlbumPage, responses=errors(401, 404))
def get_album(
    album_id: str,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 48,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict:
    """One album with a page of its images, most recently added first."""
    page = svc.album_page(user.user_id, album_id, limit=limit, cursor=cursor)
    return {
        "success": True,
        "album": {"id": page.album.id, "name": page.album.name},
        "images": [
            {**image_json(image_view(f)), "generation": generation_out(g, [])}
            for f, g in page.items
        ],
        "nextCursor": page.next_cursor,
    }


@router.patch(
    Route.ALBUM,
    response_model=AlbumRenamed,
    responses=errors(*WRITE, 401, 404, 409),
)
def rename_album(album_id: str, body: AlbumName, user: CurrentUser) -> dict:
    """Renames an album."""
    album = svc.rename_album(user.user_id, album_id, body.name)
    return {"success": True, "album": {"id": album.id, "name": album.name}}


@router.delete(Route.ALBUM, response_model=Ok, responses=errors(*WRITE, 401, 404))
def delete_album(album_id: str, user: CurrentUser) -> dict:
    """Deletes an album; its images stay in the gallery."""
    svc.delete_album(user.user_id, album_id)
    return {"success": True}


@router.post(
    Route.ALBUM_IMAGES,
    response_model=ImagesAdded,
    responses=errors(*WRITE, 401, 404),
)
def add_images(album_id: str, body: ImageIds, user: CurrentUser) -> dict:
    """Adds images (all of them the caller's) to an album."""
    added = svc.add_images(user.user_id, album_id, body.image_ids)
    return {"success": True, "added": added}


@router.delete(
    Route.ALBUM_IMAGE,
    response_model=Ok,
    responses=errors(*WRITE, 401, 404),
)
def remove_image(album_id: str, image_id: str, user: CurrentUser) -> dict:
    """Takes an image out of an album; the image stays in the gallery."""
    svc.remove_image(user.user_id, album_id, image_id)
    return {"success": True}
