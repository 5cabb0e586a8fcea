"""The spec's flow over HTTP: generate → worker → signed webhook → gallery, with real parts."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.helpers import signup, wait_status


def test_generate_completes_and_lists_in_gallery_with_fetchable_images(stack):
    client = signup(stack["url"], "ada@example.com")
    r = client.post(
        "/api/images/generate",
        json={"prompt": "Un chat mignon", "numImages": 2, "width": 512, "height": 512, "seed": 7},
    )
    assert r.status_code == 201, r.text
    gen = r.json()["generation"]
    assert r.json()["success"] is True
    assert gen["status"] in ("PENDING", "PROCESSING")
    done = wait_status(client, gen["id"])
    assert done["status"] == "COMPLETED", done
    assert len(done["images"]) == 2

    body = client.get("/api/images/user").json()
    assert body["success"] is True and body["count"] == 1
    g = body["generations"][0]
    assert g["id"] == gen["id"] and g["prompt"] == "Un chat mignon"
    assert g["createdAt"].endswith("Z") and g["completedAt"].endswith("Z")
    for img in g["images"]:
        assert set(img) >= {
            "id",
            "fileUrl",
            "thumbnailUrl",
            "downloadUrl",
            "format",
            "width",
            "height",
            "aspectRatio",
            "fileSize",
        }
        assert (img["format"], img["width"], img["height"]) == ("PNG", 512, 512)
        assert img["aspectRatio"] == "512x512"
        thumb = httpx.get(img["thumbnailUrl"])
        assert thumb.headers["content-type"] == "image/webp"
        assert max(Image.open(io.BytesIO(thumb.content)).size) == 384
        assert len(thumb.content) < img["fileSize"] / 20
        data = httpx.get(img["fileUrl"]).content  # no auth header: the URL itself is the key
        assert len(data) == img["fileSize"]
        assert Image.open(io.BytesIO(data)).size == (512, 512)
