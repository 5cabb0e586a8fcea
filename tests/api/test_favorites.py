"""Favourites: a star on an image, kept in the database."""

from __future__ import annotations

from tests.helpers import signup, wait_status


def test_star_and_unstar_an_image(stack):
    client = signup(stack["url"], "stars@example.com")
    gid = client.post(
        "/api/images/generate",
        json={"prompt": "star me", "numImages": 2, "width": 512, "height": 512},
    ).json()["generation"]["id"]
    first, second = wait_status(client, gid)["images"]
    assert first["favorite"] is False
    r = client.put(f"/api/images/{first['id']}/favorite")
    assert r.status_code == 200 and r.json()["favorite"] is True
    assert client.put(f"/api/images/{first['id']}/favorite").status_code == 200  # idempotent
    images = client.get("/api/images/user").json()["generations"][0]["images"]
    assert [i["favorite"] for i in images] == [True, False]
    assert client.delete(f"/api/images/{first['id']}/favorite").json()["favorite"] is False
    images = client.get(f"/api/generations/{gid}").json()["generation"]["images"]
    assert [i["favorite"] for i in images] == [False, False]
    assert client.put("/api/images/nope/favorite").status_code == 404
