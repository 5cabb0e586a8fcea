"""Deleting from the gallery (a ⋯ menu): confirm first, gone at once (a reload agrees), Undo in
a toast for a few seconds."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, sign_up
from tests.e2e.ui import generation_action, image_action, toast
from tests.helpers import wait_status, wait_until


def _card(page: Page, prompt: str):
    return page.locator("#gallery-grid .generation-card").filter(has_text=prompt)


def test_delete_asks_first_can_be_undone_then_removes_everything(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    for prompt in ("Keep this one", "Delete this one", "Control"):
        gid = client.post(
            "/api/images/generate", json={"prompt": prompt, "width": 512, "height": 512}
        ).json()["generation"]["id"]
        wait_status(client, gid)
    page.reload()
    expect(page.locator("#gallery-grid .generation-card")).to_have_count(3)

    # Cancel in the confirmation changes nothing.
    generation_action(page, _card(page, "Delete this one"), "Delete generation")
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete this generation?")
    page.get_by_role("button", name="Cancel").click()
    expect(_card(page, "Delete this one")).to_have_count(1)

    # Delete, then Undo within the window: it comes back, still in the database.
    generation_action(page, _card(page, "Delete this one"), "Delete generation")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(_card(page, "Delete this one")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    page.mouse.move(0, 0)  # a pointer over the toasts pauses their timers
    expect(_card(page, "Delete this one")).to_have_count(1)
    # The outcome stays up for its five seconds, not dismissed along with the Undo toast.
    restored = toast(page, "Generation restored.")
    expect(restored).to_be_visible()
    shown = time.monotonic()
    expect(restored).to_have_count(0, timeout=10_000)
    assert time.monotonic() - shown > 3.5, "the restored toast went away early"
    _window_passes(page, harness, "Control")
    assert client.get("/api/images/user").json()["count"] == 2

    # Delete, then reload while Undo is still offered: it stays gone (the database hid it at
    # once), the API agrees, and nothing brings it back once the window has passed.
    generation_action(page, _card(page, "Delete this one"), "Delete generation")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    prompts = [g["prompt"] for g in client.get("/api/images/user").json()["generations"]]
    assert prompts == ["Keep this one"]
    page.reload()
    expect(page.locator("#gallery-grid .generation-card")).to_have_count(1)
    expect(_card(page, "Keep this one")).to_have_count(1)


def _window_passes(page: Page, harness: object, control: str) -> None:
    """Deletes the control generation and waits until it is gone for good: its undo window
    opened after the undone one's and is as long, so that one has closed too (an event, not a
    fixed wait that a slow machine could outlast)."""
    generation_action(page, _card(page, control), "Delete generation")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_have_count(0, timeout=10_000)
    client = api(harness, page)
    wait_until(
        lambda: (
            control
            not in [g["prompt"] for g in client.get("/api/images/user").json()["generations"]]
        ),
        10,
        what=f"{control!r} to be deleted",
    )


def test_delete_one_image_asks_first_and_can_be_undone(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    control = client.post("/api/images/generate", json={"prompt": "Control"}).json()
    wait_status(client, control["generation"]["id"])
    gid = client.post(
        "/api/images/generate",
        json={"prompt": "Three stones", "numImages": 3, "width": 512, "height": 512},
    ).json()["generation"]["id"]
    ids = [i["id"] for i in wait_status(client, gid)["images"]]
    page.reload()
    card = _card(page, "Three stones")
    expect(card.locator(".image-open")).to_have_count(3)

    image_action(page, card.locator(".gen-tile").nth(1), "Delete image")
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete this image?")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(card.locator(".image-open")).to_have_count(2)
    expect(page.get_by_text("Image deleted.")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(card.locator(".image-open")).to_have_count(3)
    _window_passes(page, harness, "Control")
    assert len(client.get(f"/api/generations/{gid}").json()["generation"]["images"]) == 3

    image_action(page, card.locator(".gen-tile").nth(1), "Delete image")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.get_by_role("button", name="Undo")).to_have_count(0, timeout=10_000)

    def two_left() -> bool:
        left = client.get(f"/api/generations/{gid}").json()["generation"]["images"]
        return [i["id"] for i in left] == [ids[0], ids[2]]

    wait_until(two_left, 10, 0.2, what="the image to be deleted")
    page.reload()
    expect(_card(page, "Three stones").locator(".image-open")).to_have_count(2)
