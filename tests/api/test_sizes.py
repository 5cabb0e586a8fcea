"""Sizes as the engines take them: any width and height in the engine's range and step (512x768,
SD 1.5's portrait), each rendered at that size; outside the rule, a 422 that names it."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.helpers import signup, wait_status


def test_any_size_in_the_engines_steps_is_made_and_others_get_the_rule(stack):
    client = signup(stack["url"], "sizes@example.com")
    procedural = next(
        e for e in client.get("/api/engines").json()["engines"] if e["name"] == "procedural"
    )
    assert procedural["sizeRange"] == {"min": 64, "max": 2048, "step": 8}
    gid = client.post(
        "/api/images/generate", json={"prompt": "A portrait", "width": 512, "height": 768}
    ).json()["generation"]["id"]
    gen = wait_status(client, gid)
    image = gen["images"][0]
    assert (image["width"], image["height"]) == (512, 768)
    with Image.open(io.BytesIO(httpx.get(image["fileUrl"]).content)) as png:
        assert png.size == (512, 768)
    r = client.post("/api/images/generate", json={"prompt": "x", "width": 500, "height": 768})
    assert r.status_code == 422
    assert "makes widths and heights from 64 to 2048 in steps of 8, not 500x768" in r.text
