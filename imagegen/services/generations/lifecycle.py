"""A generation's life: create (within the in-flight limit), dispatch, cancel, retry."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from imagegen.contract import (
    Job,
    JobParams,
)
from imagegen.db import serialize_on, session_scope
from imagegen.models import (
    IN_FLIGHT,
    GenerationStatus,
    ImageGeneration,
    utcnow,
)
from imagegen.services.catalog import Catalog, WorkerUnavailable, get_catalog
from imagegen.services.errors import Conflict, TooMany
from imagegen.services.generations.queries import get_generation
from imagegen.services.generations.requests import GenerationRequest, validate_request
from imagegen.services.links import completion_callback_url, progress_callback_url
from imagegen.services.notify import get_notifier, user_topic
from imagegen.services.progress import get_progress_board
from imagegen.services.uploads import resolve_source
from imagegen.services.worker_client import (
    JobRefused,
    WorkerTimeout,
    WorkerUnreachable,
    get_worker_client,
)
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


def create_generation(
    owner_id: str,
    req: GenerationRequest,
    *,
    operation: str | None = None,
    via_key: str | None = None,
) -> ImageGeneration:
    """Validates, records a PENDING generation, then hands it to the worker. A request with
    an input image (the caller's own image or upload) records it as the generation's source."""
    try:
        catalog: Catalog | None = get_catalog()
    except WorkerUnavailable:
        catalog = None
    source = None
    if req.input_image_id or req.upload_id:
        source = resolve_source(owner_id, req.input_image_id, req.upload_id)
    p = validate_request(req, catalog, (source.width, source.height) if source else None)
    if req.parent_id is not None:
        get_generation(owner_id, req.parent_id)  # a remix of someone else's is not found
    if source is not None:
        operation = operation or "input"
    elif req.parent_id is not None:
        operation = "remix"
    gen = ImageGeneration(
        owner_id=owner_id,
        prompt=p.prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        num_images=p.num_images,
        seed=p.seed,
        engine=p.engine,
        model=p.model,
        parent_id=req.parent_id,
        source_image_id=source.image_id if source else None,
        source_upload_id=source.upload_id if source else None,
        operation=operation,
        strength=p.strength,
        via_key=via_key or None,
    )
    return record_and_dispatch(gen, source.key if source else None)


def record_and_dispatch(
    gen: ImageGeneration, input_key: str | None = None, job_operation: str = ""
) -> ImageGeneration:
    """Inserts a PENDING generation within the owner's in-flight limit, then dispatches it."""
    with session_scope() as db:
        serialize_on(db, f"active/{gen.owner_id}")  # count and insert as one step, per user
        _check_active_limit(db, gen.owner_id)
        db.add(gen)
    return dispatch(gen, input_key, job_operation)


def _check_active_limit(db: Session, owner_id: str) -> None:
    """At most IMAGEGEN_MAX_ACTIVE_PER_USER in flight; stale ones past the timeout don't count."""
    s = get_app_settings()
    since = utcnow() - timedelta(seconds=s.generation_timeout_seconds)
    active = db.exec(
        select(func.count())
        .select_from(ImageGeneration)
        .where(
            ImageGeneration.owner_id == owner_id,
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
    gen_id: str,
    status: GenerationStatus,
    *,
    only_from: tuple[GenerationStatus, ...],
    error: str | None = None,
) -> bool:
    values: dict = {"status": status}
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


def _owner_key(owner_id: str) -> str:
    """An opaque per-user key for the worker's fair queue; the worker never learns who it is."""
    secret = get_app_settings().resolved_secret_key()
    key = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(key, f"owner/{owner_id}".encode(), hashlib.sha256).hexdigest()[:24]


def cancel_generation(owner_id: str, generation_id: str) -> ImageGeneration:
    """Stops one of the owner's in-flight generations: CANCELLED now, the worker told to stop.

    Anything the worker still reports afterwards is discarded, its stored files deleted.
    """
    gen = get_generation(owner_id, generation_id)
    if not _set_status(
        gen.id, GenerationStatus.CANCELLED, only_from=IN_FLIGHT, error="Cancelled by you."
    ):
        raise Conflict("This generation has already finished.")
    announce(gen.id, gen.owner_id, ended=True)
    get_worker_client().cancel(gen.id, gen.engine)  # else a late result is discarded
    return get_generation(owner_id, gen.id)


DISPATCH_ATTEMPTS = 3  # a timed-out submit is sent again (the worker ignores a repeat)


def dispatch(
    gen: ImageGeneration, input_key: str | None = None, job_operation: str = ""
) -> ImageGeneration:
    """POSTs the job; a worker that is down or refuses ends the generation FAILED, with why."""
    job = Job(
        generation_id=gen.id,
        prompt=gen.prompt,
        callback_url=completion_callback_url(),
        progress_url=progress_callback_url(),
        owner_key=_owner_key(gen.owner_id),
        params=JobParams(
            negative_prompt=gen.negative_prompt,
            width=gen.width,
            height=gen.height,
            num_images=gen.num_images,
            seed=gen.seed,
            engine=gen.engine,
            model=gen.model,
            operation=job_operation or ("img2img" if input_key else "txt2img"),
            input_key=input_key,
            strength=gen.strength or 0.0,
        ),
    )
    error = None
    client = get_worker_client()
    for attempt in range(1, DISPATCH_ATTEMPTS + 1):
        error = None
        try:
            client.submit(job, timeout=get_app_settings().dispatch_timeout)
            break
        except JobRefused as e:
            error = f"The generation worker refused the job: {e}"
            break
        except WorkerTimeout as e:  # it may have taken the job: sending it again is safe
            error = (
                f"The generation worker {client.where()} did not answer in time "
                f"({e}, {attempt} attempts)."
            )
            if attempt == DISPATCH_ATTEMPTS:  # and if it did take it, it should not run it
                client.cancel(gen.id, gen.engine, timeout=2)
        except WorkerUnreachable as e:
            error = f"The generation worker {client.where()} is unreachable ({e})."
            break
    pending = (GenerationStatus.PENDING,)
    if error:
        log.warning("generation %s failed to dispatch: %s", gen.id, error)
        _set_status(gen.id, GenerationStatus.FAILED, only_from=pending, error=error)
        announce(gen.id, gen.owner_id, ended=True)
    else:
        _set_status(gen.id, GenerationStatus.PROCESSING, only_from=pending)
        announce(gen.id, gen.owner_id, ended=False)  # the user's other tabs show it too
    return get_generation(gen.owner_id, gen.id)


def announce(generation_id: str, owner_id: str, *, ended: bool) -> None:
    """Wakes the generation's watchers and every open tab of its owner, in every app
    process; an ended one also stops its progress everywhere."""
    if ended:
        get_progress_board().finish(generation_id)
    else:
        get_notifier().publish(generation_id)
    get_notifier().publish(user_topic(owner_id))
