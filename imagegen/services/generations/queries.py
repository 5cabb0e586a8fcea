"""Reading a user's generations: one, a keyset page, what changed, ownership checks."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, and_, column, literal_column, or_, table, text, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from imagegen.db import get_engine, session_scope
from imagegen.models import (
    IN_FLIGHT,
    GenerationStatus,
    ImageFile,
    ImageGeneration,
    as_utc,
)
from imagegen.services.errors import InvalidInput, NotFound
from imagegen.services.search import (
    PG_TSVECTOR,
    GalleryFilter,
    filter_clauses,
    fts_match,
    pg_tsquery,
    prompt_filter,
    terms,
)
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


def get_generation(owner_id: str, generation_id: str) -> ImageGeneration:
    """One of the owner's generations; another user's id is simply not found."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
    if gen is None or gen.owner_id != owner_id:
        raise NotFound("Generation not found.")
    return gen


def owned_image(db: Session, owner_id: str, image_id: str) -> tuple[ImageFile, ImageGeneration]:
    """One of the owner's images with its generation, in the caller's session; another
    user's image is simply not found."""
    img = db.get(ImageFile, image_id)
    gen = db.get(ImageGeneration, img.generation_id) if img else None
    if img is None or gen is None or gen.owner_id != owner_id:
        raise NotFound("Image not found.")
    return img, gen


def images_left(db: Session, generation_id: str) -> int:
    """How many images a generation still shows (a deleted one no longer counts)."""
    return db.exec(
        select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == generation_id)
    ).one()


def images_for(
    generation_ids: list[str], *, favorites_only: bool = False
) -> dict[str, list[ImageFile]]:
    """Images of several generations in one query, grouped and in order."""
    out: dict[str, list[ImageFile]] = {g: [] for g in generation_ids}
    if not generation_ids:
        return out
    q = select(ImageFile).where(col(ImageFile.generation_id).in_(generation_ids))
    if favorites_only:
        q = q.where(col(ImageFile.favorite).is_(True))
    with session_scope() as db:
        rows = db.exec(q.order_by(ImageFile.generation_id, ImageFile.idx)).all()
    for img in rows:
        out[img.generation_id].append(img)
    return out


@dataclass
class Page:
    """One page of generations in the filter's order, with the cursor for the next."""

    generations: list[ImageGeneration]
    images: dict[str, list[ImageFile]]
    next_cursor: str | None


def _encode(first: str, second: str) -> str:
    return base64.urlsafe_b64encode(f"{first}|{second}".encode()).decode().rstrip("=")


def encode_cursor(at: datetime, row_id: str) -> str:
    """An opaque keyset cursor: the last row's timestamp and id (decode_cursor reads it)."""
    return _encode(at.isoformat(), row_id)


def _decode(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        first, second = raw.split("|", 1)
        return first, second
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInput("The cursor is invalid; start again without it.", field="cursor") from e


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    ts, gid = _decode(cursor)
    try:
        return datetime.fromisoformat(ts), gid
    except ValueError as e:
        raise InvalidInput("The cursor is invalid; start again without it.", field="cursor") from e


def _decode_search_cursor(cursor: str) -> int:
    kind, position = _decode(cursor)
    if kind != "fts" or not position.isdigit():
        raise InvalidInput("The cursor is invalid; start again without it.", field="cursor")
    return int(position)


# SQLite's prompt index (alembic 0013): its rowid is the creation order.
_FTS = table("generation_fts", column("rowid", Integer), column("gid"))
# Past this many favourites, the favourites filter scans the history instead of listing them.
_FAVORITES_LISTED = 2000


def _favorite_ids(db: Session, owner_id: str) -> list[str] | None:
    """The owner's starred generations, or None when there are too many to list. Read from
    the favourites' partial index, the owner checked per row: joined, the planner would walk
    the owner's whole history instead."""
    owned = (
        select(ImageGeneration.id)
        .where(col(ImageGeneration.id) == ImageFile.generation_id)
        .where(ImageGeneration.owner_id == owner_id)
    )
    ids = db.exec(
        select(ImageFile.generation_id)
        # true() is written out as the partial index's own condition (favorite = 1 on SQLite,
        # = true on PostgreSQL); a bound True would not match it, and the index goes unused.
        .where(col(ImageFile.favorite) == true(), owned.exists())
        .distinct()
        .limit(_FAVORITES_LISTED + 1)
    ).all()
    return None if len(ids) > _FAVORITES_LISTED else list(ids)


def _other_clauses(db: Session, f: GalleryFilter, owner_id: str) -> list | None:
    """The filter's conditions but the prompt's, the favourites as the owner's starred ids
    while they are few; None when nothing can match (no favourites at all)."""
    if f.favorites and (starred := _favorite_ids(db, owner_id)) is not None:
        if not starred:
            return None
        unstarred = replace(f, favorites=False)
        return [*filter_clauses(unstarred, owner_id, with_prompt=False),
                col(ImageGeneration.id).in_(starred)]  # fmt: skip
    return filter_clauses(f, owner_id, with_prompt=False)


def list_generations(
    owner_id: str,
    *,
    statuses: tuple[GenerationStatus, ...] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    filters: GalleryFilter | None = None,
) -> Page:
    """The owner's generations matching the filter, keyset-paged (newest first by default).

    One indexed range scan per status, merged here: asked for several statuses at once,
    SQLite would walk the owner's whole history in date order instead.
    """
    f = filters or GalleryFilter()
    fts = get_engine().dialect.name == "sqlite" and fts_match(f.q, owner_id) is not None
    created, gid_col = col(ImageGeneration.created_at), col(ImageGeneration.id)
    oldest = f.sort == "oldest"
    keyset = []
    if cursor and not fts:  # an FTS5 search's cursor is its own (_search_page)
        ts, gid = decode_cursor(cursor)
        if oldest:
            keyset = [or_(created > ts, and_(created == ts, gid_col > gid))]
        else:
            keyset = [or_(created < ts, and_(created == ts, gid_col < gid))]
    order = (created.asc(), gid_col.asc()) if oldest else (created.desc(), gid_col.desc())
    gens: list[ImageGeneration] = []
    with session_scope() as db:
        others = _other_clauses(db, f, owner_id)
        if others is None:
            return Page([], {}, None)
        if fts:
            return _search_page(db, owner_id, statuses or f.statuses, limit, cursor, f, others)
        words = pg_tsquery(f.q) if terms(f.q) else None
        prompt = prompt_filter(f.q, owner_id)
        for status in statuses or f.statuses:
            where = [ImageGeneration.owner_id == owner_id, ImageGeneration.status == status]
            where += [*others, *keyset]
            if words is not None and limit is not None:  # PostgreSQL: SQLite went above
                gens += _pg_search(db, where, words, oldest, limit + 1)
                continue
            q = select(ImageGeneration).where(*where, *([] if prompt is None else [prompt]))
            q = q.order_by(*order)
            if limit is not None:
                q = q.limit(limit + 1)
            gens += db.exec(q).all()
    gens.sort(key=lambda g: (as_utc(g.created_at), g.id), reverse=not oldest)
    next_cursor = None
    if limit is not None and len(gens) > limit:
        gens = gens[:limit]
        next_cursor = encode_cursor(gens[-1].created_at, gens[-1].id)
    images = images_for([g.id for g in gens], favorites_only=f.favorites)
    return Page(gens, images, next_cursor)


# A PostgreSQL search first reads this many of the newest rows in date order; a search
# whose matches are rarer than one in a few hundred goes through the GIN index instead.
_PG_WINDOW = 600
_PG_WIDEST = 12_000  # past this a window costs more than the GIN index's sort


def _pg_window(
    db: Session, where: list, words: ColumnElement, oldest: bool, n: int, size: int
) -> tuple[list[ImageGeneration], bool]:
    """The matches among the newest (or oldest) `size` rows, and whether there were that many."""
    created, gid_col = col(ImageGeneration.created_at), col(ImageGeneration.id)
    order = (created.asc(), gid_col.asc()) if oldest else (created.desc(), gid_col.desc())
    recent = (
        select(ImageGeneration, PG_TSVECTOR.label("tsv"))
        .where(*where)
        .order_by(*order)
        .limit(size)
        .subquery()
    )
    row = aliased(ImageGeneration, recent)
    near = db.exec(
        select(row)
        .where(recent.c.tsv.op("@@")(words))
        .order_by(*((c.asc() if oldest else c.desc()) for c in (row.created_at, row.id)))
        .limit(n)
    ).all()
    full = len(near) < n and db.exec(select(func.count()).select_from(recent)).one() >= size
    return list(near), full


def _pg_search(
    db: Session, where: list, words: ColumnElement, oldest: bool, n: int
) -> list[ImageGeneration]:
    """A search page on PostgreSQL whose cost does not depend on how common the words are.

    Left to itself, the planner picks one plan for every search: the date index, filtering
    each row (fast for a common word, a walk of the whole history for a rare one), or the
    GIN index, then a sort of every match (the reverse). Here the newest rows are read in
    date order first; when they hold a page, it is the page. When they hold some matches, a
    window as wide as their rate says a page needs is read next. Otherwise matches are rare,
    and the GIN index lists them, sorted by an expression no B-tree index gives.
    """
    near, more = _pg_window(db, where, words, oldest, n, _PG_WINDOW)
    if not more:
        return near  # a page, or every row there is
    if near:  # k matches in the first window: about window * n / k rows hold a page
        wide = int(_PG_WINDOW * n / len(near) * 1.5)
        if wide <= _PG_WIDEST:
            near, more = _pg_window(db, where, words, oldest, n, wide)
            if not more:
                return near
    created, gid_col = col(ImageGeneration.created_at), col(ImageGeneration.id)
    unsorted = created + literal_column("interval '0 seconds'")  # no index gives this order
    sort = (unsorted.asc(), gid_col.asc()) if oldest else (unsorted.desc(), gid_col.desc())
    return list(
        db.exec(
            select(ImageGeneration)
            .where(*where, PG_TSVECTOR.op("@@")(words))
            .order_by(*sort)
            .limit(n)
        ).all()
    )


def _search_page(
    db: Session,
    owner_id: str,
    statuses: tuple[GenerationStatus, ...],
    limit: int | None,
    cursor: str | None,
    f: GalleryFilter,
    others: list,
) -> Page:
    """A prompt search on SQLite: FTS5 walks the owner's matches in creation order (its rowid)
    and stops at the page, so its cost does not grow with the number of matches."""
    oldest = f.sort == "oldest"
    position = _FTS.c.rowid
    q = (
        select(ImageGeneration, position)
        .join(_FTS, _FTS.c.gid == ImageGeneration.id)
        .where(
            text("generation_fts MATCH :match").bindparams(match=fts_match(f.q, owner_id)),
            ImageGeneration.owner_id == owner_id,
            col(ImageGeneration.status).in_(statuses),
            *others,
        )
        .order_by(position.asc() if oldest else position.desc())
    )
    if cursor:
        after = _decode_search_cursor(cursor)
        q = q.where(position > after if oldest else position < after)
    if limit is not None:
        q = q.limit(limit + 1)
    rows = db.exec(q).all()
    next_cursor = None
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode("fts", str(rows[-1][1]))
    gens = [g for g, _ in rows]
    return Page(gens, images_for([g.id for g in gens], favorites_only=f.favorites), next_cursor)


def count_generations(owner_id: str, filters: GalleryFilter | None = None) -> int:
    """How many of the owner's generations the filter matches (the toolbar's count)."""
    f = filters or GalleryFilter()
    q = (
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.owner_id == owner_id,
            col(ImageGeneration.status).in_(f.statuses),
            *filter_clauses(f, owner_id),
        )
    )
    with session_scope() as db:
        return int(db.exec(q).one())


def recent_changes(owner_id: str, since: datetime) -> list[ImageGeneration]:
    """The owner's generations in flight, or ended since `since`: what another of their tabs
    may not have seen yet (at most a page of each)."""
    # Nothing ends later than its timeout after it was created: this bound keeps the scan on
    # the (owner, created) index however long the history.
    born_after = since - timedelta(seconds=get_app_settings().generation_timeout_seconds + 60)
    with session_scope() as db:
        pending = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.owner_id == owner_id,
                col(ImageGeneration.status).in_(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.created_at).desc())
            .limit(50)
        ).all()
        ended = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.owner_id == owner_id,
                col(ImageGeneration.created_at) >= born_after,
                col(ImageGeneration.completed_at) >= since,
                col(ImageGeneration.status).not_in(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.completed_at).desc())
            .limit(50)
        ).all()
    return [*pending, *ended]


def matches(owner_id: str, generation_id: str, filters: GalleryFilter) -> bool:
    """Whether one generation belongs in the owner's filtered gallery (for live appends)."""
    q = (
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.id == generation_id,
            ImageGeneration.owner_id == owner_id,
            col(ImageGeneration.status).in_(filters.statuses),
            *filter_clauses(filters, owner_id),
        )
    )
    with session_scope() as db:
        return db.exec(q).one() > 0
