"""The settings both processes read, and the helpers (dev secrets, private dirs) they share."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "placeholder"}


class SharedSettings(BaseSettings):
    """What both processes read: the data dir, storage, the two request secrets, production."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(Path("data"), alias="IMAGEGEN_DATA_DIR")
    env: Literal["development", "production"] = Field("development", alias="IMAGEGEN_ENV")
    storage: Literal["local", "s3", ""] = Field("", alias="IMAGEGEN_STORAGE")
    s3_bucket: str = Field("", alias="S3_BUCKET")
    s3_endpoint_url: str = Field("", alias="S3_ENDPOINT_URL")
    s3_region: str = Field("us-east-1", alias="S3_REGION")
    # Signs local storage's file URLs (the worker's storage is built with it too).
    secret_key: str = Field("", alias="IMAGEGEN_SECRET_KEY")
    # The app's address: the app builds callback URLs on it, the worker accepts only those.
    app_url: str = Field("", alias="IMAGEGEN_APP_URL")
    webhook_secret: str = Field("", alias="IMAGEGEN_WEBHOOK_SECRET")
    # Signs every app->worker request (its own secret: a leaked webhook secret can't drive jobs).
    worker_secret: str = Field("", alias="IMAGEGEN_WORKER_SECRET")
    # The app validates prompts against it and the worker applies it again to signed jobs.
    max_prompt_chars: int = Field(2000, alias="IMAGEGEN_MAX_PROMPT_CHARS", ge=1)
    # Several app processes: Reflex's Redis state manager and notifications across processes;
    # the worker's cancel broadcast.
    redis_url: str = Field(
        "", validation_alias=AliasChoices("REDIS_URL", "REFLEX_REDIS_URL", "redis_url")
    )
    # How jobs reach workers: one shared queue on Redis that every worker pulls from, or a
    # signed POST to IMAGEGEN_WORKER_URL; auto is the shared queue whenever REDIS_URL is set.
    queue: Literal["auto", "shared", "http"] = Field("auto", alias="IMAGEGEN_QUEUE")
    # Shared queue: a job whose worker stops renewing its lease runs again elsewhere after this
    # (the app stamps it on each job; the workers sweep by it).
    job_lease_seconds: int = Field(30, alias="IMAGEGEN_JOB_LEASE", ge=10, le=3600)
    # Local storage's folder; several worker machines share one by mounting it here.
    files_dir_setting: Path | None = Field(None, alias="IMAGEGEN_FILES_DIR")

    @field_validator("data_dir", "files_dir_setting")
    @classmethod
    def _absolute(cls, v: Path | None) -> Path | None:
        return None if v is None else v.expanduser().resolve()

    @model_validator(mode="after")
    def _queue_needs_redis(self) -> SharedSettings:
        if self.queue == "shared" and not self.redis_url:
            raise ValueError("IMAGEGEN_QUEUE=shared needs REDIS_URL")
        return self

    @property
    def storage_kind(self) -> str:
        """S3 when a bucket is configured, else the local directory."""
        return self.storage or ("s3" if self.s3_bucket else "local")

    @property
    def files_dir(self) -> Path:
        """Where local storage keeps image objects."""
        return self.files_dir_setting or self.data_dir / "files"

    @property
    def shared_queue(self) -> bool:
        """Whether jobs go through the shared Redis queue rather than POST /v1/jobs."""
        return self.queue == "shared" or (self.queue == "auto" and bool(self.redis_url))

    def resolved_webhook_secret(self) -> str:
        """The Standard Webhooks secret; in dev a random one made once, shared via the data dir."""
        if self.webhook_secret:
            return self.webhook_secret
        raw = _dev_secret(self.data_dir, "webhook_secret", 24)
        return "whsec_" + base64.b64encode(raw).decode()

    def resolved_worker_secret(self) -> str:
        """The Standard Webhooks secret of app->worker requests; in dev one per data dir."""
        if self.worker_secret:
            return self.worker_secret
        raw = _dev_secret(self.data_dir, "worker_secret", 24)
        return "whsec_" + base64.b64encode(raw).decode()

    def resolved_secret_key(self) -> bytes:
        """The HMAC key for signed file URLs; in dev a random one persisted in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        return _dev_secret(self.data_dir, "secret_key", 32)

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production (empty when it is fit)."""
        problems = []
        for name, value in (
            ("IMAGEGEN_WEBHOOK_SECRET", self.webhook_secret),
            ("IMAGEGEN_SECRET_KEY", self.secret_key),
            ("IMAGEGEN_WORKER_SECRET", self.worker_secret),
        ):
            if not value:
                problems.append(f"{name} is not set")
            elif _is_placeholder(value):
                problems.append(f"{name} is a placeholder ({value!r}); set a random secret")
        return problems

    def check_production(self) -> None:
        """Refuses to start a production process with missing or placeholder secrets."""
        problems = self.production_problems() if self.env == "production" else []
        if problems:
            raise SystemExit("imagegen refuses to start in production: " + "; ".join(problems))


def _is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    bare = v.removeprefix("whsec_")
    return (
        v in PLACEHOLDER_SECRETS
        or bare in PLACEHOLDER_SECRETS
        or len(bare) < 16
        or any(w in v for w in ("changeme", "change-me", "placeholder", "example", "xxxx"))
    )


def _dev_secret(data_dir: Path, name: str, size: int) -> bytes:
    """Creates a per-install random secret so app and worker on one machine agree on it."""
    path = data_dir / ".secrets" / name
    if not path.exists():
        private_dir(path.parent)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(secrets.token_bytes(size))
        tmp.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic: the first writer wins
        tmp.unlink()
    return path.read_bytes()


@lru_cache
def get_shared_settings() -> SharedSettings:
    """What shared code (storage) reads when no process settings are handed to it."""
    s = SharedSettings()
    private_dir(s.data_dir)
    return s


def private_dir(path: Path) -> Path:
    """Creates (or tightens) a directory only its owner can read: images, keys and the DB."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to change (a mounted volume): leave it
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return path
