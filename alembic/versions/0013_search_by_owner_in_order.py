"""prompt search by owner, in creation order (SQLite: FTS5 pages without materialising)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: the FTS5 table gains the owner (hex of the id: one exact token, whatever its case
# or punctuation) and is refilled in creation order, so that its own rowid (stable: FTS5
# stores it) is the creation order. A search then walks the owner's matches newest first
# through FTS5's ORDER BY rowid and stops at a page, instead of listing every match. Prefix
# indexes for 2 to 4 letters: the last word is a prefix, and without them FTS5 merges the
# doclists of every word it begins ("stu" for all of "study") before the first row.
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS image_generations_fts_delete",
    "DROP TRIGGER IF EXISTS image_generations_fts_insert",
    "DROP TABLE IF EXISTS generation_fts",
    "CREATE VIRTUAL TABLE generation_fts USING fts5("
    "gid, owner, prompt, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4')",
    "INSERT INTO generation_fts(gid, owner, prompt) SELECT id, hex(owner_id), prompt "
    "FROM image_generations ORDER BY created_at, id",
    "CREATE TRIGGER image_generations_fts_insert AFTER INSERT ON image_generations BEGIN "
    "INSERT INTO generation_fts(gid, owner, prompt) "
    "VALUES (new.id, hex(new.owner_id), new.prompt); END",
    "CREATE TRIGGER image_generations_fts_delete AFTER DELETE ON image_generations BEGIN "
    "DELETE FROM generation_fts WHERE rowid IN (SELECT rowid FROM generation_fts "
    "WHERE generation_fts MATCH 'gid:\"' || old.id || '\"'); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS image_generations_fts_delete",
    "DROP TRIGGER IF EXISTS image_generations_fts_insert",
    "DROP TABLE IF EXISTS generation_fts",
    "CREATE VIRTUAL TABLE generation_fts USING fts5("
    "gid, prompt, tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO generation_fts(gid, prompt) SELECT id, prompt FROM image_generations",
    "CREATE TRIGGER image_generations_fts_insert AFTER INSERT ON image_generations BEGIN "
    "INSERT INTO generation_fts(gid, prompt) VALUES (new.id, new.prompt); END",
    "CREATE TRIGGER image_generations_fts_delete AFTER DELETE ON image_generations BEGIN "
    "DELETE FROM generation_fts WHERE rowid IN (SELECT rowid FROM generation_fts "
    "WHERE generation_fts MATCH 'gid:\"' || old.id || '\"'); END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_UP:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_DOWN:
            op.execute(stmt)
