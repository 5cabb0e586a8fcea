"""The Storage interface: where image objects live and how browsers get a URL for them."""

from __future__ import annotations

import abc
from collections.abc import Iterator


class StorageError(RuntimeError):
    """A storage operation failed; the message is safe to show a user."""


class Storage(abc.ABC):
    """Object storage for image bytes, addressed by key."""

    kind: str = "abstract"

    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores data under key, replacing any object there; atomic for readers."""

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under key; raises KeyError when absent."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under key."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; raises KeyError when absent."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Removes the object; a missing key is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str) -> Iterator[tuple[str, float]]:
        """(key, last-modified epoch seconds) of every object under prefix, for the sweeper."""

    @abc.abstractmethod
    def url(self, key: str, ttl: int, download_name: str | None = None, base_url: str = "") -> str:
        """An expiring URL a browser can GET; with download_name it downloads as that file."""


def validate_key(key: str) -> str:
    """Rejects keys that could escape a prefix or confuse a path."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"invalid storage key: {key!r}")
    return key
