"""The schema comes only from Alembic, and the model matches it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import imagegen.models  # noqa: F401
from imagegen.db import get_engine
from imagegen.migrate import alembic_config, upgrade


def test_migrations_produce_exactly_the_models_schema(app_env):
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(app_env):
    from alembic import command

    command.downgrade(alembic_config(), "base")
    upgrade()
    with get_engine().connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
