"""The shared job queue, on saq (Redis): one queue per engine, which the app fills and every
worker process on every machine pulls from when it has a free slot.

saq brings the guarantees: a job is moved atomically from the queue to the active list when
a worker takes it, its heartbeat is its lease, a job whose heartbeat stops is swept back onto
the queue (at-least-once, up to its retries), and an abort reaches it queued or running. This
module adds two things saq leaves to its users: where a job enters the queue (fair between
owners, below), and the queue positions the app shows.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from saq import Job, Status
from saq.queue.redis import RedisQueue
from saq.utils import now

log = logging.getLogger("imagegen.worker.queue")
FUNCTION = "render"
CANCEL_CHANNEL = "imagegen:worker-cancel"  # a cancel for the process that holds the job
SWEEP_SLACK = 1  # seconds between a heartbeat running out and the sweep acting on it
CANCEL_REASON = "cancelled by the app"
SWEPT = "swept: its worker stopped renewing the lease"
ENGINES_KEY = "imagegen:engines:"  # + worker instance: each live process's engine catalogue
ANNOUNCE_NOW = 3  # queue positions sent on every change; deeper ones are throttled
DEEP_QUEUE_INTERVAL = 10

# Start-time fair queuing: each job gets the tag max(V, F[owner]) where V is the tag of the
# latest job a worker took and F[owner] is one past the owner's previous tag, and it enters
# the queue after every waiting job whose tag is not larger. So a burst by one owner is
# interleaved with everyone else's jobs, and a newcomer's first job waits behind at most the
# jobs already tagged at the current V: the rule the single-machine FairQueue applies, here
# across every machine. saq's own enqueue script, with the tail push replaced by that insert.
_FAIR_ENQUEUE = """
if redis.call('ZSCORE', KEYS[1], KEYS[2]) or redis.call('EXISTS', KEYS[4]) == 1 then
    return nil
end
local v = tonumber(redis.call('GET', KEYS[5]) or '0')
local f = tonumber(redis.call('GET', KEYS[6]) or '0')
local tag = math.max(v, f)
redis.call('SET', KEYS[6], tag + 1, 'EX', 86400)
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], 0, KEYS[2])
redis.call('HSET', KEYS[7], KEYS[2], tag)
local n = redis.call('LLEN', KEYS[3])
for i = -1, -n, -1 do
    local id = redis.call('LINDEX', KEYS[3], i)
    if tonumber(redis.call('HGET', KEYS[7], id) or '-1') <= tag then
        redis.call('LINSERT', KEYS[3], 'AFTER', id, KEYS[2])
        return tag
    end
end
redis.call('LPUSH', KEYS[3], KEYS[2])
return tag
"""

# saq's own snapshot of the active list, taken under the sweep lock.
_ACTIVE_SNAPSHOT = """
local id_jobs = {}
if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('SETEX', KEYS[1], ARGV[1], 1)
    for i, v in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
        id_jobs[i] = {v, redis.call('GET', v)}
    end
end
return id_jobs
"""

# A job was taken: V moves up to its tag, and it no longer has a tag or a position.
_STARTED = """
local tag = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tag > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], tag) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return tag
"""

# Positions that changed since last announced, claimed atomically (one process announces
# each change): the first few on every change, deeper ones at most every DEEP seconds.
_POSITIONS = """
local ids = redis.call('LRANGE', KEYS[1], 0, 999)
local now, out = tonumber(ARGV[1]), {}
for i, id in ipairs(ids) do
    local old = redis.call('HGET', KEYS[2], id)
    local was, at = -1, 0
    if old then
        local sep = string.find(old, ':')
        was, at = tonumber(string.sub(old, 1, sep - 1)), tonumber(string.sub(old, sep + 1))
    end
    if was ~= i and (i <= tonumber(ARGV[2]) or now - at >= tonumber(ARGV[3])) then
        redis.call('HSET', KEYS[2], id, i .. ':' .. now)
        table.insert(out, id)
        table.insert(out, i)
    end
end
redis.call('EXPIRE', KEYS[2], 86400)
return out
"""


def lease_timers(lease: int) -> tuple[int, int]:
    """(sweep interval, heartbeat) so that a dead worker's job is back on the queue within
    the lease: its heartbeat runs out, then the next sweep puts it back."""
    sweep = max(1, min(5, lease // 6))
    return sweep, lease - sweep - SWEEP_SLACK


def queue_name(engine: str) -> str:
    """One queue per engine, so a machine serves only the engines it has."""
    return f"imagegen-{engine}"


class FairRedisQueue(RedisQueue):
    """saq's Redis queue, with each job entering at its owner's fair place, not the tail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._vtime = self.namespace("fair-vtime")
        self._tags = self.namespace("fair-tags")
        self._positions = self.namespace("positions")
        self._fair = self.redis.register_script(_FAIR_ENQUEUE)
        self._started = self.redis.register_script(_STARTED)
        self._announce = self.redis.register_script(_POSITIONS)
        self._snapshot = self.redis.register_script(_ACTIVE_SNAPSHOT)
        self._suspects = self.namespace("sweep-suspects")

    async def sweep(self, lock: int = 60, abort: float = 0.0) -> list[str]:
        """saq's sweep, made safe for a fleet of workers that may die at any moment. saq's own
        judges every job on one snapshot, after waiting up to 5 s per stuck job for its worker
        to answer an abort (so live jobs look stuck by then), and takes a job a worker has
        just moved to the active list, before marking it active, for a dead one; and a
        sweeper killed during that wait leaves the job on no list at all. Here a stuck job
        goes back onto the queue in saq's one atomic retry, no waiting; a job not yet marked
        active is given a heartbeat's time first."""
        swept = []
        for job_id, job_bytes in await self._snapshot(
            keys=[self._sweep, self._active], args=[lock]
        ):
            job = self.deserialize(job_bytes)
            if job is None:  # its record is gone: drop the dangling id (as saq does)
                async with self.redis.pipeline(transaction=True) as pipe:
                    await (
                        pipe.lrem(self._active, 0, job_id).zrem(self._incomplete, job_id).execute()
                    )
                continue
            if job.status == Status.ACTIVE and not job.stuck:
                await self.redis.hdel(self._suspects, job_id)
                continue
            if job.status == Status.QUEUED:  # taken an instant ago, or by a worker that died then
                first = await self.redis.hget(self._suspects, job_id)
                if first is None:
                    await self.redis.hset(self._suspects, job_id, now())
                    await self.redis.expire(self._suspects, 86400)
                    continue
                if (now() - int(first)) / 1000 < (job.heartbeat or 60):
                    continue
            await self.redis.hdel(self._suspects, job_id)
            if job.status in (Status.COMPLETE, Status.FAILED, Status.ABORTED):
                await self.redis.lrem(self._active, 0, job_id)
                continue
            if job.status == Status.ABORTING:  # cancelled, and its worker never answered
                await self.finish(job, Status.ABORTED, error=job.error)
                continue
            swept.append(job_id.decode())
            log.warning("job %s back on the queue: its worker stopped renewing its lease", job.key)
            if job.retryable:
                await self.retry(job, error=self.swept_error_message)
            else:
                await self.finish(job, Status.ABORTED, error=self.swept_error_message)
        return swept

    async def _enqueue(self, job: Job) -> Job | None:
        owner = self.namespace(f"fair-owner:{job.meta.get('owner', '')}")
        keys = [self._incomplete, job.id, self._queued, job.abort_id, self._vtime, owner]
        async with self._op_sem:
            tag = await self._fair(keys=[*keys, self._tags], args=[self.serialize(job)])
        return None if tag is None else job

    async def _retry(self, job: Job, error: str | None) -> None:
        """saq's retry, but to the head of the queue: a job already taken was ahead of every
        job still waiting (saq appends it, behind them all)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            await (
                pipe.lrem(self._active, 1, job.id)
                .lrem(self._queued, 1, job.id)
                .zadd(self._incomplete, {job.id: job.scheduled})
                .lpush(self._queued, job.id)
                .set(job.id, self.serialize(job))
                .execute()
            )
        await self.notify(job)

    async def mark_started(self, job: Job) -> None:
        """Moves the fair clock to the job a worker just took."""
        await self._started(keys=[self._vtime, self._tags, self._positions], args=[job.id])

    async def forget(self, job: Job) -> None:
        """Drops a cancelled job's tag and position."""
        await self.redis.hdel(self._tags, job.id)
        await self.redis.hdel(self._positions, job.id)

    async def position(self, job: Job) -> int:
        """1 for the next job to start; 0 when it is not waiting."""
        found = await self.redis.lpos(self._queued, job.id)
        return 0 if found is None else int(found) + 1

    async def changed_positions(self) -> list[tuple[str, int]]:
        """(job key, position) for each waiting job whose position is to be announced now."""
        flat = await self._announce(
            keys=[self._queued, self._positions],
            args=[int(time.time()), ANNOUNCE_NOW, DEEP_QUEUE_INTERVAL],
        )
        pairs = zip(flat[::2], flat[1::2], strict=True)
        return [(self.job_key_from_id(i.decode()), int(p)) for i, p in pairs]


def make_queue(redis_client: Any, engine: str) -> FairRedisQueue:
    """The engine's queue on a shared Redis client."""
    return FairRedisQueue(redis_client, name=queue_name(engine), swept_error_message=SWEPT)
