"""CUID-like ids: sortable by time, unguessable, URL-safe."""

import secrets
import time

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _b36(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(_ALPHABET[r])
    return "".join(reversed(out))


def new_id() -> str:
    """A 25-char id: 'c' + 9 chars of milliseconds + 15 random chars (~77 bits)."""
    ms = int(time.time() * 1000)
    rand = "".join(secrets.choice(_ALPHABET) for _ in range(15))
    return "c" + _b36(ms, 9) + rand
