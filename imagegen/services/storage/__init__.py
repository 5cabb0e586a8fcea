"""Storage seam: one interface, one implementation per file, chosen by settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

from imagegen.services.storage.base import Storage, StorageError
from imagegen.settings.base import SharedSettings, get_shared_settings

__all__ = ["Storage", "StorageError", "delete_objects", "get_storage", "make_storage"]
log = logging.getLogger("imagegen.storage")


def make_storage(settings: SharedSettings) -> Storage:
    """Builds the Storage the settings ask for."""
    if settings.storage_kind == "s3":
        from imagegen.services.storage.s3 import S3Storage

        return S3Storage(settings)
    from imagegen.services.storage.local import LocalStorage

    return LocalStorage(settings.files_dir, settings.resolved_secret_key())


@lru_cache
def get_storage() -> Storage:
    """The process-wide Storage."""
    return make_storage(get_shared_settings())


def delete_objects(keys: Iterable[str]) -> int:
    """Removes objects after their rows are gone; a failure leaves an orphan, never a dead link."""
    storage, removed = get_storage(), 0
    for key in sorted(set(keys)):
        try:
            if storage.exists(key):
                storage.delete(key)
                removed += 1
        except StorageError:
            log.exception("could not delete %s", key)
    return removed
