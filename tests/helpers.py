"""Shared test plumbing: free ports, process start-up, cache resets, a signed-in client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = "whsec_" + "dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5YWI="


# Debian's chromium, headless, for Playwright (the browser suites and the studio bench).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


_GIVEN: set[int] = set()
# Several test processes run at once (pytest-xdist workers, and `make test`'s browser lane
# beside its server lane): each takes only the ports of its own residue, so no two processes
# hand out the same port either. Lane L of TEST_LANES, xdist worker w of W: w * lanes + L.
_LANES = int(os.environ.get("TEST_LANES", "1"))
_LANE = int(os.environ.get("TEST_LANE", "0"))
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_SHARE = (_WORKER * _LANES + _LANE, _WORKERS * _LANES)


def free_port() -> int:
    """A free loopback port never handed out before in this run, from this process's share of
    20000-32767: below the kernel's ephemeral range, so no connection or bind(0) elsewhere takes
    it meanwhile (and bind(0) itself prefers odd ports, so it can't be split by residue)."""
    mine, count = _SHARE
    rng = random.Random()
    for _ in range(10_000):
        port = rng.randrange(20_000 + mine, 32_768, count)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    raise RuntimeError("no free port in this process's share")


_TEMPLATE: list[Path] = []


def migrated_sqlite(db_path: Path) -> None:
    """A database at db_path at the latest migration: Alembic runs once per test process into a
    template, and each test gets a copy (migrating costs about a second, a copy a millisecond)."""
    import shutil
    import sqlite3
    import tempfile

    from imagegen.migrate import upgrade

    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="imagegen-template-")) / "imagegen.db"
        upgrade(f"sqlite:///{template}")
        with sqlite3.connect(template) as con:  # fold the WAL in: one file holds it all
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATE.append(template)
    db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(_TEMPLATE[0], db_path)
    db_path.chmod(0o600)


def reset_caches() -> None:
    """Forget every process-wide singleton so new env vars take effect."""
    from imagegen.runtime import reset_singletons

    reset_singletons()


def wait_until(
    check: Callable[[], bool], timeout: float = 20, interval: float = 0.1, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def wait_http(url: str, timeout: float = 60) -> None:
    wait_until(lambda: httpx.get(url, timeout=2).status_code < 500, timeout, what=url)


class GroupProcess(subprocess.Popen):
    """A process in a group of its own: kill() and terminate() reach the children it forked
    too (uvicorn's worker processes), as a crash of the machine would, so none outlives a test."""

    def __init__(self, args: list[str], **kwargs: object) -> None:
        super().__init__(args, start_new_session=True, **kwargs)  # type: ignore[call-overload]

    def send_signal(self, sig: int) -> None:
        # Even once the leader is reaped, the group lives while a child of it does.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_worker(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """The real worker process, as `make run` starts it."""
    full = {**os.environ, **env, "IMAGEGEN_WORKER_PORT": str(port)}
    log = open(log_path, "ab")  # noqa: SIM115
    proc = GroupProcess(
        [sys.executable, "-m", "imagegen.worker"],
        cwd=ROOT,
        env=full,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
    except TimeoutError:
        proc.kill()
        raise RuntimeError(f"worker did not start:\n{log_path.read_text()}") from None
    return proc


def start_api(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """The API (every route the app serves, no UI) in its own process, so it can be killed."""
    full = {**os.environ, **env}
    log = open(log_path, "ab")  # noqa: SIM115
    proc = GroupProcess(
        [sys.executable, "-m", "uvicorn", "--factory", "imagegen.api:create_api",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=full,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/api/openapi.json")
    except TimeoutError:
        proc.kill()
        raise RuntimeError(f"API did not start:\n{log_path.read_text()}") from None
    return proc


def kill9(proc: subprocess.Popen) -> None:
    """SIGKILL, as a crash or an OOM kill would: no shutdown code runs."""
    proc.kill()
    proc.wait(10)


def post_signed(
    url: str, payload: dict | bytes, msg_id: str, secret: str = WEBHOOK_SECRET
) -> httpx.Response:
    """A webhook signed like the worker signs it (Standard Webhooks); bytes are sent as they
    are (for bodies json.dumps would not make)."""
    from standardwebhooks import Webhook

    body = payload.decode() if isinstance(payload, bytes) else json.dumps(payload)
    now = datetime.now(UTC)
    return httpx.post(
        url,
        content=body,
        headers={
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, now, body),
        },
    )


class InProcessWorker:
    """The worker app served in this test process, on a thread: what a worker process does,
    without the second or two each new Python process spends importing. It answers kill() and
    wait() as a Popen does, for tests that take the worker away."""

    def __init__(self, port: int) -> None:
        from imagegen.settings.worker import get_worker_settings
        from imagegen.worker.app import create_worker_app

        self.server = ThreadedServer(create_worker_app(get_worker_settings()), port, graceful=False)
        self.server.__enter__()
        self.returncode: int | None = None

    def kill(self) -> None:
        if self.returncode is None:
            self.server.__exit__()
            self.returncode = -9

    terminate = kill

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode if self.returncode is not None else 0

    def poll(self) -> int | None:
        return self.returncode


class _PromptServer(uvicorn.Server):
    """uvicorn's server, woken at once when asked to stop: its main loop sleeps 0.1 s between
    ticks, and hundreds of tests stop two servers each."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def stop(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # its loop has already closed
                self._loop.call_soon_threadsafe(self._wake.set)


class ThreadedServer:
    """Runs an ASGI app on uvicorn in a thread (the API without the Reflex UI)."""

    def __init__(self, app: object, port: int, *, graceful: bool = True) -> None:
        self.server = _PromptServer(
            # A fake provider may hold a request open on purpose (a timeout test): waiting for
            # it at shutdown would only cost time.
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
            )
        )
        self.graceful = graceful
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        wait_until(lambda: self.server.started, 15, interval=0.01, what="uvicorn start")
        return self

    def __exit__(self, *exc: object) -> None:
        # Not graceful: stop at once, as a killed process would (no lifespan shutdown, no drain).
        self.server.force_exit = not self.graceful
        self.server.stop()
        self.thread.join(10)


def signup(base_url: str, email: str, password: str = "correct horse battery") -> httpx.Client:
    r = httpx.post(  # httpx's default 5 s is short for a first request on a loaded machine
        f"{base_url}/api/auth/signup", json={"email": email, "password": password}, timeout=30
    )
    assert r.status_code == 201, r.text
    return httpx.Client(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {r.json()['token']}"}
    )


def wait_status(
    client: httpx.Client,
    gen_id: str,
    statuses: tuple[str, ...] = ("COMPLETED", "FAILED"),
    timeout: float = 30,
) -> dict:
    box: dict = {}

    def done() -> bool:
        g = client.get(f"/api/generations/{gen_id}").json()["generation"]
        box["g"] = g
        return g["status"] in statuses

    wait_until(done, timeout, 0.1, what=f"generation {gen_id} to reach {statuses}")
    return box["g"]


MINTED = ("fileUrl", "thumbnailUrl", "downloadUrl", "downloadAllUrl")


def stored(gen: dict) -> dict:
    """A generation's JSON without the URLs, which are minted afresh (new expiry) on each read."""
    images = [{k: v for k, v in i.items() if k not in MINTED} for i in gen["images"]]
    return {**{k: v for k, v in gen.items() if k not in MINTED}, "images": images}


def base_env(data_dir: Path, worker_port: int) -> dict[str, str]:
    """The environment every test stack starts from: fixed secrets, local storage, a worker port."""
    return {
        "IMAGEGEN_DATA_DIR": str(data_dir),
        "IMAGEGEN_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "IMAGEGEN_SECRET_KEY": "test-url-signing-key",
        "IMAGEGEN_STORAGE": "local",
        "IMAGEGEN_WORKER_URL": f"http://127.0.0.1:{worker_port}",
    }


UNSET_FOR_TESTS = ("DATABASE_URL", "S3_BUCKET", "IMAGEGEN_APP_URL", "IMAGEGEN_PUBLIC_URL")


def user_id(client: httpx.Client) -> str:
    return client.get("/api/auth/me").json()["id"]


def insert_generation(
    owner_id: str,
    prompt: str,
    *,
    created_at: datetime | None = None,
    status: str = "COMPLETED",
    images: int = 1,
    width: int = 512,
    height: int = 512,
    engine: str = "procedural",
    model: str = "procedural-v1",
    favorite: tuple[int, ...] = (),
    error: str | None = None,
) -> str:
    """A generation row (and image rows) written straight to the DB, for list and search tests."""
    from imagegen.db import session_scope
    from imagegen.models import ImageFile, ImageGeneration

    gen = ImageGeneration(
        owner_id=owner_id,
        prompt=prompt,
        width=width,
        height=height,
        num_images=images,
        seed=1,
        engine=engine,
        model=model,
        status=status,
        error=error,
        created_at=created_at or datetime.now(UTC),
    )
    with session_scope() as db:
        db.add(gen)
        db.flush()
        for n in range(images if status == "COMPLETED" else 0):
            db.add(
                ImageFile(
                    generation_id=gen.id,
                    idx=n,
                    filename=f"{gen.id}-{n}.png",
                    storage_key=f"generations/{gen.id}/{n}.png",
                    thumbnail_key=f"generations/{gen.id}/{n}.thumb.webp",
                    favorite=n in favorite,
                    file_size=1000,
                    format="PNG",
                    width=width,
                    height=height,
                    dimensions=f"{width}x{height}",
                )
            )
    return gen.id


def processing_generation(owner_id: str, images: int = 2, *, store: bool = True) -> str:
    """A PROCESSING generation no worker will finish, its objects stored (store=True) as a
    worker would leave them just before sending its webhook."""
    from imagegen.contract import object_key, thumbnail_key
    from imagegen.services.storage import get_storage

    gid = insert_generation(owner_id, "in flight", status="PROCESSING", images=images)
    if store:
        for i in range(images):
            for k in (object_key(gid, i), thumbnail_key(gid, i)):
                get_storage().put(k, b"x", "image/png")
    return gid


def completion_body(gid: str, images: int = 2, **extra: object) -> dict:
    """The worker's completion webhook for the objects processing_generation stored."""
    from imagegen.contract import object_key, thumbnail_key

    return {
        "generationId": gid,
        "status": "COMPLETED",
        "images": [
            {"key": object_key(gid, i), "thumbnailKey": thumbnail_key(gid, i),
             "filename": f"{i}.png", "format": "PNG", "width": 512, "height": 512, "fileSize": 1}
            for i in range(images)
        ],
        **extra,
    }  # fmt: skip


def worker_request(
    base_url: str,
    method: str,
    path: str,
    payload: dict | None = None,
    *,
    secret: str | None = None,
    msg_id: str | None = None,
    at: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A request to the worker signed as the app signs it (IMAGEGEN_WORKER_SECRET), with the
    id, time or secret overridable to play an attacker; headers={} sends it unsigned."""
    import uuid

    from standardwebhooks import Webhook

    from imagegen.settings.app import get_app_settings

    body = "" if payload is None else json.dumps(payload)
    if headers is None:
        msg_id = msg_id or f"req_{uuid.uuid4().hex}"
        now = at or datetime.now(UTC)
        key = secret or get_app_settings().resolved_worker_secret()
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(key).sign(msg_id, now, body),
        }
    return httpx.request(method, f"{base_url}{path}", content=body, headers=headers, timeout=30)
