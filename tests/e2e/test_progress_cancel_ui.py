"""A pending card shows its queue position and a live progress bar, and Cancel stops it."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, backend, sign_up
from tests.e2e.ui import card as group
from tests.e2e.ui import choose_images, choose_size


def test_queue_position_progress_bar_and_cancel(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    # Six other users (4 generations each, their cap) keep the single worker slot busy for
    # half a minute, longer than a loaded machine takes to submit ours and click its Cancel;
    # they are cancelled below.
    busy_jobs: list[tuple[httpx.Client, str]] = []
    for who in range(6):
        token = httpx.post(
            f"{backend(harness)}/api/auth/signup",
            json={"email": f"busy{who}-{id(page)}@example.com", "password": "password-123"},
        ).json()["token"]
        busy = httpx.Client(base_url=backend(harness), headers={"Authorization": f"Bearer {token}"})
        for n in range(4):
            r = busy.post(
                "/api/images/generate",
                json={"prompt": f"busy {n}", "numImages": 4, "width": 512, "height": 512},
            )
            assert r.status_code == 201, r.text
            busy_jobs.append((busy, r.json()["generation"]["id"]))

    page.get_by_label("Prompt", exact=True).fill("Wait your turn")
    choose_size(page, "512x512")
    page.get_by_role("button", name="Generate").click()
    card = group(page, "Wait your turn")
    expect(card.locator(".queue-position")).to_contain_text("ahead of it")
    card.get_by_role("button", name="Cancel").click()
    expect(card).to_have_attribute("data-status", "CANCELLED")
    expect(card).to_contain_text("Cancelled.")
    expect(card.get_by_role("button", name="Retry")).to_be_visible()
    gid = card.get_attribute("data-generation-id")
    assert client.get(f"/api/generations/{gid}").json()["generation"]["status"] == "CANCELLED"
    for busy, busy_id in busy_jobs:  # free the worker for the next one
        busy.post(f"/api/generations/{busy_id}/cancel")

    page.get_by_label("Prompt", exact=True).fill("Watch me progress")
    choose_images(page, "4")
    page.get_by_role("button", name="Generate").click()
    card = group(page, "Watch me progress")
    expect(card.locator(".generation-progress")).to_be_visible(timeout=30_000)
    expect(card.get_by_role("img", name="Preview of the image being generated")).to_be_visible()
    expect(card).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(card.locator(".image-open")).to_have_count(4)
