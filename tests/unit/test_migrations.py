"""The schema comes only from Alembic, and the model matches it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import imagegen.models  # noqa: F401
from imagegen.db import get_engine
from imagegen.migrate import alembic_config, include_object, upgrade


def test_migrations_produce_exactly_the_models_schema(app_env):
    with get_engine().connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": include_object}),
            SQLModel.metadata,
        )
    assert diff == []


def test_downgrade_to_base_and_up_again(app_env):
    from alembic import command

    command.downgrade(alembic_config(), "base")
    upgrade()
    with get_engine().connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"


def test_upgrading_a_database_with_images_keeps_them(app_env):
    """Columns added later get sane values on rows that already exist, and renamed ones keep
    theirs."""
    from sqlalchemy import text

    from alembic import command

    command.downgrade(alembic_config(), "0002")
    with get_engine().begin() as conn:
        conn.execute(
            text(
                "INSERT INTO image_generations (id, author_id, prompt, negative_prompt, width,"
                " height,"
                " num_images, seed, engine, model, status, created_at) VALUES ('g1', 'u1', 'p', '',"
                " 64, 64, 1, 1, 'procedural', 'procedural-v1', 'COMPLETED', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO image_files (id, generation_id, idx, filename, s3_key, file_size,"
                " format, width, height, aspect_ratio, created_at) VALUES ('i1', 'g1', 0, 'a.png',"
                " 'generations/g1/0.png', 3, 'PNG', 64, 64, '64x64', '2026-01-01 00:00:00')"
            )
        )
    upgrade()
    with get_engine().connect() as conn:
        row = conn.execute(text("SELECT favorite, thumbnail_key FROM image_files")).one()
        kept = conn.execute(text("SELECT storage_key, dimensions FROM image_files")).one()
        owner = conn.execute(text("SELECT owner_id FROM image_generations")).scalar()
    assert (bool(row[0]), row[1]) == (False, None)
    assert tuple(kept) == ("generations/g1/0.png", "64x64") and owner == "u1"
