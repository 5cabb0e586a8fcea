"""Load and fault test: many users on PostgreSQL + Redis with two API processes and two worker
processes; webhooks duplicated, delayed and sent to both API processes at once; the API and the
worker each killed with kill -9 once mid-run, then restarted. Then it checks that nothing was
lost, duplicated or orphaned, prints the figures, and ends with one JSON line.

    python -m tests.load.loadtest --users 50 --per-user 5      (make loadtest)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.helpers import (  # noqa: E402
    ThreadedServer,
    base_env,
    free_port,
    reset_caches,
    start_api,
    start_worker,
    wait_until,
)
from tests.integration.postgres import TempPostgres  # noqa: E402
from tests.integration.redis_server import TempRedis  # noqa: E402

IN_FLIGHT = ("PENDING", "PROCESSING")
# A kill window runs from the kill -9 to this long after the restart: the retried backlog.
FAULT_TAIL_S = 5.0


class Chaos:
    """Stands between the worker and the app: forwards every webhook to one of the API
    processes, after a random delay for some (out of order), and sends some twice at once, to
    both processes (duplicates). Measures how long the app takes to answer a completion."""

    def __init__(self, targets: list[str], dup: float, delay: float, seed: int) -> None:
        self.targets = targets
        self.dup, self.delay = dup, delay
        self.rng = random.Random(seed)
        self.latencies_ms: list[float] = []
        self.sent_at: list[float] = []  # when each of them was sent (time.monotonic)
        self.forwarded = self.duplicated = self.delayed = 0
        self.progress_in_flight = self.progress_dropped = 0
        self._tasks: set[asyncio.Task] = set()
        self.progress_client = httpx.AsyncClient(timeout=5)
        self.client = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)
        )
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self.forward, methods=["POST"])

    async def _progress(self, path: str, body: bytes, headers: dict) -> None:
        try:
            await self.progress_client.post(
                f"{self.rng.choice(self.targets)}/{path}", content=body, headers=headers
            )
        except httpx.HTTPError:
            self.progress_dropped += 1
        finally:
            self.progress_in_flight -= 1

    async def _send(self, base: str, path: str, body: bytes, headers: dict) -> httpx.Response:
        return await self.client.post(f"{base}/{path}", content=body, headers=headers)

    async def forward(self, path: str, request: Request) -> Response:
        try:
            body = await request.body()
        except ClientDisconnect:  # the worker was killed mid-request; it will send it again
            return Response(status_code=499)
        keep = ("content-type", "webhook-id", "webhook-timestamp", "webhook-signature")
        headers = {k: request.headers[k] for k in keep if k in request.headers}
        if path.endswith("image-progress"):
            # Progress is best effort by contract: answered at once, passed on in the
            # background, and dropped when too many are on their way (chaos of its own).
            if self.progress_in_flight < 32:
                self.progress_in_flight += 1
                task = asyncio.get_running_loop().create_task(self._progress(path, body, headers))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self.progress_dropped += 1
            return Response(b'{"success": true}', 200, media_type="application/json")
        if self.rng.random() < self.delay:
            self.delayed += 1
            await asyncio.sleep(self.rng.uniform(0, 0.4))
        order = self.targets[:]
        self.rng.shuffle(order)
        twice = self.rng.random() < self.dup
        started, sent_at = time.perf_counter(), time.monotonic()
        last_error = "no target"
        for i, base in enumerate(order):
            try:
                if twice and i + 1 < len(order):
                    self.duplicated += 1
                    first, _second = await asyncio.gather(
                        self._send(base, path, body, headers),
                        self._send(order[i + 1], path, body, headers),
                        return_exceptions=True,
                    )
                    if isinstance(first, BaseException):
                        raise first
                    r = first
                else:
                    r = await self._send(base, path, body, headers)
            except httpx.HTTPError as e:  # that process is down: try the next one
                last_error = type(e).__name__
                continue
            if path.endswith("image-completion") and r.status_code == 200:
                self.latencies_ms.append((time.perf_counter() - started) * 1000)
                self.sent_at.append(sent_at)
            self.forwarded += 1
            return Response(r.content, r.status_code, media_type="application/json")
        return Response(json.dumps({"error": last_error}), 502, media_type="application/json")


def _run(coro):  # noqa: ANN001, ANN202
    """asyncio.run on a thread of its own: the caller may already be inside an event loop
    (pytest with Playwright's sync API in the same process)."""
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as e:  # noqa: BLE001 (re-raised below, in the caller)
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _rss_sampler(procs: dict[str, psutil.Process], peak: dict[str, float], stop: threading.Event):
    while not stop.is_set():
        for name, p in list(procs.items()):
            try:
                tree = [p] if name.startswith("loadtest") else [p, *p.children(recursive=True)]
                rss = max(q.memory_info().rss for q in tree) / 2**20
                if os.environ.get("LOADTEST_TRACE_RSS"):
                    print(f"rss {name} {rss:.0f}", flush=True)
                peak[name] = max(peak.get(name, 0.0), rss)
            except psutil.Error:
                pass
        stop.wait(0.3)


def _kill_tree(proc) -> None:  # noqa: ANN001
    """kill -9 a process and its children at once (a uvicorn master and its workers)."""
    try:
        root = psutil.Process(proc.pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for p in tree:
        with contextlib.suppress(psutil.Error):
            p.kill()
    proc.wait(10)
    psutil.wait_procs(tree, timeout=10)


async def _users(api_urls: list[str], users: int, per_user: int, log) -> dict:  # noqa: ANN001
    """Signs users up, then each submits its generations (one in ten cancels its last)."""
    out: dict = {"ids": [], "submitted": 0, "refused": 0, "cancelled_by_user": 0}
    async with httpx.AsyncClient(timeout=30) as client:

        async def call(method: str, path: str, **kw) -> httpx.Response:
            for attempt in range(40):  # one API process may be down: use another
                base = api_urls[attempt % len(api_urls)]
                try:
                    return await client.request(method, base + path, **kw)
                except httpx.HTTPError:
                    await asyncio.sleep(0.25)
            raise RuntimeError(f"no API process answered {path}")

        async def one_user(n: int) -> None:
            r = await call(
                "POST",
                "/api/auth/signup",
                json={"email": f"load{n}@example.com", "password": "load-test-password"},
            )
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            mine = []
            for k in range(per_user):
                body = {"prompt": f"user {n} image {k}", "numImages": 1 + (n + k) % 2,
                        "width": 512, "height": 512}  # fmt: skip
                r = await call("POST", "/api/images/generate", json=body, headers=auth)
                if r.status_code != 201:
                    out["refused"] += 1
                    log(f"refused: {r.status_code} {r.text[:200]}")
                    continue
                out["submitted"] += 1
                mine.append(r.json()["generation"]["id"])
                await asyncio.sleep(random.uniform(0, 0.05))
            out["ids"] += mine
            if n % 10 == 0 and mine:
                r = await call("POST", f"/api/generations/{mine[-1]}/cancel", headers=auth)
                if r.status_code == 200:
                    out["cancelled_by_user"] += 1

        await asyncio.gather(*(one_user(n) for n in range(users)))
    return out


def _counts() -> dict[str, int]:
    from sqlmodel import func, select

    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration

    with session_scope() as db:
        rows = db.exec(
            select(ImageGeneration.status, func.count()).group_by(ImageGeneration.status)
        ).all()
    return dict(rows)


def _failure_reasons() -> list[tuple[str, int]]:
    from sqlmodel import func, select

    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration

    with session_scope() as db:
        rows = db.exec(
            select(ImageGeneration.error, func.count())
            .where(ImageGeneration.status == "FAILED")
            .group_by(ImageGeneration.error)
            .order_by(func.count().desc())
            .limit(5)
        ).all()
    return [(str(e)[:160], n) for e, n in rows]


def _burst(api_urls: list[str], n: int, concurrency: int) -> tuple[float, list[float]]:
    """Webhooks absorbed per second: n finished results (objects stored) delivered at once."""
    from standardwebhooks import Webhook  # noqa: I001

    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration, User
    from imagegen.services.storage import get_storage
    from imagegen.contract import object_key, thumbnail_key
    from tests.helpers import WEBHOOK_SECRET

    storage = get_storage()
    with session_scope() as db:
        user = User(email="burst@example.com")
        db.add(user)
        db.flush()
        gens = [
            ImageGeneration(owner_id=user.id, prompt=f"burst {i}", width=512, height=512,
                            num_images=1, seed=i, engine="procedural", model="procedural-v1",
                            status="PROCESSING")
            for i in range(n)
        ]  # fmt: skip
        db.add_all(gens)
        ids = [g.id for g in gens]
    for gid in ids:
        storage.put(object_key(gid, 0), b"png", "image/png")
        storage.put(thumbnail_key(gid, 0), b"webp", "image/webp")
    webhook = Webhook(WEBHOOK_SECRET)

    async def run() -> tuple[float, list[float]]:
        sem = asyncio.Semaphore(concurrency)
        lat: list[float] = []
        async with httpx.AsyncClient(timeout=30) as client:

            async def send(i: int, gid: str) -> None:
                body = json.dumps({"generationId": gid, "status": "COMPLETED", "images": [
                    {"key": object_key(gid, 0), "thumbnailKey": thumbnail_key(gid, 0),
                     "filename": "0.png", "format": "PNG", "width": 512, "height": 512,
                     "fileSize": 3}]})  # fmt: skip
                from datetime import UTC, datetime

                now = datetime.now(UTC)
                msg = f"burst_{gid}"
                headers = {
                    "content-type": "application/json",
                    "webhook-id": msg,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": webhook.sign(msg, now, body),
                }
                async with sem:
                    t = time.perf_counter()
                    r = await client.post(
                        f"{api_urls[i % len(api_urls)]}/api/webhooks/image-completion",
                        content=body,
                        headers=headers,
                    )
                    lat.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, r.text

            started = time.perf_counter()
            await asyncio.gather(*(send(i, g) for i, g in enumerate(ids)))
            return n / (time.perf_counter() - started), lat

    return _run(run())


def _consistency() -> dict[str, int]:
    """Objects behind every row, no object without a row, no duplicate rows."""
    from sqlmodel import func, select

    from imagegen.db import session_scope
    from imagegen.models import ImageFile, ImageGeneration
    from imagegen.services.storage import get_storage

    storage = get_storage()
    with session_scope() as db:
        files = db.exec(select(ImageFile.storage_key, ImageFile.thumbnail_key)).all()
        over = db.exec(
            select(func.count())
            .select_from(ImageGeneration)
            .where(
                select(func.count())
                .select_from(ImageFile)
                .where(ImageFile.generation_id == ImageGeneration.id)
                .scalar_subquery()
                > ImageGeneration.num_images
            )
        ).one()
        dup_idx = db.exec(
            select(func.count()).select_from(
                select(ImageFile.generation_id, ImageFile.idx)
                .group_by(ImageFile.generation_id, ImageFile.idx)
                .having(func.count() > 1)
                .subquery()
            )
        ).one()
        no_reason = db.exec(
            select(func.count())
            .select_from(ImageGeneration)
            .where(ImageGeneration.status == "FAILED", ImageGeneration.error.is_(None))  # type: ignore[union-attr]
        ).one()
    referenced = {k for row in files for k in row if k}
    missing = sum(1 for k in referenced if not storage.exists(k))
    stored = {k for k, _ in storage.list("generations/")}
    return {
        "missing_objects": missing,
        "orphans": len(stored - referenced),
        "orphan_keys": sorted(stored - referenced)[:10],
        "duplicates": int(over) + int(dup_idx),
        "failed_without_reason": int(no_reason),
        "image_rows": len(files),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--per-user", type=int, default=5)
    ap.add_argument("--step-ms", type=int, default=5, help="procedural engine pause per step")
    ap.add_argument("--dup", type=float, default=0.3, help="share of webhooks sent twice")
    ap.add_argument("--delay", type=float, default=0.3, help="share of webhooks delayed")
    ap.add_argument("--burst", type=int, default=300, help="results in the throughput burst")
    ap.add_argument("--deadline", type=float, default=360, help="seconds for everything to end")
    ap.add_argument("--no-kill", action="store_true", help="skip the kill -9 faults")
    ap.add_argument(
        "--queue", choices=("shared", "http"), default="shared", help="how jobs reach workers"
    )
    args = ap.parse_args(argv)
    started = time.monotonic()
    log = lambda msg: print(f"[{time.monotonic() - started:6.1f}s] {msg}", flush=True)  # noqa: E731
    tmp = Path(tempfile.mkdtemp(prefix="imagegen-load-"))
    peak: dict[str, float] = {}
    faults: list[tuple[float, float]] = []  # kill windows: from the kill to the catch-up
    stop = threading.Event()
    with TempPostgres() as pg, TempRedis() as redis:
        db = pg.create_db("load")
        worker_port, chaos_port = free_port(), free_port()
        api_ports = [free_port(), free_port()]
        api_urls = [f"http://127.0.0.1:{p}" for p in api_ports]
        env = {
            **base_env(tmp / "data", worker_port),
            "DATABASE_URL": db,
            "REDIS_URL": redis.url,
            "IMAGEGEN_WORKER_PROCESSES": "2",
            "IMAGEGEN_WORKER_CONCURRENCY": "1",  # the procedural engine is CPU-bound
            "IMAGEGEN_PROCEDURAL_STEP_MS": str(args.step_ms),
            "IMAGEGEN_MAX_ACTIVE_PER_USER": str(max(args.per_user, 4)),
            "IMAGEGEN_GENERATION_TIMEOUT": str(int(args.deadline)),
            "IMAGEGEN_WATCHDOG_SECONDS": "2",
            "IMAGEGEN_QUEUE": args.queue,
            "IMAGEGEN_JOB_LEASE": "10",  # shared: a killed worker's jobs run again after 10 s
            "IMAGEGEN_APP_URL": f"http://127.0.0.1:{chaos_port}",  # every webhook via chaos
            "IMAGEGEN_PUBLIC_URL": api_urls[0],
        }
        saved = {k: os.environ.get(k) for k in [*env, "S3_BUCKET"]}
        os.environ.update(env)
        os.environ.pop("S3_BUCKET", None)
        reset_caches()
        from imagegen.migrate import upgrade

        upgrade(db)
        chaos = Chaos(api_urls, args.dup, args.delay, seed=7)
        with ThreadedServer(chaos.app, chaos_port):
            apis = [start_api(env, p, tmp / f"api{i}.log") for i, p in enumerate(api_ports)]
            worker = start_worker(env, worker_port, tmp / "worker.log")
            procs = {f"api{i}": psutil.Process(a.pid) for i, a in enumerate(apis)}
            procs["worker"] = psutil.Process(worker.pid)
            procs["postgres"] = psutil.Process(_postmaster_pid(pg))
            procs["redis"] = psutil.Process(redis.proc.pid)
            procs["loadtest+chaos"] = psutil.Process()
            threading.Thread(target=_rss_sampler, args=(procs, peak, stop), daemon=True).start()
            log(f"{args.users} users x {args.per_user} generations; 2 API + 2 worker processes")
            users = _run(_users(api_urls, args.users, args.per_user, log))
            total = users["submitted"]
            log(f"submitted {total} ({users['refused']} refused)")

            def ended() -> int:
                c = _counts()
                return sum(v for s, v in c.items() if s not in IN_FLIGHT)

            if not args.no_kill:
                wait_until(lambda: ended() >= total * 0.3, args.deadline, 0.2, what="30%")
                log("kill -9 api1 (the chaos proxy fails over; the worker retries the rest)")
                killed = time.monotonic()
                _kill_tree(apis[1])
                time.sleep(2)
                apis[1] = start_api(env, api_ports[1], tmp / "api1.log")
                procs["api1"] = psutil.Process(apis[1].pid)
                faults.append((killed, time.monotonic() + FAULT_TAIL_S))
                log("api1 restarted")
                wait_until(lambda: ended() >= total * 0.6, args.deadline, 0.2, what="60%")
                log("kill -9 the worker (master and both processes)")
                killed = time.monotonic()
                _kill_tree(worker)
                time.sleep(1)
                worker = start_worker(env, worker_port, tmp / "worker.log")
                procs["worker"] = psutil.Process(worker.pid)
                faults.append((killed, time.monotonic() + FAULT_TAIL_S))
                log("worker restarted")
            try:
                wait_until(lambda: ended() >= total, args.deadline, 0.5, what="every generation")
            except TimeoutError as e:
                log(str(e))
            counts = _counts()
            log(f"statuses: {counts}")
            for reason, n in _failure_reasons():
                log(f"  FAILED x{n}: {reason}")
            wait_until(
                lambda: all(
                    not list((tmp / "data" / d).glob("*.json"))
                    for d in ("worker-outbox", "worker-jobs")
                ),
                30,
                0.5,
                what="the worker's outbox and journal to empty",
            )
            time.sleep(1)  # late duplicates still in the chaos proxy land
            checks = _consistency()
            log(f"checks: {checks}")
            per_s, burst_lat = _burst(api_urls, args.burst, 16)
            log(f"burst: {args.burst} results absorbed at {per_s:.0f}/s")
            stop.set()
            for p in [*apis, worker]:
                _kill_tree(p)
            for k, v in saved.items():  # leave the caller's environment as it was
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            reset_caches()
    lat = sorted(chaos.latencies_ms)
    in_faults = [any(a <= t <= b for a, b in faults) for t in chaos.sent_at]
    steady = sorted(v for v, f in zip(chaos.latencies_ms, in_faults, strict=True) if not f)
    faulty = sorted(v for v, f in zip(chaos.latencies_ms, in_faults, strict=True) if f)

    def pct(q: float, values: list[float] = lat) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else 0.0

    result = {
        "submitted": total,
        "completed": counts.get("COMPLETED", 0),
        "failed": counts.get("FAILED", 0),
        "cancelled": counts.get("CANCELLED", 0),
        "lost": sum(counts.get(s, 0) for s in IN_FLIGHT),
        "duplicates": checks["duplicates"],
        "orphans": checks["orphans"],
        "missing_objects": checks["missing_objects"],
        "failed_without_reason": checks["failed_without_reason"],
        "webhook_p50_ms": pct(0.5),
        "webhook_p99_ms": pct(0.99),
        "webhook_p99_steady_ms": pct(0.99, steady),
        "webhook_p99_faults_ms": pct(0.99, faulty),
        "webhooks_in_faults": len(faulty),
        "queue": args.queue,
        "webhooks_per_s": round(per_s, 1),
        "burst_p50_ms": round(statistics.median(burst_lat), 1) if burst_lat else 0.0,
        "peak_rss_mb": {k: round(v, 1) for k, v in sorted(peak.items())},
        "webhooks_forwarded": chaos.forwarded,
        "webhooks_duplicated": chaos.duplicated,
        "webhooks_delayed": chaos.delayed,
        "progress_dropped": chaos.progress_dropped,
        "seconds": round(time.monotonic() - started, 1),
    }
    print("submitted {submitted}, completed {completed}, failed {failed}, cancelled "
          "{cancelled}, lost {lost}; duplicates {duplicates}, orphans {orphans}, missing "
          "objects {missing_objects}".format(**result))  # fmt: skip
    print(
        f"completion webhooks: p50 {result['webhook_p50_ms']} ms, p99 "
        f"{result['webhook_p99_ms']} ms (steady {result['webhook_p99_steady_ms']} ms, in the "
        f"kill windows {result['webhook_p99_faults_ms']} ms; {chaos.forwarded} forwarded, "
        f"{chaos.duplicated} "
        f"sent twice at once, {chaos.delayed} delayed); burst {result['webhooks_per_s']}/s"
    )
    print(f"peak RSS (MB): {result['peak_rss_mb']}")
    print(json.dumps(result))
    return result


def _postmaster_pid(pg: TempPostgres) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


if __name__ == "__main__":
    res = main()
    bad = res["lost"] or res["duplicates"] or res["orphans"] or res["missing_objects"]
    sys.exit(1 if bad or res["failed_without_reason"] else 0)
