"""The app's client for its workers: signed HTTP to IMAGEGEN_WORKER_URL, or the shared queue
every worker pulls from (REDIS_URL)."""

from __future__ import annotations

from functools import lru_cache

from imagegen.services.worker_client.base import (
    JobRefused,
    WorkerClient,
    WorkerTimeout,
    WorkerUnreachable,
)
from imagegen.settings.app import get_app_settings

__all__ = [
    "JobRefused",
    "WorkerClient",
    "WorkerTimeout",
    "WorkerUnreachable",
    "get_worker_client",
]


@lru_cache
def get_worker_client() -> WorkerClient:
    """The process-wide client, for the queue mode the settings name."""
    s = get_app_settings()
    if s.shared_queue:
        from imagegen.services.worker_client.shared import SharedQueueClient

        return SharedQueueClient(s.redis_url, s.resolved_worker_secret(), s.job_lease_seconds)
    from imagegen.services.worker_client.http import HttpWorkerClient

    return HttpWorkerClient(s.worker_url, s.resolved_worker_secret())
