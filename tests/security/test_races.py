"""Limits that hold under real concurrent requests, on SQLite (one API process) and on
PostgreSQL (two API processes): the sign-in throttle and the in-flight limit."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.helpers import signup


@pytest.fixture
def slow_engine(monkeypatch):
    """Jobs stay in flight for the whole burst, so every accepted one still counts."""
    monkeypatch.setenv("IMAGEGEN_PROCEDURAL_STEP_MS", "3000")


async def _burst(requests: list[tuple[str, str, dict, dict]]) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(
            *(client.request(m, url, json=body, headers=h) for m, url, body, h in requests)
        )


def test_a_burst_of_guesses_gets_no_more_checks_than_the_limit(deployment):
    base = deployment.url
    signup(base, "target@example.com", "the right password")
    urls = [f"http://127.0.0.1:{p}/api/auth/login" for p in deployment.api_ports]
    # Wrong guesses only: a right password in the burst would reset the count whenever its
    # check ended first (a success resets it, as it should for the account's owner), and the
    # burst's order on the server is not the order it was sent in.
    responses = asyncio.run(
        _burst(
            [
                ("POST", urls[i % len(urls)], {"email": "target@example.com", "password": p}, {})
                for i, p in enumerate(f"wrong guess {i}" for i in range(60))
            ]
        )
    )
    codes = [r.status_code for r in responses]
    assert codes.count(401) == 5 and codes.count(429) == 55, codes
    # The lock holds afterwards too, even for the right password.
    r = httpx.post(urls[0], json={"email": "target@example.com", "password": "the right password"})
    assert r.status_code == 429 and "Try again in" in r.json()["error"]


def test_the_in_flight_limit_holds_under_a_burst(slow_engine, deployment):
    client = signup(deployment.url, "burst@example.com")
    auth = dict(client.headers)
    urls = [f"http://127.0.0.1:{p}/api/images/generate" for p in deployment.api_ports]
    responses = asyncio.run(
        _burst([("POST", urls[i % len(urls)], {"prompt": f"burst {i}"}, auth) for i in range(30)])
    )
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 4, codes
    assert codes.count(429) == 26
    from sqlmodel import func, select

    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration

    with session_scope() as db:  # nothing half-written by the refused ones
        rows = db.exec(select(func.count()).select_from(ImageGeneration)).one()
    assert rows == 4
