"""Nothing is lost when a process dies: kill -9 the worker mid-job, or the app while jobs are
pending, restart it, and every generation still ends, with its images and no duplicates."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from imagegen.db import session_scope
from imagegen.models import ImageFile
from tests.helpers import (
    free_port,
    kill9,
    signup,
    start_api,
    start_worker,
    wait_status,
    wait_until,
)


@pytest.fixture
def procs(app_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The API and the worker, each in its own process, and a way to restart either."""
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    env = {
        **app_env,
        "IMAGEGEN_APP_URL": base,
        "IMAGEGEN_PUBLIC_URL": base,
        "IMAGEGEN_PROCEDURAL_STEP_MS": "80",  # 0.8 s per image: time to kill it mid-job
    }
    worker_port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    box = {"env": env, "url": base}

    def api():
        box["api"] = start_api(env, api_port, tmp_path / "api.log")
        return box["api"]

    def worker():
        box["worker"] = start_worker(env, worker_port, tmp_path / "worker.log")
        return box["worker"]

    box["start_api"], box["start_worker"] = api, worker
    api()
    worker()
    yield box
    for p in (box["api"], box["worker"]):
        if p.poll() is None:
            kill9(p)


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


def test_worker_killed_mid_job_runs_it_again_after_restart(procs, app_env):
    client = signup(procs["url"], "crash-worker@example.com")
    gid = _submit(client, "interrupted", 3)
    queued = _submit(client, "accepted, not started", 1)
    wait_until(lambda: _running(client, gid), 20, 0.05, what="the job to start")
    kill9(procs["worker"])
    journal = Path(app_env["IMAGEGEN_DATA_DIR"]) / "worker-jobs"
    assert len(list(journal.glob("*.json"))) == 2  # both accepted jobs are on disk
    procs["start_worker"]()
    for g in (gid, queued):
        done = wait_status(client, g, timeout=40)
        assert done["status"] == "COMPLETED", done["error"]
    assert _rows(gid) == 3 and _rows(queued) == 1
    assert list(journal.glob("*.json")) == []
    assert (
        "took over unfinished jobs: 2 to run again"
        in (Path(app_env["IMAGEGEN_DATA_DIR"]).parent / "worker.log").read_text()
    )


def test_app_killed_while_pending_gets_every_result_after_restart(procs, app_env):
    client = signup(procs["url"], "crash-app@example.com")
    ids = [_submit(client, f"pending {n}", 2) for n in range(2)]
    wait_until(lambda: _running(client, ids[0]), 20, 0.05, what="the first job to start")
    kill9(procs["api"])
    health = f"{app_env['IMAGEGEN_WORKER_URL']}/healthz"
    # The worker finishes both; their webhooks fail and wait in its on-disk outbox.
    wait_until(
        lambda: (
            httpx.get(health).json()["pendingDeliveries"] == 2
            and httpx.get(health).json()["activeJobs"] == 0
        ),
        30,
        what="both results waiting for the app",
    )
    procs["start_api"]()
    for gid in ids:
        assert wait_status(client, gid, timeout=60)["status"] == "COMPLETED"
        assert _rows(gid) == 2  # delivered once, recorded once
    wait_until(lambda: httpx.get(health).json()["pendingDeliveries"] == 0, 10, what="outbox")
