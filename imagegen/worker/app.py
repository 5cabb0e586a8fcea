"""The worker's HTTP face: signed routes to accept jobs (202), cancel them and describe the
engines; the runner renders, stores, then sends a signed completion."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from imagegen.contract import (
    EngineCatalog,
    Job,
    ReplayGuard,
    RequestRefused,
    verify_signed,
)
from imagegen.http_guards import BodyLimit
from imagegen.services.storage import make_storage
from imagegen.settings.worker import WorkerSettings, get_worker_settings
from imagegen.worker.engines import (
    available_engines,
)
from imagegen.worker.runner import Worker

log = logging.getLogger("imagegen.worker")


def create_worker_app(settings: WorkerSettings | None = None) -> FastAPI:
    """Builds the worker's FastAPI app for the given (or environment) settings."""
    settings = settings or get_worker_settings()
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
        if settings.shared_queue:
            from imagegen.worker.consumer import SharedConsumer

            state["consumer"] = SharedConsumer(worker, settings)
            await state["consumer"].start()
        yield
        if "consumer" in state:
            await state["consumer"].stop()
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
            "service": "imagegen-worker",
            "instance": settings.worker_instance,
            "queue": "shared" if "consumer" in state else "http",
            "activeJobs": len(w.controls),
            "queuedJobs": sum(len(q) for q in w.queues.values()),
            "pendingDeliveries": w.outbox.pending(),
        }

    @signed.get("/v1/engines")
    async def engines() -> dict:
        w = state["worker"]
        described = await asyncio.gather(
            *(asyncio.to_thread(e.info) for e in w.engines.values())
        )  # remote engines check their server: concurrently, off the loop
        catalog = EngineCatalog(default="procedural", engines=list(described))
        return catalog.model_dump(mode="json", by_alias=True)

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
        refused = w.refusal(job)
        if refused is not None:
            raise HTTPException(422, refused)
        if job.generation_id not in w.jobs and await asyncio.to_thread(
            w.already_done, job.generation_id
        ):
            raise HTTPException(409, f"job {job.generation_id} has already run")
        w.submit(job)
        return JSONResponse({"accepted": True, "generationId": job.generation_id}, status_code=202)

    app.include_router(signed)
    return app


class CancelRequest(BaseModel):
    """The signed body of a cancel: it names the job, so a signature can't be moved to another."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    generation_id: str = Field(min_length=1, max_length=64)
