"""Clerk sessions, verified by clerk-backend-api: offline with CLERK_JWT_KEY, else via JWKS."""

from __future__ import annotations

import logging

import httpx
from clerk_backend_api.security import authenticate_request
from clerk_backend_api.security.types import AuthenticateRequestOptions

from imagegen.services.auth.base import AuthProvider, Principal
from imagegen.settings import Settings

log = logging.getLogger("imagegen.auth.clerk")


class _Request:
    """The minimal request clerk-backend-api reads; its header lookup is case-sensitive."""

    def __init__(self, token: str) -> None:
        self.headers = httpx.Headers({"Authorization": f"Bearer {token}"})


class ClerkAuth(AuthProvider):
    """Trusts only tokens Clerk signed, unexpired, for one of our authorized parties."""

    name = "clerk"

    def __init__(self, settings: Settings) -> None:
        self.jwt_key = settings.clerk_jwt_key.replace("\\n", "\n") or None
        self.secret_key = settings.clerk_secret_key or None
        self.parties = settings.authorized_parties() or None
        if not (self.jwt_key or self.secret_key):
            raise RuntimeError("IMAGEGEN_AUTH=clerk needs CLERK_JWT_KEY or CLERK_SECRET_KEY")

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        options = AuthenticateRequestOptions(
            jwt_key=self.jwt_key,
            secret_key=self.secret_key,
            authorized_parties=self.parties,
            accepts_token=["session_token"],
        )
        try:
            state = authenticate_request(_Request(token), options)
        except Exception:  # a library or network failure must read as "not signed in"
            log.exception("Clerk token verification failed unexpectedly")
            return None
        if not state.is_signed_in or not state.payload or not state.payload.get("sub"):
            return None
        claims = state.payload
        return Principal(user_id=str(claims["sub"]), email=str(claims.get("email") or ""))
