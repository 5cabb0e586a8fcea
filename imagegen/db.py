"""One SQLAlchemy engine per process, with SQLite tuned for concurrent readers (WAL)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, event, make_url, text
from sqlmodel import Session, create_engine

from imagegen.settings.app import get_app_settings


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Builds an engine; SQLite gets WAL, FKs and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _private_file(url: str) -> None:
    """The database file readable by its owner only (SQLite gives its -wal and -shm files
    the same mode)."""
    path = make_url(url).database
    if not path or path == ":memory:":
        return
    p = Path(path)
    with contextlib.suppress(OSError):
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(p, os.O_CREAT | os.O_WRONLY, 0o600))
        elif p.stat().st_mode & 0o077:
            p.chmod(0o600)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured DATABASE_URL."""
    return make_engine(get_app_settings().db_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def serialize_on(db: Session, key: str) -> None:
    """Holds, until this transaction ends, a lock that every other transaction asking for the
    same key waits for (in any process): check-then-write limits then hold under bursts.

    PostgreSQL: a transaction-scoped advisory lock on the key's hash. SQLite: the database's
    single write lock, taken now by a write that changes nothing (busy_timeout waits for it).
    """
    if db.get_bind().dialect.name == "postgresql":
        k = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": k})
    else:
        db.execute(text("UPDATE login_throttle SET failures = failures WHERE 0 = 1"))
