"""The worker's results, recorded once: checked against storage, replays are no-ops."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, wait

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from imagegen.contract import (
    Completion,
)
from imagegen.db import session_scope
from imagegen.models import (
    GenerationStatus,
    ImageFile,
    ImageGeneration,
    WebhookReceipt,
    utcnow,
)
from imagegen.services import catalog
from imagegen.services.errors import InvalidInput, NotFound, Unavailable
from imagegen.services.generations.lifecycle import announce
from imagegen.services.storage import StorageError, delete_objects, get_storage
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.generations")


_CHECKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="storage-check")


def _missing_objects(keys: list[str]) -> list[str]:
    """Which keys have no object, checked concurrently within the webhook's budget: past it,
    Unavailable (503) makes the worker deliver again later instead of holding the request."""
    storage = get_storage()
    futures = {_CHECKS.submit(storage.exists, k): k for k in keys}
    done, slow = wait(futures, timeout=get_app_settings().webhook_budget_seconds)
    if slow:
        for f in slow:
            f.cancel()
        raise Unavailable("Storage is too slow to confirm the images right now; send it again.")
    return [futures[f] for f in done if not f.result()]


def _verdict(completion: Completion) -> tuple[GenerationStatus, str | None]:
    """The status and error to record, from the result and storage alone (no database):
    a completed result whose files are not all there is recorded as failed."""
    status: GenerationStatus = completion.status
    images = completion.images
    if status == GenerationStatus.CANCELLED:
        return status, (completion.error or "Cancelled.")[:2000]
    if status == GenerationStatus.FAILED:
        return status, (completion.error or "The worker reported a failure without a reason.")[
            :2000
        ]
    if status != GenerationStatus.COMPLETED:
        raise InvalidInput(f"Unknown completion status {status!r}.")
    if not images:
        return GenerationStatus.FAILED, "The worker reported no images."
    prefix = f"generations/{completion.generation_id}/"
    keys = [k for i in images for k in (i.key, i.thumbnail_key) if k is not None]
    if any(not k.startswith(prefix) for k in keys):
        raise InvalidInput("Image keys must sit under the generation's prefix.")
    try:
        missing = _missing_objects(keys)
    except (StorageError, ValueError) as e:
        return GenerationStatus.FAILED, f"Storage check failed: {e}"
    if missing:
        return GenerationStatus.FAILED, f"{len(missing)} image(s) missing from storage."
    return status, None


def apply_completion(completion: Completion, webhook_id: str) -> tuple[ImageGeneration, bool]:
    """Records a worker's result once, in one transaction; replays and late duplicates change
    nothing. Storage is checked first, outside it, so no transaction waits on storage."""
    status, error = _verdict(completion)
    images = completion.images if status == GenerationStatus.COMPLETED else []
    discard = bool(completion.images) and not images  # a result that cannot be whole keeps none
    try:
        with session_scope() as db:
            row = db.get(ImageGeneration, completion.generation_id)
            if row is None:
                raise NotFound("Unknown generation.")
            if len(completion.images) > row.num_images:
                raise InvalidInput(
                    f"{len(completion.images)} images reported; "
                    f"the generation asked for {row.num_images}."
                )
            if row.status.terminal:
                # Ended without it (cancelled, timed out, failed to dispatch while the worker
                # did take the job): a late result keeps no files. A repeat of a recorded
                # result lists the same files; only a later run of the job has files of its own.
                discard = bool(completion.images) and (
                    row.status != GenerationStatus.COMPLETED or completion.attempt > 1
                )
                changed = False
            else:
                db.add(WebhookReceipt(webhook_id=webhook_id))
                db.flush()  # a replayed id fails here, before anything else is written
                _record(db, row, completion, status, error, images)
                changed = True
    except IntegrityError:  # same delivery raced us, or a replay: the first one won
        with session_scope() as db:
            return db.get(ImageGeneration, completion.generation_id), False  # type: ignore[return-value]
    if discard:
        _discard(row, completion)
    if changed and completion.attempt > 1:
        _clear_other_runs(row.id, {k for i in images for k in (i.key, i.thumbnail_key) if k})
    if not changed:
        return row, False
    if status == GenerationStatus.FAILED:  # an engine may have gone down: ask the worker anew
        catalog.clear_cache()
    announce(row.id, row.owner_id, ended=True)
    return row, True


def _record(
    db: Session,
    row: ImageGeneration,
    completion: Completion,
    status: GenerationStatus,
    error: str | None,
    images: list,
) -> None:
    """Writes the result onto the generation's row, and its images, in the caller's session."""
    row.status = status
    row.error = error
    if status == GenerationStatus.COMPLETED and len(images) < row.num_images:  # partial
        row.error = (
            completion.error or f"Only {len(images)} of {row.num_images} images were made."
        )[:2000]
    row.completed_at = utcnow()
    row.duration_ms = completion.duration_ms
    for n, i in enumerate(images):
        db.add(
            ImageFile(
                generation_id=row.id,
                idx=n,
                filename=i.filename,
                storage_key=i.key,
                thumbnail_key=i.thumbnail_key,
                file_size=i.file_size,
                format=i.format.upper(),
                width=i.width,
                height=i.height,
                dimensions=f"{i.width}x{i.height}",
            )
        )
    db.add(row)


def _discard(gen: ImageGeneration, completion: Completion) -> None:
    """Deletes the files of a result that arrived too late to be kept (never the files of
    the result that was recorded: a run again of the same job may list the same keys)."""
    prefix = f"generations/{gen.id}/"
    with session_scope() as db:
        kept = {
            k
            for f in db.exec(select(ImageFile).where(ImageFile.generation_id == gen.id)).all()
            for k in (f.storage_key, f.thumbnail_key)
        }
    keys = [
        k
        for i in completion.images
        for k in (i.key, i.thumbnail_key)
        if k is not None and k.startswith(prefix) and k not in kept
    ]
    delete_objects(keys)


def _clear_other_runs(generation_id: str, kept: set[str]) -> None:
    """A job run again (its worker died) may have left an earlier run's files: once a result
    is recorded, every other file under the generation's prefix is no one's."""
    try:
        stale = [k for k, _ in get_storage().list(f"generations/{generation_id}/") if k not in kept]
    except StorageError as e:  # the orphan sweeper gets them later
        log.warning("could not list the earlier runs of %s: %s", generation_id, e)
        return
    if stale:
        delete_objects(stale)
        log.info("removed %d file(s) of earlier runs of %s", len(stale), generation_id)
