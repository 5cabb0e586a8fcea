"""Auth seam: one provider interface; local accounts now, Clerk beside it later."""

from __future__ import annotations

from functools import lru_cache

from imagegen.services.auth.base import AuthProvider, Principal
from imagegen.settings.app import get_app_settings

__all__ = ["AuthProvider", "Principal", "get_auth"]


@lru_cache
def get_auth() -> AuthProvider:
    """The provider selected by IMAGEGEN_AUTH."""
    settings = get_app_settings()
    if settings.auth == "clerk":
        from imagegen.services.auth.clerk import ClerkAuth

        return ClerkAuth(settings)
    from imagegen.services.auth.local import LocalAuth

    return LocalAuth(settings.session_ttl_seconds)
