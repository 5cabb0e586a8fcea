"""Fixtures for Clerk mode in a browser: the app with IMAGEGEN_AUTH=clerk, and a local server
that serves the clerk-js STAND-IN (tests/e2e_clerk/clerk_standin.js) and signs session tokens.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

# The browser and page fixtures (with a screenshot on failure) are the main suite's.
from tests.e2e.conftest import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.helpers import ROOT, ThreadedServer, base_env, free_port, reset_caches, start_worker
from tests.security.clerk_keys import new_keypair, session_token

PRIVATE, PUBLIC = new_keypair()
STANDIN = Path(__file__).with_name("clerk_standin.js")
# Short-lived tokens (Clerk's live 60 s) so a test can outlive several of them.
TOKEN_TTL = 4
# (sub, when) of every token signed, so a test can wait for the page's refreshes.
ISSUED: list[tuple[str, float]] = []
PUBLISHABLE = "pk_test_" + base64.b64encode(b"clerk.imagegen.test$").decode()


def _clerk_server() -> FastAPI:
    """Serves the stand-in script and signs session tokens for the origin that asks."""
    app = FastAPI()
    cors = {"Access-Control-Allow-Origin": "*"}

    @app.get("/clerk.js")
    def script() -> Response:
        return Response(STANDIN.read_text(), media_type="application/javascript", headers=cors)

    @app.get("/session-token")
    def token(sub: str, request: Request) -> PlainTextResponse:
        azp = request.headers.get("origin", "")
        ISSUED.append((sub, time.time()))
        return PlainTextResponse(
            session_token(PRIVATE, sub, azp=azp, expires_in=TOKEN_TTL), headers=cors
        )

    return app


@pytest.fixture(scope="module")
def clerk_harness(tmp_path_factory) -> Iterator[object]:
    from reflex.testing import AppHarness

    tmp = tmp_path_factory.mktemp("clerk")
    clerk_port, worker_port = free_port(), free_port()
    env = {
        **base_env(tmp / "data", worker_port),
        "IMAGEGEN_AUTH": "clerk",
        "CLERK_PUBLISHABLE_KEY": PUBLISHABLE,
        "CLERK_JWT_KEY": PUBLIC,
        "CLERK_AUTHORIZED_PARTIES": "http://placeholder.invalid",
        "CLERK_JS_URL": f"http://127.0.0.1:{clerk_port}/clerk.js",
        "IMAGEGEN_CLERK_REFRESH_SECONDS": "1.5",
    }
    os.environ.update(env)
    reset_caches()
    from imagegen.migrate import upgrade

    upgrade()
    worker = start_worker(env, worker_port, tmp / "worker.log")
    try:
        with (
            ThreadedServer(_clerk_server(), clerk_port),
            AppHarness.create(root=ROOT, app_name="imagegen") as h,
        ):
            # Only now is the frontend's origin known: it is the one authorized party.
            origin = h.frontend_url.rstrip("/").replace("127.0.0.1", "localhost")
            os.environ["CLERK_AUTHORIZED_PARTIES"] = f"{origin},{h.frontend_url.rstrip('/')}"
            reset_caches()
            yield h
    finally:
        worker.kill()
        worker.wait()
