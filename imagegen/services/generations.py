"""Generations: validate, create, dispatch to the worker, ingest completions, list and read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import secrets
import zipfile
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from imagegen.contract import (
    Completion,
    Job,
    JobParams,
    filename_stem,
    object_key,
    thumbnail_key,
)
from imagegen.db import serialize_on, session_scope
from imagegen.models import (
    IN_FLIGHT,
    GenerationStatus,
    ImageFile,
    ImageGeneration,
    WebhookReceipt,
    as_utc,
    utcnow,
)
from imagegen.services import signing
from imagegen.services.catalog import Catalog, WorkerUnavailable, get_catalog
from imagegen.services.errors import Conflict, InvalidInput, NotFound, TooMany, Unavailable
from imagegen.services.notify import get_notifier, user_topic
from imagegen.services.progress import get_progress_board
from imagegen.services.search import GalleryFilter, filter_clauses
from imagegen.services.storage import StorageError, delete_objects, get_storage
from imagegen.services.urls import completion_callback_url, progress_callback_url, public_base_url
from imagegen.services.worker_client import get_worker_client
from imagegen.settings import get_settings

log = logging.getLogger("imagegen.generations")

MAX_IMAGES = 4
DEFAULT_SIZE = (1024, 1024)
MAX_SEED = 2**32 - 1


class GenerationRequest(BaseModel):
    """What a user asks for; every field but the prompt has a sane default."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    prompt: str
    negative_prompt: str = ""
    width: int | None = None
    height: int | None = None
    num_images: int = 1
    seed: int | None = None
    engine: str | None = None
    model: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class ResolvedParams:
    """A request after validation, with every default filled in."""

    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_images: int
    seed: int
    engine: str
    model: str


def _clean_text(text: str) -> str:
    """Control characters and lone UTF-16 surrogates (no UTF-8 can hold them) dropped."""
    return "".join(
        ch
        for ch in (text or "")
        if (ch == "\n" or ch == "\t" or ord(ch) >= 32) and not 0xD800 <= ord(ch) <= 0xDFFF
    ).strip()


def validate_request(req: GenerationRequest, catalog: Catalog | None) -> ResolvedParams:
    """Checks a request against limits and the engine's capabilities; raises InvalidInput."""
    limit = get_settings().max_prompt_chars
    prompt = _clean_text(req.prompt)
    if not prompt:
        raise InvalidInput("The prompt is empty: describe the image you want.", field="prompt")
    if len(prompt) > limit:
        raise InvalidInput(
            f"The prompt is {len(prompt)} characters long; the limit is {limit}.", field="prompt"
        )
    negative = _clean_text(req.negative_prompt)
    if len(negative) > limit:
        raise InvalidInput(
            f"The negative prompt is {len(negative)} characters long; the limit is {limit}.",
            field="negativePrompt",
        )
    if not 1 <= req.num_images <= MAX_IMAGES:
        raise InvalidInput(
            f"numImages must be between 1 and {MAX_IMAGES} (got {req.num_images}).",
            field="numImages",
        )
    if req.seed is not None and not 0 <= req.seed <= MAX_SEED:
        raise InvalidInput(f"seed must be between 0 and {MAX_SEED}.", field="seed")
    if (req.width is None) != (req.height is None):
        raise InvalidInput("Give both width and height, or neither.", field="width")
    seed = req.seed if req.seed is not None else secrets.randbelow(MAX_SEED + 1)

    if catalog is None:  # worker down: check generic bounds; dispatch will record the failure
        w, h = (req.width, req.height) if req.width else DEFAULT_SIZE
        if not (64 <= w <= 4096 and 64 <= h <= 4096):
            raise InvalidInput(f"Size {w}x{h} is out of range.", field="width")
        return ResolvedParams(
            prompt,
            negative,
            w,
            h,
            req.num_images,
            seed,
            req.engine or "procedural",
            req.model or "",
        )

    engine_name = req.engine or catalog.default
    engine = catalog.engines.get(engine_name)
    if engine is None:
        names = ", ".join(sorted(catalog.engines))
        raise InvalidInput(f"Unknown engine {engine_name!r}; available: {names}.", field="engine")
    if not engine.available:
        raise InvalidInput(
            f"Engine {engine.label} is unavailable: {engine.reason}.", field="engine"
        )
    model = req.model or engine.default_model
    if model not in engine.models:
        raise InvalidInput(
            f"Engine {engine.label} has no model {model!r}; it offers {', '.join(engine.models)}.",
            field="model",
        )
    sizes, max_images = engine.limits(model)
    if req.width is None:
        w, h = DEFAULT_SIZE if DEFAULT_SIZE in sizes else sizes[0]
    else:
        w, h = req.width, req.height  # type: ignore[assignment]
    if (w, h) not in sizes:
        choices = ", ".join(f"{a}x{b}" for a, b in sizes)
        raise InvalidInput(
            f"{engine.label} ({model}) cannot make {w}x{h}; choose one of: {choices}.",
            field="width",
        )
    if req.num_images > max_images:
        raise InvalidInput(
            f"{engine.label} ({model}) makes at most {max_images} image(s) at once.",
            field="numImages",
        )
    if negative and not engine.supports_negative_prompt:
        raise InvalidInput(
            f"{engine.label} does not support a negative prompt.", field="negativePrompt"
        )
    return ResolvedParams(prompt, negative, w, h, req.num_images, seed, engine_name, model)


def create_generation(author_id: str, req: GenerationRequest) -> ImageGeneration:
    """Validates, records a PENDING generation, then hands it to the worker."""
    try:
        catalog: Catalog | None = get_catalog()
    except WorkerUnavailable:
        catalog = None
    p = validate_request(req, catalog)
    if req.parent_id is not None:
        get_generation(author_id, req.parent_id)  # a remix of someone else's is not found
    gen = ImageGeneration(
        author_id=author_id,
        prompt=p.prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        num_images=p.num_images,
        seed=p.seed,
        engine=p.engine,
        model=p.model,
        parent_id=req.parent_id,
    )
    with session_scope() as db:
        serialize_on(db, f"active/{author_id}")  # count and insert as one step, per user
        _check_active_limit(db, author_id)
        db.add(gen)
    return dispatch(gen)


def _check_active_limit(db: Session, author_id: str) -> None:
    """At most IMAGEGEN_MAX_ACTIVE_PER_USER in flight; stale ones past the timeout don't count."""
    s = get_settings()
    since = utcnow() - timedelta(seconds=s.generation_timeout_seconds)
    active = db.exec(
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.author_id == author_id,
            col(ImageGeneration.status).in_(IN_FLIGHT),
            col(ImageGeneration.created_at) >= since,
        )
    ).one()
    if active >= s.max_active_per_user:
        raise TooMany(
            f"You already have {active} generations in progress (the limit is "
            f"{s.max_active_per_user}). Wait for one to finish, then try again."
        )


def _set_status(
    gen_id: str, status: GenerationStatus, *, only_from: tuple[str, ...], error: str | None = None
) -> bool:
    values: dict = {"status": status.value}
    if status.terminal:
        values["completed_at"] = utcnow()
        values["error"] = error
    with session_scope() as db:
        res = db.execute(
            update(ImageGeneration)
            .where(col(ImageGeneration.id) == gen_id, col(ImageGeneration.status).in_(only_from))
            .values(**values)
        )
        return res.rowcount == 1  # type: ignore[attr-defined]


def _owner_key(author_id: str) -> str:
    """An opaque per-user key for the worker's fair queue; the worker never learns who it is."""
    secret = get_settings().resolved_secret_key()
    key = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(key, f"owner/{author_id}".encode(), hashlib.sha256).hexdigest()[:24]


def cancel_generation(author_id: str, generation_id: str) -> ImageGeneration:
    """Stops one of the author's in-flight generations: CANCELLED now, the worker told to stop.

    Anything the worker still reports afterwards is discarded, its stored files deleted.
    """
    gen = get_generation(author_id, generation_id)
    if not _set_status(
        gen.id, GenerationStatus.CANCELLED, only_from=IN_FLIGHT, error="Cancelled by you."
    ):
        raise Conflict("This generation has already finished.")
    announce(gen.id, gen.author_id, ended=True)
    get_worker_client().cancel(gen.id)  # if it can't be told, a late result is discarded
    return get_generation(author_id, gen.id)


DISPATCH_ATTEMPTS = 3  # a timed-out submit is sent again (the worker ignores a repeat)


def dispatch(gen: ImageGeneration) -> ImageGeneration:
    """POSTs the job; a worker that is down or refuses ends the generation FAILED, with why."""
    job = Job(
        generation_id=gen.id,
        prompt=gen.prompt,
        callback_url=completion_callback_url(),
        progress_url=progress_callback_url(),
        owner_key=_owner_key(gen.author_id),
        params=JobParams(
            negative_prompt=gen.negative_prompt,
            width=gen.width,
            height=gen.height,
            num_images=gen.num_images,
            seed=gen.seed,
            engine=gen.engine,
            model=gen.model,
        ),
    )
    error = None
    for attempt in range(1, DISPATCH_ATTEMPTS + 1):
        error = None
        try:
            r = get_worker_client().submit(job, timeout=get_settings().dispatch_timeout)
            # 409: a repeat of a job it already ran (a submit that timed out, then landed)
            if r.status_code not in (202, 409):
                try:
                    detail = r.json().get("detail")
                except ValueError:
                    detail = None
                error = (
                    f"The generation worker refused the job: {detail or f'HTTP {r.status_code}'}"
                )
            break
        except httpx.TimeoutException as e:  # it may have taken the job: sending it again is safe
            error = (
                f"The generation worker at {get_settings().worker_url} did not answer in time "
                f"({type(e).__name__}, {attempt} attempts)."
            )
            if attempt == DISPATCH_ATTEMPTS:  # and if it did take it, it should not run it
                get_worker_client().cancel(gen.id, timeout=2)
        except httpx.HTTPError as e:
            error = (
                f"The generation worker at {get_settings().worker_url} is unreachable "
                f"({type(e).__name__})."
            )
            break
    pending = (GenerationStatus.PENDING.value,)
    if error:
        log.warning("generation %s failed to dispatch: %s", gen.id, error)
        _set_status(gen.id, GenerationStatus.FAILED, only_from=pending, error=error)
        announce(gen.id, gen.author_id, ended=True)
    else:
        _set_status(gen.id, GenerationStatus.PROCESSING, only_from=pending)
        announce(gen.id, gen.author_id, ended=False)  # the user's other tabs show it too
    return get_generation(gen.author_id, gen.id)


def announce(generation_id: str, author_id: str, *, ended: bool) -> None:
    """Wakes the generation's watchers and every open tab of its author, in every app
    process; an ended one also stops its progress everywhere."""
    if ended:
        get_progress_board().finish(generation_id)
    else:
        get_notifier().publish(generation_id)
    get_notifier().publish(user_topic(author_id))


def get_generation(author_id: str, generation_id: str) -> ImageGeneration:
    """One of the author's generations; another user's id is simply not found."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
    if gen is None or gen.author_id != author_id:
        raise NotFound("Generation not found.")
    return gen


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


def encode_cursor(at: datetime, row_id: str) -> str:
    """An opaque keyset cursor: the last row's timestamp and id (decode_cursor reads it)."""
    raw = f"{at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, gid = raw.split("|", 1)
        return datetime.fromisoformat(ts), gid
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInput("The cursor is invalid; start again without it.", field="cursor") from e


def list_generations(
    author_id: str,
    *,
    statuses: tuple[str, ...] | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    filters: GalleryFilter | None = None,
) -> Page:
    """The author's generations matching the filter, keyset-paged (newest first by default).

    One indexed range scan per status, merged here: asked for several statuses at once,
    SQLite would walk the author's whole history in date order instead.
    """
    f = filters or GalleryFilter()
    created, gid_col = col(ImageGeneration.created_at), col(ImageGeneration.id)
    oldest = f.sort == "oldest"
    keyset = []
    if cursor:
        ts, gid = decode_cursor(cursor)
        if oldest:
            keyset = [or_(created > ts, and_(created == ts, gid_col > gid))]
        else:
            keyset = [or_(created < ts, and_(created == ts, gid_col < gid))]
    order = (created.asc(), gid_col.asc()) if oldest else (created.desc(), gid_col.desc())
    gens: list[ImageGeneration] = []
    with session_scope() as db:
        for status in statuses or f.statuses:
            q = (
                select(ImageGeneration)
                .where(
                    ImageGeneration.author_id == author_id,
                    ImageGeneration.status == status,
                    *filter_clauses(f),
                    *keyset,
                )
                .order_by(*order)
            )
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


def recent_changes(author_id: str, since: datetime) -> list[ImageGeneration]:
    """The author's generations in flight, or ended since `since`: what another of their tabs
    may not have seen yet (at most a page of each)."""
    # Nothing ends later than its timeout after it was created: this bound keeps the scan on
    # the (author, created) index however long the history.
    born_after = since - timedelta(seconds=get_settings().generation_timeout_seconds + 60)
    with session_scope() as db:
        pending = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.author_id == author_id,
                col(ImageGeneration.status).in_(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.created_at).desc())
            .limit(50)
        ).all()
        ended = db.exec(
            select(ImageGeneration)
            .where(
                ImageGeneration.author_id == author_id,
                col(ImageGeneration.created_at) >= born_after,
                col(ImageGeneration.completed_at) >= since,
                col(ImageGeneration.status).not_in(IN_FLIGHT),
            )
            .order_by(col(ImageGeneration.completed_at).desc())
            .limit(50)
        ).all()
    return [*pending, *ended]


def matches(author_id: str, generation_id: str, filters: GalleryFilter) -> bool:
    """Whether one generation belongs in the author's filtered gallery (for live appends)."""
    q = (
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.id == generation_id,
            ImageGeneration.author_id == author_id,
            col(ImageGeneration.status).in_(filters.statuses),
            *filter_clauses(filters),
        )
    )
    with session_scope() as db:
        return db.exec(q).one() > 0


def retry_generation(author_id: str, generation_id: str) -> ImageGeneration:
    """Runs a failed or cancelled generation again with the same parameters, seed included.

    The new generation replaces the old one, which had no images; if it cannot even be
    created (a limit, a parameter the engine no longer takes), the old one stays.
    """
    old = get_generation(author_id, generation_id)
    if old.status not in (GenerationStatus.FAILED.value, GenerationStatus.CANCELLED.value):
        raise Conflict("Only a failed or cancelled generation can be retried.")
    parent = old.parent_id
    if parent is not None:
        with session_scope() as db:
            parent = parent if db.get(ImageGeneration, parent) is not None else None
    new = create_generation(
        author_id,
        GenerationRequest(
            prompt=old.prompt,
            negative_prompt=old.negative_prompt,
            width=old.width,
            height=old.height,
            num_images=old.num_images,
            seed=old.seed,
            engine=old.engine,
            model=old.model or None,
            parent_id=parent,
        ),
    )
    purge([old])
    return new


_CHECKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="storage-check")


def _missing_objects(keys: list[str]) -> list[str]:
    """Which keys have no object, checked concurrently within the webhook's budget: past it,
    Unavailable (503) makes the worker deliver again later instead of holding the request."""
    storage = get_storage()
    futures = {_CHECKS.submit(storage.exists, k): k for k in keys}
    done, slow = wait(futures, timeout=get_settings().webhook_budget_seconds)
    if slow:
        for f in slow:
            f.cancel()
        raise Unavailable("Storage is too slow to confirm the images right now; send it again.")
    return [futures[f] for f in done if not f.result()]


def apply_completion(completion: Completion, webhook_id: str) -> tuple[ImageGeneration, bool]:
    """Records a worker's result once; replays and late duplicates change nothing."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, completion.generation_id)
    if gen is None:
        raise NotFound("Unknown generation.")
    if GenerationStatus(gen.status).terminal:
        if gen.status != GenerationStatus.COMPLETED.value and completion.images:
            # Ended without it (cancelled, timed out, or failed to dispatch while the worker
            # did take the job): a late result keeps no files.
            _discard(gen, completion)
        return gen, False
    status, error = completion.status, completion.error
    images = completion.images
    if len(images) > gen.num_images:
        raise InvalidInput(
            f"{len(images)} images reported; the generation asked for {gen.num_images}."
        )
    if status == "COMPLETED":
        prefix = f"generations/{gen.id}/"
        if not images:
            status, error = "FAILED", "The worker reported no images."
        elif any(
            not k.startswith(prefix)
            for i in images
            for k in (i.key, i.thumbnail_key)
            if k is not None
        ):
            raise InvalidInput("Image keys must sit under the generation's prefix.")
        else:
            keys = [k for i in images for k in (i.key, i.thumbnail_key) if k is not None]
            try:
                missing = _missing_objects(keys)
            except (StorageError, ValueError) as e:
                missing, status, error = [], "FAILED", f"Storage check failed: {e}"
            if missing:
                status, error = "FAILED", f"{len(missing)} image(s) missing from storage."
                _discard(gen, completion)  # keep none of a result that cannot be whole
    elif status == "CANCELLED":
        error = (error or "Cancelled.")[:2000]
    elif status != "FAILED":
        raise InvalidInput(f"Unknown completion status {status!r}.")
    else:
        error = (error or "The worker reported a failure without a reason.")[:2000]
    try:
        with session_scope() as db:
            db.add(WebhookReceipt(webhook_id=webhook_id))
            db.flush()  # a replayed id fails here, before anything else is written
            row = db.get(ImageGeneration, gen.id)
            assert row is not None
            if GenerationStatus(row.status).terminal:
                return row, False
            row.status = status
            row.error = error if status in ("FAILED", "CANCELLED") else None
            if status == "COMPLETED" and len(images) < row.num_images:  # a partial result
                row.error = (
                    completion.error or f"Only {len(images)} of {row.num_images} images were made."
                )[:2000]
            row.completed_at = utcnow()
            row.duration_ms = completion.duration_ms
            if status == "COMPLETED":
                for n, i in enumerate(images):
                    db.add(
                        ImageFile(
                            generation_id=gen.id,
                            idx=n,
                            filename=i.filename,
                            s3_key=i.key,
                            thumbnail_key=i.thumbnail_key,
                            file_size=i.file_size,
                            format=i.format.upper(),
                            width=i.width,
                            height=i.height,
                            aspect_ratio=f"{i.width}x{i.height}",
                        )
                    )
            db.add(row)
    except IntegrityError:  # same delivery raced us, or a replay: the first one won
        with session_scope() as db:
            return db.get(ImageGeneration, gen.id), False  # type: ignore[return-value]
    announce(gen.id, gen.author_id, ended=True)
    return get_generation(gen.author_id, gen.id), True


def _progress_json(gen: ImageGeneration) -> dict | None:
    """Live progress of an in-flight generation (from memory), else None."""
    if gen.status not in IN_FLIGHT:
        return None
    info = get_progress_board().get(gen.id)
    if info is None or info.done:
        return None
    return {
        "percent": info.percent,
        "queuePosition": info.queue_position,
        "preview": info.preview or None,
    }


def _discard(gen: ImageGeneration, completion: Completion) -> None:
    """Deletes the files of a result that arrived too late to be kept."""
    prefix = f"generations/{gen.id}/"
    keys = [
        k
        for i in completion.images
        for k in (i.key, i.thumbnail_key)
        if k is not None and k.startswith(prefix)
    ]
    delete_objects(keys)


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; SQLite hands back naive datetimes that are UTC."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def image_json(img: ImageFile, base_url: str | None = None) -> dict:
    """One image in the seed's camelCase shape, with freshly minted expiring URLs."""
    s = get_settings()
    storage = get_storage()
    base = public_base_url() if base_url is None else base_url
    return {
        "id": img.id,
        "filename": img.filename,
        "fileUrl": storage.url(img.s3_key, s.url_ttl_seconds, base_url=base),
        # The grid loads these; originals only in the large preview and on download.
        "thumbnailUrl": storage.url(
            img.thumbnail_key or img.s3_key, s.url_ttl_seconds, base_url=base
        ),
        "downloadUrl": storage.url(
            img.s3_key, s.url_ttl_seconds, download_name=img.filename, base_url=base
        ),
        "format": img.format,
        "width": img.width,
        "height": img.height,
        "aspectRatio": img.aspect_ratio,
        "fileSize": img.file_size,
        "favorite": img.favorite,
        "createdAt": iso_utc(img.created_at),
    }


def generation_json(
    gen: ImageGeneration, images: list[ImageFile], base_url: str | None = None
) -> dict:
    """One generation in the seed's camelCase shape, plus its parameters."""
    return {
        "id": gen.id,
        "prompt": gen.prompt,
        "negativePrompt": gen.negative_prompt,
        "status": gen.status,
        "error": gen.error,
        # Some images are missing (the error says why); the ones here are complete.
        "partial": gen.status == GenerationStatus.COMPLETED.value and bool(gen.error),
        "width": gen.width,
        "height": gen.height,
        "numImages": gen.num_images,
        "seed": gen.seed,
        "engine": gen.engine,
        "model": gen.model,
        "durationMs": gen.duration_ms,
        "parentId": gen.parent_id,
        "progress": _progress_json(gen),
        "images": [image_json(i, base_url) for i in images],
        "downloadAllUrl": zip_url(gen.id, base_url) if images else None,
        "createdAt": iso_utc(gen.created_at),
        "completedAt": iso_utc(gen.completed_at),
    }


def purge(gens: list[ImageGeneration]) -> int:
    """Deletes the generations' rows, then every object they may have; returns objects removed."""
    if not gens:
        return 0
    ids = [g.id for g in gens]
    with session_scope() as db:
        files = db.exec(select(ImageFile).where(col(ImageFile.generation_id).in_(ids))).all()
        db.exec(delete(ImageFile).where(col(ImageFile.generation_id).in_(ids)))
        db.exec(delete(ImageGeneration).where(col(ImageGeneration.id).in_(ids)))
    keys = {k for f in files for k in (f.s3_key, f.thumbnail_key) if k}
    # In-flight generations may have objects but no rows yet: their keys are derivable.
    keys |= {
        k
        for g in gens
        for i in range(g.num_images)
        for k in (object_key(g.id, i), thumbnail_key(g.id, i))
    }
    return delete_objects(keys)


def delete_generation(author_id: str, generation_id: str) -> int:
    """Deletes one of the author's generations with its images and stored files."""
    return purge([get_generation(author_id, generation_id)])


def owned_image(db: Session, author_id: str, image_id: str) -> tuple[ImageFile, ImageGeneration]:
    """One of the author's images with its generation, in the caller's session; another
    user's image is simply not found."""
    img = db.get(ImageFile, image_id)
    gen = db.get(ImageGeneration, img.generation_id) if img else None
    if img is None or gen is None or gen.author_id != author_id:
        raise NotFound("Image not found.")
    return img, gen


def delete_image(author_id: str, image_id: str) -> str:
    """Deletes one of the author's images; a generation left with none goes too. Returns its id."""
    with session_scope() as db:
        img, gen = owned_image(db, author_id, image_id)
        db.delete(img)
        db.flush()
        left = db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gen.id)
        ).one()
        if left == 0:
            db.delete(gen)
    delete_objects([k for k in (img.s3_key, img.thumbnail_key) if k])
    return gen.id


def original_url(author_id: str, image_id: str) -> str:
    """A fresh expiring URL of one of the author's originals (the large preview loads it)."""
    with session_scope() as db:
        img, _gen = owned_image(db, author_id, image_id)
    return image_json(img)["fileUrl"]


def set_favorite(author_id: str, image_id: str, favorite: bool) -> ImageFile:
    """Stars or unstars one of the author's images."""
    with session_scope() as db:
        img, _gen = owned_image(db, author_id, image_id)
        img.favorite = favorite
        db.add(img)
    return img


def zip_url(generation_id: str, base_url: str | None = None) -> str:
    """A signed, expiring link to a generation's images as one ZIP (a link cannot carry auth)."""
    s = get_settings()
    expires, sig = signing.sign(
        s.resolved_secret_key(), f"zip/{generation_id}", s.url_ttl_seconds, download=True
    )
    base = public_base_url() if base_url is None else base_url
    return f"{base}/api/generations/{generation_id}/download.zip?exp={expires}&sig={sig}"


def zip_generation(generation_id: str, expires: int, sig: str) -> tuple[str, bytes]:
    """(filename, ZIP bytes) of a generation's originals, for a valid signature only."""
    key = get_settings().resolved_secret_key()
    if not signing.verify(key, f"zip/{generation_id}", expires, sig, download=True):
        raise NotFound("Not found, or the link has expired.")
    with session_scope() as db:
        gen = db.get(ImageGeneration, generation_id)
    files = images_for([generation_id])[generation_id] if gen else []
    if not files:
        raise NotFound("Not found, or the link has expired.")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # PNGs are compressed already
        for f in files:
            try:
                zf.writestr(f.filename, get_storage().get(f.s3_key))
            except KeyError as e:
                raise NotFound("An image of this generation is missing from storage.") from e
    return f"{filename_stem(gen.prompt if gen else '')}.zip", buf.getvalue()
