"""The production app as deployed at scale, in a browser: `reflex run --env prod` with two
backend workers sharing its state through Redis, on PostgreSQL, two generation-worker
processes, and a separate API process where the worker's webhooks land."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The browser and page fixtures (with a screenshot on failure) are the main suite's.
from tests.e2e.conftest import browser, page, pytest_runtest_makereport  # noqa: F401
from tests.helpers import (
    ROOT,
    base_env,
    free_port,
    reset_caches,
    start_api,
    start_worker,
    wait_until,
)
from tests.integration.postgres import TempPostgres
from tests.integration.redis_server import TempRedis


class ProdApp:
    """The Reflex app in production mode, restartable (kill -9 takes its whole process group)."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(self.port), "--backend-port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            return httpx.get(f"{self.url}/ping", timeout=2).status_code == 200

        wait_until(up, 180, 0.5, what="the production app")

    def kill9(self) -> None:
        """SIGKILL to the supervisor and every backend worker at once."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def workers(self) -> int:
        """How many backend worker processes serve the port."""
        assert self.proc is not None
        out = subprocess.run(
            ["pgrep", "-g", str(self.proc.pid), "-f", "reflex run"], capture_output=True, text=True
        ).stdout.split()
        return len(out) - 1  # minus the supervisor


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("scale")
    with TempPostgres() as pg, TempRedis() as redis:
        db = pg.create_db(f"s_{uuid.uuid4().hex[:8]}")
        worker_port, api_port, app_port = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            **base_env(tmp / "data", worker_port),
            "DATABASE_URL": db,
            "REDIS_URL": redis.url,
            "GRANIAN_WORKERS": "2",
            "IMAGEGEN_WORKER_PROCESSES": "2",
            "IMAGEGEN_PROCEDURAL_STEP_MS": "120",  # 1.2 s per image: time to kill the app
            "IMAGEGEN_POLL_SECONDS": "300",  # live updates must come through Redis
            "IMAGEGEN_APP_URL": f"http://127.0.0.1:{api_port}",  # webhooks: another process
            "IMAGEGEN_PUBLIC_URL": f"http://127.0.0.1:{app_port}",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "PATH": os.pathsep.join(
                [
                    str(ROOT / ".tools/node_modules/.bin"),
                    str(ROOT / ".venv/bin"),
                    os.environ["PATH"],
                ]
            ),
        }
        os.environ.update({"DATABASE_URL": db, "REDIS_URL": redis.url})
        reset_caches()
        from imagegen.migrate import upgrade

        upgrade(db)
        worker = start_worker(env, worker_port, tmp / "worker.log")
        api = start_api(env, api_port, tmp / "api.log")
        app = ProdApp(env, app_port, tmp / "app.log")
        app.start()
        try:
            yield {"app": app, "env": env}
        finally:
            for p in (worker, api):
                p.kill()
                p.wait()
            if app.proc is not None and app.proc.poll() is None:
                app.kill9()
            for k in ("DATABASE_URL", "REDIS_URL"):
                os.environ.pop(k, None)
            reset_caches()
