"""Every generation ends: the watchdog fails one the worker never answers, storage problems
become clear reasons, a partial result is kept and labelled, and orphans are swept."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from imagegen.contract import object_key, thumbnail_key
from imagegen.services import generations as svc
from imagegen.services.maintenance import sweep_orphans
from imagegen.services.storage import StorageError, get_storage
from imagegen.worker.engines.procedural import ProceduralEngine
from imagegen.worker.runner import Worker
from tests.helpers import (
    ThreadedServer,
    completion_body,
    free_port,
    insert_generation,
    post_signed,
    processing_generation,
    signup,
    user_id,
    wait_status,
)


def _fake_worker(seen: list[str], slow_first: int = 0) -> FastAPI:
    """A worker that accepts every job (202) and never calls back, like one that hung; the
    first slow_first submissions are answered only after 4 s."""
    app = FastAPI()

    @app.post("/v1/jobs")
    async def accept(body: dict) -> JSONResponse:
        import asyncio

        seen.append(body["generationId"])
        if len(seen) <= slow_first:
            await asyncio.sleep(4.0)
        return JSONResponse({"accepted": True}, status_code=202)

    @app.post("/v1/jobs/{gid}/cancel")
    async def cancel(gid: str) -> JSONResponse:
        seen.append(f"cancel {gid}")
        return JSONResponse({}, status_code=202)

    @app.get("/v1/engines")
    async def engines() -> dict:
        p = ProceduralEngine()
        return {"default": p.name, "engines": [p.describe()]}

    return app


def _worker_port(app_env: dict) -> int:
    return int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])


@pytest.fixture
def silent_worker(app_env, monkeypatch):
    monkeypatch.setenv("IMAGEGEN_GENERATION_TIMEOUT", "5")
    monkeypatch.setenv("IMAGEGEN_WATCHDOG_SECONDS", "0.3")
    with ThreadedServer(_fake_worker([]), _worker_port(app_env)):
        yield


def test_watchdog_fails_a_generation_the_worker_never_finishes(silent_worker):
    from imagegen.api import create_api
    from tests.helpers import reset_caches

    reset_caches()
    with ThreadedServer(create_api(), free_port()) as api:
        client = signup(api.url, "hung@example.com")
        started = time.monotonic()  # the deadline counts from creation, inside this call
        r = client.post("/api/images/generate", json={"prompt": "never comes", "numImages": 2})
        gid = r.json()["generation"]["id"]
        assert r.json()["generation"]["status"] == "PROCESSING"
        g = wait_status(client, gid, ("FAILED",), timeout=20)
        assert time.monotonic() - started >= 4.9  # not before the deadline...
        # ...and soon after, by the record's own clock (this process's polling may lag on a
        # loaded machine; the watchdog's 0.3 s tick is what the user waits for).
        failed_after = datetime.fromisoformat(g["completedAt"]) - datetime.fromisoformat(
            g["createdAt"]
        )
        assert timedelta(seconds=5) <= failed_after < timedelta(seconds=8), failed_after
        assert g["error"].startswith("Timed out: no result from the generation worker within 5 s")
        # A result that finally lands changes nothing, and leaves no files behind.
        for i in range(2):
            get_storage().put(object_key(gid, i), b"late", "image/png")
        late = {
            "generationId": gid,
            "status": "COMPLETED",
            "images": [
                {"key": object_key(gid, i), "filename": f"{i}.png", "format": "PNG",
                 "width": 512, "height": 512, "fileSize": 4}
                for i in range(2)
            ],
        }  # fmt: skip
        answer = post_signed(f"{api.url}/api/webhooks/image-completion", late, "msg_late")
        assert answer.status_code == 200 and answer.json()["changed"] is False
        assert client.get(f"/api/generations/{gid}").json()["generation"]["status"] == "FAILED"


class FlakyStorage:
    """Local storage whose puts fail from the nth on, like a disk filling up."""

    def __init__(self, inner, fail_from: int) -> None:
        self.inner, self.fail_from, self.puts = inner, fail_from, 0

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        if self.puts >= self.fail_from:
            raise StorageError(f"local storage write failed for {key}: No space left on device")
        self.inner.put(key, data, content_type)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.inner, name)


def _rendered(n: int):
    from imagegen.worker.engines import RenderRequest

    req = RenderRequest(prompt="p", width=512, height=512, num_images=n, seed=3, model="m")
    return ProceduralEngine().generate(req)


def test_worker_storage_failure_keeps_whole_images_only_and_says_why(app_env):
    from imagegen.settings.worker import get_worker_settings

    storage = FlakyStorage(get_storage(), fail_from=6)  # images 1 and 2 whole, 3 half-written
    worker = Worker(get_worker_settings(), storage, {"procedural": ProceduralEngine()})
    images, problem = worker._store("partialgen", _rendered(4))
    assert [i.key for i in images] == [object_key("partialgen", 0), object_key("partialgen", 1)]
    assert problem and "No space left on device" in problem
    leftovers = [k for k, _ in get_storage().list("generations/partialgen/")]
    assert sorted(leftovers) == sorted(
        k for i in (0, 1) for k in (object_key("partialgen", i), thumbnail_key("partialgen", i))
    )  # the third image's half (its PNG without a thumbnail) was removed
    nothing, why = Worker(get_worker_settings(), FlakyStorage(get_storage(), 1), {})._store(
        "nonegen", _rendered(1)
    )
    assert nothing == [] and why.startswith("No image could be saved: storage failed (")


def test_a_partial_result_is_kept_and_labelled(stack):
    client = signup(stack["url"], "partial@example.com")
    stack["worker"].kill()
    stack["worker"].wait()
    gid = processing_generation(user_id(client), images=4, store=False)
    for i in range(2):
        for k in (object_key(gid, i), thumbnail_key(gid, i)):
            get_storage().put(k, b"x", "image/png")
    note = "Only 2 of 4 images were made: storage failed (disk full)"
    body = completion_body(gid, 2, error=note)
    assert post_signed(f"{stack['url']}/api/webhooks/image-completion", body, "m1").is_success
    g = client.get(f"/api/generations/{gid}").json()["generation"]
    assert g["status"] == "COMPLETED" and g["partial"] is True and g["error"] == note
    assert len(g["images"]) == 2
    full = insert_generation(user_id(client), "all there", images=2)
    assert client.get(f"/api/generations/{full}").json()["generation"]["partial"] is False


def test_a_completion_pointing_at_missing_objects_fails_and_writes_no_rows(stack):
    client = signup(stack["url"], "missing@example.com")
    stack["worker"].kill()
    stack["worker"].wait()
    gid = insert_generation(user_id(client), "ghost", status="PROCESSING", images=1)
    body = {
        "generationId": gid,
        "status": "COMPLETED",
        "images": [{"key": object_key(gid, 0), "filename": "0.png", "format": "PNG",
                    "width": 512, "height": 512, "fileSize": 1}],
    }  # fmt: skip
    assert post_signed(f"{stack['url']}/api/webhooks/image-completion", body, "m2").is_success
    g = client.get(f"/api/generations/{gid}").json()["generation"]
    assert g["status"] == "FAILED" and "missing from storage" in g["error"]
    assert g["images"] == []


def test_a_failed_generation_makes_the_app_read_the_engines_anew(stack):
    """The engine may have gone down: the form's next look asks the worker, not a cache."""
    from imagegen.services import catalog

    client = signup(stack["url"], "refresh@example.com")
    catalog.get_catalog()
    assert catalog._cache is not None  # the app and this test share the process
    gid = insert_generation(user_id(client), "doomed", status="PROCESSING", images=0)
    body = {"generationId": gid, "status": "FAILED", "error": "ComfyUI is unreachable."}
    assert post_signed(f"{stack['url']}/api/webhooks/image-completion", body, "m3").is_success
    assert catalog._cache is None  # the next form load reads the worker's catalogue


def test_sweeper_removes_only_old_unreferenced_objects(app_env):
    storage = get_storage()
    uid = "sweeper-user"
    kept = insert_generation(uid, "kept", images=1)
    for k in (object_key(kept, 0), thumbnail_key(kept, 0)):
        storage.put(k, b"x", "image/png")
    storage.put(object_key("ghostgen", 0), b"x", "image/png")  # no row: an orphan
    storage.put(object_key("youngghost", 0), b"x", "image/png")  # an orphan, but too recent
    old = time.time() - 7200
    root = Path(app_env["IMAGEGEN_DATA_DIR"]) / "files"
    for k in (object_key(kept, 0), thumbnail_key(kept, 0), object_key("ghostgen", 0)):
        os.utime(root / k, (old, old))
    assert sweep_orphans(grace_seconds=3600) == 1
    assert not storage.exists(object_key("ghostgen", 0))
    assert storage.exists(object_key("youngghost", 0))
    assert storage.exists(object_key(kept, 0)) and storage.exists(thumbnail_key(kept, 0))
    assert svc.get_generation(uid, kept).status == "COMPLETED"


class SlowStorage:
    """Storage whose existence checks hang until released, like an S3 endpoint in trouble."""

    HANG = 30.0

    def __init__(self, inner) -> None:
        self.inner = inner
        self.release = threading.Event()

    def exists(self, key: str) -> bool:
        self.release.wait(self.HANG)
        return self.inner.exists(key)

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.inner, name)


def test_a_slow_storage_never_holds_the_webhook_past_its_budget(stack, monkeypatch):
    from imagegen.services import generations
    from tests.helpers import reset_caches

    client = signup(stack["url"], "budget@example.com")
    stack["worker"].kill()
    stack["worker"].wait()
    gid = processing_generation(user_id(client), images=1)
    body = completion_body(gid, 1)
    monkeypatch.setenv("IMAGEGEN_WEBHOOK_BUDGET", "0.5")
    reset_caches()
    real = get_storage()
    slow = SlowStorage(real)
    monkeypatch.setattr(generations.ingest, "get_storage", lambda: slow)
    url = f"{stack['url']}/api/webhooks/image-completion"
    started = time.monotonic()
    try:
        r = post_signed(url, body, "msg_budget")
        elapsed = time.monotonic() - started
    finally:
        slow.release.set()
    assert r.status_code == 503 and "send it again" in r.json()["error"]
    # Far under the storage's 30 s hang: the 0.5 s budget cut it (margin for a loaded machine).
    assert elapsed < slow.HANG / 3
    assert client.get(f"/api/generations/{gid}").json()["generation"]["status"] == "PROCESSING"
    monkeypatch.setattr(generations.ingest, "get_storage", lambda: real)
    r = post_signed(url, body, "msg_budget")  # the worker's retry, same webhook id
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED"


@pytest.fixture
def sluggish_worker(app_env, monkeypatch):
    """A worker that answers its first two job submissions too late, then normally."""
    seen: list[str] = []
    # Late by far more than the timeout; on time with room for a loaded machine.
    monkeypatch.setenv("IMAGEGEN_DISPATCH_TIMEOUT", "2")
    with ThreadedServer(_fake_worker(seen, slow_first=2), _worker_port(app_env)):
        yield seen


def test_a_submit_that_times_out_is_sent_again(sluggish_worker):
    from imagegen.api import create_api
    from tests.helpers import reset_caches

    reset_caches()
    with ThreadedServer(create_api(), free_port()) as api:
        client = signup(api.url, "sluggish@example.com")
        g = client.post("/api/images/generate", json={"prompt": "third time lucky"}).json()
        assert g["generation"]["status"] == "PROCESSING", g["generation"]["error"]
        gid = g["generation"]["id"]
        assert sluggish_worker == [gid, gid, gid]  # the same job, which the worker dedupes
