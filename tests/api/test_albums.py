"""Albums: create, rename, delete; add and remove the owner's images; page through one."""

from __future__ import annotations

from tests.helpers import insert_generation, signup, user_id


def _images(client, uid, n_gens=2, per=2) -> list[str]:
    for n in range(n_gens):
        insert_generation(uid, f"album source {n}", images=per)
    gens = client.get("/api/images/user").json()["generations"]
    return [i["id"] for g in gens for i in g["images"]]


def test_album_lifecycle(stack):
    client = signup(stack["url"], "albums@example.com")
    images = _images(client, user_id(client))
    r = client.post("/api/albums", json={"name": "  Winter   scenes "})
    assert r.status_code == 201
    album = r.json()["album"]
    assert album["name"] == "Winter scenes" and album["count"] == 0
    assert (
        client.post(f"/api/albums/{album['id']}/images", json={"imageIds": images[:3]}).json()[
            "added"
        ]
        == 3
    )
    # Adding again only adds what is new.
    again = client.post(f"/api/albums/{album['id']}/images", json={"imageIds": images})
    assert again.json()["added"] == 1
    listed = client.get("/api/albums").json()["albums"]
    assert [(a["name"], a["count"]) for a in listed] == [("Winter scenes", 4)]
    assert listed[0]["cover"]["thumbnailUrl"]
    page = client.get(f"/api/albums/{album['id']}", params={"limit": 3}).json()
    assert len(page["images"]) == 3 and page["nextCursor"]
    rest = client.get(
        f"/api/albums/{album['id']}", params={"limit": 3, "cursor": page["nextCursor"]}
    ).json()
    assert {i["id"] for i in page["images"] + rest["images"]} == set(images)
    assert page["images"][0]["generation"]["prompt"].startswith("album source")

    r = client.delete(f"/api/albums/{album['id']}/images/{images[0]}")
    assert r.status_code == 200
    assert client.get("/api/albums").json()["albums"][0]["count"] == 3
    assert client.delete(f"/api/albums/{album['id']}/images/{images[0]}").status_code == 404

    assert client.patch(f"/api/albums/{album['id']}", json={"name": "Snow"}).status_code == 200
    assert client.get("/api/albums").json()["albums"][0]["name"] == "Snow"

    assert client.delete(f"/api/albums/{album['id']}").status_code == 200
    assert client.get("/api/albums").json()["albums"] == []
    assert client.get("/api/images/user").json()["count"] == 2  # images stay in the gallery


def test_names_are_checked_and_unique(stack):
    client = signup(stack["url"], "albums2@example.com")
    assert client.post("/api/albums", json={"name": "Cats"}).status_code == 201
    dup = client.post("/api/albums", json={"name": "Cats"})
    assert dup.status_code == 409 and "already have an album" in dup.json()["error"]
    assert client.post("/api/albums", json={"name": "   "}).status_code == 422
    assert client.post("/api/albums", json={"name": "x" * 121}).status_code == 422
    dogs = client.post("/api/albums", json={"name": "Dogs"}).json()["album"]["id"]
    assert client.patch(f"/api/albums/{dogs}", json={"name": "Cats"}).status_code == 409
    assert client.post(f"/api/albums/{dogs}/images", json={"imageIds": []}).status_code == 422


def test_deleting_an_image_takes_it_out_of_its_albums(stack):
    client = signup(stack["url"], "albums3@example.com")
    images = _images(client, user_id(client), n_gens=1, per=2)
    album = client.post("/api/albums", json={"name": "Keep"}).json()["album"]["id"]
    client.post(f"/api/albums/{album}/images", json={"imageIds": images})
    assert client.delete(f"/api/images/{images[0]}").status_code == 200
    page = client.get(f"/api/albums/{album}").json()
    assert [i["id"] for i in page["images"]] == [images[1]]


def test_another_users_image_is_refused_and_nothing_is_added(stack):
    a = signup(stack["url"], "albums-a@example.com")
    b = signup(stack["url"], "albums-b@example.com")
    a_images = _images(a, user_id(a), n_gens=1, per=1)
    b_images = _images(b, user_id(b), n_gens=1, per=1)
    album = b.post("/api/albums", json={"name": "Mine"}).json()["album"]["id"]
    r = b.post(f"/api/albums/{album}/images", json={"imageIds": b_images + a_images})
    assert r.status_code == 404
    assert b.get(f"/api/albums/{album}").json()["images"] == []  # all or none
