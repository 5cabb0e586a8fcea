"""Every door answers clearly: 4xx JSON for bad input, 401/404 for the wrong caller."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from tests.helpers import WEBHOOK_SECRET, signup, stored, wait_status

GEN = "/api/images/generate"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"prompt": ""}, "prompt is empty"),
        ({"prompt": "x" * 2001}, "limit is 2000"),
        ({"prompt": "a", "width": 1001, "height": 1001}, "in steps of 8, not 1001x1001"),
        ({"prompt": "a", "numImages": 0}, "between 1 and 4"),
        ({"prompt": "a", "numImages": 5}, "between 1 and 4"),
        ({"prompt": "a", "seed": "abc"}, "seed"),
        ({"prompt": "a", "bogus": 1}, "Unknown field 'bogus'"),
        ({}, "prompt"),
    ],
)
def test_bad_generate_requests_get_422_with_a_clear_message(stack, body, words):
    client = signup(stack["url"], "bad@example.com")
    r = client.post(GEN, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["success"] is False and words in r.json()["error"]
    assert client.get("/api/images/user").json()["count"] == 0
    assert "Traceback" not in r.text


def test_malformed_json_is_a_clear_422(stack):
    client = signup(stack["url"], "json@example.com")
    r = client.post(GEN, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", GEN),
        ("GET", "/api/images/user"),
        ("GET", "/api/generations/x"),
        ("GET", "/api/engines"),
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
    ],
)
def test_every_user_route_needs_a_valid_token(stack, method, path):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = httpx.request(  # a loaded machine may answer slowly: the door is what is tested
            method, stack["url"] + path, headers=headers, json={"prompt": "a"}, timeout=30
        )
        assert r.status_code == 401, (path, headers, r.text)
        assert r.json()["success"] is False


def test_signup_and_login_errors_are_clear(stack):
    url = stack["url"]
    assert (
        httpx.post(
            f"{url}/api/auth/signup", json={"email": "x", "password": "long enough"}
        ).status_code
        == 422
    )
    signup(url, "dup@example.com")
    r = httpx.post(
        f"{url}/api/auth/signup", json={"email": "dup@example.com", "password": "long enough"}
    )
    assert r.status_code == 409 and "already exists" in r.json()["error"]
    r = httpx.post(f"{url}/api/auth/login", json={"email": "dup@example.com", "password": "no"})
    assert r.status_code == 401 and "Wrong email or password" in r.json()["error"]


def test_another_users_generation_is_404_and_their_gallery_is_empty(stack):
    a = signup(stack["url"], "a@example.com")
    b = signup(stack["url"], "b@example.com")
    gid = a.post(GEN, json={"prompt": "mine", "width": 512, "height": 512}).json()["generation"][
        "id"
    ]
    wait_status(a, gid)
    r = b.get(f"/api/generations/{gid}")
    assert r.status_code == 404 and "mine" not in r.text
    assert b.get("/api/images/user").json()["count"] == 0
    assert a.get("/api/images/user").json()["count"] == 1


def test_worker_unreachable_on_submit_fails_the_generation_with_the_reason(stack):
    client = signup(stack["url"], "down@example.com")
    stack["worker"].kill()
    stack["worker"].wait()
    from imagegen.services import catalog

    catalog.clear_cache()
    r = client.post(GEN, json={"prompt": "nobody home"})
    assert r.status_code == 201
    gen = r.json()["generation"]
    assert gen["status"] == "FAILED" and "unreachable" in gen["error"]
    assert client.get("/api/images/user").json()["count"] == 0


def _file_urls(stack):
    client = signup(stack["url"], f"files{time.time_ns()}@example.com")
    gid = client.post(GEN, json={"prompt": "file", "width": 512, "height": 512}).json()[
        "generation"
    ]["id"]
    img = wait_status(client, gid)["images"][0]
    return img["fileUrl"], img["downloadUrl"], img


def test_file_urls_serve_bytes_and_download_as_attachment(stack):
    view, download, img = _file_urls(stack)
    r = httpx.get(view)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert "attachment" not in r.headers.get("content-disposition", "")
    d = httpx.get(download)
    assert d.content == r.content and len(d.content) == img["fileSize"]
    assert d.headers["content-disposition"].startswith("attachment")
    assert img["filename"] in d.headers["content-disposition"]


def test_tampered_expired_or_guessed_file_urls_are_404(stack):
    view, _, _ = _file_urls(stack)
    tampered = view.replace("sig=", "sig=0")
    other_key = view.replace("/0.png?", "/1.png?")
    expired = view.split("?")[0] + "?exp=1&sig=" + view.split("sig=")[1]
    bare = view.split("?")[0]
    for url in (tampered, other_key, expired):
        assert httpx.get(url).status_code == 404, url
    assert httpx.get(bare).status_code == 422  # no signature at all


def _post_webhook(
    url,
    body: bytes,
    *,
    secret=WEBHOOK_SECRET,
    msg_id="msg_x",
    ts=None,
    ctype="application/json",
    sign=True,
):
    ts = ts or datetime.now(UTC)
    headers = {"content-type": ctype}
    if sign:
        headers |= {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(ts.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, ts, body.decode()),
        }
    return httpx.post(f"{url}/api/webhooks/image-completion", content=body, headers=headers)


def test_completion_webhook_refuses_unsigned_forged_stale_and_malformed(stack):
    client = signup(stack["url"], "hook@example.com")
    gid = client.post(GEN, json={"prompt": "hook", "width": 512, "height": 512}).json()[
        "generation"
    ]["id"]
    before = wait_status(client, gid)
    fail = json.dumps({"generationId": gid, "status": "FAILED", "error": "forged"}).encode()
    url = stack["url"]
    other = "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC0wMTIzNDU="
    assert _post_webhook(url, fail, sign=False).status_code == 401
    assert _post_webhook(url, fail, secret=other).status_code == 401
    assert _post_webhook(url, fail, ts=datetime.now(UTC) - timedelta(minutes=6)).status_code == 401
    assert _post_webhook(url, b"{oops").status_code == 400
    assert _post_webhook(url, fail, ctype="text/plain").status_code == 415
    big = json.dumps({"generationId": gid, "status": "FAILED", "error": "x" * 300_000}).encode()
    assert _post_webhook(url, big).status_code == 413
    unknown = json.dumps({"generationId": "nope", "status": "FAILED"}).encode()
    assert _post_webhook(url, unknown).status_code == 404
    assert stored(client.get(f"/api/generations/{gid}").json()["generation"]) == stored(before)


def test_openapi_docs_are_served(stack):
    assert httpx.get(stack["url"] + "/api/docs").status_code == 200
    spec = httpx.get(stack["url"] + "/api/openapi.json").json()
    assert "/api/images/generate" in spec["paths"] and "/api/images/user" in spec["paths"]


def test_engines_are_relayed_from_the_worker(stack):
    client = signup(stack["url"], "eng@example.com")
    body = client.get("/api/engines").json()
    assert body["default"] == "procedural"
    assert body["engines"][0]["label"] == "Procedural (built-in)"


def test_paging_with_limit_and_cursor(stack):
    client = signup(stack["url"], "pages@example.com")
    ids = [
        client.post(GEN, json={"prompt": f"p{i}", "width": 512, "height": 512}).json()[
            "generation"
        ]["id"]
        for i in range(3)
    ]
    for gid in ids:
        wait_status(client, gid)
    first = client.get("/api/images/user", params={"limit": 2}).json()
    rest = client.get("/api/images/user", params={"limit": 2, "cursor": first["nextCursor"]}).json()
    got = [g["id"] for g in first["generations"] + rest["generations"]]
    assert got == list(reversed(ids)) and rest["nextCursor"] is None
    assert client.get("/api/images/user", params={"limit": 0}).status_code == 422
