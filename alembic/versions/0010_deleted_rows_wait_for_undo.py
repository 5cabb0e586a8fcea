"""deleted_at: a delete hides its rows at once; they are purged when the undo window has passed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index)
TABLES = [("image_generations", "ix_generations_deleted"), ("image_files", "ix_image_files_deleted")]
ONLY_DELETED = "deleted_at IS NOT NULL"


def upgrade() -> None:
    """Adds the column in place (ADD COLUMN on both databases: SQLite keeps the table, and with
    it the prompt-search triggers of 0006)."""
    for table, index in TABLES:
        op.add_column(table, sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(
            index,
            table,
            ["deleted_at"],
            unique=False,
            sqlite_where=sa.text(ONLY_DELETED),
            postgresql_where=sa.text(ONLY_DELETED),
        )


def downgrade() -> None:
    """Rows still waiting for their purge are purged first (a downgrade would show them again)."""
    op.execute("DELETE FROM image_files WHERE deleted_at IS NOT NULL")
    op.execute(
        "DELETE FROM image_files WHERE generation_id IN "
        "(SELECT id FROM image_generations WHERE deleted_at IS NOT NULL)"
    )
    op.execute("DELETE FROM image_generations WHERE deleted_at IS NOT NULL")
    for table, index in TABLES:
        op.drop_index(index, table_name=table)
        op.drop_column(table, "deleted_at")  # in place: SQLite ≥ 3.35 drops a column itself
