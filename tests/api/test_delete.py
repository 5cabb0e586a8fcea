"""Deleting an image or a generation removes its rows and its stored original and thumbnail."""

from __future__ import annotations

import httpx

from imagegen.services.storage import get_storage
from tests.helpers import signup, wait_status


def _keys(img: dict) -> list[str]:
    return [img[u].split("/api/files/")[1].split("?")[0] for u in ("fileUrl", "thumbnailUrl")]


def _generate(client: httpx.Client, n: int) -> dict:
    gid = client.post(
        "/api/images/generate",
        json={"prompt": "to delete", "numImages": n, "width": 512, "height": 512},
    ).json()["generation"]["id"]
    return wait_status(client, gid)


def test_delete_a_generation_takes_its_images_and_files(stack):
    client = signup(stack["url"], "del@example.com")
    gen, keep = _generate(client, 2), _generate(client, 1)
    keys = [k for img in gen["images"] for k in _keys(img)]
    assert len(keys) == 4 and all(get_storage().exists(k) for k in keys)
    r = client.delete(f"/api/generations/{gen['id']}")
    assert r.status_code == 200 and r.json()["deletedObjects"] == 4
    assert not any(get_storage().exists(k) for k in keys)
    assert client.get(f"/api/generations/{gen['id']}").status_code == 404
    assert [g["id"] for g in client.get("/api/images/user").json()["generations"]] == [keep["id"]]
    assert httpx.get(gen["images"][0]["fileUrl"]).status_code == 404
    assert client.delete(f"/api/generations/{gen['id']}").status_code == 404


def test_delete_one_image_keeps_the_rest_and_the_last_one_takes_the_generation(stack):
    client = signup(stack["url"], "del-img@example.com")
    gen = _generate(client, 2)
    first, second = gen["images"]
    r = client.delete(f"/api/images/{first['id']}")
    assert r.status_code == 200 and r.json()["generationId"] == gen["id"]
    assert not any(get_storage().exists(k) for k in _keys(first))
    assert all(get_storage().exists(k) for k in _keys(second))
    left = client.get(f"/api/generations/{gen['id']}").json()["generation"]["images"]
    assert [i["id"] for i in left] == [second["id"]]
    assert client.delete(f"/api/images/{second['id']}").status_code == 200
    assert client.get(f"/api/generations/{gen['id']}").status_code == 404
    assert client.get("/api/images/user").json()["count"] == 0
    assert client.delete(f"/api/images/{second['id']}").status_code == 404
