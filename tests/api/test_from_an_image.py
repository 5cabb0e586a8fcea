"""From an image: upload an input, generate from it, vary, upscale; lineage on each result."""

from __future__ import annotations

import io

from PIL import Image

from imagegen.services.storage import get_storage
from tests.helpers import signup, wait_status


def _png(size: tuple[int, int] = (320, 200), colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _bilevel(size: tuple[int, int]) -> bytes:
    """A PNG of many pixels in a few kilobytes (one bit each, all alike)."""
    buf = io.BytesIO()
    Image.new("1", size).save(buf, "PNG")
    return buf.getvalue()


def _open(client, url: str) -> Image.Image:
    r = client.get(url)
    assert r.status_code == 200
    return Image.open(io.BytesIO(r.content))


def _first(client, body: dict) -> dict:
    r = client.post("/api/images/generate", json=body)
    assert r.status_code == 201, r.text
    return wait_status(client, r.json()["generation"]["id"])


def test_upload_then_generate_from_it_by_strength(stack):
    client = signup(stack["url"], "input@example.com")
    r = client.post("/api/uploads", files={"file": ("red.bin", _png(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    up = r.json()
    assert (up["width"], up["height"], up["format"]) == (320, 200, "PNG")  # from the bytes
    kept = _first(
        client, {"prompt": "a blue sea", "uploadId": up["id"], "strength": 0.0, "seed": 5}
    )
    assert kept["status"] == "COMPLETED"
    assert kept["source"] == {
        "imageId": None,
        "uploadId": up["id"],
        "operation": "input",
        "strength": 0.0,
    }
    # No size asked: the input's own shape (on the engine's steps of 8).
    assert (kept["width"], kept["height"]) == (320, 200)
    # Strength 0 keeps the input; 1 ignores it (the procedural engine's own art).
    pixel = _open(client, kept["images"][0]["fileUrl"]).convert("RGB").getpixel((10, 10))
    assert max(abs(a - b) for a, b in zip(pixel, (200, 40, 40), strict=True)) <= 2
    plain = _first(client, {"prompt": "a blue sea", "width": 320, "height": 200, "seed": 5})
    ignored = _first(
        client, {"prompt": "a blue sea", "uploadId": up["id"], "strength": 1.0, "seed": 5}
    )
    a = _open(client, plain["images"][0]["fileUrl"]).convert("RGB").tobytes()
    b = _open(client, ignored["images"][0]["fileUrl"]).convert("RGB").tobytes()
    assert a == b


def test_vary_and_upscale_record_their_source(stack):
    client = signup(stack["url"], "vary@example.com")
    gen = _first(client, {"prompt": "Teal hills", "width": 512, "height": 384, "numImages": 2})
    image = gen["images"][1]
    r = client.post(f"/api/images/{image['id']}/vary", json={"strength": "strong"})
    assert r.status_code == 201, r.text
    varied = wait_status(client, r.json()["generation"]["id"])
    assert varied["status"] == "COMPLETED" and varied["prompt"] == "Teal hills"
    assert varied["source"] == {
        "imageId": image["id"],
        "uploadId": None,
        "operation": "vary",
        "strength": 0.7,
    }
    assert varied["seed"] != gen["seed"] or varied["images"][0]["fileSize"] != image["fileSize"]
    subtle = wait_status(
        client, client.post(f"/api/images/{image['id']}/vary").json()["generation"]["id"]
    )
    assert subtle["source"]["strength"] == 0.35
    r = client.post(f"/api/images/{image['id']}/upscale")
    assert r.status_code == 201, r.text
    up = wait_status(client, r.json()["generation"]["id"])
    assert up["status"] == "COMPLETED" and up["source"]["operation"] == "upscale"
    assert (up["width"], up["height"]) == (1024, 768) and up["model"] == "lanczos"
    png = _open(client, up["images"][0]["fileUrl"])
    assert png.size == (1024, 768)
    assert "Lanczos (a resize, not AI)" in png.info["parameters"]


def test_deleting_the_source_leaves_what_was_made_from_it(stack):
    client = signup(stack["url"], "lineage@example.com")
    gen = _first(client, {"prompt": "A lone tree", "width": 256, "height": 256})
    image = gen["images"][0]
    child = wait_status(
        client, client.post(f"/api/images/{image['id']}/upscale").json()["generation"]["id"]
    )
    assert client.delete(f"/api/generations/{gen['id']}").status_code == 200
    again = client.get(f"/api/generations/{child['id']}").json()["generation"]
    assert again["status"] == "COMPLETED" and again["source"]["imageId"] == image["id"]
    # The gone source can no longer be used: 404, as anyone else's.
    assert client.post(f"/api/images/{image['id']}/vary").status_code == 404


def test_bad_uploads_get_a_clear_4xx_and_nothing_is_kept(stack, monkeypatch):
    client = signup(stack["url"], "bad@example.com")
    text = client.post("/api/uploads", files={"file": ("x.png", b"not an image", "image/png")})
    assert text.status_code == 422 and "not a readable image" in text.json()["error"]
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "GIF")
    gif = client.post("/api/uploads", files={"file": ("x.png", buf.getvalue(), "image/png")})
    assert gif.status_code == 422 and "GIF" in gif.json()["error"]
    # A bomb: a small file that unpacks to 400 million pixels.
    bomb = client.post("/api/uploads", files={"file": ("b.png", _bilevel((20000, 20000)))})
    assert bomb.status_code == 422 and "decompression bomb" in bomb.json()["error"]
    big = client.post("/api/uploads", files={"file": ("b.png", _bilevel((5000, 4000)))})
    assert big.status_code == 422
    assert "5000x4000 (20000000 pixels); the limit is 16000000" in big.json()["error"]
    assert client.post("/api/uploads", files={"file": ("e.png", b"")}).status_code == 422
    # Strength without an input, out of range, and an engine-less image input.
    r = client.post("/api/images/generate", json={"prompt": "x", "strength": 0.5})
    assert r.status_code == 422 and r.json()["field"] == "strength"
    up = client.post("/api/uploads", files={"file": ("ok.png", _png())}).json()
    r = client.post(
        "/api/images/generate", json={"prompt": "x", "uploadId": up["id"], "strength": 2}
    )
    assert r.status_code == 422 and "between 0 and 1" in r.json()["error"]
    r = client.post("/api/images/generate", json={"prompt": "x", "uploadId": "nope"})
    assert r.status_code == 404
    assert client.get("/api/images/user?status=all").json()["count"] == 0
    # Of all those refused uploads, nothing was kept: only the one good upload is stored.
    assert [k for k, _ in get_storage().list("uploads/")] == [_upload_key(up["id"])]


def test_an_upload_over_the_size_limit_is_413_and_kept_nowhere(stack, monkeypatch):
    from imagegen.settings.app import get_app_settings

    monkeypatch.setenv("IMAGEGEN_MAX_UPLOAD_BYTES", "4096")
    get_app_settings.cache_clear()
    client = signup(stack["url"], "big@example.com")
    noisy = Image.effect_noise((128, 128), 60).convert("RGB")  # noise: PNG cannot shrink it
    buf = io.BytesIO()
    noisy.save(buf, "PNG")
    r = client.post("/api/uploads", files={"file": ("big.png", buf.getvalue())})
    assert r.status_code == 413 and r.json()["success"] is False
    assert list(get_storage().list("uploads/")) == []


def test_exif_is_stripped_after_its_orientation_is_applied(stack):
    client = signup(stack["url"], "exif@example.com")
    img = Image.new("RGB", (300, 100), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "SecretCam"  # the camera maker: metadata that must not travel on
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    up = client.post("/api/uploads", files={"file": ("p.jpg", buf.getvalue())}).json()
    assert (up["width"], up["height"], up["format"]) == (100, 300, "JPEG")
    stored = Image.open(io.BytesIO(get_storage().get(_upload_key(up["id"]))))
    assert stored.size == (100, 300) and not stored.getexif()  # upright, and nothing else
    assert stored.getpixel((50, 150))[1] > 150  # still the green picture
    gen = _first(client, {"prompt": "x", "uploadId": up["id"], "strength": 0.0})
    assert (gen["width"], gen["height"]) == (96, 296)  # its shape, on the engine's steps of 8


def _upload_key(upload_id: str) -> str:
    from imagegen.db import session_scope
    from imagegen.models import Upload

    with session_scope() as db:
        row = db.get(Upload, upload_id)
        assert row is not None and row.storage_key.startswith("uploads/")
        return row.storage_key


def test_unused_uploads_are_swept_and_used_ones_stay(stack):
    from imagegen.services.maintenance import sweep_orphans
    from imagegen.services.uploads import owner_prefix

    client = signup(stack["url"], "sweep@example.com")
    unused = client.post("/api/uploads", files={"file": ("a.png", _png())}).json()
    used = client.post("/api/uploads", files={"file": ("b.png", _png(colour=(1, 1, 1)))}).json()
    _first(client, {"prompt": "kept", "uploadId": used["id"]})
    me = client.get("/api/auth/me").json()["id"]
    stray = f"{owner_prefix(me)}stray.png"  # a write cut short: a file with no row
    get_storage().put(stray, _png(), "image/png")
    unused_key = _upload_key(unused["id"])
    sweep_orphans(grace_seconds=0)
    assert not get_storage().exists(unused_key) and not get_storage().exists(stray)
    assert get_storage().exists(_upload_key(used["id"]))
    r = client.post("/api/images/generate", json={"prompt": "x", "uploadId": unused["id"]})
    assert r.status_code == 404  # its row went with it


def test_the_upload_limit_holds_under_concurrent_uploads(stack, monkeypatch):
    import concurrent.futures

    from imagegen.settings.app import get_app_settings

    monkeypatch.setenv("IMAGEGEN_MAX_UPLOADS_PER_USER", "3")
    get_app_settings.cache_clear()
    client = signup(stack["url"], "limit@example.com")
    body = _png()

    def one(_: int) -> int:
        return client.post("/api/uploads", files={"file": ("x.png", body)}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(one, range(8)))
    assert codes == [201] * 3 + [429] * 5
    r = client.post("/api/uploads", files={"file": ("x.png", body)})
    assert r.status_code == 429 and "the limit is 3" in r.json()["error"]
