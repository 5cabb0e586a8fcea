"""The completion webhook: a replay is accepted once then a no-op; a doubled delivery lands once.

The refusals (unsigned, bad signature, stale timestamp, malformed JSON, wrong content type,
oversize body, unknown generation) are in tests/api/test_errors_and_doors.py.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import httpx
from sqlmodel import func, select
from standardwebhooks import Webhook

from imagegen.contract import object_key
from imagegen.db import session_scope
from imagegen.models import ImageFile, ImageGeneration
from imagegen.services.storage import get_storage
from tests.helpers import WEBHOOK_SECRET, signup


def _processing_generation(stack) -> str:
    """A generation the worker will never finish (it is stopped), with its objects stored."""
    client = signup(stack["url"], "hooks@example.com")
    stack["worker"].kill()
    stack["worker"].wait()
    me = client.get("/api/auth/me").json()["id"]
    gen = ImageGeneration(
        owner_id=me,
        prompt="hook",
        width=512,
        height=512,
        num_images=2,
        seed=1,
        engine="procedural",
        model="procedural-v1",
        status="PROCESSING",
    )
    with session_scope() as db:
        db.add(gen)
    for i in range(2):
        get_storage().put(object_key(gen.id, i), b"png", "image/png")
    return gen.id


def _completion(gid: str) -> bytes:
    return json.dumps(
        {
            "generationId": gid,
            "status": "COMPLETED",
            "durationMs": 5,
            "images": [
                {
                    "key": object_key(gid, i),
                    "filename": f"{i}.png",
                    "format": "PNG",
                    "width": 512,
                    "height": 512,
                    "fileSize": 3,
                }
                for i in range(2)
            ],
        }
    ).encode()


def _post(url: str, body: bytes, msg_id: str) -> httpx.Response:
    now = datetime.now(UTC)
    return httpx.post(
        f"{url}/api/webhooks/image-completion",
        content=body,
        headers={
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(WEBHOOK_SECRET).sign(msg_id, now, body.decode()),
        },
    )


def _rows(gid: str) -> int:
    with session_scope() as db:
        return db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gid)
        ).one()


def test_replayed_webhook_id_is_accepted_once_then_a_no_op(stack):
    gid = _processing_generation(stack)
    first = _post(stack["url"], _completion(gid), "msg_replay")
    assert first.status_code == 200 and first.json()["changed"] is True
    again = _post(stack["url"], _completion(gid), "msg_replay")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert _rows(gid) == 2


def test_the_same_delivery_sent_twice_at_once_creates_one_set_of_rows(stack):
    gid = _processing_generation(stack)
    body, barrier, answers = _completion(gid), threading.Barrier(6), []

    def send() -> None:
        barrier.wait()
        answers.append(_post(stack["url"], body, "msg_race"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert sum(r.json()["changed"] for r in answers) == 1
    assert _rows(gid) == 2


def _post_progress(url: str, body: bytes, msg_id: str, secret: str = WEBHOOK_SECRET):
    now = datetime.now(UTC)
    return httpx.post(
        f"{url}/api/webhooks/image-progress",
        content=body,
        headers={
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, now, body.decode()),
        },
    )


def test_progress_webhook_is_signed_memory_only_and_ends_with_the_generation(stack):
    gid = _processing_generation(stack)
    client = httpx.Client(base_url=stack["url"])
    event = json.dumps({"generationId": gid, "percent": 40, "queuePosition": 0}).encode()
    unsigned = client.post(
        "/api/webhooks/image-progress", content=event, headers={"content-type": "application/json"}
    )
    assert unsigned.status_code == 401
    forged = _post_progress(stack["url"], event, "p1", secret="whsec_" + "QUJD" * 8)
    assert forged.status_code == 401
    assert _post_progress(stack["url"], b'{"percent": "lots"}', "p2").status_code == 400
    # A preview must be a small image data: URL; anything else (a script, a remote URL) is refused.
    for bad in ("javascript:alert(1)", "https://evil.example/x.png", "data:text/html;base64,PGI+"):
        sneaky = json.dumps({"generationId": gid, "percent": 10, "preview": bad}).encode()
        assert _post_progress(stack["url"], sneaky, f"p-{bad[:5]}").status_code == 400
    assert _post_progress(stack["url"], event, "p3").status_code == 200
    from imagegen.services.progress import get_progress_board

    assert get_progress_board().get(gid).percent == 40
    assert _post(stack["url"], _completion(gid), "done-1").status_code == 200
    late = json.dumps({"generationId": gid, "percent": 90, "queuePosition": 0}).encode()
    assert _post_progress(stack["url"], late, "p4").status_code == 200
    assert get_progress_board().get(gid).done  # a stray event after the end changes nothing
