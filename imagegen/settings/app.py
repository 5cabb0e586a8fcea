"""The web app's settings: database, sign-in, URLs and CORS, limits and the housekeeping loops."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from imagegen.settings.base import SharedSettings, private_dir

ARGON2_FLOOR_KIB, ARGON2_FLOOR_PASSES = 19456, 2  # OWASP's password storage cheat sheet


class AppSettings(SharedSettings):
    """What the app process reads; field names map to the env vars in the README table."""

    database_url: str = Field("", alias="DATABASE_URL")
    worker_url: str = Field("http://127.0.0.1:8001", alias="IMAGEGEN_WORKER_URL")
    public_url: str = Field("", alias="IMAGEGEN_PUBLIC_URL")
    max_body_bytes: int = Field(1024 * 1024, alias="IMAGEGEN_MAX_BODY_BYTES", ge=1024)
    webhook_max_bytes: int = Field(256 * 1024, alias="IMAGEGEN_WEBHOOK_MAX_BYTES", ge=1024)
    cors_origins: str = Field("", alias="IMAGEGEN_CORS_ORIGINS")
    url_ttl_seconds: int = Field(6 * 3600, alias="IMAGEGEN_URL_TTL", ge=60, le=7 * 24 * 3600)
    # Idle lifetime of a local session; each use slides it forward (the cookie too).
    session_ttl_seconds: int = Field(7 * 24 * 3600, alias="IMAGEGEN_SESSION_TTL", ge=60)
    auth: Literal["local", "clerk"] = Field("local", alias="IMAGEGEN_AUTH")
    generation_timeout_seconds: int = Field(600, alias="IMAGEGEN_GENERATION_TIMEOUT", ge=5)
    dispatch_timeout: float = Field(10, alias="IMAGEGEN_DISPATCH_TIMEOUT", gt=0)
    webhook_budget_seconds: float = Field(5, alias="IMAGEGEN_WEBHOOK_BUDGET", gt=0)
    watchdog_seconds: float = Field(30, alias="IMAGEGEN_WATCHDOG_SECONDS", gt=0)
    orphan_grace_seconds: int = Field(3600, alias="IMAGEGEN_ORPHAN_GRACE", ge=60)
    orphan_sweep_seconds: float = Field(3600, alias="IMAGEGEN_ORPHAN_SWEEP_SECONDS", gt=0)
    poll_fallback_seconds: float = Field(5.0, alias="IMAGEGEN_POLL_SECONDS", gt=0)
    undo_seconds: float = Field(6, alias="IMAGEGEN_UNDO_SECONDS", ge=0)
    max_active_per_user: int = Field(4, alias="IMAGEGEN_MAX_ACTIVE_PER_USER", ge=1)
    # Images uploaded as inputs: each file's size and pixels, and how many a user may keep.
    max_upload_bytes: int = Field(20 * 1024 * 1024, alias="IMAGEGEN_MAX_UPLOAD_BYTES", ge=1024)
    max_input_pixels: int = Field(16_000_000, alias="IMAGEGEN_MAX_INPUT_PIXELS", ge=4096)
    max_uploads_per_user: int = Field(200, alias="IMAGEGEN_MAX_UPLOADS_PER_USER", ge=1)
    # How long POST /v1/images/generations waits for the images before answering 504.
    openai_wait_seconds: float = Field(120, alias="IMAGEGEN_OPENAI_WAIT", gt=0, le=3600)
    login_max_failures: int = Field(5, alias="IMAGEGEN_LOGIN_MAX_FAILURES", ge=1)
    login_lockout_seconds: int = Field(15 * 60, alias="IMAGEGEN_LOGIN_LOCKOUT", ge=1)
    # argon2id's cost: pwdlib's recommended 64 MiB x 3 passes by default; production refuses
    # less than OWASP's floor (19 MiB x 2). Stored hashes keep their own cost until next sign-in.
    argon2_memory_kib: int = Field(65536, alias="IMAGEGEN_ARGON2_MEMORY_KIB", ge=8)
    argon2_time_cost: int = Field(3, alias="IMAGEGEN_ARGON2_TIME_COST", ge=1)
    clerk_publishable_key: str = Field("", alias="CLERK_PUBLISHABLE_KEY")
    clerk_secret_key: str = Field("", alias="CLERK_SECRET_KEY")
    clerk_jwt_key: str = Field("", alias="CLERK_JWT_KEY")
    clerk_authorized_parties: str = Field("", alias="CLERK_AUTHORIZED_PARTIES")
    clerk_webhook_secret: str = Field("", alias="CLERK_WEBHOOK_SECRET")
    clerk_js_url: str = Field("", alias="CLERK_JS_URL")
    clerk_api_url: str = Field("https://api.clerk.com", alias="CLERK_API_URL")
    clerk_refresh_seconds: float = Field(40, alias="IMAGEGEN_CLERK_REFRESH_SECONDS", gt=0)

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL; an absolute SQLite path under the data dir by default."""
        return self.database_url or f"sqlite:///{self.data_dir / 'imagegen.db'}"

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

    def authorized_parties(self) -> list[str]:
        """Origins allowed in a Clerk token's azp claim (comma-separated in the env var)."""
        return [
            p.strip().rstrip("/") for p in self.clerk_authorized_parties.split(",") if p.strip()
        ]

    def production_problems(self) -> list[str]:
        """The shared secrets, plus Clerk's keys when the app signs users in through Clerk."""
        problems = super().production_problems()
        if self.argon2_memory_kib < ARGON2_FLOOR_KIB or self.argon2_time_cost < ARGON2_FLOOR_PASSES:
            problems.append(
                "IMAGEGEN_ARGON2_MEMORY_KIB / IMAGEGEN_ARGON2_TIME_COST are below OWASP's floor "
                f"({ARGON2_FLOOR_KIB} KiB, {ARGON2_FLOOR_PASSES} passes)"
            )
        if self.auth == "clerk":
            if not (self.clerk_jwt_key or self.clerk_secret_key):
                problems.append("CLERK_JWT_KEY or CLERK_SECRET_KEY must be set")
            if not self.authorized_parties():
                problems.append("CLERK_AUTHORIZED_PARTIES is not set")
        return problems


@lru_cache
def get_app_settings() -> AppSettings:
    """The app process's settings, read once from the environment."""
    s = AppSettings()
    private_dir(s.data_dir)
    return s
