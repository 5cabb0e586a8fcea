"""Alembic upgrades to head from every earlier revision, on SQLite and on PostgreSQL, with
data written at that revision kept, and the result is exactly the models' schema."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import imagegen.models  # noqa: F401
from imagegen.migrate import alembic_config, include_object, upgrade

REVISIONS = [
    s.revision
    for s in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]
# One row per table as the latest schema has it; each revision gets the columns it knows.
ROWS = {
    "users": {"id": "u1", "email": "old@example.com", "password_hash": "x",
              "created_at": "2026-01-01 00:00:00"},
    "image_generations": {
        "id": "g1", "author_id": "u1", "prompt": "an old lighthouse", "negative_prompt": "",
        "width": 64, "height": 64, "num_images": 1, "seed": 1, "engine": "procedural",
        "model": "procedural-v1", "status": "COMPLETED", "created_at": "2026-01-01 00:00:00",
        "completed_at": "2026-01-01 00:00:01",
    },
    "image_files": {
        "id": "i1", "generation_id": "g1", "idx": 0, "filename": "a.png",
        "s3_key": "generations/g1/0.png", "file_size": 3, "format": "PNG", "width": 64,
        "height": 64, "aspect_ratio": "64x64", "created_at": "2026-01-01 00:00:00",
    },
}  # fmt: skip


def _seed(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = inspect(conn).get_table_names()
        for table, row in ROWS.items():
            if table not in tables:
                continue
            known = {c["name"] for c in inspect(conn).get_columns(table)}
            values = {k: v for k, v in row.items() if k in known}
            cols = ", ".join(values)
            marks = ", ".join(f":{k}" for k in values)
            conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"), values)
    engine.dispose()


def _check(url: str) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(ctx, SQLModel.metadata) == []
        assert conn.execute(text("SELECT prompt FROM image_generations")).scalar() == (
            "an old lighthouse"
        )
        fav, thumb = conn.execute(text("SELECT favorite, thumbnail_key FROM image_files")).one()
        assert (bool(fav), thumb) == (False, None)
    engine.dispose()


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_upgrade_from_every_revision_on_sqlite(start, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, start)
    _seed(url)
    upgrade(url)
    _check(url)
    engine = create_engine(url)
    with engine.connect() as conn:  # the search index came with the upgrade, rows included
        found = conn.execute(
            text("SELECT gid FROM generation_fts WHERE generation_fts MATCH 'lighthouse'")
        ).scalar()
    engine.dispose()
    assert found == "g1"


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_upgrade_from_every_revision_on_postgres(start, pg_server):
    url = pg_server.create_db(f"m_{uuid.uuid4().hex[:10]}")
    upgrade(url, start)
    _seed(url)
    upgrade(url)
    _check(url)
    engine = create_engine(url)
    with engine.connect() as conn:  # the search index came with the upgrade
        found = conn.execute(
            text("SELECT prompt FROM image_generations WHERE to_tsvector('simple', prompt) "
                 "@@ plainto_tsquery('simple', 'lighthouse')")
        ).scalar()  # fmt: skip
    engine.dispose()
    assert found == "an old lighthouse"


def test_every_revision_is_covered():
    assert REVISIONS[0] == "0001" and len(REVISIONS) >= 7
