"""Every environment variable imagegen reads, in one place (documented in README.md)."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "placeholder"}


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'512x512,768x512' -> [(512, 512), (768, 512)]; sizes must be multiples of 8."""
    sizes = []
    for part in text.split(","):
        if not part.strip():
            continue
        w, _, h = part.strip().lower().partition("x")
        if not (w.isdigit() and h.isdigit()) or int(w) % 8 or int(h) % 8:
            raise ValueError(f"bad diffusers size {part.strip()!r}: use WxH, multiples of 8")
        sizes.append((int(w), int(h)))
    if not sizes:
        raise ValueError("no diffusers sizes given")
    return sizes


class Settings(BaseSettings):
    """Runtime configuration; field names map to the env vars in the README table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(Path("data"), alias="IMAGEGEN_DATA_DIR")
    database_url: str = Field("", alias="DATABASE_URL")
    storage: Literal["local", "s3", ""] = Field("", alias="IMAGEGEN_STORAGE")
    s3_bucket: str = Field("", alias="S3_BUCKET")
    s3_endpoint_url: str = Field("", alias="S3_ENDPOINT_URL")
    s3_region: str = Field("us-east-1", alias="S3_REGION")
    worker_url: str = Field("http://127.0.0.1:8001", alias="IMAGEGEN_WORKER_URL")
    app_url: str = Field("", alias="IMAGEGEN_APP_URL")
    public_url: str = Field("", alias="IMAGEGEN_PUBLIC_URL")
    webhook_secret: str = Field("", alias="IMAGEGEN_WEBHOOK_SECRET")
    # Signs every app->worker request (its own secret: a leaked webhook secret can't drive jobs).
    worker_secret: str = Field("", alias="IMAGEGEN_WORKER_SECRET")
    delivery_max_age_seconds: float = Field(3600, alias="IMAGEGEN_DELIVERY_MAX_AGE", gt=0)
    max_body_bytes: int = Field(1024 * 1024, alias="IMAGEGEN_MAX_BODY_BYTES", ge=1024)
    cors_origins: str = Field("", alias="IMAGEGEN_CORS_ORIGINS")
    secret_key: str = Field("", alias="IMAGEGEN_SECRET_KEY")
    url_ttl_seconds: int = Field(6 * 3600, alias="IMAGEGEN_URL_TTL", ge=60, le=7 * 24 * 3600)
    # Idle lifetime of a local session; each use slides it forward (the cookie too).
    session_ttl_seconds: int = Field(7 * 24 * 3600, alias="IMAGEGEN_SESSION_TTL", ge=60)
    auth: Literal["local", "clerk"] = Field("local", alias="IMAGEGEN_AUTH")
    max_prompt_chars: int = Field(2000, alias="IMAGEGEN_MAX_PROMPT_CHARS", ge=1)
    generation_timeout_seconds: int = Field(600, alias="IMAGEGEN_GENERATION_TIMEOUT", ge=5)
    # Several app processes: Reflex's Redis state manager and notifications across processes.
    redis_url: str = Field(
        "", validation_alias=AliasChoices("REDIS_URL", "REFLEX_REDIS_URL", "redis_url")
    )
    dispatch_timeout: float = Field(10, alias="IMAGEGEN_DISPATCH_TIMEOUT", gt=0)
    webhook_budget_seconds: float = Field(5, alias="IMAGEGEN_WEBHOOK_BUDGET", gt=0)
    watchdog_seconds: float = Field(30, alias="IMAGEGEN_WATCHDOG_SECONDS", gt=0)
    orphan_grace_seconds: int = Field(3600, alias="IMAGEGEN_ORPHAN_GRACE", ge=60)
    orphan_sweep_seconds: float = Field(3600, alias="IMAGEGEN_ORPHAN_SWEEP_SECONDS", gt=0)
    poll_fallback_seconds: float = Field(5.0, alias="IMAGEGEN_POLL_SECONDS", gt=0)
    worker_host: str = Field("127.0.0.1", alias="IMAGEGEN_WORKER_HOST")
    worker_processes: int = Field(1, alias="IMAGEGEN_WORKER_PROCESSES", ge=1, le=64)
    worker_concurrency: int = Field(1, alias="IMAGEGEN_WORKER_CONCURRENCY", ge=1)
    procedural_step_ms: int = Field(0, alias="IMAGEGEN_PROCEDURAL_STEP_MS", ge=0, le=10_000)
    worker_port: int = Field(8001, alias="IMAGEGEN_WORKER_PORT")
    openai_api_key: str = Field("", alias="OPENAI_API_KEY")
    openai_base_url: str = Field("https://api.openai.com/v1", alias="OPENAI_BASE_URL")
    a1111_url: str = Field("", alias="AUTOMATIC1111_URL")
    comfyui_url: str = Field("", alias="COMFYUI_URL")
    replicate_api_token: str = Field("", alias="REPLICATE_API_TOKEN")
    replicate_base_url: str = Field("https://api.replicate.com", alias="REPLICATE_BASE_URL")
    replicate_models: str = Field(
        "black-forest-labs/flux-schnell", alias="IMAGEGEN_REPLICATE_MODELS"
    )
    diffusers_model: str = Field("", alias="IMAGEGEN_DIFFUSERS_MODEL")
    diffusers_device: str = Field("auto", alias="IMAGEGEN_DIFFUSERS_DEVICE")
    diffusers_steps: int = Field(25, alias="IMAGEGEN_DIFFUSERS_STEPS", ge=1, le=150)
    diffusers_sizes: str = Field(
        "512x512,768x768,768x512,512x768,1024x1024", alias="IMAGEGEN_DIFFUSERS_SIZES"
    )
    worker_public_url: str = Field("", alias="IMAGEGEN_WORKER_PUBLIC_URL")
    comfyui_workflow: str = Field("", alias="IMAGEGEN_COMFYUI_WORKFLOW")
    a1111_user: str = Field("", alias="AUTOMATIC1111_USER")
    a1111_password: str = Field("", alias="AUTOMATIC1111_PASSWORD")
    engine_timeout_seconds: float = Field(180, alias="IMAGEGEN_ENGINE_TIMEOUT", gt=0)
    engine_max_retries: int = Field(3, alias="IMAGEGEN_ENGINE_MAX_RETRIES", ge=0, le=10)
    webhook_max_bytes: int = Field(256 * 1024, alias="IMAGEGEN_WEBHOOK_MAX_BYTES", ge=1024)
    undo_seconds: float = Field(6, alias="IMAGEGEN_UNDO_SECONDS", ge=0)
    max_active_per_user: int = Field(4, alias="IMAGEGEN_MAX_ACTIVE_PER_USER", ge=1)
    login_max_failures: int = Field(5, alias="IMAGEGEN_LOGIN_MAX_FAILURES", ge=1)
    login_lockout_seconds: int = Field(15 * 60, alias="IMAGEGEN_LOGIN_LOCKOUT", ge=1)
    env: Literal["development", "production"] = Field("development", alias="IMAGEGEN_ENV")
    clerk_publishable_key: str = Field("", alias="CLERK_PUBLISHABLE_KEY")
    clerk_secret_key: str = Field("", alias="CLERK_SECRET_KEY")
    clerk_jwt_key: str = Field("", alias="CLERK_JWT_KEY")
    clerk_authorized_parties: str = Field("", alias="CLERK_AUTHORIZED_PARTIES")
    clerk_webhook_secret: str = Field("", alias="CLERK_WEBHOOK_SECRET")
    clerk_js_url: str = Field("", alias="CLERK_JS_URL")
    clerk_api_url: str = Field("https://api.clerk.com", alias="CLERK_API_URL")
    clerk_refresh_seconds: float = Field(40, alias="IMAGEGEN_CLERK_REFRESH_SECONDS", gt=0)

    @field_validator("diffusers_sizes")
    @classmethod
    def _sizes(cls, v: str) -> str:
        parse_sizes(v)  # a bad list fails at start-up, naming the bad entry
        return v

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL; an absolute SQLite path under the data dir by default."""
        return self.database_url or f"sqlite:///{self.data_dir / 'imagegen.db'}"

    @property
    def storage_kind(self) -> str:
        """S3 when a bucket is configured, else the local directory."""
        return self.storage or ("s3" if self.s3_bucket else "local")

    @property
    def files_dir(self) -> Path:
        """Where local storage keeps image objects."""
        return self.data_dir / "files"

    @property
    def outbox_dir(self) -> Path:
        """Where the worker keeps webhook deliveries until the app accepts them."""
        return self.data_dir / "worker-outbox"

    @property
    def journal_dir(self) -> Path:
        """Where the worker keeps accepted jobs until their result is in the outbox."""
        return self.data_dir / "worker-jobs"

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

    def allowed_origins(self) -> list[str]:
        """Browser origins trusted besides the request's own: the public URL and the CORS list."""
        out = []
        for url in (self.public_url, *self.cors_origins.split(",")):
            parts = urlsplit(url.strip())
            if parts.scheme and parts.netloc:
                origin = f"{parts.scheme}://{parts.netloc}".lower()
                if origin not in out:
                    out.append(origin)
        return out

    def resolved_secret_key(self) -> bytes:
        """The HMAC key for signed file URLs; in dev a random one persisted in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        return _dev_secret(self.data_dir, "secret_key", 32)

    def authorized_parties(self) -> list[str]:
        """Origins allowed in a Clerk token's azp claim (comma-separated in the env var)."""
        return [
            p.strip().rstrip("/") for p in self.clerk_authorized_parties.split(",") if p.strip()
        ]

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
        if self.auth == "clerk":
            if not (self.clerk_jwt_key or self.clerk_secret_key):
                problems.append("CLERK_JWT_KEY or CLERK_SECRET_KEY must be set")
            if not self.authorized_parties():
                problems.append("CLERK_AUTHORIZED_PARTIES is not set")
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
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    s = Settings()
    private_dir(s.data_dir)
    return s


def private_dir(path: Path) -> Path:
    """Creates (or tightens) a directory only its owner can read: images, keys and the DB."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to change (a mounted volume): leave it
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return path
