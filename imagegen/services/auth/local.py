"""Local accounts: argon2 password hashes, opaque session tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import timedelta
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select, update

from imagegen.db import serialize_on, session_scope
from imagegen.models import AuthSession, LoginThrottle, User, as_utc, utcnow
from imagegen.services.auth.base import AuthProvider, Principal
from imagegen.services.errors import Conflict, InvalidInput, TooMany, Unauthorized
from imagegen.settings.app import get_app_settings

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
# argon2 takes 64 MB per hash: a burst of sign-ups must not multiply that by the burst's size.
_HASHING = threading.BoundedSemaphore(2)
SLIDE_EVERY = timedelta(hours=1)  # an active session's expiry moves forward this often at most


@cache
def _argon2(memory_kib: int, passes: int) -> tuple[PasswordHash, str]:
    """The hasher at this cost and a real hash made at it: verifying unknown emails against
    that keeps timing from revealing which accounts exist."""
    hasher = PasswordHash((Argon2Hasher(time_cost=passes, memory_cost=memory_kib),))
    return hasher, hasher.hash("not-a-real-password")


def _current() -> tuple[PasswordHash, str]:
    s = get_app_settings()
    return _argon2(s.argon2_memory_kib, s.argon2_time_cost)


def _hash(password: str) -> str:
    with _HASHING:
        return _current()[0].hash(password)


def _verify(password: str, stored: str | None) -> tuple[bool, str | None]:
    """Whether it matches (no stored hash: checked against the dummy, never a match), and the
    hash at today's cost when the stored one's differs."""
    hasher, dummy = _current()
    with _HASHING:
        ok, rehashed = hasher.verify_and_update(password, stored or dummy)
    return ok and bool(stored), rehashed


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(value: str, field: str) -> str:
    """Refuses text that UTF-8 cannot hold (a lone surrogate), before it reaches a hash or the
    database."""
    try:
        (value or "").encode()
    except UnicodeEncodeError as e:
        raise InvalidInput(f"The {field} contains an invalid character.", field=field) from e
    return value or ""


def _normalise_email(email: str) -> str:
    email = _text(email, "email").strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidInput("Enter a valid email address.", field="email")
    return email


def _reserve_attempt(email: str) -> None:
    """Counts a sign-in attempt before its password is checked, under a per-email lock, so a
    burst of guesses sent at once gets no more checks than IMAGEGEN_LOGIN_MAX_FAILURES."""
    s = get_app_settings()
    window = timedelta(seconds=s.login_lockout_seconds)
    now = utcnow()
    with session_scope() as db:
        serialize_on(db, f"login/{email}")
        row = db.get(LoginThrottle, email) or LoginThrottle(email=email, window_start=now)
        if row.locked_until and as_utc(row.locked_until) > now:
            minutes = max(1, round((as_utc(row.locked_until) - now).total_seconds() / 60))
            raise TooMany(
                f"Too many failed sign-ins for this email. Try again in {minutes} "
                f"minute{'s' if minutes > 1 else ''}."
            )
        if now - as_utc(row.window_start) > window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= s.login_max_failures:  # this is the last check until the window ends
            row.locked_until = now + window
        db.add(row)


class LocalAuth(AuthProvider):
    """Email + password accounts in our own database."""

    name = "local"

    def __init__(self, session_ttl_seconds: int) -> None:
        self.ttl = timedelta(seconds=session_ttl_seconds)

    def _new_session(self, user_id: str) -> str:
        token = secrets.token_urlsafe(32)
        with session_scope() as db:
            db.add(
                AuthSession(
                    token_hash=_token_hash(token), user_id=user_id, expires_at=utcnow() + self.ttl
                )
            )
        return token

    def signup(self, email: str, password: str) -> str:
        """Creates an account and returns a session token."""
        email = _normalise_email(email)
        password = _text(password, "password")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(
                f"Password must be at least {MIN_PASSWORD} characters.", field="password"
            )
        if len(password) > 1024:
            raise InvalidInput("Password is too long (1024 characters at most).", field="password")
        user = User(email=email, password_hash=_hash(password))
        try:
            with session_scope() as db:
                db.add(user)
        except IntegrityError as e:
            raise Conflict("An account with this email already exists.", field="email") from e
        return self._new_session(user.id)

    def login(self, email: str, password: str) -> str:
        """Checks the password and returns a new session token; repeated failures lock out."""
        email = _text(email, "email").strip().lower()[:320]
        password = _text(password, "password")
        _reserve_attempt(email)
        with session_scope() as db:
            user = db.exec(select(User).where(User.email == email)).first()
        ok, rehashed = _verify(password or "", user.password_hash if user else None)
        if not ok or user is None:
            raise Unauthorized("Wrong email or password.")  # already counted
        with session_scope() as db:
            db.exec(delete(LoginThrottle).where(LoginThrottle.email == email))
            if rehashed:  # the cost was raised (or lowered) since this password was set
                db.exec(update(User).where(User.id == user.id).values(password_hash=rehashed))
        return self._new_session(user.id)

    def rotate(self, token: str) -> str | None:
        """Swaps a live session token for a new one (the old one stops working): a sign-in
        ticket can then be used once only. None when the token is unknown or expired."""
        principal = self.authenticate(token)
        if principal is None:
            return None
        with session_scope() as db:
            gone = db.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            return None  # a concurrent use of the same ticket won
        return self._new_session(principal.user_id)

    def logout(self, token: str) -> None:
        """Ends the session: the token stops working at once."""
        with session_scope() as db:
            db.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        with session_scope() as db:
            row = db.exec(
                select(AuthSession, User)
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.token_hash == _token_hash(token))
            ).first()
        if row is None:
            return None
        sess, user = row
        now = utcnow()
        if as_utc(sess.expires_at) <= now:
            return None
        if as_utc(sess.expires_at) < now + self.ttl - SLIDE_EVERY:  # slide, at most hourly
            with session_scope() as db:
                db.execute(
                    update(AuthSession)
                    .where(col(AuthSession.token_hash) == sess.token_hash)
                    .values(expires_at=now + self.ttl)
                )
        return Principal(user_id=user.id, email=user.email)
