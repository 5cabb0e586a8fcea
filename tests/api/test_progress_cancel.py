"""Progress, queue positions, cancel and fairness, end to end with the real worker process."""

from __future__ import annotations

import time

import pytest

from imagegen.services.storage import get_storage
from tests.helpers import signup, wait_status, wait_until


@pytest.fixture
def slow(monkeypatch):
    """The procedural engine pauses per step (10 per image), like a slow model."""
    monkeypatch.setenv("IMAGEGEN_PROCEDURAL_STEP_MS", "60")


def _submit(client, prompt: str, n: int = 1) -> str:
    r = client.post(
        "/api/images/generate", json={"prompt": prompt, "numImages": n, "width": 512, "height": 512}
    )
    assert r.status_code == 201, r.text
    return r.json()["generation"]["id"]


def test_progress_is_reported_live_and_costs_no_database_write(slow, stack):
    from sqlalchemy import event

    from imagegen.db import get_engine

    client = signup(stack["url"], "progress@example.com")
    writes: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # noqa: ANN001
        words = statement.split()
        if words[0].upper() in ("INSERT", "DELETE"):  # INSERT INTO t, DELETE FROM t
            writes.append(f"{words[0].upper()} {words[2]}")
        elif words[0].upper() == "UPDATE":
            writes.append(f"UPDATE {words[1]}")

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        gid = _submit(client, "slow and steady", n=2)
        writes_after_submit = len(writes)
        seen: list[int] = []
        previews: list[str] = []

        def progressed() -> bool:
            g = client.get(f"/api/generations/{gid}").json()["generation"]
            if g["progress"]:
                seen.append(g["progress"]["percent"])
                previews.append(g["progress"]["preview"] or "")
            return g["status"] == "COMPLETED"

        wait_until(progressed, 30, 0.05, what="the generation to complete")
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert seen and any(0 < p < 100 for p in seen), seen
    assert seen == sorted(seen)  # it only goes forward
    # A glimpse of the image rides along (a small WebP), once the job runs.
    shots = [p for p in previews if p]
    assert shots and all(p.startswith("data:image/webp;base64,") for p in shots)
    assert max(len(p) for p in shots) < 70_000
    assert g_final(client, gid)["progress"] is None  # gone once it is over
    # From submission to completion, the only writes are the completion's own transaction.
    during = writes[writes_after_submit:]
    assert during.count("UPDATE image_generations") == 1, during
    assert all(
        w in ("UPDATE image_generations", "INSERT webhook_receipts", "INSERT image_files")
        for w in during
    ), during


def g_final(client, gid: str) -> dict:
    return client.get(f"/api/generations/{gid}").json()["generation"]


def test_cancel_a_running_generation_keeps_nothing(slow, stack):
    client = signup(stack["url"], "cancel@example.com")
    gid = _submit(client, "stop me", n=4)

    def running() -> bool:
        g = client.get(f"/api/generations/{gid}").json()["generation"]
        return bool(g["progress"]) and g["progress"]["percent"] > 0

    wait_until(running, 20, 0.05, what="the job to start")
    r = client.post(f"/api/generations/{gid}/cancel")
    assert r.status_code == 200 and r.json()["generation"]["status"] == "CANCELLED"
    assert client.post(f"/api/generations/{gid}/cancel").status_code == 409
    time.sleep(1.5)  # the worker stops at its next step and reports; nothing is kept
    g = client.get(f"/api/generations/{gid}").json()["generation"]
    assert g["status"] == "CANCELLED" and g["images"] == [] and g["error"] == "Cancelled by you."
    storage = get_storage()
    keys = [f"generations/{gid}/{i}{ext}" for i in range(4) for ext in (".png", ".thumb.webp")]
    assert not any(storage.exists(k) for k in keys)
    # It can be run again, like a failed one.
    again = client.post(f"/api/generations/{gid}/retry").json()["generation"]
    assert wait_status(client, again["id"])["status"] == "COMPLETED"


def test_one_users_burst_does_not_starve_another_user(slow, stack):
    alice = signup(stack["url"], "alice-q@example.com")
    bob = signup(stack["url"], "bob-q@example.com")
    a_ids = [_submit(alice, f"alice {n}") for n in range(4)]
    b_id = _submit(bob, "bob's first")
    positions: list[int] = []

    def bob_done() -> bool:
        g = bob.get(f"/api/generations/{b_id}").json()["generation"]
        if g["progress"]:
            positions.append(g["progress"]["queuePosition"])
        return g["status"] == "COMPLETED"

    wait_until(bob_done, 30, 0.05, what="bob's generation")
    assert positions and max(positions) >= 1  # bob saw that he was queued
    done = {gid: wait_status(alice, gid)["completedAt"] for gid in a_ids}
    bob_at = bob.get(f"/api/generations/{b_id}").json()["generation"]["completedAt"]
    # One worker slot: alice's first was running; bob's went next, before alice's backlog.
    assert sum(1 for t in done.values() if t < bob_at) <= 2, (done, bob_at)


def test_cancel_a_queued_generation(slow, stack):
    client = signup(stack["url"], "cancel-q@example.com")
    first, queued = _submit(client, "first", n=2), _submit(client, "waiting")
    r = client.post(f"/api/generations/{queued}/cancel")
    assert r.status_code == 200
    assert wait_status(client, first)["status"] == "COMPLETED"
    g = client.get(f"/api/generations/{queued}").json()["generation"]
    assert g["status"] == "CANCELLED" and g["images"] == []
