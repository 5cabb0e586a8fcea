"""Clerk mode: the real clerk-backend-api verifies every token; only valid ones get in."""

from __future__ import annotations

import httpx
import pytest

from imagegen.services.auth.clerk import ClerkAuth
from imagegen.settings.app import AppSettings
from tests.helpers import ThreadedServer, free_port, reset_caches
from tests.security.clerk_keys import APP_ORIGIN, new_keypair, session_token

PRIVATE, PUBLIC = new_keypair()
OTHER_PRIVATE, _ = new_keypair()


@pytest.fixture
def clerk_env(app_env, monkeypatch):
    monkeypatch.setenv("IMAGEGEN_AUTH", "clerk")
    monkeypatch.setenv("CLERK_JWT_KEY", PUBLIC)
    monkeypatch.setenv("CLERK_AUTHORIZED_PARTIES", f"{APP_ORIGIN},https://studio.example.com")
    reset_caches()
    return app_env


def _auth() -> ClerkAuth:
    return ClerkAuth(AppSettings())


def test_valid_token_is_in(clerk_env):
    p = _auth().authenticate(session_token(PRIVATE, "user_ada", email="ada@example.com"))
    assert p is not None and (p.user_id, p.email) == ("user_ada", "ada@example.com")


@pytest.mark.parametrize(
    ("case", "token"),
    [
        ("expired", session_token(PRIVATE, expires_in=-120)),
        ("wrong key", session_token(OTHER_PRIVATE)),
        ("wrong azp", session_token(PRIVATE, azp="https://evil.example.com")),
        ("missing", None),
        ("empty", ""),
        ("garbage", "not.a.jwt"),
        ("unsigned alg none", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyX2FkYSJ9."),
    ],
)
def test_bad_tokens_are_out(clerk_env, case, token):
    assert _auth().authenticate(token) is None, case


def test_the_api_takes_the_token_as_bearer_or_session_cookie(clerk_env):
    from imagegen.api import create_api

    token = session_token(PRIVATE, "user_cookie")
    bad = session_token(OTHER_PRIVATE, "user_cookie")
    with ThreadedServer(create_api(), free_port()) as srv:
        me = f"{srv.url}/api/auth/me"
        assert (
            httpx.get(me, headers={"Authorization": f"Bearer {token}"}).json()["id"]
            == "user_cookie"
        )
        assert httpx.get(me, cookies={"__session": token}).json()["id"] == "user_cookie"
        assert httpx.get(me, cookies={"__session": bad}).status_code == 401
        assert httpx.get(me).status_code == 401
        # Sign-up and password login belong to Clerk in this mode.
        r = httpx.post(f"{srv.url}/api/auth/login", json={"email": "a@b.co", "password": "x" * 9})
        assert r.status_code == 400 and "clerk" in r.json()["error"]


def test_clerk_mode_without_any_key_refuses_to_start(app_env, monkeypatch):
    monkeypatch.setenv("IMAGEGEN_AUTH", "clerk")
    with pytest.raises(RuntimeError, match="CLERK_JWT_KEY or CLERK_SECRET_KEY"):
        ClerkAuth(AppSettings())


def _jwks_server(public_pem: str, secret: str, state: dict):
    """Follows Clerk's documented GET /v1/jwks: bearer secret key in, {"keys": [JWK…]} out."""
    import json as _json

    import jwt as _jwt
    from cryptography.hazmat.primitives import serialization as _ser
    from fastapi import FastAPI, Header
    from fastapi.responses import JSONResponse

    jwk = _json.loads(
        _jwt.algorithms.RSAAlgorithm.to_jwk(_ser.load_pem_public_key(public_pem.encode()))
    )
    jwk.update({"kid": "ins_test", "alg": "RS256", "use": "sig"})
    app = FastAPI()

    @app.get("/v1/jwks")
    def jwks(authorization: str = Header("")):
        state["requests"] += 1
        if state.get("fail"):
            return JSONResponse({"errors": [{"code": "internal_error"}]}, status_code=500)
        if authorization != f"Bearer {secret}":
            return JSONResponse({"errors": [{"code": "authentication_invalid"}]}, status_code=401)
        return {"keys": [jwk]}

    return app


def test_without_a_jwt_key_the_jwks_comes_through_the_secret_key_cached(app_env, monkeypatch):
    state = {"requests": 0}
    with ThreadedServer(_jwks_server(PUBLIC, "sk_test_right", state), free_port()) as srv:
        monkeypatch.setenv("IMAGEGEN_AUTH", "clerk")
        monkeypatch.setenv("CLERK_SECRET_KEY", "sk_test_right")
        monkeypatch.setenv("CLERK_API_URL", srv.url)
        monkeypatch.setenv("CLERK_AUTHORIZED_PARTIES", APP_ORIGIN)
        auth = ClerkAuth(AppSettings())
        assert auth.authenticate(session_token(PRIVATE, "user_jwks")).user_id == "user_jwks"
        assert auth.authenticate(session_token(PRIVATE, "user_jwks")) is not None
        assert state["requests"] == 1  # cached
        assert auth.authenticate(session_token(OTHER_PRIVATE)) is None
        assert auth.authenticate(session_token(PRIVATE, azp="https://evil.example")) is None

        monkeypatch.setenv("CLERK_SECRET_KEY", "sk_test_wrong")
        assert ClerkAuth(AppSettings()).authenticate(session_token(PRIVATE)) is None
        state["fail"] = True
        monkeypatch.setenv("CLERK_SECRET_KEY", "sk_test_right")
        assert ClerkAuth(AppSettings()).authenticate(session_token(PRIVATE)) is None  # 5xx: out
