"""A generation started in one tab (or from the API, on another device) shows live in every
tab of the same user, pending then finished, and in no tab of anyone else."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import CHROMIUM_ARGS, api, frontend, sign_up  # noqa: F401
from tests.e2e.ui import choose_images


def test_every_tab_of_the_user_follows_and_no_one_else(page: Page, browser: Browser, harness):
    sign_up(page, harness)
    second = page.context.new_page()  # same user, another tab
    second.goto(frontend(harness) + "/generate-images")
    expect(second.get_by_label("Prompt", exact=True)).to_be_visible()
    stranger_ctx = browser.new_context()
    stranger = stranger_ctx.new_page()
    sign_up(stranger, harness)

    page.get_by_label("Prompt", exact=True).fill("Seen from the other tab")
    choose_images(page, "2")
    page.get_by_role("button", name="Generate").click()
    mirrored = second.locator(".generation-card").filter(has_text="Seen from the other tab")
    expect(mirrored.first).to_be_visible(timeout=15_000)
    gallery = second.locator("#gallery .generation-card").filter(has_text="Seen from the other tab")
    expect(gallery).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(gallery.locator(".image-open")).to_have_count(2)

    # From another device (the API): both tabs show it, with no reload.
    r = api(harness, page).post(
        "/api/images/generate", json={"prompt": "From my phone", "numImages": 1}
    )
    assert r.status_code == 201, r.text
    for tab in (page, second):
        card = tab.locator("#gallery .generation-card").filter(has_text="From my phone")
        expect(card).to_have_attribute("data-status", "COMPLETED", timeout=30_000)

    # The stranger's own generation, made after the others, reaches its tab by the same feed:
    # once it shows, anything of the user's that were to leak would have shown too.
    r = api(harness, stranger).post("/api/images/generate", json={"prompt": "Mine alone"})
    assert r.status_code == 201, r.text
    own = stranger.locator(".generation-card").filter(has_text="Mine alone")
    expect(own.first).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    for prompt in ("Seen from the other tab", "From my phone"):
        expect(stranger.locator(".generation-card").filter(has_text=prompt)).to_have_count(0)
    stranger_ctx.close()
