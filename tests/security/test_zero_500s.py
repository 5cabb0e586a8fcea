"""Inputs that used to reach a 500: each now gets a clear 4xx, and nothing is half-written."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest

from imagegen.contract import object_key, thumbnail_key
from tests.helpers import (
    completion_body,
    post_signed,
    processing_generation,
    signup,
    stored,
    user_id,
)

SURROGATE = b'"\\ud800"'  # a lone UTF-16 surrogate, as JSON text: no UTF-8 can hold it


def _raw(url: str, method: str, body: bytes, headers: dict | None = None) -> httpx.Response:
    h = {"content-type": "application/json", **(headers or {})}
    return httpx.request(method, url, content=body, headers=h)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/auth/signup", b'{"email": %s, "password": "long enough pw"}'),
        ("/api/auth/signup", b'{"email": "s@example.com", "password": %s}'),
        ("/api/auth/login", b'{"email": %s, "password": "x"}'),
        ("/api/auth/login", b'{"email": "s@example.com", "password": %s}'),
        ("/api/images/generate", b'{"prompt": %s}'),
        ("/api/images/generate", b'{"prompt": "ok", "negativePrompt": %s}'),
        ("/api/albums", b'{"name": %s}'),
    ],
)
def test_a_lone_surrogate_in_any_text_field_is_a_clear_422(stack, path, template):
    client = signup(stack["url"], "sur@example.com")
    r = _raw(stack["url"] + path, "POST", template % SURROGATE, dict(client.headers))
    assert r.status_code == 422, r.text
    assert "invalid character" in r.json()["error"]
    # A valid pair (an emoji) is fine.
    ok = client.post("/api/images/generate", json={"prompt": "a fox \U0001f98a"})
    assert ok.status_code == 201


def test_a_lone_surrogate_as_an_image_id_is_a_clear_422(stack):
    client = signup(stack["url"], "sur2@example.com")
    album = client.post("/api/albums", json={"name": "a"}).json()["album"]["id"]
    r = _raw(
        f"{stack['url']}/api/albums/{album}/images",
        "POST",
        b'{"imageIds": [%s]}' % SURROGATE,
        dict(client.headers),
    )
    assert r.status_code == 422


def test_a_date_at_the_end_of_time_is_a_clear_422(stack):
    client = signup(stack["url"], "date@example.com")
    r = client.get("/api/images/user", params={"to": "9999-12-31"})
    assert r.status_code in (200, 422), r.text
    assert "Internal" not in r.text


def test_a_body_over_the_limit_is_413_on_every_route(stack):
    client = signup(stack["url"], "big@example.com")
    big = json.dumps({"prompt": "x" * (1024 * 1024 + 10)}).encode()
    for path in ("/api/images/generate", "/api/albums", "/api/auth/login"):
        r = _raw(stack["url"] + path, "POST", big, dict(client.headers))
        assert r.status_code == 413, (path, r.status_code)
        assert "over" in r.json()["error"]


def test_deeply_nested_json_is_a_clear_400(stack):
    client = signup(stack["url"], "deep@example.com")
    deep = b'{"prompt": "x", "engine": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = _raw(stack["url"] + "/api/images/generate", "POST", deep, dict(client.headers))
    assert r.status_code == 400 and "nested" in r.json()["error"]


def test_a_signed_webhook_nested_deeply_is_a_clear_400(stack):
    deep = b'{"generationId": "x", "status": "FAILED", "error": ' + b"[" * 3000 + b"]" * 3000
    r = post_signed(f"{stack['url']}/api/webhooks/image-completion", deep + b"}", "msg_deep")
    assert r.status_code == 400


def _gen(stack) -> tuple[httpx.Client, str]:
    client = signup(stack["url"], f"wh{os.urandom(3).hex()}@example.com")
    return client, processing_generation(user_id(client), images=2)


def _nothing_changed(client: httpx.Client, gid: str) -> None:
    g = client.get(f"/api/generations/{gid}").json()["generation"]
    assert g["status"] == "PROCESSING" and g["images"] == []


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b: b["images"][0].update(fileSize=2**70),
        lambda b: b["images"][0].update(width=-5),
        lambda b: b["images"][1].update(height=0),
        lambda b: b["images"][1].update(key=b["images"][0]["key"]),  # one key listed twice
        lambda b: b["images"].append(dict(b["images"][0])),  # the same image three times
        lambda b: b.update(status="DONE"),
        lambda b: b["images"][0].update(format="EXE"),
        lambda b: b["images"][0].update(filename="../../etc/passwd"),
    ],
)
def test_a_signed_webhook_with_nonsense_values_is_422_and_changes_nothing(stack, spoil):
    client, gid = _gen(stack)
    body = completion_body(gid, images=2)
    spoil(body)
    r = post_signed(f"{stack['url']}/api/webhooks/image-completion", body, f"msg_{gid}")
    assert r.status_code == 422, r.text
    assert "Internal" not in r.text
    _nothing_changed(client, gid)
    # The real result, sent next, still lands whole.
    good = post_signed(
        f"{stack['url']}/api/webhooks/image-completion", completion_body(gid), f"msg2_{gid}"
    )
    assert good.status_code == 200
    assert len(stored(client.get(f"/api/generations/{gid}").json()["generation"])["images"]) == 2


def test_more_images_than_asked_for_is_422(stack):
    client, gid = _gen(stack)
    body = completion_body(gid, images=2)
    from imagegen.services.storage import get_storage

    for k in (object_key(gid, 2), thumbnail_key(gid, 2)):
        get_storage().put(k, b"x", "image/png")
    extra = dict(body["images"][0], key=object_key(gid, 2), thumbnailKey=thumbnail_key(gid, 2))
    body["images"].append(extra)
    r = post_signed(f"{stack['url']}/api/webhooks/image-completion", body, f"msg_{gid}")
    assert r.status_code == 422 and "asked for 2" in r.json()["error"]
    _nothing_changed(client, gid)


def test_the_data_directory_is_private(stack):
    """Owner-only: the database 0600, the image files 0600 under 0700 directories."""
    from pathlib import Path

    client = signup(stack["url"], "perm@example.com")
    gid = client.post("/api/images/generate", json={"prompt": "private"}).json()["generation"]
    from tests.helpers import wait_status

    wait_status(client, gid["id"])
    data = Path(stack["env"]["IMAGEGEN_DATA_DIR"])

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(data) == 0o700
    assert mode(data / "files") == 0o700
    assert mode(data / "imagegen.db") == 0o600
    images = list((data / "files").rglob("*.png"))
    assert images and all(mode(p) == 0o600 for p in images)


def test_a_download_link_cannot_be_renamed(stack):
    from urllib.parse import parse_qs, urlencode, urlsplit

    client = signup(stack["url"], "rename@example.com")
    gid = client.post("/api/images/generate", json={"prompt": "rename me"}).json()["generation"]
    from tests.helpers import wait_status

    url = wait_status(client, gid["id"])["images"][0]["downloadUrl"]
    assert httpx.get(url).status_code == 200
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    q["download"] = "invoice.html"
    renamed = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(q)}"
    assert httpx.get(renamed).status_code == 404
