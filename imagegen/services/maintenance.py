"""Housekeeping that keeps every generation ending and storage matching the database: a
watchdog for generations the worker never finished, the purge of deletes whose undo window
has passed, and a sweeper for orphaned objects."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlmodel import col, or_, select, update

from imagegen.db import session_scope
from imagegen.models import (
    IN_FLIGHT,
    WITH_DELETED,
    GenerationStatus,
    ImageFile,
    ImageGeneration,
    utcnow,
)
from imagegen.services.generations import announce, purge_deleted
from imagegen.services.storage import StorageError, get_storage
from imagegen.services.uploads import sweep_unused_uploads
from imagegen.services.worker_client import get_worker_client
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.maintenance")


def expire_overdue(timeout_seconds: int | None = None) -> list[str]:
    """Marks FAILED (timed out) every generation in flight for longer than the deadline; the
    conditional UPDATE makes a result that lands at the same moment win or lose cleanly."""
    s = get_app_settings()
    timeout = timeout_seconds if timeout_seconds is not None else s.generation_timeout_seconds
    cutoff = utcnow() - timedelta(seconds=timeout)
    with session_scope() as db:
        rows = db.exec(
            select(ImageGeneration.id, ImageGeneration.owner_id, ImageGeneration.engine)
            .where(
                col(ImageGeneration.status).in_(IN_FLIGHT),
                col(ImageGeneration.created_at) < cutoff,
            )
            .limit(1000)
        ).all()
    expired = []
    reason = (
        f"Timed out: no result from the generation worker within {timeout} s "
        f"(it may have stopped). Retry to run it again."
    )
    for gid, owner_id, engine in rows:
        with session_scope() as db:
            res = db.execute(
                update(ImageGeneration)
                .where(col(ImageGeneration.id) == gid, col(ImageGeneration.status).in_(IN_FLIGHT))
                .values(status=GenerationStatus.FAILED, error=reason, completed_at=utcnow())
            )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            expired.append((gid, engine))
            announce(gid, owner_id, ended=True)
    for gid, engine in expired:  # a late result is discarded; tell the worker to stop it
        get_worker_client().cancel(gid, engine, timeout=2)
    ids = [gid for gid, _ in expired]
    if ids:
        log.warning("watchdog: %d generation(s) timed out: %s", len(ids), ids[:10])
    return ids


def sweep_orphans(grace_seconds: int | None = None) -> int:
    """Deletes stored objects that no row references and that are older than the grace period
    (younger ones may belong to a result whose webhook is on its way)."""
    s = get_app_settings()
    grace = grace_seconds if grace_seconds is not None else s.orphan_grace_seconds
    storage = get_storage()
    cutoff = time.time() - grace
    removed = 0
    batch: list[str] = []

    def flush() -> int:
        with session_scope() as db:
            rows = db.exec(
                select(ImageFile.storage_key, ImageFile.thumbnail_key)
                .where(
                    or_(
                        col(ImageFile.storage_key).in_(batch),
                        col(ImageFile.thumbnail_key).in_(batch),
                    )
                )
                # A deleted image's files wait for its undo window: not orphans.
                .execution_options(**{WITH_DELETED: True})
            ).all()
        known = {k for row in rows for k in row if k}
        n = 0
        for key in batch:
            if key not in known:
                try:
                    storage.delete(key)
                    n += 1
                except StorageError:
                    log.exception("sweeper could not delete %s", key)
        batch.clear()
        return n

    for key, modified in storage.list("generations/"):
        if modified < cutoff:
            batch.append(key)
            if len(batch) >= 500:
                removed += flush()
    if batch:
        removed += flush()
    removed += sweep_unused_uploads(grace)
    if removed:
        log.info("sweeper: removed %d orphaned object(s)", removed)
    return removed


async def maintenance_loop() -> None:
    """Runs the watchdog and the purge of deletes past their undo window every
    IMAGEGEN_WATCHDOG_SECONDS, and the sweeper every IMAGEGEN_ORPHAN_SWEEP_SECONDS, off the
    event loop, for as long as the app runs."""
    s = get_app_settings()
    next_sweep = time.monotonic() + min(s.orphan_sweep_seconds, 60)
    while True:
        try:
            await asyncio.to_thread(expire_overdue)
            await asyncio.to_thread(purge_deleted)
            if time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + s.orphan_sweep_seconds
                await asyncio.to_thread(sweep_orphans)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database blip must not end housekeeping for good
            log.exception("maintenance pass failed; trying again later")
        await asyncio.sleep(s.watchdog_seconds)
