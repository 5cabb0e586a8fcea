"""Browser fixtures: the real Reflex app (AppHarness), the real worker, Debian's chromium."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.helpers import (
    CHROMIUM_ARGS,
    ROOT,
    UNSET_FOR_TESTS,
    base_env,
    free_port,
    reset_caches,
    signup,
    start_worker,
)

ARTIFACTS = ROOT / "test-artifacts"
# A page's data comes over the websocket after its on_load: on a loaded 2-core machine (two
# browser processes beside the server tiers) that can take longer than expect's default 5 s.
expect.set_options(timeout=15_000)
# The production build, as `make run` serves it, in a web directory of its own (the Clerk
# suite's dev build uses .web); under pytest-xdist, one per test process.
os.environ.setdefault(
    "REFLEX_WEB_WORKDIR", f".web-e2e-{os.environ.get('PYTEST_XDIST_WORKER', 'prod')}"
)


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The whole app as `make run` builds it: worker process, Reflex app (production build)
    and API."""
    tmp = tmp_path_factory.mktemp("e2e")
    worker_port = free_port()
    env = {
        **base_env(tmp / "data", worker_port),
        "IMAGEGEN_POLL_SECONDS": "300",
        "IMAGEGEN_UNDO_SECONDS": "2",
        "IMAGEGEN_PROCEDURAL_STEP_MS": "30",  # 0.3 s per image: progress is visible
    }  # live updates must come from the notifier
    os.environ.update(env)
    for k in UNSET_FOR_TESTS:
        os.environ.pop(k, None)
    reset_caches()
    from imagegen.migrate import upgrade

    upgrade()
    worker = start_worker(env, worker_port, tmp / "worker.log")
    try:
        h = _prod_harness().create(root=ROOT, app_name="imagegen")
        with _one_build_at_a_time():  # the npm install shares reflex.lock/ with the others
            h.__enter__()
        try:
            yield h
        finally:
            h.__exit__(None, None, None)
    finally:
        worker.kill()
        worker.wait()


def _prod_harness() -> type:
    """Reflex's production harness, its static pages served as `reflex run --env prod`
    serves them: /sign-in as /sign-in/ in place, no redirect (imagegen.api.security)."""
    import reflex.utils.exec as rx_exec
    from reflex.testing import AppHarnessProd

    from imagegen.api.security import PageSlash

    class Harness(AppHarnessProd):
        def _run_frontend(self) -> None:
            real = rx_exec._frontend_prod_app
            rx_exec._frontend_prod_app = lambda: PageSlash(real())
            try:
                super()._run_frontend()
            finally:
                rx_exec._frontend_prod_app = real

    return Harness


@contextmanager
def _one_build_at_a_time() -> Iterator[None]:
    """Test processes build their frontends one after another, then run side by side."""
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / ".frontend-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    # A system that prefers dark, as the studio is meant to be seen (the theme follows it).
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, color_scheme="dark"
    )
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    ctx.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def frontend(h: object) -> str:
    """The dev frontend, on the backend's host: the HttpOnly session cookie is SameSite=Lax,
    so the page and the websocket's server must be one site (localhost vs 127.0.0.1 are two)."""
    url = h.frontend_url.rstrip("/")  # type: ignore[attr-defined]
    return url.replace("//localhost:", "//127.0.0.1:")


def backend(h: object) -> str:
    from reflex.config import get_config

    return get_config().api_url.rstrip("/")


def sign_up(
    page: Page,
    h: object,
    email: str | None = None,
    password: str = "password-123",
    *,
    through_the_form: bool = False,
) -> str:
    """A new signed-in user on the studio. Through the API and the session cookie it would
    set, unless the test is about the form (test_seed_plan.py): a page load less per test."""
    email = email or f"user{time.time_ns()}@example.com"
    if not through_the_form:
        token = signup(backend(h), email, password).headers["Authorization"].split()[1]
        cookie = {"name": "imagegen_session", "value": token, "path": "/"}
        page.context.add_cookies(
            [{**cookie, "domain": "127.0.0.1", "httpOnly": True, "sameSite": "Lax"}]
        )
        page.goto(frontend(h) + "/generate-images")
        expect(page.get_by_label("Prompt", exact=True)).to_be_visible()  # the studio's
        return email
    page.goto(frontend(h) + "/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/generate-images")
    return email


def session_token(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "imagegen_session")


def api(h: object, page: Page) -> httpx.Client:
    return httpx.Client(
        base_url=backend(h), timeout=30, headers={"Authorization": f"Bearer {session_token(page)}"}
    )


def ensure_png(data: bytes) -> None:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]


__all__ = [
    "CHROMIUM_ARGS",
    "Path",
    "api",
    "backend",
    "ensure_png",
    "frontend",
    "session_token",
    "sign_up",
]
