"""Download all: a generation's originals as one ZIP, behind a signed, expiring link."""

from __future__ import annotations

import io
import zipfile

import httpx

from tests.helpers import signup, wait_status


def test_download_all_gives_every_original_in_one_zip(stack):
    client = signup(stack["url"], "zip@example.com")
    gen = wait_status(
        client,
        client.post(
            "/api/images/generate",
            json={"prompt": "zip me", "numImages": 3, "width": 512, "height": 512},
        ).json()["generation"]["id"],
    )
    r = httpx.get(gen["downloadAllUrl"])  # no auth header: the link is the capability
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment")
    assert "zip-me.zip" in r.headers["content-disposition"]  # the prompt, never the id
    assert [i["filename"] for i in gen["images"]] == [f"zip-me-{n}.png" for n in (1, 2, 3)]
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == [i["filename"] for i in gen["images"]]
        for info, img in zip(zf.infolist(), gen["images"], strict=True):
            data = zf.read(info)
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) == img["fileSize"]
    tampered = gen["downloadAllUrl"].replace("sig=", "sig=0")
    assert httpx.get(tampered).status_code == 404
