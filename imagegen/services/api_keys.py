"""Personal API keys: made once and shown once, stored as a hash, scoped, revocable at once
(every request reads the row, so a revoke holds on every app process)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, func, select

from imagegen.db import serialize_on, session_scope
from imagegen.models import ApiKey, User, as_utc, utcnow
from imagegen.services.auth.base import Principal
from imagegen.services.errors import InvalidInput, NotFound, TooMany

KEY_PREFIX = "ig_"
SCOPES = ("generate", "read")
MAX_KEYS = 50
MAX_NAME = 120
TOUCH_EVERY = timedelta(minutes=1)  # last-used time: at most one write a minute per key


def key_hash(token: str) -> str:
    """The stored form (a key is 190 random bits: a fast hash is enough, as for sessions)."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_key(token: str | None) -> bool:
    """Whether a bearer token is one of our API keys (else a session or a Clerk token)."""
    return bool(token) and token.startswith(KEY_PREFIX)  # type: ignore[union-attr]


def create_key(owner_id: str, name: str, scope: str = "generate") -> tuple[ApiKey, str]:
    """A new key for the owner: (its row, the key itself, which is never seen again)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the key a name, so you know where it is used.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Key names are at most {MAX_NAME} characters.", field="name")
    if scope not in SCOPES:
        raise InvalidInput("scope must be generate or read.", field="scope")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        owner_id=owner_id, name=name, prefix=token[:10], key_hash=key_hash(token), scope=scope
    )
    with session_scope() as db:
        serialize_on(db, f"keys/{owner_id}")
        held = db.exec(
            select(func.count())
            .select_from(ApiKey)
            .where(ApiKey.owner_id == owner_id, col(ApiKey.revoked_at).is_(None))
        ).one()
        if held >= MAX_KEYS:
            raise TooMany(f"You have {held} keys, the most allowed; revoke one first.")
        db.add(row)
        db.flush()
        db.refresh(row)
        db.expunge(row)
    return row, token


def list_keys(owner_id: str) -> list[ApiKey]:
    """The owner's live keys, newest first (never the keys themselves)."""
    with session_scope() as db:
        rows = db.exec(
            select(ApiKey)
            .where(ApiKey.owner_id == owner_id, col(ApiKey.revoked_at).is_(None))
            .order_by(col(ApiKey.created_at).desc())
        ).all()
        for r in rows:
            db.expunge(r)
        return list(rows)


def revoke_key(owner_id: str, key_id: str) -> None:
    """Revokes one of the owner's keys: its next request, anywhere, is refused."""
    with session_scope() as db:
        res = db.execute(
            update(ApiKey)
            .where(
                col(ApiKey.id) == key_id,
                col(ApiKey.owner_id) == owner_id,
                col(ApiKey.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("No such key.")


def authenticate(token: str) -> Principal | None:
    """The user a live key acts as, with the key's scope and name; None for any other."""
    with session_scope() as db:
        row = db.exec(
            select(ApiKey, User.email)
            .join(User, col(User.id) == ApiKey.owner_id, isouter=True)
            .where(ApiKey.key_hash == key_hash(token), col(ApiKey.revoked_at).is_(None))
        ).first()
        if row is None:
            return None
        key, email = row
        now = utcnow()
        if key.last_used_at is None or as_utc(key.last_used_at) < now - TOUCH_EVERY:
            db.execute(update(ApiKey).where(col(ApiKey.id) == key.id).values(last_used_at=now))
        return Principal(
            user_id=key.owner_id, email=email or "", key_id=key.id, key_name=key.name,
            scope=key.scope,
        )  # fmt: skip
