"""The star on each image: pressed when it is a favourite, and it stays after a reload."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, sign_up
from tests.helpers import wait_status


def test_star_an_image_and_it_is_still_starred_after_reload(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    gid = client.post(
        "/api/images/generate", json={"prompt": "Star of the show", "width": 512, "height": 512}
    ).json()["generation"]["id"]
    wait_status(client, gid)
    page.reload()
    star = page.locator("#gallery-grid").get_by_role("button", name="Favourite")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    assert client.get("/api/images/user").json()["generations"][0]["images"][0]["favorite"]
    page.reload()
    expect(page.locator("#gallery-grid").get_by_role("button", name="Favourite")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.locator("#gallery-grid").get_by_role("button", name="Favourite").click()
    expect(page.locator("#gallery-grid").get_by_role("button", name="Favourite")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert not client.get("/api/images/user").json()["generations"][0]["images"][0]["favorite"]
