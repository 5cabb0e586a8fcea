"""The worker's results, recorded once: checked against storage, replays are no-ops."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor, wait

from sqlalchemy.exc import IntegrityError

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
from imagegen.services.generations.queries import get_generation
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


def apply_completion(completion: Completion, webhook_id: str) -> tuple[ImageGeneration, bool]:
    """Records a worker's result once; replays and late duplicates change nothing."""
    with session_scope() as db:
        gen = db.get(ImageGeneration, completion.generation_id)
    if gen is None:
        raise NotFound("Unknown generation.")
    if gen.status.terminal:
        if gen.status != GenerationStatus.COMPLETED and completion.images:
            # Ended without it (cancelled, timed out, or failed to dispatch while the worker
            # did take the job): a late result keeps no files.
            _discard(gen, completion)
        return gen, False
    status: GenerationStatus = completion.status
    error = completion.error
    images = completion.images
    if len(images) > gen.num_images:
        raise InvalidInput(
            f"{len(images)} images reported; the generation asked for {gen.num_images}."
        )
    if status == GenerationStatus.COMPLETED:
        prefix = f"generations/{gen.id}/"
        if not images:
            status, error = GenerationStatus.FAILED, "The worker reported no images."
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
                missing, status, error = [], GenerationStatus.FAILED, f"Storage check failed: {e}"
            if missing:
                status = GenerationStatus.FAILED
                error = f"{len(missing)} image(s) missing from storage."
                _discard(gen, completion)  # keep none of a result that cannot be whole
    elif status == GenerationStatus.CANCELLED:
        error = (error or "Cancelled.")[:2000]
    elif status != GenerationStatus.FAILED:
        raise InvalidInput(f"Unknown completion status {status!r}.")
    else:
        error = (error or "The worker reported a failure without a reason.")[:2000]
    try:
        with session_scope() as db:
            db.add(WebhookReceipt(webhook_id=webhook_id))
            db.flush()  # a replayed id fails here, before anything else is written
            row = db.get(ImageGeneration, gen.id)
            assert row is not None
            if row.status.terminal:
                return row, False
            row.status = status
            row.error = None if status == GenerationStatus.COMPLETED else error
            if status == GenerationStatus.COMPLETED and len(images) < row.num_images:  # partial
                row.error = (
                    completion.error or f"Only {len(images)} of {row.num_images} images were made."
                )[:2000]
            row.completed_at = utcnow()
            row.duration_ms = completion.duration_ms
            if status == GenerationStatus.COMPLETED:
                for n, i in enumerate(images):
                    db.add(
                        ImageFile(
                            generation_id=gen.id,
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
    except IntegrityError:  # same delivery raced us, or a replay: the first one won
        with session_scope() as db:
            return db.get(ImageGeneration, gen.id), False  # type: ignore[return-value]
    if status == GenerationStatus.FAILED:  # an engine may have gone down: ask the worker anew
        catalog.clear_cache()
    announce(gen.id, gen.owner_id, ended=True)
    return get_generation(gen.owner_id, gen.id), True


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
