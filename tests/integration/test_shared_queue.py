"""Worker "machines" on one shared queue: separate processes with separate data directories
(their own outbox and journal), sharing only Redis, the app and the image folder, as machines
sharing a network mount would. Jobs are pulled by whichever worker has a free slot."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from imagegen.db import session_scope
from imagegen.models import ImageFile
from imagegen.services.storage import get_storage
from tests.helpers import (
    free_port,
    kill9,
    signup,
    start_api,
    start_worker,
    wait_status,
    wait_until,
)

LEASE = 10
STARTED = re.compile(r"^(\S+ \S+) worker INFO job (\w+) started on pid \d+ \(attempt (\d+)\)", re.M)
BACK = re.compile(r"^(\S+ \S+) worker WARNING job (\w+) back on the queue", re.M)
DELIVERED = re.compile(r"^(\S+ \S+) worker INFO delivered msg_(\w+) after", re.M)


def _at(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


class Fleet:
    """One API process and any number of worker machines on a fresh Redis database."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.machines: dict[str, object] = {}
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env |= {"IMAGEGEN_APP_URL": self.url, "IMAGEGEN_PUBLIC_URL": self.url}
        self.api = start_api(self.env, port, tmp / "api.log")

    def add(self, *names: str, concurrency: int = 1) -> None:
        """Starts these machines side by side (each start waits for its /healthz)."""

        def one(name: str) -> None:
            env = self.env | {
                "IMAGEGEN_DATA_DIR": str(self.tmp / name),
                "IMAGEGEN_WORKER_INSTANCE": name,
                "IMAGEGEN_WORKER_CONCURRENCY": str(concurrency),
            }
            self.machines[name] = start_worker(env, free_port(), self.tmp / f"{name}.log")

        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(one, names))

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()

    def starts(self, name: str) -> list[tuple[float, str, int]]:
        """(time, generation id, attempt) of every job the machine started."""
        return [(_at(t), g, int(a)) for t, g, a in STARTED.findall(self.log(name))]

    def stop(self) -> None:
        for proc in [self.api, *self.machines.values()]:
            if proc.poll() is None:  # type: ignore[attr-defined]
                kill9(proc)  # type: ignore[arg-type]


@pytest.fixture
def fleet(
    app_env: dict[str, str], redis_server: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Fleet]:
    url = redis_server.fresh_url()  # type: ignore[attr-defined]
    env = app_env | {
        "REDIS_URL": url,
        "IMAGEGEN_WORKER_SECRET": "whsec_" + "c2hhcmVkLXF1ZXVlLXRlc3Qtc2VjcmV0",
        "IMAGEGEN_FILES_DIR": str(tmp_path / "shared-files"),
        "IMAGEGEN_JOB_LEASE": str(LEASE),
        "IMAGEGEN_PROCEDURAL_STEP_MS": "100",  # 1 s an image
        "IMAGEGEN_MAX_ACTIVE_PER_USER": "40",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    from tests.helpers import reset_caches

    reset_caches()
    f = Fleet(env, tmp_path)
    try:
        yield f
    finally:
        f.stop()


def _submit(client: httpx.Client, prompt: str, images: int = 1) -> str:
    r = client.post("/api/images/generate", json={"prompt": prompt, "numImages": images})
    assert r.status_code == 201, r.text
    return r.json()["generation"]["id"]


def _position(client: httpx.Client, gid: str) -> int | None:
    """The place in the queue the generation was last told."""
    progress = client.get(f"/api/generations/{gid}").json()["generation"]["progress"] or {}
    return progress.get("queuePosition")


def _rows(gid: str) -> int:
    with session_scope() as db:
        return db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gid)
        ).one()


def test_a_machine_killed_for_good_leaves_its_jobs_to_the_other(fleet: Fleet) -> None:
    fleet.add("m1", "m2", concurrency=2)
    client = signup(fleet.url, "fleet-kill@example.com")
    # Two jobs run on each machine: m2 has free slots by the time m1's lease ends.
    ids = [_submit(client, f"a lighthouse {n}", images=3) for n in range(4)]

    wait_until(lambda: len(fleet.starts("m1")) >= 2, 30, 0.05, what="m1 to run two jobs")
    held = {g for _, g, _ in fleet.starts("m1")}
    killed_at = time.time()
    kill9(fleet.machines["m1"])  # type: ignore[arg-type]  # for good: it never comes back

    for gid in ids:
        done = wait_status(client, gid, timeout=90)
        assert done["status"] == "COMPLETED", done["error"]
        assert _rows(gid) == 3  # nothing lost, nothing recorded twice
        assert len(done["images"]) == 3
    reran = {g: t for t, g, attempt in fleet.starts("m2") if attempt == 2}
    unfinished = held - {g for _, g in DELIVERED.findall(fleet.log("m1"))}
    assert unfinished and unfinished <= set(reran)  # each job m1 held ran again on m2
    back = {g: _at(t) for t, g in BACK.findall(fleet.log("m2"))}
    ends = {g: _at(t) for t, g in DELIVERED.findall(fleet.log("m2"))}
    for gid in unfinished:
        # back on the queue within the lease, taken at once, then one render on m2
        lapsed, waited, render = (
            back[gid] - killed_at,
            reran[gid] - killed_at,
            ends[gid] - reran[gid],
        )
        print(f"\n{gid}: back on the queue {lapsed:.1f} s after the kill, on m2 at "
              f"{waited:.1f} s, done {waited + render:.1f} s (render {render:.1f} s)")  # fmt: skip
        assert lapsed <= LEASE, f"{gid} came back {lapsed:.1f} s after the kill"
        assert waited - lapsed < 1.0, f"{gid} waited {waited - lapsed:.1f} s with m2 free"
    storage = get_storage()
    for gid in ids:  # every image is readable, from the machine that made it or the other
        for img in client.get(f"/api/generations/{gid}").json()["generation"]["images"]:
            assert httpx.get(img["fileUrl"]).status_code == 200
        with session_scope() as db:
            files = db.exec(select(ImageFile).where(ImageFile.generation_id == gid)).all()
        recorded = {k for f in files for k in (f.storage_key, f.thumbnail_key)}
        # the killed runs' files are removed once the other run's result is recorded
        stored = {k for k, _ in storage.list(f"generations/{gid}/")}
        assert stored == recorded, sorted(stored - recorded)


def test_four_workers_share_forty_jobs_and_none_sits_idle(fleet: Fleet) -> None:
    names = ["w1", "w2", "w3", "w4"]
    fleet.env["IMAGEGEN_PROCEDURAL_STEP_MS"] = "50"  # half a second a job
    fleet.add(*names)
    clients = [signup(fleet.url, f"fleet-spread-{n}@example.com") for n in range(4)]
    ids = [_submit(clients[n % 4], f"a field {n}") for n in range(40)]
    for n, gid in enumerate(ids):
        assert wait_status(clients[n % 4], gid, timeout=120)["status"] == "COMPLETED"
    counts, worst_gap = {}, 0.0
    last_start = max(t for name in names for t, _, _ in fleet.starts(name))
    for name in names:
        starts = fleet.starts(name)
        ends = {g: _at(t) for t, g in DELIVERED.findall(fleet.log(name))}
        counts[name] = len(starts)
        for (_, prev, _), (t, _, _) in zip(starts, starts[1:], strict=False):
            worst_gap = max(worst_gap, t - ends[prev])  # idle while jobs were waiting
        # a worker that stopped early would have sat idle while the others still had work
        if starts and ends[starts[-1][1]] < last_start - 0.5:
            pytest.fail(f"{name} went idle at {ends[starts[-1][1]]} while jobs still waited")
    print(
        f"\nspread of 40 jobs over 4 workers: {counts}; longest idle gap {worst_gap * 1000:.0f} ms"
    )
    assert sum(counts.values()) == 40
    assert min(counts.values()) >= 7 and max(counts.values()) <= 13, counts
    assert worst_gap < 1.0, f"a worker sat idle {worst_gap:.2f} s while jobs waited"


def test_fair_across_machines_with_global_positions_and_cancel_of_a_queued_job(
    fleet: Fleet,
) -> None:
    fleet.add("m1", "m2")
    alice = signup(fleet.url, "fleet-alice@example.com")
    bob = signup(fleet.url, "fleet-bob@example.com")
    burst = [_submit(alice, f"alice {n}", images=2) for n in range(5)]
    wait_until(
        lambda: len(fleet.starts("m1")) + len(fleet.starts("m2")) >= 2, 30, 0.05, what="two starts"
    )
    # Two run (one per machine), three wait; the last of them is third in line, globally.
    wait_until(
        lambda: _position(alice, burst[4]) == 3, 10, 0.05, what="alice's last job to be third"
    )
    mine = _submit(bob, "bob's first")
    # Bob's first job goes before alice's waiting ones, whichever machine frees up first.
    wait_until(lambda: _position(bob, mine) == 1, 10, 0.05, what="bob's job to be next")
    r = alice.post(f"/api/generations/{burst[4]}/cancel")
    assert r.json()["generation"]["status"] == "CANCELLED"
    for gid in [*burst[:4]]:
        assert wait_status(alice, gid, timeout=60)["status"] == "COMPLETED"
    assert wait_status(bob, mine, timeout=60)["status"] == "COMPLETED"
    order = sorted(s for name in ("m1", "m2") for s in fleet.starts(name))
    started = [g for _, g, _ in order]
    assert started.index(mine) < started.index(burst[2]), started  # fair, across machines
    assert burst[4] not in started  # cancelled while queued: no worker ever took it


def test_a_machine_stopped_gracefully_gives_its_job_back_at_once(fleet: Fleet) -> None:
    fleet.add("m1")
    client = signup(fleet.url, "fleet-stop@example.com")
    gid = _submit(client, "a long render", images=4)
    wait_until(lambda: fleet.starts("m1"), 30, 0.05, what="m1 to take the job")
    fleet.add("m2")  # idle, beside it
    stopped_at = time.time()
    fleet.machines["m1"].terminate()  # type: ignore[attr-defined]  # SIGTERM: a deploy
    wait_until(
        lambda: "given back to the queue" in fleet.log("m1"), 10, 0.05, what="m1 to give it back"
    )
    done = wait_status(client, gid, timeout=60)
    assert done["status"] == "COMPLETED", done["error"]
    [(taken, _, attempt)] = fleet.starts("m2")
    assert attempt == 2 and taken - stopped_at < LEASE / 2  # at once, not after the lease


def test_redis_down_at_submit_fails_the_generation_with_why(app_env, monkeypatch) -> None:
    from imagegen.contract import Job, JobParams
    from imagegen.services.worker_client import WorkerUnreachable
    from imagegen.services.worker_client.shared import SharedQueueClient

    client = SharedQueueClient(f"redis://127.0.0.1:{free_port()}/0", "whsec_x", 30)
    job = Job(generation_id="g1", prompt="p", callback_url="http://127.0.0.1/x",
              params=JobParams(width=64, height=64, num_images=1, seed=1, engine="procedural",
                               model="procedural-v1"))  # fmt: skip
    try:
        with pytest.raises(WorkerUnreachable):
            client.submit(job, timeout=5)
        assert client.where().startswith("on the shared queue at 127.0.0.1:")
        with pytest.raises(WorkerUnreachable):
            client.engines()
        assert client.cancel("g1", "procedural", timeout=2) is False
    finally:
        client.close()
