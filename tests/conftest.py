"""Fixtures that start real parts: a migrated SQLite DB, the worker process, the API server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    UNSET_FOR_TESTS,
    ThreadedServer,
    base_env,
    free_port,
    reset_caches,
    start_worker,
)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A fresh data dir and database for one test, with every singleton reset."""
    from imagegen.migrate import upgrade

    env = base_env(tmp_path / "data", free_port())
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in UNSET_FOR_TESTS:
        monkeypatch.delenv(k, raising=False)
    reset_caches()
    upgrade()
    yield env
    reset_caches()


@pytest.fixture
def stack(
    app_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict]:
    """The API on a real port plus a real worker process calling back into it."""
    from imagegen.api import create_api

    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    monkeypatch.setenv("IMAGEGEN_APP_URL", base)
    monkeypatch.setenv("IMAGEGEN_PUBLIC_URL", base)
    reset_caches()
    worker_port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    worker = start_worker(
        {**app_env, "IMAGEGEN_APP_URL": base}, worker_port, tmp_path / "worker.log"
    )
    try:
        with ThreadedServer(create_api(), api_port) as server:
            yield {
                "url": server.url,
                "worker": worker,
                "worker_port": worker_port,
                "env": {**app_env, "IMAGEGEN_APP_URL": base},
                "tmp": tmp_path,
            }
    finally:
        worker.kill()
        worker.wait()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
