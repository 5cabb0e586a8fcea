"""The worker's HTTP face: accept jobs (202), render, store, then send a signed completion."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse

from imagegen.services.storage import Storage, StorageError, make_storage
from imagegen.services.thumbnails import make_thumbnail
from imagegen.settings import Settings, get_settings
from imagegen.worker.contract import CompletedImage, Completion, Job, object_key, thumbnail_key
from imagegen.worker.delivery import Outbox
from imagegen.worker.engines import (
    Engine,
    EngineError,
    RenderRequest,
    available_engines,
)

log = logging.getLogger("imagegen.worker")


class Worker:
    """Runs jobs through engines with bounded concurrency and reports through the outbox."""

    def __init__(self, settings: Settings, storage: Storage, engines: dict[str, Engine]) -> None:
        self.settings = settings
        self.storage = storage
        self.engines = engines
        self.outbox = Outbox(settings.outbox_dir, settings.resolved_webhook_secret())
        self.slots = asyncio.Semaphore(settings.worker_concurrency)
        self.active: dict[str, asyncio.Task] = {}

    def submit(self, job: Job) -> None:
        """Starts a job in the background; a repeat of a job already running is ignored."""
        if job.generation_id in self.active:
            return
        task = asyncio.get_running_loop().create_task(self._run(job))
        self.active[job.generation_id] = task
        task.add_done_callback(lambda _t: self.active.pop(job.generation_id, None))

    async def _run(self, job: Job) -> None:
        p = job.params
        engine = self.engines[p.engine]
        async with self.slots:
            started = time.perf_counter()
            try:
                req = RenderRequest(
                    prompt=job.prompt,
                    negative_prompt=p.negative_prompt,
                    width=p.width,
                    height=p.height,
                    num_images=p.num_images,
                    seed=p.seed,
                    model=p.model,
                )
                rendered = await asyncio.to_thread(engine.generate, req)
                images = await asyncio.to_thread(self._store, job.generation_id, rendered)
                completion = Completion(
                    generation_id=job.generation_id,
                    status="COMPLETED",
                    engine=engine.name,
                    model=p.model,
                    images=images,
                )
            except (EngineError, StorageError) as e:
                completion = Completion(
                    generation_id=job.generation_id,
                    status="FAILED",
                    engine=engine.name,
                    model=p.model,
                    error=str(e),
                )
            except Exception as e:  # an engine bug must still end the generation
                log.exception("job %s crashed", job.generation_id)
                completion = Completion(
                    generation_id=job.generation_id,
                    status="FAILED",
                    engine=engine.name,
                    model=p.model,
                    error=f"internal engine error ({type(e).__name__})",
                )
            completion.duration_ms = int((time.perf_counter() - started) * 1000)
        self.outbox.send(
            f"msg_{job.generation_id}", job.callback_url, completion.model_dump(by_alias=True)
        )

    def _store(self, generation_id: str, rendered: list) -> list[CompletedImage]:
        out = []
        for i, img in enumerate(rendered):
            ext = img.format.lower()
            key = object_key(generation_id, i, ext)
            self.storage.put(key, img.data, f"image/{ext}")
            thumb = thumbnail_key(generation_id, i)
            self.storage.put(thumb, make_thumbnail(img.data), "image/webp")
            out.append(
                CompletedImage(
                    key=key,
                    filename=f"{generation_id}-{i + 1}.{ext}",
                    format=img.format,
                    width=img.width,
                    height=img.height,
                    file_size=len(img.data),
                    thumbnail_key=thumb,
                )
            )
        return out


def create_worker_app(settings: Settings | None = None) -> FastAPI:
    """Builds the worker's FastAPI app for the given (or environment) settings."""
    settings = settings or get_settings()
    state: dict[str, Worker] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        worker = Worker(settings, make_storage(settings), available_engines())
        state["worker"] = worker
        resumed = worker.outbox.resume()
        if resumed:
            log.info("resuming %d undelivered completion(s)", resumed)
        yield
        await worker.outbox.drain(timeout=5)

    app = FastAPI(title="imagegen worker", version="1", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict:
        w = state["worker"]
        return {"ok": True, "activeJobs": len(w.active), "pendingDeliveries": w.outbox.pending()}

    @app.get("/v1/engines")
    async def engines() -> dict:
        w = state["worker"]
        return {"default": "procedural", "engines": [e.describe() for e in w.engines.values()]}

    @app.post("/v1/jobs", status_code=202)
    async def submit(job: Job) -> JSONResponse:
        w = state["worker"]
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
        w.submit(job)
        return JSONResponse({"accepted": True, "generationId": job.generation_id}, status_code=202)

    return app
