"""POST /api/webhooks/clerk: Svix-verified; user.deleted removes generations, rows and files."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import select
from standardwebhooks import Webhook

from imagegen.db import session_scope
from imagegen.models import ImageFile, ImageGeneration
from imagegen.services.storage import get_storage
from tests.helpers import signup, wait_status

SVIX_SECRET = "whsec_" + "c3ZpeC10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5YWJjZA=="


@pytest.fixture
def clerk_hook_stack(stack, monkeypatch):
    from imagegen.settings.app import get_app_settings

    monkeypatch.setenv("CLERK_WEBHOOK_SECRET", SVIX_SECRET)
    get_app_settings.cache_clear()
    return stack


def _send(url: str, event: dict, secret: str = SVIX_SECRET, msg_id: str = "msg_svix_1"):
    body = json.dumps(event)
    now = datetime.now(UTC)
    headers = {
        "svix-id": msg_id,
        "svix-timestamp": str(int(now.timestamp())),
        "svix-signature": Webhook(secret).sign(msg_id, now, body),
        "content-type": "application/json",
    }
    return httpx.post(f"{url}/api/webhooks/clerk", content=body, headers=headers)


def test_user_deleted_removes_their_generations_rows_and_files(clerk_hook_stack):
    url = clerk_hook_stack["url"]
    a, b = signup(url, "gone@example.com"), signup(url, "stays@example.com")
    a_id, b_id = a.get("/api/auth/me").json()["id"], b.get("/api/auth/me").json()["id"]
    for client in (a, b):
        gid = client.post(
            "/api/images/generate",
            json={"prompt": "x", "numImages": 2, "width": 512, "height": 512},
        ).json()["generation"]["id"]
        wait_status(client, gid)
    with session_scope() as db:
        thumbs = db.exec(
            select(ImageFile.thumbnail_key)
            .join(ImageGeneration)
            .where(ImageGeneration.owner_id == a_id)
        ).all()
        a_keys = db.exec(
            select(ImageFile.storage_key)
            .join(ImageGeneration)
            .where(ImageGeneration.owner_id == a_id)
        ).all()
    assert len(a_keys) == 2 and all(get_storage().exists(k) for k in a_keys)

    r = _send(url, {"type": "user.deleted", "data": {"id": a_id, "deleted": True}})
    assert r.status_code == 200 and r.json()["generations"] == 1 and r.json()["objects"] == 4
    assert not any(get_storage().exists(k) for k in a_keys)
    assert len(thumbs) == 2 and not any(get_storage().exists(k) for k in thumbs)
    with session_scope() as db:
        assert db.exec(select(ImageGeneration).where(ImageGeneration.owner_id == a_id)).all() == []
    assert a.get("/api/auth/me").status_code == 401  # their sessions went too
    assert b.get("/api/images/user").json()["count"] == 1  # nobody else's data moved
    assert b_id != a_id


def test_unsigned_forged_and_other_events_change_nothing(clerk_hook_stack):
    url = clerk_hook_stack["url"]
    a = signup(url, "keep@example.com")
    a_id = a.get("/api/auth/me").json()["id"]
    event = {"type": "user.deleted", "data": {"id": a_id}}
    assert httpx.post(f"{url}/api/webhooks/clerk", json=event).status_code == 401
    other = "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC0wMTIzNDU="
    assert _send(url, event, secret=other).status_code == 401
    r = _send(url, {"type": "user.updated", "data": {"id": a_id}})
    assert r.status_code == 200 and r.json()["ignored"] == "user.updated"
    assert a.get("/api/auth/me").status_code == 200
