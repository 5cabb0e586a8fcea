"""The worker's own door: only the app, signing with IMAGEGEN_WORKER_SECRET, may drive it; it
sends results only back to the app, never overwrites a stored image, applies the app's limits,
and gives up on a callback that never answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.helpers import (
    WEBHOOK_SECRET,
    free_port,
    reset_caches,
    signup,
    start_worker,
    wait_status,
    wait_until,
    worker_request,
)


def _worker(stack) -> str:
    return f"http://127.0.0.1:{stack['worker_port']}"


def _job(stack, gid: str = "attackjob1", **over) -> dict:
    base = stack["url"]
    job = {
        "generationId": gid,
        "prompt": "a lighthouse",
        "callbackUrl": f"{base}/api/webhooks/image-completion",
        "progressUrl": f"{base}/api/webhooks/image-progress",
        "params": {"width": 512, "height": 512, "numImages": 1, "seed": 1,
                   "engine": "procedural", "model": "procedural-v1"},
    }  # fmt: skip
    job.update(over)
    return job


UNSIGNED: dict[str, str] = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/v1/jobs", "job"),
        ("POST", "/v1/jobs/anyjob/cancel", {"generationId": "anyjob"}),
        ("GET", "/v1/engines", None),
    ],
)
def test_unsigned_requests_are_refused(stack, method, path, payload):
    body = _job(stack) if payload == "job" else payload
    r = worker_request(_worker(stack), method, path, body, headers=UNSIGNED)
    assert r.status_code == 401, r.text
    assert "signature" in r.json()["detail"].lower()
    # Signed with the other secret (the webhook one the app verifies): still refused.
    r = worker_request(_worker(stack), method, path, body, secret=WEBHOOK_SECRET)
    assert r.status_code == 401
    # The same request, signed by the app: accepted.
    r = worker_request(_worker(stack), method, path, body)
    assert r.status_code in (200, 202, 404), r.text  # 404: no such job to cancel


def test_stale_and_replayed_requests_are_refused(stack):
    w = _worker(stack)
    old = datetime.now(UTC) - timedelta(minutes=10)
    r = worker_request(w, "GET", "/v1/engines", at=old)
    assert r.status_code == 401 and "timestamp" in r.json()["detail"].lower()
    first = worker_request(w, "GET", "/v1/engines", msg_id="req_once")
    assert first.status_code == 200
    again = worker_request(w, "GET", "/v1/engines", msg_id="req_once")
    assert again.status_code == 401 and "already received" in again.json()["detail"]


def test_a_signed_cancel_cannot_be_moved_to_another_job(stack):
    r = worker_request(_worker(stack), "POST", "/v1/jobs/victim/cancel", {"generationId": "mine"})
    assert r.status_code == 422


@pytest.mark.parametrize("field", ["callbackUrl", "progressUrl"])
@pytest.mark.parametrize(
    "url",
    [
        "http://attacker.example/collect",
        "http://127.0.0.1:1/api/webhooks/image-completion",  # same host, other port
        "https://127.0.0.1/api/webhooks/image-completion",
    ],
)
def test_results_go_only_to_the_app(stack, field, url):
    r = worker_request(_worker(stack), "POST", "/v1/jobs", _job(stack, **{field: url}))
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"] and "IMAGEGEN_APP_URL" in r.json()["detail"]


def test_a_finished_job_is_never_run_again_or_overwritten(stack):
    client = signup(stack["url"], "victim@example.com")
    gen = client.post("/api/images/generate", json={"prompt": "my own lighthouse"}).json()
    gid = gen["generation"]["id"]
    done = wait_status(client, gid)
    assert done["status"] == "COMPLETED"
    before = client.get(done["images"][0]["fileUrl"]).content
    # An attacker (who saw the id in a filename) replays the job with their own prompt.
    r = worker_request(_worker(stack), "POST", "/v1/jobs", _job(stack, gid=gid, prompt="graffiti"))
    assert r.status_code == 409, r.text
    after = client.get(f"/api/generations/{gid}").json()["generation"]
    assert after["status"] == "COMPLETED"
    assert client.get(after["images"][0]["fileUrl"]).content == before


def test_the_worker_applies_the_apps_limits(stack):
    w = _worker(stack)
    r = worker_request(w, "POST", "/v1/jobs", _job(stack, prompt="x" * 2001))
    assert r.status_code == 422 and "limit is 2000" in r.json()["detail"]
    r = worker_request(w, "POST", "/v1/jobs", _job(stack, prompt="x" * 5_000_000))
    assert r.status_code == 413
    big = _job(stack)
    big["params"]["width"] = 9000
    assert worker_request(w, "POST", "/v1/jobs", big).status_code == 422


def test_downloads_are_named_after_the_prompt_not_the_id(stack):
    client = signup(stack["url"], "names@example.com")
    gid = client.post(
        "/api/images/generate", json={"prompt": "A red Fox, in the snow at dawn; golden"}
    ).json()["generation"]["id"]
    img = wait_status(client, gid)["images"][0]
    assert img["filename"] == "a-red-fox-in-the-snow-1.png"
    assert gid not in img["downloadUrl"].split("?")[1]


def test_an_unreachable_callback_is_given_up_and_the_watchdog_fails_it(
    app_env, tmp_path: Path, monkeypatch
):
    """The app's callback address answers nothing: the worker stops after
    IMAGEGEN_DELIVERY_MAX_AGE with a clear log line, and the watchdog ends the generation."""
    from imagegen.api import create_api
    from imagegen.services.maintenance import expire_overdue
    from tests.helpers import ThreadedServer

    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    monkeypatch.setenv("IMAGEGEN_APP_URL", dead)
    monkeypatch.setenv("IMAGEGEN_GENERATION_TIMEOUT", "5")
    reset_caches()
    worker_port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    log = tmp_path / "worker.log"
    env = {**app_env, "IMAGEGEN_APP_URL": dead, "IMAGEGEN_DELIVERY_MAX_AGE": "2"}
    worker = start_worker(env, worker_port, log)
    try:
        with ThreadedServer(create_api(housekeeping=False), free_port()) as api:
            client = signup(api.url, "lost@example.com")
            gid = client.post("/api/images/generate", json={"prompt": "never seen"}).json()[
                "generation"
            ]["id"]
            wait_until(lambda: "gave up delivering" in log.read_text(), 30, what="give-up log")
            line = next(x for x in log.read_text().splitlines() if "gave up delivering" in x)
            assert f"msg_{gid}" in line and dead in line and "IMAGEGEN_DELIVERY_MAX_AGE" in line
            assert (
                httpx.get(f"http://127.0.0.1:{worker_port}/healthz").json()["pendingDeliveries"]
                == 0
            )
            wait_until(lambda: gid in expire_overdue(), 15, 0.5, what="watchdog")
            g = client.get(f"/api/generations/{gid}").json()["generation"]
            assert g["status"] == "FAILED" and "Timed out" in g["error"]
    finally:
        worker.kill()
        worker.wait()


def test_without_an_app_url_results_stay_on_this_machine(app_env):
    from imagegen.settings.worker import WorkerSettings
    from imagegen.worker.origins import CallbackRefused, check_callback

    s = WorkerSettings()
    assert not s.app_url
    check_callback("http://127.0.0.1:41234/api/webhooks/image-completion", s)
    check_callback("http://localhost:3000/api/webhooks/image-progress", s)
    for bad in ("http://attacker.example/x", "http://10.0.0.5:3000/x", "file:///etc/passwd"):
        with pytest.raises(CallbackRefused, match="IMAGEGEN_APP_URL"):
            check_callback(bad, s)
