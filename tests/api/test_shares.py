"""Share links: a public read-only page with og:image, revocable, and showing nothing else."""

from __future__ import annotations

import re

import httpx

from tests.helpers import signup, wait_status


def _generation(client, n=2) -> dict:
    gid = client.post(
        "/api/images/generate",
        json={
            "prompt": "A <b>bold</b> heron & friends",
            "numImages": n,
            "width": 512,
            "height": 512,
            "negativePrompt": "secret negative",
        },
    ).json()["generation"]["id"]
    return wait_status(client, gid)


def test_share_a_generation_then_revoke_it(stack):
    client = signup(stack["url"], "sharer@example.com")
    gen = _generation(client)
    r = client.post("/api/shares", json={"generationId": gen["id"]})
    assert r.status_code == 201
    share = r.json()["share"]
    assert len(share["token"]) >= 32 and share["url"].endswith(f"/s/{share['token']}")
    # Asking again gives the same live link, not a second one.
    assert client.post("/api/shares", json={"generationId": gen["id"]}).json()["share"] == share

    page = httpx.get(share["url"])  # anonymous
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "A &lt;b&gt;bold&lt;/b&gt; heron &amp; friends" in html and "<b>bold" not in html
    og = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)
    assert og.startswith(stack["url"] + "/s/")
    img = httpx.get(og)
    assert img.status_code == 200 and img.content[:8] == b"\x89PNG\r\n\x1a\n"
    shown = re.findall(r'<img src="([^"]+)"', html)
    assert len(shown) == 2  # at full resolution (a thumbnail would be blurry, stretched)
    assert httpx.get(stack["url"] + shown[0]).headers["content-type"] == "image/png"
    assert re.search(r"<h1[^>]*>[^<]+</h1>", html) and html.count('class="button"') == 2  # Download
    # Nothing else of the user: no email, negative prompt, seed, ids or signed storage URLs.
    for private in (
        "sharer@example.com",
        "secret negative",
        str(gen["seed"]),
        gen["id"],
        "/api/files/",
    ):
        assert private not in html

    assert [s["token"] for s in client.get("/api/shares").json()["shares"]] == [share["token"]]
    assert client.delete(f"/api/shares/{share['token']}").status_code == 200
    gone = httpx.get(share["url"])
    assert gone.status_code == 404 and "revoked" in gone.text
    assert httpx.get(og).status_code == 404
    assert client.get("/api/shares").json()["shares"] == []
    assert client.delete(f"/api/shares/{share['token']}").status_code == 404


def test_share_one_image_shows_only_that_image(stack):
    client = signup(stack["url"], "sharer2@example.com")
    gen = _generation(client)
    first, second = gen["images"]
    share = client.post("/api/shares", json={"imageId": second["id"]}).json()["share"]
    html = httpx.get(share["url"]).text
    assert second["id"] in html and first["id"] not in html
    assert httpx.get(f"{share['url']}/images/{first['id']}").status_code == 404


def test_deleting_the_generation_ends_its_links(stack):
    client = signup(stack["url"], "sharer3@example.com")
    gen = _generation(client, n=1)
    share = client.post("/api/shares", json={"generationId": gen["id"]}).json()["share"]
    client.delete(f"/api/generations/{gen['id']}")
    assert httpx.get(share["url"]).status_code == 404


def test_bad_share_requests(stack):
    client = signup(stack["url"], "sharer4@example.com")
    assert client.post("/api/shares", json={}).status_code == 422
    assert client.post("/api/shares", json={"imageId": "x", "generationId": "y"}).status_code == 422
    assert client.post("/api/shares", json={"imageId": "nope"}).status_code == 404
    assert httpx.get(f"{stack['url']}/s/not-a-token").status_code == 404
    assert httpx.post(f"{stack['url']}/api/shares", json={"imageId": "x"}).status_code == 401


def test_the_shared_file_carries_its_parameters_only_when_the_owner_says_so(stack):
    from imagegen.services.png_params import read_parameters

    client = signup(stack["url"], "params@example.com")
    gen = _generation(client, n=1)
    image_id = gen["images"][0]["id"]
    own = client.get(gen["images"][0]["fileUrl"]).content
    assert read_parameters(own).negative_prompt == "secret negative"  # the owner's file keeps them

    plain = client.post("/api/shares", json={"imageId": image_id}).json()["share"]
    assert plain["includeParameters"] is False
    data = httpx.get(f"{stack['url']}/s/{plain['token']}/images/{image_id}").content
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and b"secret negative" not in data
    assert b"Seed:" not in data and b"parameters" not in data

    full = client.post("/api/shares", json={"imageId": image_id, "includeParameters": True}).json()[
        "share"
    ]
    assert full["includeParameters"] is True and full["token"] != plain["token"]
    data = httpx.get(f"{stack['url']}/s/{full['token']}/images/{image_id}").content
    assert read_parameters(data).negative_prompt == "secret negative"
