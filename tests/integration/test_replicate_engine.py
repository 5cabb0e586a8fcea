"""The Replicate engine against a local server in Replicate's documented shapes."""

from __future__ import annotations

import io
import threading
import time

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

from imagegen.worker.engines import Cancelled, EngineError, RenderControl, RenderRequest
from imagegen.worker.engines import replicate as rep
from tests.fakes import replicate_server
from tests.helpers import ThreadedServer, free_port, wait_until

MODEL = "black-forest-labs/flux-schnell"


@pytest.fixture
def fake():
    app = replicate_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, server.url


def _engine(base: str, webhook: str = "", token: str = replicate_server.TOKEN, timeout=30):
    return rep.ReplicateEngine(token, base, [MODEL], webhook, timeout, 1)


def _req(**kw) -> RenderRequest:
    base = {
        "prompt": "a paper boat",
        "width": 1024,
        "height": 576,
        "num_images": 2,
        "seed": 3,
        "model": MODEL,
    }
    return RenderRequest(**{**base, **kw})


def test_prediction_completes_by_signed_webhook_and_outputs_are_copied(fake, monkeypatch):
    app, base = fake
    monkeypatch.setattr(rep, "POLL_SECONDS", 30.0)  # only the webhook can finish it quickly
    receiver = FastAPI()
    engine_box: list = []
    forged: list[bool] = []

    @receiver.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        body = await request.body()
        headers = {
            k: request.headers.get(k, "")
            for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
        bad = dict(headers, **{"webhook-signature": "v1,AAAA"})
        forged.append(engine_box[0].receive_webhook(body, bad))
        ok = engine_box[0].receive_webhook(body, headers)
        return JSONResponse({"ok": ok}, status_code=200 if ok else 401)

    with ThreadedServer(receiver, free_port()) as hook_server:
        engine = _engine(base, webhook=f"{hook_server.url}/hook")
        engine_box.append(engine)
        assert engine.availability() == (True, "")
        started = time.monotonic()
        images = engine.generate(_req())
    assert time.monotonic() - started < 10 and len(images) == 2
    assert forged == [False]  # a forged signature is refused
    sent = app.state.bodies[0]
    assert sent["webhook_events_filter"] == ["completed"] and sent["webhook"].endswith("/hook")
    assert sent["input"]["aspect_ratio"] == "16:9" and sent["input"]["num_outputs"] == 2
    app.state.files.clear()  # Replicate deletes outputs later: ours were copied already
    assert images[0].data[:8] == b"\x89PNG\r\n\x1a\n" and images[0].width == 1024


def test_without_a_public_url_it_polls(fake, monkeypatch):
    app, base = fake
    monkeypatch.setattr(rep, "POLL_SECONDS", 0.1)
    assert len(_engine(base).generate(_req())) == 2
    assert "webhook" not in app.state.bodies[0]


def test_cancel_uses_the_predictions_cancel_url(fake, monkeypatch):
    app, base = fake
    monkeypatch.setattr(rep, "POLL_SECONDS", 0.1)
    app.state.script = ["slow"]
    control = RenderControl()

    def cancel_once_running() -> None:  # a cancel before the create would have nothing to stop
        wait_until(lambda: bool(app.state.predictions), 10, 0.02, what="the prediction")
        control.cancel()

    threading.Thread(target=cancel_once_running, daemon=True).start()
    with pytest.raises(Cancelled):
        _engine(base).generate(_req(), control)
    assert app.state.cancels == 1


def test_failures_are_clear(fake, monkeypatch):
    app, base = fake
    monkeypatch.setattr(rep, "POLL_SECONDS", 0.1)
    with pytest.raises(EngineError, match=r"refused the credentials \(401\): You did not pass"):
        _engine(base, token="r8_bad").generate(_req())
    assert _engine(base, token="r8_bad").availability() == (
        False,
        "the API token was refused (401)",
    )
    app.state.script = ["429"]
    assert len(_engine(base).generate(_req())) == 2
    app.state.script = ["500", "500"]
    with pytest.raises(EngineError, match="HTTP 500 after 2 attempts: Internal server error"):
        _engine(base).generate(_req())
    app.state.script = ["failed"]
    with pytest.raises(EngineError, match="Replicate failed: NSFW content detected"):
        _engine(base).generate(_req())
    app.state.script = ["malformed"]
    with pytest.raises(EngineError, match="no image URLs"):
        _engine(base).generate(_req())
    app.state.script = ["slow"]
    with pytest.raises(EngineError, match="did not finish within 1 s"):
        _engine(base, timeout=1).generate(_req())
    with pytest.raises(EngineError, match="take 1:1"):
        _engine(base).generate(_req(width=512, height=512))


def test_the_workers_webhook_door_refuses_forgeries(fake, app_env, monkeypatch):
    from fastapi.testclient import TestClient

    from imagegen.worker.app import create_worker_app
    from tests.helpers import reset_caches

    _app, base = fake
    monkeypatch.setenv("REPLICATE_API_TOKEN", replicate_server.TOKEN)
    monkeypatch.setenv("REPLICATE_BASE_URL", base)
    reset_caches()
    with TestClient(create_worker_app()) as worker:
        from standardwebhooks import Webhook

        from imagegen.contract import new_msg_id, signed_headers
        from imagegen.settings.app import get_app_settings

        signer = Webhook(get_app_settings().resolved_worker_secret())
        listing = worker.get("/v1/engines", headers=signed_headers(signer, new_msg_id("t"), ""))
        engines = {e["name"]: e for e in listing.json()["engines"]}
        assert engines["replicate"]["available"] is True
        r = worker.post(
            "/v1/replicate/webhook",
            content=b'{"id": "x"}',
            headers={"webhook-id": "m", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        )
        assert r.status_code == 401


def test_a_model_with_an_image_input_gets_the_uploaded_file_and_its_strength(fake, monkeypatch):
    app, base = fake
    monkeypatch.setattr(rep, "POLL_SECONDS", 0.1)
    dev = "black-forest-labs/flux-dev"
    engine = rep.ReplicateEngine(replicate_server.TOKEN, base, [MODEL, dev], "", 30, 1)
    caps = engine.capabilities()
    assert caps.supports_image_input and caps.strength_range is not None
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (5, 5, 5)).save(buf, "PNG")
    images = engine.generate(
        _req(model=dev, num_images=1, init_image=buf.getvalue(), strength=0.35)
    )
    assert len(images) == 1
    sent = app.state.bodies[-1]["input"]
    (fid,) = app.state.uploads
    assert sent["image"].endswith(f"/v1/files/{fid}") and sent["prompt_strength"] == 0.35
    assert app.state.uploads[fid] == buf.getvalue()
    # flux-schnell has no image input: refused with the reason, nothing sent.
    with pytest.raises(EngineError, match="takes no input image on Replicate"):
        engine.generate(_req(num_images=1, init_image=buf.getvalue()))
    assert len(app.state.bodies) == 1
