"""This worker process's side of the shared queue: one saq worker per engine, each taking a
job only when it has a free slot, holding its lease while it renders, and delivering the
completion through the outbox before it lets the job go."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import uuid
from typing import Any

import redis.asyncio as aioredis
from pydantic import ValidationError
from saq import Worker as SaqWorker
from saq.job import Job as SaqJob

from imagegen.contract import (
    MAX_ATTEMPTS,
    Completion,
    EngineCatalog,
    GenerationStatus,
    Job,
    job_signature,
)
from imagegen.settings.worker import WorkerSettings
from imagegen.shared_queue import (
    CANCEL_REASON,
    ENGINES_KEY,
    FUNCTION,
    FairRedisQueue,
    lease_timers,
    make_queue,
)
from imagegen.worker.runner import Worker, ended_completion

log = logging.getLogger("imagegen.worker.queue")
DELIVERY_WAIT = 20.0  # the lease is kept until the app has the result, up to this long
CATALOGUE_EVERY = 10.0
POSITIONS_EVERY = 0.5


class _EmbeddedWorker(SaqWorker):
    """A saq worker inside the worker's web process: uvicorn owns the signals."""

    SIGNALS: list = []  # noqa: RUF012


class SharedConsumer:
    """Runs jobs from the shared queue on this process's engines, with the runner's engines,
    storage, progress and outbox."""

    def __init__(self, runner: Worker, settings: WorkerSettings) -> None:
        self.runner, self.settings = runner, settings
        self.instance = (
            f"{settings.worker_instance or 'worker'}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.redis = aioredis.from_url(settings.redis_url)
        self.sweep, self.heartbeat = lease_timers(settings.job_lease_seconds)
        self.secret = settings.resolved_worker_secret()
        self.queues: dict[str, FairRedisQueue] = {}
        self.saq: list[_EmbeddedWorker] = []
        for name in runner.engines:
            queue = make_queue(self.redis, name)
            self.queues[name] = queue
            worker = _EmbeddedWorker(
                queue,
                functions=[(FUNCTION, self._render)],
                concurrency=runner.limits[name],
                timers={"sweep": self.sweep, "abort": 1, "schedule": 5, "worker_info": 10},
                id=f"{self.instance}-{name}",
            )
            self.saq.append(worker)
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        """Starts pulling jobs, publishing the engine catalogue and announcing positions."""
        await self._publish_catalogue()
        for worker in self.saq:
            await worker.queue.connect()
            self._tasks.append(asyncio.create_task(worker.start()))
        self._tasks.append(
            asyncio.create_task(self._every(CATALOGUE_EVERY, self._publish_catalogue))
        )
        self._tasks.append(asyncio.create_task(self._every(POSITIONS_EVERY, self._announce)))
        log.info(
            "pulling from the shared queue as %s (engines %s, lease %d s)",
            self.instance,
            ", ".join(self.queues),
            self.settings.job_lease_seconds,
        )

    async def stop(self) -> None:
        """Gives running jobs back to the queue (another worker takes them) and stops."""
        for worker in self.saq:
            with contextlib.suppress(Exception):
                await worker.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.redis.delete(ENGINES_KEY + self.instance)
        with contextlib.suppress(Exception):
            await self.redis.aclose()

    async def _every(self, seconds: float, fn: Any) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await fn()
            except Exception as e:  # noqa: BLE001  (Redis away: try again next tick)
                log.warning("%s failed: %s", fn.__name__, e)

    async def _publish_catalogue(self) -> None:
        """Tells the app which engines this process serves (it reads every live one)."""
        engines = self.runner.engines.values()
        described = await asyncio.gather(*(asyncio.to_thread(e.info) for e in engines))
        catalog = EngineCatalog(default="procedural", engines=list(described))
        body = json.dumps(catalog.model_dump(mode="json", by_alias=True))
        await self.redis.set(ENGINES_KEY + self.instance, body, ex=int(CATALOGUE_EVERY * 3))

    async def _announce(self) -> None:
        """Sends each waiting job its new place in the queue, counted across every machine."""
        for queue in self.queues.values():
            changed = await queue.changed_positions()
            if not changed:
                continue
            found = await queue.jobs([key for key, _ in changed])
            for (_, position), saq_job in zip(changed, found, strict=True):
                job = self._verified(saq_job) if saq_job is not None else None
                if job is not None and self.runner.callback_refusal(job) is None:
                    self.runner.progress.report(job, 0, position, force=True)

    async def _announce_now(self) -> None:
        try:
            await self._announce()
        except Exception as e:  # noqa: BLE001  (the next tick sends them)
            log.warning("could not announce queue positions: %s", e)

    def _verified(self, saq_job: SaqJob) -> Job | None:
        """The app's job, if the app signed it (anyone who can write to Redis cannot run one)."""
        kwargs = saq_job.kwargs or {}
        body, sig = kwargs.get("job"), kwargs.get("sig")
        if not isinstance(body, str) or not isinstance(sig, str):
            return None
        if not hmac.compare_digest(sig, job_signature(self.secret, body)):
            return None
        try:
            return Job.model_validate_json(body)
        except ValidationError:
            return None

    async def _render(self, ctx: dict, **_: Any) -> None:
        """saq's job function: one attempt at one job."""
        saq_job: SaqJob = ctx["job"]
        job = self._verified(saq_job)
        if job is None:
            log.error("refused job %s: not signed with the worker secret", saq_job.key)
            return
        queue = self.queues[job.params.engine]
        await queue.mark_started(saq_job)
        self._tasks = [t for t in self._tasks if not t.done()]
        self._tasks.append(asyncio.create_task(self._announce_now()))  # all behind moved up
        attempt = saq_job.attempts
        log.info("job %s started on pid %d (attempt %d)", job.generation_id, os.getpid(), attempt)
        if (nowhere := self.runner.callback_refusal(job)) is not None:
            log.error("refused job %s: %s", job.generation_id, nowhere)
            return  # nowhere safe to say so; the app's watchdog ends it
        completion = None
        if (refused := self.runner.refusal(job)) is not None:
            completion = ended_completion(
                job, GenerationStatus.FAILED, f"The worker refused the job: {refused}"
            )
        elif attempt > MAX_ATTEMPTS:
            completion = ended_completion(
                job,
                GenerationStatus.FAILED,
                f"The worker stopped {attempt - 1} times while running this job; "
                "it was not run again.",
            )
        if completion is not None:
            completion.attempt = attempt
        beat = asyncio.create_task(self._keep_lease(saq_job))
        try:
            if completion is None:
                completion = await self._leased(ctx, saq_job, job, attempt)
            await self._deliver(job, completion)
        finally:
            beat.cancel()

    async def _leased(self, ctx: dict, saq_job: SaqJob, job: Job, attempt: int) -> Completion:
        """Renders; an abort stops the render at its next step."""
        control = self.runner.control_for(job)
        render = asyncio.create_task(self.runner.render(job, control, attempt))
        try:
            return await asyncio.shield(render)
        except asyncio.CancelledError:
            control.cancel()
            completion = await render  # it ends at its next step
            task = ctx["worker"].job_task_contexts.get(saq_job) or {}
            if task.get("aborted") == CANCEL_REASON:  # the user's cancel: say it ended
                self.runner.outbox.send(
                    f"msg_{job.generation_id}",
                    job.callback_url,
                    completion.model_dump(by_alias=True),
                )
            else:
                log.info("job %s given back to the queue", job.generation_id)
            raise
        finally:
            self.runner.release(job)

    async def _keep_lease(self, saq_job: SaqJob) -> None:
        while True:
            await asyncio.sleep(self.heartbeat / 3)
            with contextlib.suppress(Exception):
                await saq_job.update()

    async def _deliver(self, job: Job, completion: Completion) -> None:
        """Writes the completion to the outbox and waits (bounded) until the app has it, so a
        machine that dies now leaves the job to be run again rather than a result on its disk."""
        self.runner.progress.forget(job.generation_id)
        task = self.runner.outbox.send(
            f"msg_{job.generation_id}", job.callback_url, completion.model_dump(by_alias=True)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), DELIVERY_WAIT)
