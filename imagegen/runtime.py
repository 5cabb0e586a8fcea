"""Process-wide singletons, and the one place that forgets them all (tests, benchmarks)."""

from __future__ import annotations


def reset_singletons() -> None:
    """Forget every cached singleton so new environment variables take effect."""
    from imagegen import db
    from imagegen.services import auth, catalog, notify, progress, storage, worker_client
    from imagegen.settings import app, base, worker

    base.get_shared_settings.cache_clear()
    app.get_app_settings.cache_clear()
    worker.get_worker_settings.cache_clear()
    db.get_engine.cache_clear()
    storage.get_storage.cache_clear()
    auth.get_auth.cache_clear()
    if notify.get_notifier.cache_info().currsize:
        notify.get_notifier().close()  # a Redis notifier's threads
    notify.get_notifier.cache_clear()
    progress.get_progress_board.cache_clear()
    catalog.clear_cache()
    if worker_client.get_worker_client.cache_info().currsize:
        worker_client.get_worker_client().close()
    worker_client.get_worker_client.cache_clear()
