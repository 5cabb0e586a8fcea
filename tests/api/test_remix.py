"""Edit and generate again: a new generation records its parent."""

from __future__ import annotations

from tests.helpers import signup, wait_status


def test_a_remix_records_its_parent_and_the_same_seed_gives_the_same_image(stack):
    client = signup(stack["url"], "remix@example.com")
    body = {"prompt": "A red kite over teal hills", "width": 512, "height": 512, "seed": 1234}
    parent = wait_status(
        client, client.post("/api/images/generate", json=body).json()["generation"]["id"]
    )
    child = wait_status(
        client,
        client.post("/api/images/generate", json={**body, "parentId": parent["id"]}).json()[
            "generation"
        ]["id"],
    )
    assert child["parentId"] == parent["id"] and parent["parentId"] is None
    assert child["seed"] == 1234
    assert child["images"][0]["fileSize"] == parent["images"][0]["fileSize"]
    r = client.post("/api/images/generate", json={**body, "parentId": "nope"})
    assert r.status_code == 404 and client.get("/api/images/user").json()["count"] == 2
