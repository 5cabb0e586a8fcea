"""Fixtures that start real parts: a migrated SQLite DB, the worker process, the API server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx._config
import pytest

from tests.helpers import (
    UNSET_FOR_TESTS,
    InProcessWorker,
    ThreadedServer,
    base_env,
    free_port,
    migrated_sqlite,
    reset_caches,
    start_worker,
)

# httpx's default 5 s, in place (the calls hold this object as their default): on two loaded
# cores a first OpenAPI build or a door check can take longer, and the tests check answers,
# not speed. Explicit timeouts, the engines' included, are untouched.
for _phase in ("connect", "read", "write", "pool"):
    setattr(httpx._config.DEFAULT_TIMEOUT_CONFIG, _phase, 30.0)

# Hundreds of sign-ups: argon2 at its production cost (64 MiB x 3) would cost a CPU-minute.
# Every process the tests start inherits this; tests of the cost itself set their own.
os.environ.setdefault("IMAGEGEN_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("IMAGEGEN_ARGON2_TIME_COST", "1")
# One thread per torch process: beside a dozen other test processes on two cores, OpenMP's
# worker threads spin-wait for each other, and a 2 s tiny-pipeline render took 16 s.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# The longest tests (half a minute to a minute each), started first: pytest-xdist hands tests
# out in collection order, and one of these begun last would keep the run waiting on it alone.
LONGEST_FIRST = (
    "test_accessibility_ui.py",  # the browser suite's minute-long walk
    "test_schemathesis.py",
    "test_diffusers_engine.py",
    "test_load_small.py",
    "test_restarts.py",
    "test_worker_door.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests go to the front of the queue, each file's own order kept; on a
    pytest-xdist worker, tests marked xdist_group are tagged for --dist loadgroup."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda it: rank.get(it.path.name, len(rank)))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for item in items:
            _tag_group(item)


def _tag_group(item: pytest.Item) -> None:
    """xdist 3.8 tags a grouped test by setting item._nodeid, which pytest 9 no longer reads
    (a node's id is item._id), so loadgroup sent a group's tests to every process; this sets
    the id the way pytest 9 keeps it."""
    names = {
        str(m.args[0] if m.args else m.kwargs.get("name", "default"))
        for m in item.iter_markers("xdist_group")
    }
    if not names or "@" in item.nodeid:
        return
    tagged = f"{item.nodeid}@{'_'.join(sorted(names))}"
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9
    except ImportError:
        item._nodeid = tagged  # type: ignore[attr-defined]
    else:
        item._id = NodeId.parse(tagged)  # type: ignore[attr-defined]


AUTH_VARS = ("IMAGEGEN_AUTH", "CLERK_JWT_KEY", "CLERK_SECRET_KEY", "CLERK_AUTHORIZED_PARTIES")


@contextmanager
def fresh_env(data_dir: Path, mp: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A fresh data dir and migrated database, with every singleton reset."""
    env = base_env(data_dir, free_port())
    for k, v in env.items():
        mp.setenv(k, v)
    for k in (*UNSET_FOR_TESTS, *AUTH_VARS):  # a module's shared world may have set these
        mp.delenv(k, raising=False)
    reset_caches()
    migrated_sqlite(data_dir / "imagegen.db")
    yield env
    reset_caches()


@contextmanager
def running_stack(
    app_env: dict[str, str], tmp: Path, mp: pytest.MonkeyPatch, *, worker_process: bool = False
) -> Iterator[dict]:
    """The API on a real port plus a real worker calling back into it: in this process on a
    thread, or (worker_process) as its own process, for tests about processes."""
    from imagegen.api import create_api

    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    mp.setenv("IMAGEGEN_APP_URL", base)
    mp.setenv("IMAGEGEN_PUBLIC_URL", base)
    reset_caches()
    worker_port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    env = {**app_env, "IMAGEGEN_APP_URL": base}
    if worker_process:
        worker = start_worker(env, worker_port, tmp / "worker.log")
    else:
        worker = InProcessWorker(worker_port)
    try:
        with ThreadedServer(create_api(), api_port) as server:
            yield {"url": server.url, "worker": worker, "worker_port": worker_port, "env": env,
                   "tmp": tmp}  # fmt: skip
    finally:
        worker.kill()
        worker.wait()


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A fresh data dir and database for one test, with every singleton reset."""
    with fresh_env(tmp_path / "data", monkeypatch) as env:
        yield env


@pytest.fixture
def stack(
    app_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[dict]:
    """The API on a real port plus a real worker calling back into it (its own process for
    tests marked worker_process)."""
    own = request.node.get_closest_marker("worker_process") is not None
    with running_stack(app_env, tmp_path, monkeypatch, worker_process=own) as s:
        yield s


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One throwaway PostgreSQL for the session (each test gets its own database)."""
    from tests.integration.postgres import TempPostgres

    with TempPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[object]:
    """One throwaway Redis for the session."""
    from tests.integration.redis_server import TempRedis

    with TempRedis() as server:
        yield server


class Deployment:
    """The app's API and the worker as separate processes, as deployed: on SQLite with one of
    each, or on PostgreSQL + Redis with two API processes and two worker processes. The client
    talks to the first API process; webhooks land on the last one."""

    def __init__(self, mode: str, env: dict[str, str], tmp: Path, api_count: int) -> None:
        self.mode, self.tmp = mode, tmp
        self.api_ports = [free_port() for _ in range(api_count)]
        self.url = f"http://127.0.0.1:{self.api_ports[0]}"
        self.webhook_url = f"http://127.0.0.1:{self.api_ports[-1]}"
        self.worker_port = int(env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
        self.env = {
            **env,
            "IMAGEGEN_APP_URL": self.webhook_url,
            "IMAGEGEN_PUBLIC_URL": self.url,
        }
        self.apis: list = [None] * api_count
        self.worker = None

    def start_api(self, i: int) -> None:
        from tests.helpers import start_api

        self.apis[i] = start_api(self.env, self.api_ports[i], self.tmp / f"api{i}.log")

    def start_worker(self) -> None:
        self.worker = start_worker(self.env, self.worker_port, self.tmp / "worker.log")

    def worker_log(self) -> str:
        return (self.tmp / "worker.log").read_text()

    def stop(self) -> None:
        from tests.helpers import kill9

        for p in [*self.apis, self.worker]:
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except Exception:  # noqa: BLE001
                    kill9(p)


@contextmanager
def deployed(
    mode: str,
    app_env: dict[str, str],
    tmp: Path,
    mp: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Deployment]:
    """Starts the pipeline as deployed in one of the two shapes, its processes side by side."""
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    env = {k: v for k, v in os.environ.items() if k.startswith("IMAGEGEN_")} | app_env
    api_count = 1
    if mode == "pg+redis":
        pg, redis = request.getfixturevalue("pg_server"), request.getfixturevalue("redis_server")
        url = pg.create_migrated_db(f"d_{uuid.uuid4().hex[:12]}")  # type: ignore[attr-defined]
        redis_url = redis.fresh_url()  # type: ignore[attr-defined]
        env |= {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,  # and so the shared queue
            "IMAGEGEN_WORKER_PROCESSES": "2",
            "IMAGEGEN_JOB_LEASE": "10",
        }
        mp.setenv("DATABASE_URL", url)
        mp.setenv("REDIS_URL", redis_url)
        mp.setenv("IMAGEGEN_JOB_LEASE", "10")
        reset_caches()
        api_count = 2
    d = Deployment(mode, env, tmp, api_count)
    try:
        with ThreadPoolExecutor(api_count + 1) as pool:
            starts = [pool.submit(d.start_api, i) for i in range(api_count)]
            starts.append(pool.submit(d.start_worker))
            for f in starts:
                f.result()
        yield d
    finally:
        d.stop()
        reset_caches()


@pytest.fixture(params=["sqlite", "pg+redis"])
def deployment(
    request: pytest.FixtureRequest,
    app_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Deployment]:
    """The pipeline as deployed, on each of the two supported shapes."""
    with deployed(request.param, app_env, tmp_path, monkeypatch, request) as d:
        yield d
