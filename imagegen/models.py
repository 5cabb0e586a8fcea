"""SQLModel tables; the database is the single source of truth for every view."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, Enum, Index, UniqueConstraint, event, text
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel

from imagegen.contract import GenerationStatus
from imagegen.ids import new_id


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL agree."""
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """An aware UTC datetime; SQLite hands back naive ones that are UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _ts(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def _only_deleted() -> dict:
    """A partial index's condition: the rows a delete has hidden."""
    cond = "deleted_at IS NOT NULL"
    return {"sqlite_where": text(cond), "postgresql_where": text(cond)}


# The statuses of a generation still running somewhere (queued or rendering).
IN_FLIGHT: tuple[GenerationStatus, ...] = (GenerationStatus.PENDING, GenerationStatus.PROCESSING)


def _status() -> Column:
    """VARCHAR(16) of the members' values (the strings the rows always held), read as members."""
    return Column(
        Enum(
            GenerationStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        nullable=False,
    )


class User(SQLModel, table=True):
    """A local account (Clerk users get a row too, keyed by their Clerk id)."""

    __tablename__ = "users"
    __table_args__ = {"extend_existing": True}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    email: str = Field(index=True, unique=True, max_length=320)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AuthSession(SQLModel, table=True):
    """A signed-in session; only the token's hash is stored, so a DB leak is not a login."""

    __tablename__ = "auth_sessions"
    __table_args__ = {"extend_existing": True}

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=64, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())


class ImageGeneration(SQLModel, table=True):
    """One prompt submission and its parameters; owns its images."""

    __tablename__ = "image_generations"
    __table_args__ = (
        Index("ix_generations_owner_status_created", "owner_id", "status", "created_at", "id"),
        Index("ix_generations_owner_created", "owner_id", "created_at", "id"),
        # Deleted rows wait for their undo window to pass: few, found by the purge.
        Index("ix_generations_deleted", "deleted_at", **_only_deleted()),
        {"extend_existing": True},
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    owner_id: str = Field(max_length=64)
    prompt: str = Field(max_length=4000)
    negative_prompt: str = Field(default="", max_length=4000)
    width: int
    height: int
    num_images: int
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    engine: str = Field(max_length=64)
    model: str = Field(max_length=128)
    status: GenerationStatus = Field(default=GenerationStatus.PENDING, sa_column=_status())
    error: str | None = Field(default=None, max_length=2000)
    duration_ms: int | None = None
    parent_id: str | None = Field(default=None, max_length=64)
    # Lineage: the image or upload it was made from, and how (input, vary, upscale). No
    # foreign key: deleting a source leaves what was made from it, its link shown as gone.
    source_image_id: str | None = Field(default=None, max_length=64, index=True)
    source_upload_id: str | None = Field(default=None, max_length=64, index=True)
    operation: str | None = Field(default=None, max_length=16)
    strength: float | None = None
    # Made through the API with a personal key: that key's name, as it was then.
    via_key: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    completed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ApiKey(SQLModel, table=True):
    """A personal API key: only its hash is kept; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"
    __table_args__ = {"extend_existing": True}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    owner_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=32)  # "ig_" and its first characters: how a list shows it
    key_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=16)  # "generate" (all the API) or "read" (list and download)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    last_used_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Upload(SQLModel, table=True):
    """An image a user uploaded to start from; stored under the user's own prefix, checked."""

    __tablename__ = "uploads"
    __table_args__ = {"extend_existing": True}

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    owner_id: str = Field(index=True, max_length=64)
    storage_key: str = Field(max_length=512, unique=True)
    format: str = Field(max_length=16)
    width: int
    height: int
    file_size: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ImageFile(SQLModel, table=True):
    """One stored image; the URL is minted per read (it expires), only the key is stored."""

    __tablename__ = "image_files"
    __table_args__ = (
        UniqueConstraint("generation_id", "idx", name="uq_image_files_generation_idx"),
        # Favourites are few: the filter starts from this small index, not from the history.
        Index(
            "ix_image_files_favorite",
            "generation_id",
            sqlite_where=text("favorite = 1"),
            postgresql_where=text("favorite = true"),
        ),
        Index("ix_image_files_deleted", "deleted_at", **_only_deleted()),
        {"extend_existing": True},
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    generation_id: str = Field(
        foreign_key="image_generations.id", index=True, max_length=64, ondelete="CASCADE"
    )
    idx: int = 0
    filename: str = Field(max_length=255)
    storage_key: str = Field(max_length=512, unique=True)
    thumbnail_key: str | None = Field(default=None, max_length=512)
    favorite: bool = Field(default=False)
    file_size: int
    format: str = Field(max_length=16)
    width: int
    height: int
    dimensions: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    deleted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebhookReceipt(SQLModel, table=True):
    """Webhook ids already processed, so a replayed delivery is a no-op."""

    __tablename__ = "webhook_receipts"
    __table_args__ = {"extend_existing": True}

    webhook_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per email, so password guessing is slowed whether the account exists."""

    __tablename__ = "login_throttle"
    __table_args__ = {"extend_existing": True}

    email: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow, sa_column=_ts())
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Album(SQLModel, table=True):
    """A user's named collection of images; an image may sit in several."""

    __tablename__ = "albums"
    __table_args__ = (
        UniqueConstraint("owner_id", "name", name="uq_albums_owner_name"),
        {"extend_existing": True},
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    owner_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AlbumImage(SQLModel, table=True):
    """Membership of an image in an album; goes with either side (cascade)."""

    __tablename__ = "album_images"
    __table_args__ = (
        Index("ix_album_images_album_added", "album_id", "added_at", "image_id"),
        {"extend_existing": True},
    )

    album_id: str = Field(
        foreign_key="albums.id", primary_key=True, max_length=64, ondelete="CASCADE"
    )
    image_id: str = Field(
        foreign_key="image_files.id",
        primary_key=True,
        index=True,
        max_length=64,
        ondelete="CASCADE",
    )
    added_at: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ShareLink(SQLModel, table=True):
    """A revocable, unguessable public link to one image or one generation."""

    __tablename__ = "share_links"
    __table_args__ = {"extend_existing": True}

    token: str = Field(primary_key=True, max_length=64)
    owner_id: str = Field(index=True, max_length=64)
    generation_id: str = Field(
        foreign_key="image_generations.id", index=True, max_length=64, ondelete="CASCADE"
    )
    image_id: str | None = Field(
        default=None,
        foreign_key="image_files.id",
        index=True,
        max_length=64,
        ondelete="CASCADE",
    )
    # Whether the shared files keep their PNG parameters (prompt, seed, model); off by default.
    include_parameters: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


# Execution option of a read that must see deleted rows too (Undo, and the purge).
WITH_DELETED = "imagegen_with_deleted"


@event.listens_for(OrmSession, "do_orm_execute")
def _hide_deleted(state: ORMExecuteState) -> None:
    """Every read leaves out deleted generations and images (waiting for their undo window to
    pass), so no query can forget to; writes and WITH_DELETED reads see them."""
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(WITH_DELETED, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                ImageGeneration, lambda cls: cls.deleted_at.is_(None), include_aliases=True
            ),
            with_loader_criteria(
                ImageFile, lambda cls: cls.deleted_at.is_(None), include_aliases=True
            ),
        )
