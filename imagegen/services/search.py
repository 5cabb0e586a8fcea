"""Gallery filters and prompt search: one filter object, one SQL clause per database."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, literal_column, select, text, true
from sqlmodel import col

from imagegen.db import get_engine
from imagegen.models import GenerationStatus, ImageFile, ImageGeneration
from imagegen.services.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
SORTS = ("newest", "oldest")
STATUS_CHOICES = {
    "completed": (GenerationStatus.COMPLETED,),
    "failed": (GenerationStatus.FAILED,),
    "cancelled": (GenerationStatus.CANCELLED,),
    "all": (
        GenerationStatus.COMPLETED,
        GenerationStatus.FAILED,
        GenerationStatus.CANCELLED,
    ),
}
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class GalleryFilter:
    """What the gallery shows; the same fields travel in the API query and the page URL."""

    q: str = ""
    favorites: bool = False
    status: str = "completed"
    engine: str = ""
    model: str = ""
    size: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"

    @property
    def statuses(self) -> tuple[GenerationStatus, ...]:
        """The generation statuses this filter admits."""
        return STATUS_CHOICES[self.status]

    def to_query(self) -> str:
        """The URL query string for this filter, without defaults, so a search is bookmarkable."""
        default = asdict(GalleryFilter())
        pairs = []
        for key, value in asdict(self).items():
            if value == default[key]:
                continue
            name = {"date_from": "from", "date_to": "to"}.get(key, key)
            if isinstance(value, bool):
                value = "1"
            pairs.append((name, str(value)))
        return urlencode(pairs)


def _parse_date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise InvalidInput(f"{field} must be a date like 2026-11-25 (got {value!r}).", field) from e


def parse_filter(params: dict[str, str | None]) -> GalleryFilter:
    """A filter from query parameters (API or page URL); bad values raise InvalidInput."""
    for name in ("engine", "model"):  # compared as is in SQL, and PostgreSQL refuses NUL
        if "\x00" in (params.get(name) or ""):
            raise InvalidInput(f"{name} contains a NUL character.", name)
    q = " ".join((params.get("q") or "").split())
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput(f"The search is longer than {MAX_QUERY_CHARS} characters.", "q")
    status = (params.get("status") or "completed").lower()
    if status not in STATUS_CHOICES:
        choices = ", ".join(STATUS_CHOICES)
        raise InvalidInput(f"status must be one of {choices} (got {status!r}).", "status")
    sort = (params.get("sort") or "newest").lower()
    if sort not in SORTS:
        raise InvalidInput(f"sort must be newest or oldest (got {sort!r}).", "sort")
    size = (params.get("size") or "").lower().replace("×", "x")
    if size and not _SIZE.match(size):
        raise InvalidInput(f"size must look like 1024x1024 (got {size!r}).", "size")
    favorites = (params.get("favorites") or "").lower()
    if favorites not in ("", "0", "1", "true", "false"):
        raise InvalidInput(f"favorites must be true or false (got {favorites!r}).", "favorites")
    date_from = _parse_date(params.get("from"), "from")
    date_to = _parse_date(params.get("to"), "to")
    if date_to == date.max:  # the search ends at the next midnight, which does not exist
        raise InvalidInput(f"to must be a date before {date.max.isoformat()}.", "to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start date is after the end date.", "from")
    return GalleryFilter(
        q=q,
        favorites=favorites in ("1", "true"),
        status=status,
        engine=(params.get("engine") or "")[:64],
        model=(params.get("model") or "")[:128],
        size=size,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
    )


def terms(q: str) -> list[str]:
    """The words of a search; punctuation never reaches the query language."""
    return _WORD.findall(q.lower())[:MAX_TERMS]


def fts_match(q: str, owner_id: str) -> str | None:
    """SQLite's FTS5 query for the owner's generations whose prompt has every word of q (the
    last one as a prefix); None when q has no words."""
    words = terms(q)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return f'owner : "{owner_id.encode().hex()}" AND prompt : (' + " ".join(quoted) + ")"


def prompt_filter(q: str, owner_id: str) -> ColumnElement[bool] | None:
    """The owner's generations whose prompt has every word (the last one as a prefix), via
    the DB's index."""
    words = terms(q)
    if not words:
        return None
    if get_engine().dialect.name == "sqlite":
        ids = text("SELECT gid FROM generation_fts WHERE generation_fts MATCH :match").bindparams(
            match=fts_match(q, owner_id)
        )
        return col(ImageGeneration.id).in_(ids)
    return PG_TSVECTOR.op("@@")(pg_tsquery(q))


# PostgreSQL's stored, GIN-indexed tsvector of the prompt (alembic 0014; not in the models).
PG_TSVECTOR = literal_column("image_generations.prompt_tsv")


def pg_tsquery(q: str) -> ColumnElement:
    """PostgreSQL's query for every word of q, the last one as a prefix (q has words)."""
    words = terms(q)
    return func.to_tsquery("simple", " & ".join(words[:-1] + [words[-1] + ":*"]))


def filter_clauses(
    f: GalleryFilter, owner_id: str, *, with_prompt: bool = True
) -> list[ColumnElement[bool]]:
    """SQL conditions on the owner's ImageGeneration rows for everything in f except status
    and order (and the prompt, when the caller searches it another way)."""
    out: list[ColumnElement[bool]] = []
    match = prompt_filter(f.q, owner_id) if with_prompt else None
    if match is not None:
        out.append(match)
    if f.engine:
        out.append(col(ImageGeneration.engine) == f.engine)
    if f.model:
        out.append(col(ImageGeneration.model) == f.model)
    if f.size:
        w, h = (int(n) for n in f.size.split("x"))
        out += [col(ImageGeneration.width) == w, col(ImageGeneration.height) == h]
    if f.date_from:
        out.append(col(ImageGeneration.created_at) >= datetime.combine(f.date_from, time(), UTC))
    if f.date_to:
        end = datetime.combine(f.date_to + timedelta(days=1), time(), UTC)
        out.append(col(ImageGeneration.created_at) < end)
    if f.favorites:
        starred = select(ImageFile.generation_id).where(col(ImageFile.favorite) == true())
        out.append(col(ImageGeneration.id).in_(starred))
    return out
