"""share links choose whether the image files keep their generation parameters

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.add_column(
            sa.Column(
                "include_parameters", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.drop_column("include_parameters")
