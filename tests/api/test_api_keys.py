"""Personal API keys: made once, stored hashed, scoped, revoked at once."""

from __future__ import annotations

import httpx

from imagegen.db import session_scope
from imagegen.models import ApiKey
from tests.helpers import signup, wait_status


def _keyed(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {key}"})


def test_a_key_is_shown_once_stored_hashed_and_acts_as_its_user(stack):
    client = signup(stack["url"], "keys@example.com")
    r = client.post("/api/keys", json={"name": "render farm", "scope": "generate"})
    assert r.status_code == 201, r.text
    made = r.json()
    key = made["key"]
    assert key.startswith("ig_") and made["prefix"] == key[:10] and made["scope"] == "generate"
    with session_scope() as db:
        (row,) = db.query(ApiKey).all()
        assert key not in (row.key_hash, row.prefix, row.name)  # only its hash is kept
    listed = client.get("/api/keys").json()["keys"]
    assert [k["name"] for k in listed] == ["render farm"] and "key" not in listed[0]
    assert listed[0]["lastUsedAt"] is None
    bot = _keyed(stack["url"], key)
    gen = bot.post("/api/images/generate", json={"prompt": "from a script", "width": 512,
                                                 "height": 512}).json()["generation"]  # fmt: skip
    done = wait_status(bot, gen["id"])
    assert done["viaKey"] == "render farm"
    # The same user's gallery, whether read with the key or the session.
    assert client.get("/api/images/user").json()["generations"][0]["id"] == gen["id"]
    assert client.get("/api/keys").json()["keys"][0]["lastUsedAt"] is not None
    # A key does not manage keys: a leaked one cannot make more.
    assert bot.post("/api/keys", json={"name": "more"}).status_code == 403
    assert bot.get("/api/keys").status_code == 403
    # Revoked: refused at once.
    assert client.delete(f"/api/keys/{made['id']}").json() == {"success": True}
    assert bot.get("/api/images/user").status_code == 401
    assert client.get("/api/keys").json()["keys"] == []
    assert client.delete(f"/api/keys/{made['id']}").status_code == 404


def test_a_read_key_lists_and_downloads_but_cannot_write(stack):
    client = signup(stack["url"], "reader@example.com")
    body = {"prompt": "read me", "width": 512, "height": 512}
    gen = client.post("/api/images/generate", json=body).json()["generation"]
    image = wait_status(client, gen["id"])["images"][0]
    key = client.post("/api/keys", json={"name": "viewer", "scope": "read"}).json()["key"]
    reader = _keyed(stack["url"], key)
    assert reader.get("/api/images/user").json()["count"] == 1
    assert (
        httpx.get(
            reader.get(f"/api/generations/{gen['id']}").json()["generation"]["images"][0][
                "downloadUrl"
            ]
        ).status_code
        == 200
    )
    for method, path, body in (
        ("POST", "/api/images/generate", {"prompt": "no"}),
        ("DELETE", f"/api/generations/{gen['id']}", None),
        ("PUT", f"/api/images/{image['id']}/favorite", None),
    ):
        r = reader.request(method, path, json=body)
        assert r.status_code == 403 and "read-only" in r.json()["error"], (method, path)
    assert client.get("/api/images/user").json()["count"] == 1  # nothing changed


def test_bad_key_requests_are_clear(stack):
    client = signup(stack["url"], "badkeys@example.com")
    assert client.post("/api/keys", json={"name": "  "}).status_code == 422
    assert client.post("/api/keys", json={"name": "x", "scope": "admin"}).status_code == 422
    assert _keyed(stack["url"], "ig_not-a-real-key").get("/api/images/user").status_code == 401
    assert httpx.post(f"{stack['url']}/api/keys", json={"name": "anon"}).status_code == 401
