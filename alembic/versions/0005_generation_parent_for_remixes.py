"""generation parent for remixes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:40:39.766639
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('image_generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('image_generations', schema=None) as batch_op:
        batch_op.drop_column('parent_id')


