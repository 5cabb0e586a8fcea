"""The worker's HTTP face: accept jobs (202), render, store, then send a signed completion."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import time
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from standardwebhooks import Webhook

from imagegen.contract import (
    CompletedImage,
    Completion,
    Job,
    Progress,
    ReplayGuard,
    RequestRefused,
    filename_stem,
    object_key,
    signed_headers,
    thumbnail_key,
    verify_signed,
)
from imagegen.http_guards import BodyLimit
from imagegen.services.storage import Storage, StorageError, make_storage
from imagegen.services.thumbnails import make_thumbnail
from imagegen.settings import Settings, get_settings
from imagegen.worker.delivery import Outbox
from imagegen.worker.engines import (
    Cancelled,
    Engine,
    EngineError,
    RenderControl,
    RenderRequest,
    available_engines,
)
from imagegen.worker.engines.preview import MAX_PREVIEW_BYTES
from imagegen.worker.journal import MAX_ATTEMPTS, JobJournal
from imagegen.worker.origins import CallbackRefused, check_callback
from imagegen.worker.scheduler import FairQueue

log = logging.getLogger("imagegen.worker")
ANNOUNCE_NOW = 3  # queue positions sent on every change; deeper ones are throttled
DEEP_QUEUE_INTERVAL = 10.0


def _render_request(job: Job) -> RenderRequest:
    p = job.params
    return RenderRequest(
        prompt=job.prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        num_images=p.num_images,
        seed=p.seed,
        model=p.model,
    )


def _ended(job: Job, status: str, reason: str) -> Completion:
    """A completion with no images: a job that was cancelled or failed before it rendered."""
    p = job.params
    return Completion(
        generation_id=job.generation_id, status=status, engine=p.engine, model=p.model, error=reason
    )


class ProgressSender:
    """Signed progress events, at most a few per second per job, never retried or stored:
    the next one replaces a lost one, and the completion webhook is what counts."""

    def __init__(self, secret: str, min_interval: float = 0.25) -> None:
        self.webhook = Webhook(secret)
        self.min_interval = min_interval
        self._last: dict[str, float] = {}
        self._previews: dict[str, bytes] = {}  # latest unsent preview per job
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task] = set()

    def report(
        self,
        job: Job,
        percent: int,
        queue_position: int,
        force: bool = False,
        preview: bytes | None = None,
        min_gap: float = 0.0,
    ) -> bool:
        """Sends (soon) the job's progress; call on the event loop. A preview that falls
        inside the throttle window rides on the next event that goes out. True if sent."""
        if not job.progress_url:
            return False
        gid = job.generation_id
        if preview is not None and len(preview) <= MAX_PREVIEW_BYTES:
            self._previews[gid] = preview
        now = time.monotonic()
        if not force and now - self._last.get(gid, 0.0) < max(self.min_interval, min_gap):
            return False
        self._last[gid] = now
        shot = self._previews.pop(gid, None)
        event = Progress(
            generation_id=gid,
            percent=percent,
            queue_position=queue_position,
            preview=f"data:image/webp;base64,{base64.b64encode(shot).decode()}" if shot else None,
        )
        task = asyncio.get_running_loop().create_task(self._post(job.progress_url, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def aclose(self) -> None:
        """Closes the pooled client (on shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def forget(self, generation_id: str) -> None:
        """The job is over."""
        self._last.pop(generation_id, None)
        self._previews.pop(generation_id, None)

    async def _post(self, url: str, event: Progress) -> None:
        body = event.model_dump_json(by_alias=True)
        headers = signed_headers(self.webhook, f"prg_{event.generation_id}_{time.time_ns()}", body)
        if self._client is None:  # one pooled client: a new one per event costs ~50 ms of CPU
            self._client = httpx.AsyncClient(timeout=3)
        try:
            await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            log.debug("progress for %s not delivered: %s", event.generation_id, e)


class Worker:
    """Queues jobs per engine (fair across owners, bounded concurrency), runs them, reports
    progress, honours cancels, and sends every result through the outbox."""

    def __init__(self, settings: Settings, storage: Storage, engines: dict[str, Engine]) -> None:
        self.settings = settings
        self.storage = storage
        self.engines = engines
        secret = settings.resolved_webhook_secret()
        self.outbox = Outbox(settings.outbox_dir, secret, max_age=settings.delivery_max_age_seconds)
        self.journal = JobJournal(settings.journal_dir)
        self.progress = ProgressSender(secret)
        self.queues = {name: FairQueue() for name in engines}
        self.limits = {n: e.concurrency(settings.worker_concurrency) for n, e in engines.items()}
        self.running: dict[str, int] = {name: 0 for name in engines}
        self.jobs: dict[str, Job] = {}  # queued or running, by generation id
        self.controls: dict[str, RenderControl] = {}
        self._positions: dict[str, int] = {}  # last queue position sent, per waiting job
        self.active: dict[str, asyncio.Task] = {}
        self.finished: dict[str, float] = {}  # recently ended job ids: a repeat answers 409

    def already_done(self, generation_id: str) -> bool:
        """Whether this job already ran here, or its images already sit in storage."""
        if generation_id in self.finished:
            return True
        return self.storage.exists(object_key(generation_id, 0))

    def submit(self, job: Job, attempts: int = 1) -> None:
        """Journals then queues a job; a repeat of a job already queued or running is ignored."""
        if job.generation_id in self.jobs:
            return
        self.journal.record(job, attempts)
        self.jobs[job.generation_id] = job
        self.queues[job.params.engine].push(job)
        self._pump(job.params.engine)
        self._announce(job.params.engine)

    def cancel(self, generation_id: str) -> bool:
        """Stops a job: a waiting one leaves the queue, a running one is asked to stop."""
        job = self.jobs.get(generation_id)
        if job is None:
            return False
        if self.queues[job.params.engine].remove(generation_id) is not None:
            self.jobs.pop(generation_id, None)
            self._positions.pop(generation_id, None)
            self._finish(job, _ended(job, "CANCELLED", "Cancelled before it started."))
            self._announce(job.params.engine)
            return True
        control = self.controls.get(generation_id)
        if control is not None:
            control.cancel()
        return True

    def _pump(self, engine: str) -> None:
        loop = asyncio.get_running_loop()
        while self.running[engine] < self.limits[engine]:
            job = self.queues[engine].pop()
            if job is None:
                return
            self.running[engine] += 1
            task = loop.create_task(self._run(job))
            self.active[job.generation_id] = task

    def _announce(self, engine: str) -> None:
        """Tells waiting jobs how many jobs are ahead of them, only when that changed: the
        first few at once, deeper ones every few seconds (a long queue must not cost an event
        per waiting job on every submit and every finish)."""
        for position, gid in enumerate(self.queues[engine].order(), start=1):
            job = self.jobs.get(gid)
            if job is None or self._positions.get(gid) == position:
                continue
            if position <= ANNOUNCE_NOW:
                self.progress.report(job, 0, position, force=True)
                self._positions[gid] = position
            elif self.progress.report(job, 0, position, min_gap=DEEP_QUEUE_INTERVAL):
                self._positions[gid] = position

    def _finish(self, job: Job, completion: Completion) -> None:
        self.progress.forget(job.generation_id)
        self.finished[job.generation_id] = time.monotonic()
        if len(self.finished) > 10_000:  # storage still answers for the ones forgotten
            for gid in list(self.finished)[:5_000]:
                del self.finished[gid]
        self.outbox.send(  # on disk before the journal forgets the job: no window to lose it
            f"msg_{job.generation_id}", job.callback_url, completion.model_dump(by_alias=True)
        )
        self.journal.done(job.generation_id)

    def resume(self) -> tuple[int, int]:
        """Takes over the jobs a dead worker process accepted but never finished: runs them
        again, or fails one that already took the worker down MAX_ATTEMPTS times."""
        rerun = failed = 0
        for job, attempts in self.journal.take_over():
            reason = None
            if attempts >= MAX_ATTEMPTS:
                reason = (
                    f"The worker stopped {attempts} times while running this job; "
                    "it was not run again."
                )
            elif job.params.engine not in self.engines:
                reason = f"The worker restarted without the {job.params.engine} engine."
            if reason:
                failed += 1
                self._finish(job, _ended(job, "FAILED", reason))
            else:
                rerun += 1
                self.submit(job, attempts + 1)
        return rerun, failed

    async def _run(self, job: Job) -> None:
        p = job.params
        engine = self.engines[p.engine]
        loop = asyncio.get_running_loop()

        def on_progress(fraction: float, preview: bytes | None) -> None:
            loop.call_soon_threadsafe(
                functools.partial(
                    self.progress.report, job, int(fraction * 100), 0, preview=preview
                )
            )

        control = RenderControl(on_progress)
        self.controls[job.generation_id] = control
        self._positions.pop(job.generation_id, None)
        self.progress.report(job, 0, 0, force=True)
        started = time.perf_counter()
        base = {"generation_id": job.generation_id, "engine": engine.name, "model": p.model}
        try:
            req = _render_request(job)
            rendered = await asyncio.to_thread(engine.generate, req, control)
            control.check()  # cancelled while the last step ran: store nothing
            images, problem = await asyncio.to_thread(
                self._store, job.generation_id, rendered, job.prompt
            )
            wanted = p.num_images
            if not images:
                completion = Completion(**base, status="FAILED", error=problem)
            elif len(images) < wanted:  # keep what was made, and say what is missing
                why = problem or f"the {engine.label} engine returned only {len(rendered)}"
                note = f"Only {len(images)} of {wanted} images were made: {why}"
                completion = Completion(**base, status="COMPLETED", images=images, error=note)
            else:
                completion = Completion(**base, status="COMPLETED", images=images)
        except Cancelled:
            log.info("job %s cancelled while running", job.generation_id)
            completion = Completion(**base, status="CANCELLED", error="Cancelled.")
        except (EngineError, StorageError) as e:
            completion = Completion(**base, status="FAILED", error=str(e))
        except Exception as e:  # an engine bug must still end the generation
            log.exception("job %s crashed", job.generation_id)
            completion = Completion(
                **base, status="FAILED", error=f"internal engine error ({type(e).__name__})"
            )
        finally:
            self.running[p.engine] -= 1
            self.controls.pop(job.generation_id, None)
            self.jobs.pop(job.generation_id, None)
            self.active.pop(job.generation_id, None)
        completion.duration_ms = int((time.perf_counter() - started) * 1000)
        self._finish(job, completion)
        self._pump(p.engine)
        self._announce(p.engine)

    def _store(
        self, generation_id: str, rendered: list, prompt: str = ""
    ) -> tuple[list[CompletedImage], str | None]:
        """Stores each image with its thumbnail; an image whose objects can't both be stored
        is dropped whole (nothing half-written) and the first such problem is reported."""
        stem = filename_stem(prompt)
        out, problem = [], None
        for i, img in enumerate(rendered):
            ext = img.format.lower()
            key, thumb = object_key(generation_id, i, ext), thumbnail_key(generation_id, i)
            if self.storage.exists(key):  # never overwrite: someone else's result may be there
                log.error("refusing to overwrite %s (the job id ran before)", key)
                problem = problem or "an image of this job id is already stored"
                continue
            try:
                self.storage.put(key, img.data, f"image/{ext}")
                self.storage.put(thumb, make_thumbnail(img.data), "image/webp")
            except (StorageError, OSError, ValueError) as e:
                log.warning("image %d of %s not stored: %s", i, generation_id, e)
                problem = problem or (
                    f"storage failed ({e})"
                    if isinstance(e, StorageError)
                    else f"image {i + 1} could not be read ({type(e).__name__})"
                )
                for k in (key, thumb):
                    with contextlib.suppress(StorageError, ValueError):
                        self.storage.delete(k)
                continue
            out.append(
                CompletedImage(
                    key=key,
                    filename=f"{stem}-{i + 1}.{ext}",
                    format=img.format,
                    width=img.width,
                    height=img.height,
                    file_size=len(img.data),
                    thumbnail_key=thumb,
                )
            )
        if problem and not out:
            problem = f"No image could be saved: {problem}."
        return out, problem


def create_worker_app(settings: Settings | None = None) -> FastAPI:
    """Builds the worker's FastAPI app for the given (or environment) settings."""
    settings = settings or get_settings()
    if not logging.getLogger().handlers:  # a process spawned by uvicorn --workers
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s"
        )
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        worker = Worker(settings, make_storage(settings), available_engines())
        state["worker"] = worker
        resumed = worker.outbox.resume()
        if resumed:
            log.info("resuming %d undelivered completion(s)", resumed)
        rerun, failed = worker.resume()
        if rerun or failed:
            log.warning("took over unfinished jobs: %d to run again, %d failed", rerun, failed)
        if settings.redis_url:
            from imagegen.worker.cancel_bus import CancelBus

            state["bus"] = CancelBus(settings.redis_url, worker.cancel, asyncio.get_running_loop())
        yield
        if "bus" in state:
            state["bus"].close()
        await worker.outbox.drain(timeout=5)
        await worker.outbox.aclose()
        await worker.progress.aclose()

    app = FastAPI(title="imagegen worker", version="1", lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=64 * 1024)  # a job is a few kB of JSON
    worker_secret = settings.resolved_worker_secret()
    replays = ReplayGuard(settings.data_dir / "worker-seen")

    async def signed_by_app(request: Request) -> None:
        """Every app->worker request carries the app's Standard Webhooks signature."""
        body = await request.body()
        try:
            await asyncio.to_thread(
                verify_signed, worker_secret, replays, body, dict(request.headers)
            )
        except RequestRefused as e:
            raise HTTPException(401, str(e)) from e

    signed = APIRouter(dependencies=[Depends(signed_by_app)])

    @app.get("/healthz")
    async def healthz() -> dict:
        w = state["worker"]
        return {
            "ok": True,
            "activeJobs": len(w.active),
            "queuedJobs": sum(len(q) for q in w.queues.values()),
            "pendingDeliveries": w.outbox.pending(),
        }

    @signed.get("/v1/engines")
    async def engines() -> dict:
        w = state["worker"]
        described = await asyncio.gather(
            *(asyncio.to_thread(e.describe) for e in w.engines.values())
        )  # remote engines check their server: concurrently, off the loop
        return {"default": "procedural", "engines": list(described)}

    @app.post("/v1/replicate/webhook")
    async def replicate_webhook(request: Request) -> JSONResponse:
        """Replicate's prediction webhooks; the signature is checked with its signing key."""
        engine = state["worker"].engines.get("replicate")
        if engine is None:
            raise HTTPException(404, "Replicate is not configured")
        body = await request.body()
        headers = {
            k: request.headers.get(k, "")
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        ok = await asyncio.to_thread(engine.receive_webhook, body, headers)  # type: ignore[attr-defined]
        if not ok:
            raise HTTPException(401, "bad webhook signature")
        return JSONResponse({"ok": True})

    @signed.post("/v1/jobs/{generation_id}/cancel", status_code=202)
    async def cancel(generation_id: str, body: CancelRequest) -> JSONResponse:
        """Cancels a queued or running job; unknown (or already finished) is 404. With several
        worker processes (REDIS_URL), one that lacks the job passes the cancel to the others."""
        if body.generation_id != generation_id:  # the signed body names the job it cancels
            raise HTTPException(422, "generationId in the body does not match the path")
        if state["worker"].cancel(generation_id):
            return JSONResponse({"cancelling": True, "generationId": generation_id}, 202)
        bus = state.get("bus")
        if bus is None:
            raise HTTPException(404, "no such job in progress")
        await asyncio.to_thread(bus.publish, generation_id)
        return JSONResponse(
            {"cancelling": True, "generationId": generation_id, "broadcast": True}, 202
        )

    @signed.post("/v1/jobs", status_code=202)
    async def submit(job: Job) -> JSONResponse:
        w = state["worker"]
        for field, url in (("callbackUrl", job.callback_url), ("progressUrl", job.progress_url)):
            try:
                check_callback(url, settings)
            except CallbackRefused as e:
                raise HTTPException(422, f"{field}: {e}") from e
        limit = settings.max_prompt_chars
        for field, text in (("prompt", job.prompt), ("negativePrompt", job.params.negative_prompt)):
            if len(text) > limit:
                raise HTTPException(422, f"{field} is {len(text)} characters; the limit is {limit}")
        if job.generation_id not in w.jobs and await asyncio.to_thread(
            w.already_done, job.generation_id
        ):
            raise HTTPException(409, f"job {job.generation_id} has already run")
        engine = w.engines.get(job.params.engine)
        if engine is None:
            raise HTTPException(422, f"unknown engine {job.params.engine!r}")
        caps = engine.capabilities()
        if job.params.model not in caps.models:
            raise HTTPException(422, f"engine {engine.name} has no model {job.params.model!r}")
        if (job.params.width, job.params.height) not in caps.sizes:
            raise HTTPException(
                422, f"engine {engine.name} cannot make {job.params.width}x{job.params.height}"
            )
        if job.params.num_images > caps.max_images:
            raise HTTPException(422, f"engine {engine.name} makes at most {caps.max_images}")
        try:
            engine.validate(_render_request(job))
        except EngineError as e:
            raise HTTPException(422, str(e)) from e
        w.submit(job)
        return JSONResponse({"accepted": True, "generationId": job.generation_id}, status_code=202)

    app.include_router(signed)
    return app


class CancelRequest(BaseModel):
    """The signed body of a cancel: it names the job, so a signature can't be moved to another."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    generation_id: str = Field(min_length=1, max_length=64)
