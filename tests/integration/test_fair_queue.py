"""The shared queue's own rules, on a real Redis: where a job enters (fair between owners),
which positions get announced, and what the sweep puts back (and what it leaves alone)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from saq import Status
from saq.utils import now

from imagegen.shared_queue import FUNCTION, FairRedisQueue, make_queue


@pytest.fixture
async def queue(redis_server: object) -> AsyncIterator[FairRedisQueue]:
    client = aioredis.from_url(redis_server.fresh_url())  # type: ignore[attr-defined]
    q = make_queue(client, "procedural")
    yield q
    await client.aclose()


async def _put(q: FairRedisQueue, key: str, owner: str) -> None:
    assert await q.enqueue(
        FUNCTION, key=key, timeout=0, heartbeat=5, retries=4, meta={"owner": owner}
    )


async def _order(q: FairRedisQueue) -> list[str]:
    ids = await q.redis.lrange(q._queued, 0, -1)
    return [q.job_key_from_id(i.decode()) for i in ids]


async def _take(q: FairRedisQueue) -> str:
    """What a worker does: move the head to the active list, mark it started."""
    job = await q.dequeue(timeout=1)
    assert job is not None
    job.attempts += 1
    await job.update(status=Status.ACTIVE)
    await q.mark_started(job)
    return job.key


async def test_a_burst_is_interleaved_and_a_newcomer_goes_next(queue: FairRedisQueue) -> None:
    for n in range(4):
        await _put(queue, f"a{n}", "alice")
    await _put(queue, "b0", "bob")
    await _put(queue, "b1", "bob")
    assert await _order(queue) == ["a0", "b0", "a1", "b1", "a2", "a3"]
    assert await _take(queue) == "a0"
    assert await _take(queue) == "b0"
    await _put(queue, "c0", "carol")  # arrives late: a first job, ahead of everyone's second
    assert await _order(queue) == ["c0", "a1", "b1", "a2", "a3"]
    assert await _take(queue) == "c0"
    await _put(queue, "c1", "carol")  # her second waits its turn among the others' second ones
    assert await _order(queue) == ["a1", "b1", "c1", "a2", "a3"]
    assert not await _put_again(queue, "a2")  # a repeat of a waiting job changes nothing


async def _put_again(q: FairRedisQueue, key: str) -> bool:
    return bool(await q.enqueue(FUNCTION, key=key, meta={"owner": "alice"}))


async def test_positions_are_announced_once_and_deep_ones_are_throttled(
    queue: FairRedisQueue,
) -> None:
    for n in range(5):
        await _put(queue, f"j{n}", f"owner{n}")
    assert await queue.changed_positions() == [(f"j{n}", n + 1) for n in range(5)]
    assert await queue.changed_positions() == []  # nothing moved: nothing to send
    await _take(queue)
    # Each moved up one: the first three are told at once, the deeper one within 10 s.
    assert await queue.changed_positions() == [("j1", 1), ("j2", 2), ("j3", 3)]
    job = await queue.job("j4")
    assert job is not None and await queue.position(job) == 4


async def test_the_sweep_puts_back_a_lapsed_job_first_and_leaves_live_ones(
    queue: FairRedisQueue,
) -> None:
    for key in ("dead", "live", "waiting"):
        await _put(queue, key, key)
    await _take(queue)  # dead
    await _take(queue)  # live
    dead = await queue.job("dead")
    assert dead is not None
    dead.touched = now() - 6_000  # its worker stopped beating 6 s ago (heartbeat 5 s)
    await queue.redis.set(dead.id, queue.serialize(dead))
    assert await queue.sweep(lock=1) == [dead.id]
    assert await _order(queue) == ["dead", "waiting"]  # back at the head, not the tail
    assert (await queue.job("live")).status == Status.ACTIVE  # type: ignore[union-attr]


async def test_a_cancelled_job_whose_worker_died_is_ended_not_run_again(
    queue: FairRedisQueue,
) -> None:
    await _put(queue, "gone", "o")
    await _take(queue)
    job = await queue.job("gone")
    assert job is not None
    job.status, job.error, job.touched = Status.ABORTING, "cancelled by the app", now() - 6_000
    await queue.redis.set(job.id, queue.serialize(job))  # still on the active list
    assert await queue.sweep(lock=1) == []
    assert await _order(queue) == []  # not put back on the queue
    assert (await queue.job("gone")).status == Status.ABORTED  # type: ignore[union-attr]


async def test_a_job_just_taken_is_not_swept_before_its_worker_marks_it(
    queue: FairRedisQueue,
) -> None:
    await _put(queue, "j", "o")
    await queue.redis.lmove(queue._queued, queue._active, "LEFT", "RIGHT")  # taken, not marked
    assert await queue.sweep(lock=1) == []  # saq's sweep would abort it here
    await queue.redis.delete(queue._sweep)  # the sweep lock: let the next one run now
    assert await queue.sweep(lock=1) == []  # still within a heartbeat
    stale = now() - 6_000
    await queue.redis.hset(queue._suspects, (await queue.job("j")).id, stale)  # type: ignore[union-attr]
    await queue.redis.delete(queue._sweep)
    assert len(await queue.sweep(lock=1)) == 1  # its worker died in that instant: back
    assert await _order(queue) == ["j"]


def _capture(got: list[dict]) -> FastAPI:
    app = FastAPI()

    @app.post("/api/webhooks/image-completion")
    async def completion(request: Request) -> dict:
        got.append(await request.json())
        return {"ok": True}

    return app


@pytest.fixture
def consumer(redis_server: object, tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A worker process's consumer, its jobs' completions landing on a capture server."""
    from imagegen.services.storage import make_storage
    from imagegen.settings.worker import WorkerSettings
    from imagegen.worker.consumer import SharedConsumer
    from imagegen.worker.engines.procedural import ProceduralEngine
    from imagegen.worker.runner import Worker
    from tests.helpers import ThreadedServer, free_port

    got: list[dict] = []
    app = _capture(got)
    port = free_port()
    settings = WorkerSettings(
        IMAGEGEN_DATA_DIR=tmp_path,
        IMAGEGEN_APP_URL=f"http://127.0.0.1:{port}",
        IMAGEGEN_WORKER_SECRET="whsec_" + "dGVzdC13b3JrZXItc2VjcmV0LTEyMzQ1Ng==",
        IMAGEGEN_WEBHOOK_SECRET="whsec_" + "dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NQ==",
        IMAGEGEN_STORAGE="local",
        REDIS_URL=redis_server.fresh_url(),  # type: ignore[attr-defined]
    )
    runner = Worker(settings, make_storage(settings), {"procedural": ProceduralEngine()})
    with ThreadedServer(app, port):
        yield SharedConsumer(runner, settings), got, settings


def _wire_job(settings, gid: str) -> str:
    from imagegen.contract import Job, JobParams

    return Job(
        generation_id=gid,
        prompt="a quiet harbour",
        callback_url=f"{settings.app_url}/api/webhooks/image-completion",
        params=JobParams(width=64, height=64, num_images=1, seed=1, engine="procedural",
                         model="procedural-v1"),
    ).model_dump_json(by_alias=True)  # fmt: skip


async def test_a_job_that_took_workers_down_three_times_is_failed_with_why(consumer) -> None:
    from saq.job import Job as SaqJob

    from imagegen.contract import job_signature

    c, got, settings = consumer
    body = _wire_job(settings, "thrice")
    queue = c.queues["procedural"]
    job = SaqJob(FUNCTION, queue=queue, key="thrice", attempts=4,
                 kwargs={"job": body, "sig": job_signature(c.secret, body)})  # fmt: skip
    await c._render({"job": job, "worker": c.saq[0]}, **job.kwargs)
    [completion] = got
    assert completion["status"] == "FAILED" and completion["attempt"] == 4
    assert "stopped 3 times while running this job" in completion["error"]


async def test_a_job_not_signed_by_the_app_is_never_run(consumer, caplog) -> None:
    from saq.job import Job as SaqJob

    c, got, settings = consumer
    body = _wire_job(settings, "forged")
    job = SaqJob(FUNCTION, queue=c.queues["procedural"], key="forged", attempts=1,
                 kwargs={"job": body, "sig": "0" * 64})  # fmt: skip
    await c._render({"job": job, "worker": c.saq[0]}, **job.kwargs)
    assert got == [] and "not signed with the worker secret" in caplog.text
    assert not list((settings.files_dir).rglob("*.png"))  # nothing was rendered or stored
