"""partial index on favourite images

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 21:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_image_files_favorite",
        "image_files",
        ["generation_id"],
        unique=False,
        sqlite_where=sa.text("favorite = 1"),
        postgresql_where=sa.text("favorite = true"),
    )


def downgrade() -> None:
    op.drop_index("ix_image_files_favorite", table_name="image_files")
