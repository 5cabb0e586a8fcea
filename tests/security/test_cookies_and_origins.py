"""Cookies and cross-site requests: the session cookie is HttpOnly, SameSite=Lax and set only
by an HTTP answer; a state-changing request riding on a cookie must come from our own pages;
CORS answers only trusted origins; the websocket refuses foreign pages."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.helpers import ThreadedServer, free_port, insert_generation, reset_caches, signup
from tests.security.clerk_keys import APP_ORIGIN, new_keypair, session_token

PRIVATE, PUBLIC = new_keypair()
EVIL = "https://evil.example"


def _ticket_for(token: str) -> str:
    from imagegen.services import signing
    from imagegen.settings.app import get_app_settings

    return signing.seal_ticket(get_app_settings().resolved_secret_key(), token)


def _token(client: httpx.Client) -> str:
    return client.headers["Authorization"].split()[1]


def _session_cookie(r: httpx.Response) -> str:
    return next(v for v in r.headers.get_list("set-cookie") if v.startswith("imagegen_session="))


def test_the_cookie_is_set_by_an_http_answer_httponly_lax_and_once(stack):
    base = stack["url"]
    client = signup(base, "cookie@example.com")
    ticket = _ticket_for(_token(client))
    r = httpx.post(f"{base}/api/auth/session", data={"ticket": ticket}, headers={"Origin": base})
    assert r.status_code == 303 and r.headers["location"] == f"{base}/generate-images"
    cookie = _session_cookie(r)
    attrs = [a.strip() for a in cookie.split(";")]
    assert {"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"} <= set(attrs)
    assert "Secure" not in attrs  # plain http here; over https it is Secure (below)
    fresh = attrs[0].split("=", 1)[1]
    me = httpx.get(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.json()["email"] == "cookie@example.com"
    # The ticket works once: replayed, it opens nothing, and the token it carried is spent.
    again = httpx.post(f"{base}/api/auth/session", data={"ticket": ticket})
    assert again.status_code == 401
    assert client.get("/api/auth/me").status_code == 401
    forged = httpx.post(f"{base}/api/auth/session", data={"ticket": ticket[:-4] + "AAAA"})
    assert forged.status_code == 401


def test_the_cookie_is_secure_over_https(app_env, monkeypatch):
    from imagegen.api.session import _secure, cookie_header

    assert _secure("https") and not _secure("http")
    monkeypatch.setenv("IMAGEGEN_PUBLIC_URL", "https://studio.example.com")  # behind a proxy
    reset_caches()
    assert _secure("http")
    assert cookie_header("t", secure=True).endswith("; Secure")


def test_sign_out_ends_the_session_and_clears_the_cookie(stack):
    base = stack["url"]
    client = signup(base, "bye@example.com")
    token = _token(client)
    r = httpx.post(
        f"{base}/api/auth/session/end",
        headers={"Origin": base, "Cookie": f"imagegen_session={token}"},
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/sign-in")
    assert "Max-Age=0" in _session_cookie(r)
    assert client.get("/api/auth/me").status_code == 401


def test_an_active_session_slides_and_the_cookie_is_set_again(stack):
    from sqlmodel import select

    from imagegen.db import session_scope
    from imagegen.models import AuthSession, as_utc, utcnow

    base = stack["url"]
    client = signup(base, "slide@example.com")
    with session_scope() as db:
        row = db.exec(select(AuthSession)).one()
        row.expires_at = utcnow() + timedelta(days=1)  # used long ago
        db.add(row)
    r = httpx.get(f"{base}/api/docs", headers={"Cookie": f"imagegen_session={_token(client)}"})
    assert r.status_code == 200 and "Max-Age=604800" in _session_cookie(r)
    with session_scope() as db:
        expires = as_utc(db.exec(select(AuthSession)).one().expires_at)
    assert expires > utcnow() + timedelta(days=6, hours=23)


def test_cors_answers_only_the_trusted_origins(stack, monkeypatch):
    base = stack["url"]
    pre = {"Access-Control-Request-Method": "DELETE"}
    r = httpx.options(f"{base}/api/images/user", headers={"Origin": EVIL, **pre})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(f"{base}/api/engines", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in r.headers
    r = httpx.options(f"{base}/api/images/user", headers={"Origin": base, **pre})
    assert r.headers["access-control-allow-origin"] == base
    assert r.headers["access-control-allow-credentials"] == "true"


def test_extra_cors_origins_come_from_the_setting(app_env, monkeypatch):
    from imagegen.api import create_api

    monkeypatch.setenv("IMAGEGEN_CORS_ORIGINS", "https://tools.example.com, https://b.example")
    reset_caches()
    with ThreadedServer(create_api(housekeeping=False), free_port()) as srv:
        for origin, allowed in [
            ("https://tools.example.com", True),
            ("https://b.example", True),
            (EVIL, False),
        ]:
            r = httpx.get(f"{srv.url}/api/engines", headers={"Origin": origin})
            assert (r.headers.get("access-control-allow-origin") == origin) is allowed


def test_a_cookie_from_another_site_cannot_delete(stack):
    """Local mode: the API takes no cookie at all, and a cross-site cookie request is 403."""
    from tests.helpers import user_id

    base = stack["url"]
    client = signup(base, "csrf@example.com")
    gid = insert_generation(user_id(client), "keep me")
    cookie = {"Cookie": f"__session={_token(client)}; imagegen_session={_token(client)}"}
    r = httpx.delete(f"{base}/api/generations/{gid}", headers={"Origin": EVIL, **cookie})
    assert r.status_code == 403 and "Cross-site" in r.json()["error"]
    r = httpx.delete(
        f"{base}/api/generations/{gid}", headers={"Sec-Fetch-Site": "cross-site", **cookie}
    )
    assert r.status_code == 403
    # Same origin, but __session is Clerk's cookie: not a credential in local mode.
    r = httpx.delete(f"{base}/api/generations/{gid}", headers={"Origin": base, **cookie})
    assert r.status_code == 401
    # Bearer tokens are unaffected by any of this.
    r = client.delete(f"/api/generations/{gid}", headers={"Origin": EVIL})
    assert r.status_code == 200


def test_signing_in_from_another_site_is_refused(stack):
    r = httpx.post(
        f"{stack['url']}/api/auth/session", data={"ticket": "x"}, headers={"Origin": EVIL}
    )
    assert r.status_code == 403


@pytest.fixture
def clerk_stack(app_env, monkeypatch):
    from imagegen.api import create_api

    monkeypatch.setenv("IMAGEGEN_AUTH", "clerk")
    monkeypatch.setenv("CLERK_JWT_KEY", PUBLIC)
    monkeypatch.setenv("CLERK_AUTHORIZED_PARTIES", APP_ORIGIN)
    reset_caches()
    with ThreadedServer(create_api(housekeeping=False), free_port()) as srv:
        yield srv.url


def test_clerk_session_cookie_only_from_our_own_pages(clerk_stack):
    base = clerk_stack
    gid = insert_generation("user_clerk", "mine")
    cookie = {"Cookie": f"__session={session_token(PRIVATE, 'user_clerk')}"}
    r = httpx.delete(f"{base}/api/generations/{gid}", headers={"Origin": EVIL, **cookie})
    assert r.status_code == 403
    assert httpx.get(f"{base}/api/generations/{gid}", headers=cookie).status_code == 200
    r = httpx.delete(f"{base}/api/generations/{gid}", headers={"Origin": base, **cookie})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://localhost:3000", "localhost:3000", True),
        ("http://192.0.2.2:3000", "192.0.2.2:3000", True),  # any address the browser used
        ("https://evil.example", "localhost:3000", False),
        ("http://localhost:3001", "localhost:3000", False),
        ("null", "localhost:3000", False),
        (None, "localhost:3000", True),  # no Origin: not a browser
    ],
)
def test_the_websocket_handshake_checks_the_origin(app_env, origin, host, allowed):
    from imagegen.api.origins import socket_origin_allowed

    assert socket_origin_allowed(origin, {"HTTP_HOST": host}) is allowed
