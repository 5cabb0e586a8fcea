"""RS256 keys and Clerk-shaped session tokens made by the tests (Clerk's servers are not used)."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APP_ORIGIN = "http://localhost:3000"


def new_keypair() -> tuple[str, str]:
    """(private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def session_token(
    private_pem: str,
    sub: str = "user_2abc",
    *,
    azp: str = APP_ORIGIN,
    expires_in: int = 60,
    email: str | None = None,
) -> str:
    """A token shaped like a Clerk session JWT (v2 claims), signed RS256 with private_pem."""
    now = int(time.time())
    claims = {
        "sub": sub,
        "sid": "sess_test",
        "iss": "https://clerk.imagegen.test",
        "azp": azp,
        "iat": now - 5,
        "nbf": now - 5,
        "exp": now + expires_in,
        "v": 2,
    }
    if email:
        claims["email"] = email
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": "ins_test"})
