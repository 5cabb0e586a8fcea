"""Nothing is lost when a process dies, on SQLite with one process of each kind and on
PostgreSQL + Redis with two: kill -9 a worker process mid-job, or the app process the webhooks
land on while jobs are pending; every generation still ends, with its images, once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from imagegen.db import session_scope
from imagegen.models import ImageFile
from tests.helpers import kill9, signup, wait_status, wait_until


@pytest.fixture(autouse=True)
def slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEGEN_PROCEDURAL_STEP_MS", "80")  # 0.8 s per image: time to kill


def _submit(client: httpx.Client, prompt: str, n: int) -> str:
    r = client.post(
        "/api/images/generate", json={"prompt": prompt, "numImages": n, "width": 512, "height": 512}
    )
    assert r.status_code == 201, r.text
    return r.json()["generation"]["id"]


def _running(client: httpx.Client, gid: str) -> bool:
    g = client.get(f"/api/generations/{gid}").json()["generation"]
    return bool(g["progress"]) and g["progress"]["percent"] > 0


def _rows(gid: str) -> int:
    with session_scope() as db:
        return db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gid)
        ).one()


def _journal(d) -> Path:
    return Path(d.env["IMAGEGEN_DATA_DIR"]) / "worker-jobs"


def test_worker_killed_mid_job_runs_it_again(deployment):
    d = deployment
    client = signup(d.url, "crash-worker@example.com")
    gid = _submit(client, "interrupted", 3)
    wait_until(lambda: _running(client, gid), 20, 0.05, what="the job to start")
    if d.mode == "sqlite":  # HTTP jobs: the worker's journal has it; the restarted one reruns it
        assert [p for p in _journal(d).glob(f"{gid}.*.json")]
        kill9(d.worker)
        d.start_worker()
    else:  # shared queue: one of two worker processes dies; its lease runs out, the other
        import os  # takes the job off the queue (uvicorn also starts a new process)
        import re
        import signal

        owner = re.search(rf"job {gid} started on pid (\d+)", d.worker_log())
        assert owner, d.worker_log()
        os.kill(int(owner[1]), signal.SIGKILL)
    done = wait_status(client, gid, timeout=40)
    assert done["status"] == "COMPLETED", done["error"]
    assert _rows(gid) == 3
    if d.mode == "sqlite":
        assert list(_journal(d).glob("*.json")) == []
        assert "took over unfinished jobs: 1 to run again" in d.worker_log()
    else:
        assert re.search(rf"job {gid} started on pid \d+ \(attempt 2\)", d.worker_log())


def test_app_killed_while_pending_gets_every_result_after_restart(deployment):
    d = deployment
    client = signup(d.url, "crash-app@example.com")
    ids = [_submit(client, f"pending {n}", 2) for n in range(2)]
    wait_until(lambda: _running(client, ids[0]), 20, 0.05, what="the first job to start")
    kill9(d.apis[-1])  # the process the worker's webhooks go to
    health = f"{d.env['IMAGEGEN_WORKER_URL']}/healthz"

    def both_waiting() -> bool:
        outbox = Path(d.env["IMAGEGEN_DATA_DIR"]) / "worker-outbox"
        return len(list(outbox.glob("*.json"))) == 2

    wait_until(both_waiting, 30, what="both results waiting in the worker's outbox")
    d.start_api(len(d.apis) - 1)
    for gid in ids:  # the client's session survives: it lives in the database
        assert wait_status(client, gid, timeout=60)["status"] == "COMPLETED"
        assert _rows(gid) == 2  # delivered once, recorded once
    wait_until(lambda: httpx.get(health).json()["pendingDeliveries"] == 0, 20, what="outbox")
