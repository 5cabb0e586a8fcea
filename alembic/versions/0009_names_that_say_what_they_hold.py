"""names that say what they hold: storage_key, dimensions, owner_id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old column, new column)
COLUMNS = [
    ("image_files", "s3_key", "storage_key"),  # local keys too, not only S3's
    ("image_files", "aspect_ratio", "dimensions"),  # it holds "WxH"
    ("image_generations", "author_id", "owner_id"),  # what albums and share links call it
]
# (old name, new name, columns as renamed) of image_generations' indexes
INDEXES = [
    ("ix_generations_author_status_created", "ix_generations_owner_status_created",
     ["owner_id", "status", "created_at", "id"]),
    ("ix_generations_author_created", "ix_generations_owner_created",
     ["owner_id", "created_at", "id"]),
]  # fmt: skip
# PostgreSQL's own name for the unnamed UNIQUE (s3_key) of 0001
PG_UNIQUE = ("image_files_s3_key_key", "image_files_storage_key_key")


def upgrade() -> None:
    _rename(forward=True)


def downgrade() -> None:
    _rename(forward=False)


def _rename(forward: bool) -> None:
    """Renames in place on both databases: SQLite's ALTER TABLE RENAME COLUMN rewrites the
    indexes that use the column and keeps the table, so the prompt-search triggers of 0006
    stay (a batch copy-and-move would drop them with the old table)."""
    for table, old, new in COLUMNS:
        a, b = (old, new) if forward else (new, old)
        op.alter_column(table, a, new_column_name=b)
    if op.get_bind().dialect.name == "postgresql":
        a, b = PG_UNIQUE if forward else PG_UNIQUE[::-1]
        op.execute(f"ALTER TABLE image_files RENAME CONSTRAINT {a} TO {b}")
        for old, new, _cols in INDEXES:
            a, b = (old, new) if forward else (new, old)
            op.execute(f"ALTER INDEX {a} RENAME TO {b}")
        return
    # SQLite cannot rename an index: made again under its new name.
    for old, new, cols in INDEXES:
        a, b = (old, new) if forward else (new, old)
        columns = cols if forward else ["author_id", *cols[1:]]
        op.drop_index(a, table_name="image_generations")
        op.create_index(b, "image_generations", columns, unique=False)
