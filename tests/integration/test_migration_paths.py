"""Alembic upgrades to head from every earlier revision, on SQLite and on PostgreSQL, with
data written at that revision kept, and the result is exactly the models' schema."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session, SQLModel

from alembic import command
from imagegen.migrate import alembic_config, include_object, upgrade
from imagegen.models import GenerationStatus, ImageFile, ImageGeneration

REVISIONS = [
    s.revision
    for s in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]
# One row per table as 0008 had it; each revision gets the columns it knows (under their
# later names once renamed, see RENAMED).
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
# Columns 0009 renamed: (table, old name) -> new name.
RENAMED = {
    ("image_files", "s3_key"): "storage_key",
    ("image_files", "aspect_ratio"): "dimensions",
    ("image_generations", "author_id"): "owner_id",
}


def _seed(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = inspect(conn).get_table_names()
        for table, row in ROWS.items():
            if table not in tables:
                continue
            known = {c["name"] for c in inspect(conn).get_columns(table)}
            named = {RENAMED.get((table, k), k) if k not in known else k: v for k, v in row.items()}
            values = {k: v for k, v in named.items() if k in known}
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
    with Session(engine) as db:  # the old row, read through the renamed model
        gen, img = db.get(ImageGeneration, "g1"), db.get(ImageFile, "i1")
        assert gen is not None and img is not None
        assert (gen.owner_id, gen.status) == ("u1", GenerationStatus.COMPLETED)
        assert type(gen.status) is GenerationStatus
        assert (img.storage_key, img.dimensions) == ("generations/g1/0.png", "64x64")
    engine.dispose()


def _search_sees_new_rows(url: str) -> None:
    """SQLite's search triggers outlived the renames: a new generation is found, a deleted
    one is gone."""
    engine = create_engine(url)
    with Session(engine) as db:
        db.add(ImageGeneration(
            id="g2", owner_id="u1", prompt="a new windmill", width=64, height=64, num_images=1,
            seed=2, engine="procedural", model="procedural-v1",
        ))  # fmt: skip
        db.commit()
    find = text("SELECT gid FROM generation_fts WHERE generation_fts MATCH 'windmill'")
    with engine.begin() as conn:
        assert conn.execute(find).scalar() == "g2"
        conn.execute(text("DELETE FROM image_generations WHERE id = 'g2'"))
        assert conn.execute(find).scalar() is None
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
    _search_sees_new_rows(url)


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


def _down_and_up_again(url: str) -> None:
    """From head back to 0008 (the old names, rows kept), then up to head again."""
    upgrade(url, "0008")
    _seed(url)
    upgrade(url)
    command.downgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT author_id FROM image_generations")
        ).scalar() == "u1"  # fmt: skip
        assert conn.execute(text("SELECT s3_key, aspect_ratio FROM image_files")).one() == (
            "generations/g1/0.png",
            "64x64",
        )
        names = {i["name"] for i in inspect(conn).get_indexes("image_generations")}
        assert {"ix_generations_author_created", "ix_generations_author_status_created"} <= names
    engine.dispose()
    upgrade(url)
    _check(url)


def test_the_renames_downgrade_and_upgrade_again_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'renamed.db'}"
    _down_and_up_again(url)
    _search_sees_new_rows(url)


def test_the_renames_downgrade_and_upgrade_again_on_postgres(pg_server):
    _down_and_up_again(pg_server.create_db(f"m_{uuid.uuid4().hex[:10]}"))
