"""PostgreSQL: the prompt's tsvector stored and GIN-indexed (SQLite: nothing)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A search reads the newest rows in date order and tests each one's prompt: computed on the
# fly, to_tsvector cost more than the rest of the page. Stored, the test is a lookup; the GIN
# index moves onto the stored column. The column is PostgreSQL's own (not in the models).
PG_UP = [
    "ALTER TABLE image_generations ADD COLUMN prompt_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', prompt)) STORED",
    "CREATE INDEX ix_generations_prompt_tsv ON image_generations USING gin (prompt_tsv)",
    "DROP INDEX IF EXISTS ix_generations_prompt_fts",
]
PG_DOWN = [
    "CREATE INDEX ix_generations_prompt_fts ON image_generations "
    "USING gin (to_tsvector('simple', prompt))",
    "DROP INDEX IF EXISTS ix_generations_prompt_tsv",
    "ALTER TABLE image_generations DROP COLUMN IF EXISTS prompt_tsv",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_UP:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_DOWN:
            op.execute(stmt)
