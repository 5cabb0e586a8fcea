"""Albums: a user's named collections of their own images."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from imagegen.db import session_scope
from imagegen.models import Album, AlbumImage, ImageFile, ImageGeneration
from imagegen.services.errors import Conflict, InvalidInput, NotFound
from imagegen.services.generations import decode_cursor, encode_cursor

MAX_NAME = 120
MAX_ALBUMS = 500
MAX_ADD = 500


@dataclass
class AlbumSummary:
    """An album with what its list entry shows."""

    album: Album
    count: int
    cover: ImageFile | None


@dataclass
class AlbumPage:
    """Images of an album, most recently added first."""

    album: Album
    items: list[tuple[ImageFile, ImageGeneration]]
    next_cursor: str | None


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Give the album a name.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Album names are at most {MAX_NAME} characters.", field="name")
    return name


def get_album(owner_id: str, album_id: str) -> Album:
    """One of the owner's albums; another user's id is simply not found."""
    with session_scope() as db:
        album = db.get(Album, album_id)
    if album is None or album.owner_id != owner_id:
        raise NotFound("Album not found.")
    return album


def list_albums(owner_id: str) -> list[AlbumSummary]:
    """The owner's albums by name, each with its size and latest image as a cover."""
    with session_scope() as db:
        albums = db.exec(
            select(Album).where(Album.owner_id == owner_id).order_by(func.lower(Album.name))
        ).all()
        ids = [a.id for a in albums]
        counts = dict(
            db.exec(
                select(AlbumImage.album_id, func.count())
                .join(ImageFile, col(ImageFile.id) == AlbumImage.image_id)  # deleted ones: not
                .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
                .where(col(AlbumImage.album_id).in_(ids))
                .group_by(AlbumImage.album_id)
            ).all()
        )
        covers: dict[str, ImageFile] = {}
        for album_id in ids:
            cover = db.exec(
                select(ImageFile)
                .join(AlbumImage, col(AlbumImage.image_id) == ImageFile.id)
                .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
                .where(AlbumImage.album_id == album_id)
                .order_by(col(AlbumImage.added_at).desc())
                .limit(1)
            ).first()
            if cover is not None:
                covers[album_id] = cover
    return [AlbumSummary(a, counts.get(a.id, 0), covers.get(a.id)) for a in albums]


def create_album(owner_id: str, name: str) -> Album:
    """A new, empty album; names are unique per user."""
    name = _clean_name(name)
    with session_scope() as db:
        n = db.exec(select(func.count()).select_from(Album).where(Album.owner_id == owner_id)).one()
    if n >= MAX_ALBUMS:
        raise Conflict(f"You have {n} albums, the most allowed; delete one first.")
    album = Album(owner_id=owner_id, name=name)
    try:
        with session_scope() as db:
            db.add(album)
    except IntegrityError as e:
        raise Conflict(f"You already have an album named {name!r}.", field="name") from e
    return album


def rename_album(owner_id: str, album_id: str, name: str) -> Album:
    """Renames one of the owner's albums."""
    name = _clean_name(name)
    album = get_album(owner_id, album_id)
    try:
        with session_scope() as db:
            album.name = name
            db.add(album)
    except IntegrityError as e:
        raise Conflict(f"You already have an album named {name!r}.", field="name") from e
    return album


def delete_album(owner_id: str, album_id: str) -> None:
    """Deletes the album; its images stay in the gallery."""
    album = get_album(owner_id, album_id)
    with session_scope() as db:
        row = db.get(Album, album.id)
        if row is not None:
            db.delete(row)


def _owned_images(db: object, owner_id: str, image_ids: list[str]) -> set[str]:
    rows = db.exec(  # type: ignore[attr-defined]
        select(ImageFile.id)
        .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
        .where(col(ImageFile.id).in_(image_ids), ImageGeneration.owner_id == owner_id)
    ).all()
    return set(rows)


def add_images(owner_id: str, album_id: str, image_ids: list[str]) -> int:
    """Adds the owner's images to the album (all or none); returns how many were new to it."""
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        raise InvalidInput("Choose at least one image.", field="imageIds")
    if len(ids) > MAX_ADD:
        raise InvalidInput(f"Add at most {MAX_ADD} images at a time.", field="imageIds")
    get_album(owner_id, album_id)
    with session_scope() as db:
        if _owned_images(db, owner_id, ids) != set(ids):
            raise NotFound("Image not found.")
        already = set(
            db.exec(
                select(AlbumImage.image_id).where(
                    AlbumImage.album_id == album_id, col(AlbumImage.image_id).in_(ids)
                )
            ).all()
        )
        new = [i for i in ids if i not in already]
        for image_id in new:
            db.add(AlbumImage(album_id=album_id, image_id=image_id))
    return len(new)


def remove_image(owner_id: str, album_id: str, image_id: str) -> None:
    """Takes an image out of the album; the image itself stays."""
    get_album(owner_id, album_id)
    with session_scope() as db:
        row = db.get(AlbumImage, (album_id, image_id))
        if row is None:
            raise NotFound("That image is not in this album.")
        db.delete(row)


def album_page(
    owner_id: str, album_id: str, *, limit: int = 48, cursor: str | None = None
) -> AlbumPage:
    """A page of the album's images, most recently added first."""
    album = get_album(owner_id, album_id)
    added, img = col(AlbumImage.added_at), col(AlbumImage.image_id)
    q = (
        select(ImageFile, ImageGeneration, AlbumImage.added_at)
        .join(AlbumImage, col(AlbumImage.image_id) == ImageFile.id)
        .join(ImageGeneration, col(ImageGeneration.id) == ImageFile.generation_id)
        .where(AlbumImage.album_id == album.id)
    )
    if cursor:
        ts, image_id = decode_cursor(cursor)
        q = q.where(or_(added < ts, and_(added == ts, img < image_id)))
    with session_scope() as db:
        db_rows = list(db.exec(q.order_by(added.desc(), img.desc()).limit(limit + 1)).all())
    rows = [(f, g) for f, g, _ in db_rows[:limit]]
    next_cursor = None
    if len(db_rows) > limit:
        last_file, _gen, last_added = db_rows[limit - 1]
        next_cursor = encode_cursor(last_added, last_file.id)
    return AlbumPage(album, rows, next_cursor)
