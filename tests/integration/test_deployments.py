"""The pipeline on both deployment shapes: SQLite with one process of each kind, and
PostgreSQL + Redis with two API processes (the client on one, webhooks landing on the other)
and two worker processes behind one port."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from sqlmodel import func, select

from imagegen.contract import object_key
from imagegen.db import session_scope
from imagegen.models import ImageFile
from imagegen.services.storage import get_storage
from tests.conftest import Deployment
from tests.helpers import (
    completion_body,
    post_signed,
    processing_generation,
    signup,
    user_id,
    wait_status,
    wait_until,
)


@pytest.fixture(scope="module", params=["sqlite", "pg+redis"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """One deployment of each shape for this module: each test works as a user of its own."""
    from tests.conftest import deployed, fresh_env

    tmp = tmp_path_factory.mktemp(f"deployment-{request.param.replace('+', '-')}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMAGEGEN_PROCEDURAL_STEP_MS", "60")
        with (
            fresh_env(tmp / "data", mp) as env,
            deployed(request.param, env, tmp, mp, request) as d,
        ):
            yield d


def test_generate_progress_and_gallery(deployment):
    health = httpx.get(f"http://127.0.0.1:{deployment.worker_port}/healthz").json()
    # SQLite: jobs POSTed to the worker; PostgreSQL + Redis: the shared queue, pulled.
    assert health["queue"] == ("http" if deployment.mode == "sqlite" else "shared")
    client = signup(deployment.url, f"pipe-{deployment.mode}@example.com")
    r = client.post(
        "/api/images/generate",
        json={"prompt": "Un chat", "numImages": 2, "seed": 7, "width": 512, "height": 512},
    )
    assert r.status_code == 201, r.text
    gid = r.json()["generation"]["id"]
    seen: list[int] = []

    def done() -> bool:  # progress lands on the last API process; the client reads the first
        g = client.get(f"/api/generations/{gid}").json()["generation"]
        if g["progress"]:
            seen.append(g["progress"]["percent"])
        return g["status"] == "COMPLETED"

    wait_until(done, 30, 0.05, what="the generation")
    assert any(0 < p < 100 for p in seen), seen
    body = client.get("/api/images/user").json()
    [g] = body["generations"]
    assert g["id"] == gid and len(g["images"]) == 2
    for img in g["images"]:
        data = httpx.get(img["fileUrl"]).content
        assert Image.open(io.BytesIO(data)).size == (512, 512)


def test_cancel_reaches_the_worker_process_running_the_job(deployment):
    client = signup(deployment.url, f"cancel-{deployment.mode}@example.com")
    gid = client.post("/api/images/generate", json={"prompt": "stop", "numImages": 4}).json()[
        "generation"
    ]["id"]

    def running() -> bool:
        g = client.get(f"/api/generations/{gid}").json()["generation"]
        return bool(g["progress"]) and g["progress"]["percent"] > 0

    wait_until(running, 20, 0.05, what="the job to start")
    assert client.post(f"/api/generations/{gid}/cancel").json()["generation"]["status"] == (
        "CANCELLED"
    )
    # The process running it stops at its next step (without the cancel reaching it, it would
    # finish the 4 images and never log this).
    wait_until(
        lambda: f"job {gid} cancelled while running" in deployment.worker_log(),
        10,
        0.05,
        what="the worker to stop the job",
    )
    # The job has ended (the line is logged once its render loop is left): nothing more comes.
    assert not any(get_storage().exists(object_key(gid, i)) for i in range(4))


def test_the_same_webhook_at_two_app_processes_at_once_lands_once(deployment):
    d = deployment
    client = signup(d.url, f"twice-{d.mode}@example.com")
    gid = processing_generation(user_id(client), images=2)
    body = completion_body(gid, 2)
    targets = [f"http://127.0.0.1:{p}" for p in d.api_ports] * 4
    barrier, answers = threading.Barrier(len(targets)), []

    def send(base: str, n: int) -> None:
        barrier.wait()
        # Half replay one delivery id; half look like a second delivery of the same result.
        msg = "msg_same" if n % 2 else f"msg_other_{n}"
        answers.append(post_signed(f"{base}/api/webhooks/image-completion", body, msg))

    threads = [threading.Thread(target=send, args=(t, n)) for n, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert sum(r.json()["changed"] for r in answers) == 1
    with session_scope() as db:
        rows = db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gid)
        ).one()
    assert rows == 2
    assert wait_status(client, gid)["status"] == "COMPLETED"


def test_a_revoked_key_is_refused_at_once_on_every_app_process(deployment):
    client = signup(deployment.url, f"keys-{deployment.mode}@example.com")
    made = client.post("/api/keys", json={"name": "ci"}).json()
    other = httpx.Client(  # the last API process (the first, on SQLite's single one)
        base_url=deployment.webhook_url, headers={"Authorization": f"Bearer {made['key']}"}
    )
    assert other.get("/api/images/user").status_code == 200
    assert client.delete(f"/api/keys/{made['id']}").status_code == 200  # on the first process
    assert other.get("/api/images/user").status_code == 401  # at once: no cache to wait out
