"""Clerk sessions, verified by clerk-backend-api: offline with CLERK_JWT_KEY, else via JWKS."""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx
import jwt
from clerk_backend_api.security import authenticate_request
from clerk_backend_api.security.types import AuthenticateRequestOptions
from cryptography.hazmat.primitives import serialization

from imagegen.services.auth.base import AuthProvider, Principal
from imagegen.settings.app import AppSettings

log = logging.getLogger("imagegen.auth.clerk")

JWKS_TTL = 3600.0  # Clerk rotates keys rarely; a new kid triggers a refetch anyway
UNKNOWN_KID_BACKOFF = 30.0  # garbage kids must not turn into a request each


class _Request:
    """The minimal request clerk-backend-api reads; its header lookup is case-sensitive."""

    def __init__(self, token: str) -> None:
        self.headers = httpx.Headers({"Authorization": f"Bearer {token}"})


class JwksCache:
    """Clerk's JWKS (GET {api}/v1/jwks with the secret key), as PEM keys by kid, cached."""

    def __init__(self, api_url: str, secret_key: str) -> None:
        self.url = f"{api_url.rstrip('/')}/v1/jwks"
        self.secret_key = secret_key
        self._keys: dict[str, str] = {}
        self._fetched = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def pem_for(self, kid: str) -> str | None:
        """The PEM public key for kid, fetching the JWKS when stale or when kid is new."""
        with self._lock:
            age = time.monotonic() - self._fetched
            if age > JWKS_TTL or (kid not in self._keys and age > UNKNOWN_KID_BACKOFF):
                self._refresh()
            return self._keys.get(kid)

    def _refresh(self) -> None:
        self._fetched = time.monotonic()
        self.fetches += 1
        try:
            r = httpx.get(
                self.url,
                timeout=5,
                headers={
                    "Authorization": f"Bearer {self.secret_key}",
                    "Accept": "application/json",
                },
            )
            r.raise_for_status()
            keys = {}
            for jwk in r.json()["keys"]:
                key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
                keys[jwk["kid"]] = key.public_bytes(  # type: ignore[union-attr]
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode()
            self._keys = keys
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as e:
            log.error("could not load Clerk's JWKS from %s: %s", self.url, e)


class ClerkAuth(AuthProvider):
    """Trusts only tokens Clerk signed, unexpired, for one of our authorized parties."""

    name = "clerk"

    def __init__(self, settings: AppSettings) -> None:
        self.jwt_key = settings.clerk_jwt_key.replace("\\n", "\n") or None
        self.parties = settings.authorized_parties() or None
        self.jwks = None
        if not self.jwt_key:
            if not settings.clerk_secret_key:
                raise RuntimeError("IMAGEGEN_AUTH=clerk needs CLERK_JWT_KEY or CLERK_SECRET_KEY")
            self.jwks = JwksCache(settings.clerk_api_url, settings.clerk_secret_key)

    def _key_for(self, token: str) -> str | None:
        if self.jwt_key:
            return self.jwt_key
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return None
        return self.jwks.pem_for(kid) if kid and self.jwks else None

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        key = self._key_for(token)
        if key is None:
            return None
        options = AuthenticateRequestOptions(
            jwt_key=key, authorized_parties=self.parties, accepts_token=["session_token"]
        )
        try:
            state = authenticate_request(_Request(token), options)
        except Exception:  # a library failure must read as "not signed in"
            log.exception("Clerk token verification failed unexpectedly")
            return None
        if not state.is_signed_in or not state.payload or not state.payload.get("sub"):
            return None
        claims = state.payload
        return Principal(user_id=str(claims["sub"]), email=str(claims.get("email") or ""))
