"""Albums (create, add by multi-select and from the preview, own page, rename, delete) and
share links (public page, og:image, revoke)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import api, frontend, sign_up
from tests.e2e.ui import CARDS, generation_action, toast
from tests.helpers import wait_status


def _generate(client, prompt: str, n: int = 2) -> dict:
    gid = client.post(
        "/api/images/generate", json={"prompt": prompt, "numImages": n, "width": 512, "height": 512}
    ).json()["generation"]["id"]
    return wait_status(client, gid)


def test_albums_from_selection_and_preview_to_their_own_page(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    first = _generate(client, "Album source: foxes")
    second = _generate(client, "Album source: owls")

    page.goto(frontend(harness) + "/albums")
    page.get_by_label("New album name").fill("Night animals")
    page.get_by_role("button", name="Create album").click()
    expect(toast(page, "Night animals")).to_be_visible()
    expect(page.locator(".album-card")).to_have_count(1)

    # Multi-select in the gallery: two images of different generations.
    page.get_by_role("link", name="Studio").click()
    expect(page.locator(CARDS)).to_have_count(2)
    page.get_by_role("button", name="Select", exact=True).click()
    # The click only selects once the page is in selection mode (else it opens the preview).
    expect(page.get_by_role("button", name="Done selecting")).to_be_visible()
    expect(page.locator(f"{CARDS} .image-open").first).to_have_attribute("title", "Select")
    owls = page.locator(CARDS).filter(has_text="owls")
    foxes = page.locator(CARDS).filter(has_text="foxes")
    owls.locator(".image-open").first.click()
    foxes.locator(".image-open").nth(1).click()
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    expect(page.locator("#lightbox")).to_have_count(0)  # selecting does not open the preview
    page.locator("#selection-add-to-album").select_option(label="Night animals")
    expect(toast(page, "Added 2 images to “Night animals”")).to_be_visible()
    expect(page.locator("#selected-count")).to_have_count(0)  # selection mode ends

    # From the preview: add a third.
    foxes.locator(".image-open").first.click()
    page.locator("#lightbox-add-to-album").select_option(label="Night animals")
    expect(toast(page, "Added 1 image")).to_be_visible()
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Albums").click()
    expect(page.locator(".album-card")).to_contain_text("3 images")
    # The header says where the user is (for screen readers too).
    expect(page.locator("#nav-albums")).to_have_attribute("aria-current", "page")
    expect(page.locator("#nav-studio")).to_have_attribute("aria-current", "false")
    page.locator(".album-card .album-name").click()
    page.wait_for_url(re.compile(r"/albums/c\w+$"))
    expect(page.locator("#album-title")).to_have_text("Night animals")
    expect(page.locator(".album-image")).to_have_count(3)
    page.locator(".album-image .image-open").first.click()
    expect(page.locator("#lightbox-position")).to_have_text("1 / 3")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#lightbox-position")).to_have_text("2 / 3")
    page.keyboard.press("Escape")
    page.locator(".album-image").first.get_by_role("button", name="Remove from album").click()
    expect(page.locator(".album-image")).to_have_count(2)
    assert client.get("/api/images/user").json()["count"] == 2  # images stay in the gallery

    album_url = page.url
    page.get_by_role("link", name="Albums").first.click()
    page.get_by_role("button", name="Rename album").click()
    page.get_by_label("New name").fill("Owls and foxes")
    page.get_by_role("button", name="Rename", exact=True).click()
    expect(page.locator(".album-card .album-name")).to_have_text("Owls and foxes")
    page.get_by_role("button", name="Delete album").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete album").click()
    expect(page.locator(".album-card")).to_have_count(0)
    page.goto(album_url)
    expect(page.get_by_text("Album not found")).to_be_visible()
    assert first["id"] and second["id"]


def test_share_link_public_page_and_revoke(page: Page, harness, browser: Browser):
    sign_up(page, harness)
    client = api(harness, page)
    _generate(client, "Shared: a paper crane on water")
    page.reload()
    card = page.locator(CARDS).first
    generation_action(page, card, "Share generation")
    url_box = page.locator("#share-url")
    expect(url_box).to_have_value(re.compile(r"/s/[\w-]{32}$"))
    url = url_box.input_value()

    stranger = browser.new_context()  # no cookie, no token: what a friend sees
    other = stranger.new_page()
    other.goto(url)
    expect(other.locator("#shared-prompt")).to_have_text("Shared: a paper crane on water")
    expect(other.locator("img")).to_have_count(2)
    og = other.locator('meta[property="og:image"]').get_attribute("content")
    assert httpx.get(og).headers["content-type"] == "image/png"
    assert "@example.com" not in other.content()
    shared_png = httpx.get(og).content
    assert b"Seed:" not in shared_png  # the image alone, by default

    # The owner chooses to share the settings too: another link, whose files carry them.
    page.locator("#share-parameters").click()
    expect(url_box).not_to_have_value(url)
    expect(url_box).to_have_value(re.compile(r"/s/[\w-]{32}$"))
    with_settings = url_box.input_value()
    other.goto(with_settings)
    og2 = other.locator('meta[property="og:image"]').get_attribute("content")
    assert b"Seed:" in httpx.get(og2).content
    page.locator("#share-parameters").click()  # back to the image alone: the first link
    expect(url_box).to_have_value(url)
    other.goto(url)

    page.locator("#share-revoke").click()
    expect(page.locator("#share-revoked")).to_be_visible()
    response = other.goto(url)
    assert response is not None and response.status == 404
    expect(other.locator("#shared-gone")).to_contain_text("revoked")
    assert httpx.get(og).status_code == 404
    stranger.close()
