"""Storage seam: one interface, one implementation per file, chosen by settings."""

from __future__ import annotations

from functools import lru_cache

from imagegen.services.storage.base import Storage, StorageError
from imagegen.settings import Settings, get_settings

__all__ = ["Storage", "StorageError", "get_storage", "make_storage"]


def make_storage(settings: Settings) -> Storage:
    """Builds the Storage the settings ask for."""
    if settings.storage_kind == "s3":
        from imagegen.services.storage.s3 import S3Storage

        return S3Storage(settings)
    from imagegen.services.storage.local import LocalStorage

    return LocalStorage(settings.files_dir, settings.resolved_secret_key())


@lru_cache
def get_storage() -> Storage:
    """The process-wide Storage."""
    return make_storage(get_settings())
