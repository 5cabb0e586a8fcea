"""Response models of the key routes and of /v1 (OpenAI's error shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from imagegen.api.schemas import _Out


class OpenAIError(BaseModel):
    """The error itself, as OpenAI's API gives it."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorResponse(BaseModel):
    """An error from /v1, in OpenAI's shape (its clients read it)."""

    error: OpenAIError


class KeyIn(_Out):
    """A new API key: its name (where it will be used) and its scope."""

    name: str = Field(min_length=1, max_length=120)
    scope: Literal["generate", "read"] = "generate"


class ApiKeyOut(_Out):
    """A key as its list shows it: never the key itself."""

    id: str
    name: str
    prefix: str
    scope: Literal["generate", "read"]
    created_at: str
    last_used_at: str | None


class KeyCreated(ApiKeyOut):
    """A key just made: `key` is shown this once, and cannot be read again."""

    key: str


class KeyList(_Out):
    """The caller's live keys."""

    success: Literal[True]
    keys: list[ApiKeyOut]
