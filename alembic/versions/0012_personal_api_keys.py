"""personal API keys (hashed), and the key a generation came through

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", TEXT(length=64), nullable=False),
        sa.Column("owner_id", TEXT(length=64), nullable=False),
        sa.Column("name", TEXT(length=120), nullable=False),
        sa.Column("prefix", TEXT(length=32), nullable=False),
        sa.Column("key_hash", TEXT(length=64), nullable=False),
        sa.Column("scope", TEXT(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index("ix_api_keys_owner_id", "api_keys", ["owner_id"])
    # ADD COLUMN in place: SQLite keeps the table and its prompt-search triggers of 0006.
    op.add_column("image_generations", sa.Column("via_key", TEXT(length=120), nullable=True))


def downgrade() -> None:
    op.drop_column("image_generations", "via_key")
    op.drop_index("ix_api_keys_owner_id", table_name="api_keys")
    op.drop_table("api_keys")
