"""Applies the Alembic migrations; the only way the schema is made."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


# Made by hand in migrations 0006, 0013 and 0014, per database, and not in the models.
_PROMPT_SEARCH = ("generation_fts", "ix_generations_prompt_", "prompt_tsv")


def include_object(_obj: object, name: str | None, _type: str, *_args: object) -> bool:
    """Autogenerate and schema checks leave the prompt search's own objects alone."""
    return not (name or "").startswith(_PROMPT_SEARCH)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config bound to this checkout's migrations and, optionally, a database URL."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Brings the database at url (default: settings) up to revision."""
    command.upgrade(alembic_config(url), revision)


if __name__ == "__main__":
    upgrade(sys.argv[1] if len(sys.argv) > 1 else None)
    print("database is at the latest migration")
