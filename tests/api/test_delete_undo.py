"""The gallery's delete with Undo: hidden in the database at once (every read, a reload and
another tab agree it is gone), back on Undo, purged with its files once the window has passed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from imagegen.models import utcnow
from imagegen.services import generations as svc
from imagegen.services import maintenance as svc_maintenance
from imagegen.services.errors import NotFound
from imagegen.services.storage import get_storage
from imagegen.settings.app import get_app_settings
from tests.helpers import signup, wait_status


def _generate(client: httpx.Client, prompt: str, n: int) -> dict:
    gid = client.post(
        "/api/images/generate",
        json={"prompt": prompt, "numImages": n, "width": 512, "height": 512},
    ).json()["generation"]["id"]
    return wait_status(client, gid)


def _keys(img: dict) -> list[str]:
    return [img[u].split("/api/files/")[1].split("?")[0] for u in ("fileUrl", "thumbnailUrl")]


def _shown(client: httpx.Client) -> dict[str, int]:
    """What the user's every view is built from: generation ids and their image counts."""
    gens = client.get("/api/images/user").json()["generations"]
    return {g["id"]: len(g["images"]) for g in gens}


def _after_the_window() -> object:
    return utcnow() + timedelta(seconds=get_app_settings().undo_seconds + 31)


def test_a_deleted_generation_is_gone_everywhere_at_once_and_undo_brings_it_all_back(stack):
    client = signup(stack["url"], "undo-gen@example.com")
    uid = client.get("/api/auth/me").json()["id"]
    gen, keep = _generate(client, "heron at dusk", 2), _generate(client, "keep me", 1)
    album = client.post("/api/albums", json={"name": "Birds"}).json()["album"]["id"]
    image_ids = [i["id"] for i in gen["images"]]
    client.post(f"/api/albums/{album}/images", json={"imageIds": image_ids})
    share = client.post("/api/shares", json={"generationId": gen["id"]}).json()["share"]

    svc.hide_generation(uid, gen["id"])
    assert _shown(client) == {keep["id"]: 1}
    assert client.get("/api/images/user").json()["count"] == 1
    assert client.get(f"/api/generations/{gen['id']}").status_code == 404
    assert client.get("/api/images/user", params={"q": "heron"}).json()["generations"] == []
    assert client.get(f"/api/albums/{album}").json()["images"] == []
    assert client.get("/api/albums").json()["albums"][0]["count"] == 0
    assert client.get("/api/albums").json()["albums"][0]["cover"] is None
    assert httpx.get(share["url"]).status_code == 404
    keys = [k for img in gen["images"] for k in _keys(img)]
    assert all(get_storage().exists(k) for k in keys)  # nothing is lost until the window passes

    svc.restore_generation(uid, gen["id"])
    assert _shown(client) == {gen["id"]: 2, keep["id"]: 1}
    assert {i["id"] for i in client.get(f"/api/albums/{album}").json()["images"]} == set(image_ids)
    assert client.get("/api/albums").json()["albums"][0]["count"] == 2
    assert httpx.get(share["url"]).status_code == 200

    # Within the window the purge keeps it; after it, rows and files are gone for good.
    svc.hide_generation(uid, gen["id"])
    assert svc.purge_deleted() == 0
    assert svc.purge_deleted(_after_the_window()) == 4
    assert not any(get_storage().exists(k) for k in keys)
    with pytest.raises(NotFound):
        svc.restore_generation(uid, gen["id"])
    assert _shown(client) == {keep["id"]: 1}
    assert client.get(f"/api/albums/{album}").json()["images"] == []


def test_a_deleted_image_is_hidden_and_the_last_one_takes_its_generation_until_undo(stack):
    client = signup(stack["url"], "undo-img@example.com")
    uid = client.get("/api/auth/me").json()["id"]
    gen = _generate(client, "two stones", 2)
    first, second = gen["images"]

    assert svc.hide_image(uid, first["id"]) == gen["id"]
    assert _shown(client) == {gen["id"]: 1}
    svc_maintenance.sweep_orphans(grace_seconds=0)  # its files wait for the window: no orphans
    assert all(get_storage().exists(k) for k in _keys(first))
    svc.hide_image(uid, second["id"])
    assert _shown(client) == {}  # its last image took the generation with it
    svc.restore_image(uid, second["id"])  # Undo of the last delete: both come back
    left = client.get(f"/api/generations/{gen['id']}").json()["generation"]["images"]
    assert [i["id"] for i in left] == [second["id"]]

    assert svc.purge_deleted(_after_the_window()) == 2
    assert not any(get_storage().exists(k) for k in _keys(first))
    assert all(get_storage().exists(k) for k in _keys(second))
    with pytest.raises(NotFound):
        svc.restore_image(uid, first["id"])
    assert _shown(client) == {gen["id"]: 1}


def test_nobody_else_can_delete_or_undo(stack):
    owner = signup(stack["url"], "undo-owner@example.com")
    other_id = signup(stack["url"], "undo-other@example.com").get("/api/auth/me").json()["id"]
    uid = owner.get("/api/auth/me").json()["id"]
    gen = _generate(owner, "mine", 1)
    image = gen["images"][0]["id"]
    for attempt in (
        lambda: svc.hide_generation(other_id, gen["id"]),
        lambda: svc.hide_image(other_id, image),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert _shown(owner) == {gen["id"]: 1}
    svc.hide_generation(uid, gen["id"])
    with pytest.raises(NotFound):
        svc.restore_generation(other_id, gen["id"])
    assert _shown(owner) == {}
