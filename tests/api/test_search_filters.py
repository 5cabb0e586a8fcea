"""Search and filters on the gallery list: what a user narrows, sorts and bookmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import insert_generation, signup, user_id


def _prompts(client, **params) -> list[str]:
    r = client.get("/api/images/user", params=params)
    assert r.status_code == 200, r.text
    return [g["prompt"] for g in r.json()["generations"]]


@pytest.fixture
def library(stack):
    client = signup(stack["url"], "search@example.com")
    uid = user_id(client)
    t0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
    rows = [
        ("A red fox in fresh snow", 0, {}),
        ("Café au lait, latte art close-up", 1, {"favorite": (0,)}),
        ("red panda eating bamboo", 2, {"width": 768, "height": 768}),
        ("lighthouse at dusk, 35mm film", 3, {"engine": "other", "model": "m2"}),
        ("foxglove flowers in a meadow", 4, {}),
        ("A red fox that never finished", 5, {"status": "FAILED", "error": "GPU fell over"}),
    ]
    for prompt, day, kw in rows:
        insert_generation(uid, prompt, created_at=t0 + timedelta(days=day), images=2, **kw)
    other = signup(stack["url"], "other-searcher@example.com")
    insert_generation(user_id(other), "red fox belonging to someone else")
    return client


def test_search_matches_every_word_with_the_last_as_a_prefix(library):
    assert _prompts(library, q="red fox") == ["A red fox in fresh snow"]
    assert _prompts(library, q="fox") == ["foxglove flowers in a meadow", "A red fox in fresh snow"]
    assert _prompts(library, q="RED") == ["red panda eating bamboo", "A red fox in fresh snow"]
    assert _prompts(library, q="cafe") == ["Café au lait, latte art close-up"]  # accents fold
    assert _prompts(library, q="35mm") == ["lighthouse at dusk, 35mm film"]
    assert _prompts(library, q="unicorn") == []


def test_search_syntax_is_never_an_error(library):
    for q in ['"', "fox*", "red OR", "NEAR(", "a:b", "'; DROP TABLE x; --", "(((", "-", "^"]:
        r = library.get("/api/images/user", params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert library.get("/api/images/user", params={"q": "x" * 201}).status_code == 422


def test_filters_narrow_and_combine(library):
    assert _prompts(library, size="768x768") == ["red panda eating bamboo"]
    assert _prompts(library, engine="other") == ["lighthouse at dusk, 35mm film"]
    assert _prompts(library, model="m2", q="lighthouse") == ["lighthouse at dusk, 35mm film"]
    assert _prompts(library, **{"from": "2026-11-02", "to": "2026-11-03"}) == [
        "red panda eating bamboo",
        "Café au lait, latte art close-up",
    ]
    assert _prompts(library, q="red", **{"to": "2026-11-01"}) == ["A red fox in fresh snow"]


def test_favourites_filter_shows_only_starred_images(library):
    r = library.get("/api/images/user", params={"favorites": "true"}).json()
    assert [g["prompt"] for g in r["generations"]] == ["Café au lait, latte art close-up"]
    assert len(r["generations"][0]["images"]) == 1
    assert r["generations"][0]["images"][0]["favorite"] is True


def test_failed_generations_show_with_their_reason(library):
    r = library.get("/api/images/user", params={"status": "failed"}).json()
    assert [(g["prompt"], g["error"]) for g in r["generations"]] == [
        ("A red fox that never finished", "GPU fell over")
    ]
    everything = _prompts(library, status="all")
    assert len(everything) == 6 and everything[0] == "A red fox that never finished"
    assert "A red fox that never finished" not in _prompts(library)  # default: completed only


def test_sort_oldest_first_pages_without_gaps_or_repeats(library):
    newest = _prompts(library)
    seen, cursor = [], None
    while True:
        params = {"sort": "oldest", "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = library.get("/api/images/user", params=params).json()
        seen += [g["prompt"] for g in r["generations"]]
        cursor = r["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(newest))


def test_bad_filters_get_clear_422s(library):
    cases = {
        "status": "done",
        "sort": "random",
        "size": "big",
        "from": "yesterday",
        "favorites": "maybe",
    }
    for key, value in cases.items():
        r = library.get("/api/images/user", params={key: value})
        assert r.status_code == 422, key
        body = r.json()
        assert body["success"] is False and body["field"] == key and value in body["error"]
    r = library.get("/api/images/user", params={"from": "2026-11-05", "to": "2026-11-01"})
    assert r.status_code == 422 and "after" in r.json()["error"]


def test_without_a_limit_the_list_is_still_one_bounded_page(stack):
    client = signup(stack["url"], "many@example.com")
    uid = user_id(client)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(105):
        insert_generation(uid, f"bulk {n}", created_at=t0 + timedelta(minutes=n))
    first = client.get("/api/images/user").json()
    assert first["count"] == 100 and first["nextCursor"]
    rest = client.get("/api/images/user", params={"cursor": first["nextCursor"]}).json()
    assert rest["count"] == 5 and rest["nextCursor"] is None
    prompts = [g["prompt"] for g in first["generations"] + rest["generations"]]
    assert prompts == [f"bulk {n}" for n in reversed(range(105))]


def _all_pages(client, **params) -> list[str]:
    """Every page of a listing, one generation at a time, following the cursors."""
    seen, cursor = [], None
    while True:
        page = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        r = client.get("/api/images/user", params=page)
        assert r.status_code == 200, r.text
        seen += [g["prompt"] for g in r.json()["generations"]]
        if not (cursor := r.json()["nextCursor"]):
            return seen


def test_a_search_pages_either_way_without_gaps_repeats_or_other_users(library):
    # "red fox" of another user is never in the pages; the failed fox only with status=all.
    assert _all_pages(library, q="red") == ["red panda eating bamboo", "A red fox in fresh snow"]
    assert _all_pages(library, q="fox", sort="oldest") == [
        "A red fox in fresh snow",
        "foxglove flowers in a meadow",
    ]
    assert _all_pages(library, q="fox", status="all") == [
        "A red fox that never finished",
        "foxglove flowers in a meadow",
        "A red fox in fresh snow",
    ]
    # A cursor is the listing's own: another listing's gets a clear error, not a wrong page.
    plain = library.get("/api/images/user", params={"limit": 1}).json()["nextCursor"]
    r = library.get("/api/images/user", params={"q": "fox", "limit": 1, "cursor": plain})
    assert r.status_code == 422 and r.json()["field"] == "cursor"
    found = library.get("/api/images/user", params={"q": "fox", "limit": 1}).json()
    r = library.get("/api/images/user", params={"limit": 1, "cursor": found["nextCursor"]})
    assert r.status_code == 422 and r.json()["field"] == "cursor"


def test_the_favourites_filter_is_the_same_with_many_favourites(library, stack, monkeypatch):
    from imagegen.services.generations import queries

    listed = _all_pages(library, favorites="true")
    monkeypatch.setattr(queries, "_FAVORITES_LISTED", 0)  # as if there were too many to list
    assert _all_pages(library, favorites="true") == listed == ["Café au lait, latte art close-up"]
    other = signup(stack["url"], "no-stars@example.com")
    assert _all_pages(other, favorites="true") == []
