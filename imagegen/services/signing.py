"""HMAC-signed, expiring URLs for locally stored files, so no image path is guessable or eternal."""

from __future__ import annotations

import hashlib
import hmac
import time


def _mac(key: bytes, object_key: str, expires: int, download: bool) -> str:
    msg = f"{object_key}\n{expires}\n{int(download)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def sign(
    key: bytes, object_key: str, ttl: int, download: bool = False, now: float | None = None
) -> tuple[int, str]:
    """Returns (expires, signature) for object_key, valid for ttl seconds."""
    expires = int((now if now is not None else time.time()) + ttl)
    return expires, _mac(key, object_key, expires, download)


def verify(
    key: bytes,
    object_key: str,
    expires: int,
    signature: str,
    download: bool = False,
    now: float | None = None,
) -> bool:
    """True only for an unexpired signature made with key for exactly these arguments."""
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_mac(key, object_key, expires, download), signature)
