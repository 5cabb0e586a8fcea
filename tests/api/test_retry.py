"""Retry: a failed generation runs again with the same parameters and takes its place."""

from __future__ import annotations

from tests.helpers import insert_generation, signup, user_id, wait_status


def test_retry_reruns_a_failed_generation_in_its_place(stack):
    client = signup(stack["url"], "retry@example.com")
    failed = insert_generation(
        user_id(client), "try me again", status="FAILED", error="worker unreachable", images=2
    )
    r = client.post(f"/api/generations/{failed}/retry")
    assert r.status_code == 201, r.text
    new = r.json()["generation"]
    assert r.json()["replaces"] == failed and new["id"] != failed
    done = wait_status(client, new["id"])
    assert done["status"] == "COMPLETED" and len(done["images"]) == 2
    assert (done["prompt"], done["seed"], done["width"]) == ("try me again", 1, 512)
    assert client.get(f"/api/generations/{failed}").status_code == 404  # replaced, not doubled
    assert client.get("/api/images/user", params={"status": "failed"}).json()["count"] == 0


def test_only_failed_or_cancelled_can_be_retried(stack):
    client = signup(stack["url"], "retry2@example.com")
    done = insert_generation(user_id(client), "fine as it is")
    r = client.post(f"/api/generations/{done}/retry")
    assert r.status_code == 409 and "failed or cancelled" in r.json()["error"]
    assert client.post("/api/generations/nope/retry").status_code == 404
