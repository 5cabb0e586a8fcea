"""The worker's queue: owners take turns, so one user's burst does not starve another."""

from __future__ import annotations

from imagegen.contract import Job, JobParams
from imagegen.worker.scheduler import FairQueue


def _job(gid: str, owner: str) -> Job:
    params = JobParams(width=512, height=512, num_images=1, seed=1, engine="p", model="m")
    return Job(generation_id=gid, prompt="x", params=params, callback_url="u", owner_key=owner)


def test_a_second_user_goes_before_the_first_users_backlog():
    q = FairQueue()
    for n in range(4):
        q.push(_job(f"a{n}", "alice"))
    q.push(_job("b0", "bob"))
    q.push(_job("b1", "bob"))
    assert q.order() == ["a0", "b0", "a1", "b1", "a2", "a3"]
    started = [q.pop().generation_id for _ in range(6)]
    assert started == ["a0", "b0", "a1", "b1", "a2", "a3"]
    assert q.pop() is None and len(q) == 0


def test_a_newcomer_waits_behind_at_most_one_job_per_user():
    q = FairQueue()
    for n in range(4):
        q.push(_job(f"a{n}", "alice"))
    assert q.pop().generation_id == "a0"  # alice's first is running
    q.push(_job("c0", "carol"))
    assert q.order()[:2] == ["c0", "a1"]  # alice was just served: carol goes first


def test_remove_a_waiting_job():
    q = FairQueue()
    q.push(_job("a0", "alice"))
    q.push(_job("b0", "bob"))
    assert q.remove("a0").generation_id == "a0"
    assert q.remove("nope") is None
    assert q.order() == ["b0"]
