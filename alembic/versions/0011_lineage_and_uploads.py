"""lineage (source image or upload, operation, strength) and uploaded input images

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """ADD COLUMN in place (SQLite keeps the table and its prompt-search triggers of 0006)."""
    op.add_column("image_generations", sa.Column("source_image_id", TEXT(length=64), nullable=True))
    op.add_column("image_generations", sa.Column("source_upload_id", TEXT(length=64), nullable=True))
    op.add_column("image_generations", sa.Column("operation", TEXT(length=16), nullable=True))
    op.add_column("image_generations", sa.Column("strength", sa.Float(), nullable=True))
    for column in ("source_image_id", "source_upload_id"):
        op.create_index(f"ix_image_generations_{column}", "image_generations", [column])
    op.create_table(
        "uploads",
        sa.Column("id", TEXT(length=64), nullable=False),
        sa.Column("owner_id", TEXT(length=64), nullable=False),
        sa.Column("storage_key", TEXT(length=512), nullable=False),
        sa.Column("format", TEXT(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_uploads_owner_id", "uploads", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_uploads_owner_id", table_name="uploads")
    op.drop_table("uploads")
    for column in ("source_image_id", "source_upload_id"):
        op.drop_index(f"ix_image_generations_{column}", table_name="image_generations")
    for column in ("strength", "operation", "source_upload_id", "source_image_id"):
        op.drop_column("image_generations", column)
