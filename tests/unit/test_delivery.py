"""Webhook delivery: signed, retried with backoff until accepted, and resumed after a restart."""

import asyncio
import json

from fastapi import FastAPI, Request
from standardwebhooks import Webhook

from imagegen.worker.delivery import Outbox
from tests.helpers import WEBHOOK_SECRET, ThreadedServer, free_port


def _receiver(fail_first: int):
    app, seen = FastAPI(), {"attempts": 0, "verified": []}

    @app.post("/hook")
    async def hook(request: Request):
        seen["attempts"] += 1
        if seen["attempts"] <= fail_first:
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": "busy"}, status_code=503)
        body = await request.body()
        seen["verified"].append(Webhook(WEBHOOK_SECRET).verify(body, dict(request.headers)))
        return {"ok": True}

    return app, seen


async def test_retries_until_accepted_and_signs_each_attempt(tmp_path):
    app, seen = _receiver(fail_first=2)
    with ThreadedServer(app, free_port()) as srv:
        box = Outbox(tmp_path, WEBHOOK_SECRET, base_delay=0.05)
        box.send("msg_a", f"{srv.url}/hook", {"generationId": "a", "status": "COMPLETED"})
        await box.drain(10)
    assert seen["attempts"] == 3
    assert seen["verified"] == [{"generationId": "a", "status": "COMPLETED"}]
    assert list(tmp_path.glob("*.json")) == []


async def test_a_pending_delivery_survives_a_restart(tmp_path):
    port = free_port()
    box = Outbox(tmp_path, WEBHOOK_SECRET, base_delay=0.05)
    box.enqueue("msg_b", f"http://127.0.0.1:{port}/hook", {"generationId": "b"})
    assert json.loads((tmp_path / "msg_b.json").read_text())["id"] == "msg_b"
    app, seen = _receiver(fail_first=0)
    with ThreadedServer(app, port):
        restarted = Outbox(tmp_path, WEBHOOK_SECRET, base_delay=0.05)
        assert restarted.resume() == 1
        await restarted.drain(10)
        await asyncio.sleep(0)
    assert seen["verified"] == [{"generationId": "b"}]


async def test_a_permanent_rejection_is_kept_as_a_dead_letter(tmp_path):
    app = FastAPI()

    @app.post("/hook")
    async def hook():
        from fastapi.responses import JSONResponse

        return JSONResponse({"error": "unknown generation"}, status_code=404)

    with ThreadedServer(app, free_port()) as srv:
        box = Outbox(tmp_path, WEBHOOK_SECRET, base_delay=0.05)
        box.send("msg_c", f"{srv.url}/hook", {"generationId": "c"})
        await box.drain(10)
    assert (tmp_path / "dead" / "msg_c.json").exists()
