"""The job runner: a fair queue per engine, bounded concurrency, progress, cancels, and every
result stored then sent through the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time

from imagegen.contract import (
    MAX_ATTEMPTS,
    CompletedImage,
    Completion,
    GenerationStatus,
    Job,
    filename_stem,
    object_key,
    thumbnail_key,
)
from imagegen.services.storage import Storage, StorageError
from imagegen.services.thumbnails import make_thumbnail
from imagegen.settings.worker import WorkerSettings
from imagegen.worker.delivery import Outbox
from imagegen.worker.engines import (
    Cancelled,
    Engine,
    EngineError,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.procedural import encode_png, lanczos_upscale
from imagegen.worker.journal import JobJournal
from imagegen.worker.origins import CallbackRefused, check_callback
from imagegen.worker.progress import ProgressSender
from imagegen.worker.scheduler import FairQueue

log = logging.getLogger("imagegen.worker")
ANNOUNCE_NOW = 3  # queue positions sent on every change; deeper ones are throttled
DEEP_QUEUE_INTERVAL = 10.0


def render_request(job: Job) -> RenderRequest:
    """The engine's view of a job: engines never see the wire model."""
    p = job.params
    return RenderRequest(
        prompt=job.prompt,
        negative_prompt=p.negative_prompt,
        width=p.width,
        height=p.height,
        num_images=p.num_images,
        seed=p.seed,
        model=p.model,
        strength=p.strength,
    )


def upscale(engine: Engine, req: RenderRequest, control: RenderControl) -> RenderedImage:
    """The engine's own upscaler, or a Lanczos resize whose PNG says it is one."""
    assert req.init_image is not None
    control.report(0.0)
    done = engine.upscale(req, control)
    if done is None:
        img = lanczos_upscale(req.init_image, req.width, req.height)
        text = f"{req.prompt}\nUpscaler: Lanczos (a resize, not AI), Size: {img.width}x{img.height}"
        done = RenderedImage(data=encode_png(img, text), width=img.width, height=img.height)
    control.report(1.0)
    return done


def ended_completion(job: Job, status: GenerationStatus, reason: str) -> Completion:
    """A completion with no images: a job that was cancelled or failed before it rendered."""
    p = job.params
    return Completion(
        generation_id=job.generation_id, status=status, engine=p.engine, model=p.model, error=reason
    )


class Worker:
    """Queues jobs per engine (fair across owners, bounded concurrency), runs them, reports
    progress, honours cancels, and sends every result through the outbox."""

    def __init__(
        self, settings: WorkerSettings, storage: Storage, engines: dict[str, Engine]
    ) -> None:
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
            self._finish(
                job,
                ended_completion(job, GenerationStatus.CANCELLED, "Cancelled before it started."),
            )
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
            if (self.settings.outbox_dir / f"msg_{job.generation_id}.json").exists():
                self.journal.done(job.generation_id)  # died after its result was written
                continue
            if reason:
                failed += 1
                self._finish(job, ended_completion(job, GenerationStatus.FAILED, reason))
            else:
                rerun += 1
                self._clear_attempt(job.generation_id)
                self.submit(job, attempts + 1)
        return rerun, failed

    def _clear_attempt(self, generation_id: str) -> None:
        """Removes what a killed attempt stored before its result was written: the run again
        stores every image afresh (else it would refuse to overwrite them, and they would be
        left unreferenced)."""
        try:
            keys = [k for k, _ in self.storage.list(f"generations/{generation_id}/")]
            for key in keys:
                self.storage.delete(key)
        except StorageError:
            log.exception("could not clear the stopped attempt of %s", generation_id)
        else:
            if keys:
                log.info(
                    "removed %d object(s) of the stopped attempt of %s", len(keys), generation_id
                )

    def control_for(self, job: Job) -> RenderControl:
        """A control whose progress goes to the app, registered so a cancel can reach it."""
        loop = asyncio.get_running_loop()

        def on_progress(fraction: float, preview: bytes | None) -> None:
            loop.call_soon_threadsafe(
                functools.partial(
                    self.progress.report, job, int(fraction * 100), 0, preview=preview
                )
            )

        control = RenderControl(on_progress)
        self.controls[job.generation_id] = control
        self.jobs[job.generation_id] = job
        self._positions.pop(job.generation_id, None)
        self.progress.report(job, 0, 0, force=True)
        return control

    def release(self, job: Job) -> None:
        """The job has left this process (ended, or given back to the shared queue)."""
        self.controls.pop(job.generation_id, None)
        self.jobs.pop(job.generation_id, None)
        self.active.pop(job.generation_id, None)

    async def _run(self, job: Job) -> None:
        try:
            completion = await self.render(job, self.control_for(job))
        finally:
            self.running[job.params.engine] -= 1
            self.release(job)
        self._finish(job, completion)
        self._pump(job.params.engine)
        self._announce(job.params.engine)

    async def render(self, job: Job, control: RenderControl, attempt: int = 1) -> Completion:
        """Runs one job to its completion (made, failed or cancelled); never raises for the
        job's own faults. A later attempt stores under its own keys."""
        p = job.params
        engine = self.engines[p.engine]
        started = time.perf_counter()
        base = {"generation_id": job.generation_id, "engine": engine.name, "model": p.model}
        try:
            req = render_request(job)
            if p.input_key is not None:
                req = dataclasses.replace(req, init_image=await self._input(p.input_key))
            if p.operation == "upscale":
                rendered = [await asyncio.to_thread(upscale, engine, req, control)]
            else:
                rendered = await asyncio.to_thread(engine.generate, req, control)
            control.check()  # cancelled while the last step ran: store nothing
            images, problem = await asyncio.to_thread(
                self._store, job.generation_id, rendered, job.prompt, attempt
            )
            wanted = p.num_images
            if not images:
                completion = Completion(**base, status=GenerationStatus.FAILED, error=problem)
            elif len(images) < wanted:  # keep what was made, and say what is missing
                why = problem or f"the {engine.label} engine returned only {len(rendered)}"
                note = f"Only {len(images)} of {wanted} images were made: {why}"
                completion = Completion(
                    **base, status=GenerationStatus.COMPLETED, images=images, error=note
                )
            else:
                completion = Completion(**base, status=GenerationStatus.COMPLETED, images=images)
        except Cancelled:
            log.info("job %s cancelled while running", job.generation_id)
            completion = Completion(**base, status=GenerationStatus.CANCELLED, error="Cancelled.")
        except (EngineError, StorageError) as e:
            if isinstance(e, EngineError):
                engine.after_failure()  # a server found down is said so at the next look
            completion = Completion(**base, status=GenerationStatus.FAILED, error=str(e))
        except Exception as e:  # an engine bug must still end the generation
            log.exception("job %s crashed", job.generation_id)
            completion = Completion(
                **base,
                status=GenerationStatus.FAILED,
                error=f"internal engine error ({type(e).__name__})",
            )
        completion.duration_ms = int((time.perf_counter() - started) * 1000)
        completion.attempt = attempt
        return completion

    def callback_refusal(self, job: Job) -> str | None:
        """Why the job's callback or progress URL is not the app's (nothing may go there)."""
        for field, url in (("callbackUrl", job.callback_url), ("progressUrl", job.progress_url)):
            try:
                check_callback(url, self.settings)
            except CallbackRefused as e:
                return f"{field}: {e}"
        return None

    def refusal(self, job: Job) -> str | None:
        """Why this worker will not run the job (it names the field), or None."""
        if (refused := self.callback_refusal(job)) is not None:
            return refused
        limit = self.settings.max_prompt_chars
        for field, text in (("prompt", job.prompt), ("negativePrompt", job.params.negative_prompt)):
            if len(text) > limit:
                return f"{field} is {len(text)} characters; the limit is {limit}"
        engine = self.engines.get(job.params.engine)
        if engine is None:
            return f"unknown engine {job.params.engine!r}"
        if job.params.operation == "upscale":  # its "model" is the upscaler; any size x2
            return "an upscale makes one image" if job.params.num_images != 1 else None
        return _render_refusal(engine, job)

    async def _input(self, key: str) -> bytes:
        """The job's input image, read through Storage (the app checked it when it came in)."""
        if not key.startswith(("generations/", "uploads/")):
            raise EngineError("The job names an input outside the image store.")
        try:
            return await asyncio.to_thread(self.storage.get, key)
        except (StorageError, ValueError) as e:
            raise EngineError("The input image is no longer stored; it cannot be used.") from e

    def _store(
        self, generation_id: str, rendered: list, prompt: str = "", attempt: int = 1
    ) -> tuple[list[CompletedImage], str | None]:
        """Stores each image with its thumbnail; an image whose objects can't both be stored
        is dropped whole (nothing half-written) and the first such problem is reported."""
        stem = filename_stem(prompt)
        out, problem = [], None
        for i, img in enumerate(rendered):
            ext = img.format.lower()
            key = object_key(generation_id, i, ext, attempt)
            thumb = thumbnail_key(generation_id, i, attempt)
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


def _render_refusal(engine: Engine, job: Job) -> str | None:
    """Why this engine or its model cannot make the render."""
    p = job.params
    caps = engine.capabilities()
    if p.model not in caps.models:
        return f"engine {engine.name} has no model {p.model!r}"
    if not caps.allows(p.model, p.width, p.height):
        return f"engine {engine.name} cannot make {p.width}x{p.height}"
    if p.num_images > caps.max_images:
        return f"engine {engine.name} makes at most {caps.max_images}"
    if p.operation == "img2img" and not caps.supports_image_input:
        return f"engine {engine.name} cannot start from an image"
    try:
        engine.validate(render_request(job))
    except EngineError as e:
        return str(e)
    return None
