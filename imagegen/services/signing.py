"""HMAC-signed, expiring URLs for locally stored files, so no image path is guessable or eternal."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import time

from cryptography.fernet import Fernet, InvalidToken

TICKET_SECONDS = 60


@functools.lru_cache(maxsize=50_000)
def _mac(key: bytes, object_key: str, expires: int, download: bool, name: str) -> str:
    # The download name is signed too: a link can't be renamed (to invoice.html, say).
    msg = f"{object_key}\n{expires}\n{int(download)}\n{name if download else ''}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def sign(
    key: bytes,
    object_key: str,
    ttl: int,
    download: bool = False,
    now: float | None = None,
    name: str = "",
) -> tuple[int, str]:
    """Returns (expires, signature) for object_key (and its download name), valid for ttl s,
    rounded up to a tenth of ttl (at most 5 minutes): within that window a page mints the
    same links again, so the browser's cache serves its images and no HMAC is recomputed."""
    step = max(1, min(300, ttl // 10))
    expires = (int((now if now is not None else time.time()) + ttl) // step + 1) * step
    return expires, _mac(key, object_key, expires, download, name)


def verify(
    key: bytes,
    object_key: str,
    expires: int,
    signature: str,
    download: bool = False,
    now: float | None = None,
    name: str = "",
) -> bool:
    """True only for an unexpired signature made with key for exactly these arguments."""
    if not signature.isascii() or expires < (now if now is not None else time.time()):
        return False  # compare_digest refuses non-ASCII str: such a signature is just wrong
    return hmac.compare_digest(_mac(key, object_key, expires, download, name), signature)


def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"ticket\n" + key).digest()))


def seal_ticket(key: bytes, token: str) -> str:
    """An encrypted, minute-long ticket for a session token: the page hands it to the server,
    which sets the HttpOnly cookie, so page script never holds the token itself."""
    return _fernet(key).encrypt(token.encode()).decode()


def open_ticket(key: bytes, ticket: str) -> str | None:
    """The token inside a fresh ticket, else None (forged, altered or over a minute old)."""
    try:
        return _fernet(key).decrypt(ticket.encode(), ttl=TICKET_SECONDS).decode()
    except (InvalidToken, ValueError):
        return None
