"""Local accounts: failed sign-ins are throttled with a clear message; sessions really end."""

from __future__ import annotations

import httpx

from tests.helpers import signup


def _login(url, email, password):
    return httpx.post(f"{url}/api/auth/login", json={"email": email, "password": password})


def test_five_failed_logins_lock_the_email_with_a_clear_429(stack):
    url = stack["url"]
    signup(url, "throttle@example.com", "the right password")
    for _ in range(5):
        assert _login(url, "throttle@example.com", "wrong").status_code == 401
    r = _login(url, "throttle@example.com", "the right password")
    assert r.status_code == 429
    assert "Too many failed sign-ins" in r.json()["error"] and "minute" in r.json()["error"]
    # Unknown emails are throttled the same way, so a lockout reveals no account.
    for _ in range(5):
        _login(url, "nobody@example.com", "wrong")
    assert _login(url, "nobody@example.com", "wrong").status_code == 429


def test_a_success_resets_the_failure_count(stack):
    url = stack["url"]
    signup(url, "reset@example.com", "the right password")
    for _ in range(4):
        _login(url, "reset@example.com", "wrong")
    assert _login(url, "reset@example.com", "the right password").status_code == 200
    for _ in range(4):
        _login(url, "reset@example.com", "wrong")
    assert _login(url, "reset@example.com", "the right password").status_code == 200


def test_sign_out_ends_only_that_session(stack):
    url = stack["url"]
    one = signup(url, "two-tabs@example.com", "the right password")
    other = _login(url, "two-tabs@example.com", "the right password").json()["token"]
    assert one.post("/api/auth/logout").status_code == 200
    assert one.get("/api/auth/me").status_code == 401
    assert (
        httpx.get(f"{url}/api/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code
        == 200
    )
