"""The large preview: original image, ←/→ across the gallery, Esc, metadata, star, copy, delete."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, sign_up
from tests.helpers import wait_status, wait_until

CARDS = "#gallery-grid .generation-card"


def _generate(client, prompt: str, n: int, seed: int) -> dict:
    gid = client.post(
        "/api/images/generate",
        json={"prompt": prompt, "numImages": n, "width": 512, "height": 512, "seed": seed},
    ).json()["generation"]["id"]
    return wait_status(client, gid)


def test_lightbox_walks_the_gallery_with_the_keyboard(page: Page, harness):
    sign_up(page, harness)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    client = api(harness, page)
    older = _generate(client, "Older: two moths", 2, 11)
    newer = _generate(client, "Newer: one comet", 1, 22)
    page.reload()
    expect(page.locator(CARDS)).to_have_count(2)
    # The grid shows thumbnails only; the original loads when the preview opens.
    grid_srcs = page.locator(f"{CARDS} img").evaluate_all("els => els.map(e => e.src)")
    assert grid_srcs and all(".thumb.webp" in s for s in grid_srcs)

    page.locator(f"{CARDS} .image-open").first.click()
    box = page.locator("#lightbox")
    expect(box).to_be_visible()
    expect(page.locator("#lightbox-position")).to_have_text("1 / 3")
    expect(page.locator("#lightbox-prompt")).to_have_text("Newer: one comet")
    expect(page.locator("#lightbox-image")).to_have_attribute(
        "src", re.compile(newer["id"] + r"/0\.png\?")
    )
    expect(page.locator("#lightbox-metadata")).to_contain_text("22")
    expect(page.locator("#lightbox-metadata")).to_contain_text("512×512")

    page.keyboard.press("ArrowRight")
    expect(page.locator("#lightbox-position")).to_have_text("2 / 3")
    expect(page.locator("#lightbox-prompt")).to_have_text("Older: two moths")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#lightbox-position")).to_have_text("3 / 3")
    page.keyboard.press("ArrowRight")  # the end: stays
    expect(page.locator("#lightbox-position")).to_have_text("3 / 3")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#lightbox-position")).to_have_text("2 / 3")

    page.locator("#lightbox-copy-prompt").click()
    assert page.evaluate("navigator.clipboard.readText()") == "Older: two moths"

    page.locator("#lightbox-star").click()
    expect(page.locator("#lightbox-star")).to_have_attribute("aria-pressed", "true")
    starred = older["images"][0]["id"]
    images = client.get(f"/api/generations/{older['id']}").json()["generation"]["images"]
    assert [i["favorite"] for i in images] == [True, False]

    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    card = page.locator(CARDS).filter(has_text="Older: two moths")
    expect(card.get_by_role("button", name="Favourite").first).to_have_attribute(
        "aria-pressed", "true"
    )

    # Delete from the preview: it moves on, Undo is offered, then the image is gone for good.
    card.locator(".image-open").nth(1).click()
    expect(page.locator("#lightbox-position")).to_have_text("3 / 3")
    expect(page.locator("#lightbox-image")).to_have_attribute("src", re.compile(r"/1\.png"))
    page.locator("#lightbox-delete").click()
    expect(page.locator("#lightbox-position")).to_have_text("2 / 2")
    expect(page.locator("#lightbox-image")).to_have_attribute("src", re.compile(r"/0\.png"))
    page.keyboard.press("Escape")
    expect(box).to_have_count(0)
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    expect(card.locator(".image-open")).to_have_count(1)
    expect(page.get_by_role("button", name="Undo")).to_have_count(0, timeout=10_000)

    def only_starred_left() -> bool:
        left = client.get(f"/api/generations/{older['id']}").json()["generation"]["images"]
        return [i["id"] for i in left] == [starred]

    wait_until(only_starred_left, 10, 0.2, what="the image to be deleted")


def _swipe(page: Page, selector: str, dx: float) -> None:
    """A one-finger horizontal swipe, as the phone's touchscreen sends it (CDP touch input)."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    for kind, px in (("touchStart", x), ("touchMove", x + dx / 2), ("touchMove", x + dx)):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": px, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_on_a_phone_a_swipe_moves_through_the_images(browser, harness):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_up(page, harness)
        client = api(harness, page)
        _generate(client, "Swiped: three pebbles", 3, 33)
        page.reload()
        page.locator(f"{CARDS} .image-open").first.tap()
        expect(page.locator("#lightbox-position")).to_have_text("1 / 3")
        _swipe(page, "#lightbox-image", -200)  # finger to the left: the next image
        expect(page.locator("#lightbox-position")).to_have_text("2 / 3")
        expect(page.locator("#lightbox-image")).to_have_attribute("src", re.compile(r"/1\.png"))
        _swipe(page, "#lightbox-image", -200)
        expect(page.locator("#lightbox-position")).to_have_text("3 / 3")
        _swipe(page, "#lightbox-image", 200)  # to the right: back
        expect(page.locator("#lightbox-position")).to_have_text("2 / 3")
        _swipe(page, "#lightbox-image", 20)  # too short to be a swipe: it stays
        page.keyboard.press("ArrowRight")  # the next move starts from 2 (from 1 had it counted)
        expect(page.locator("#lightbox-position")).to_have_text("3 / 3")
    finally:
        ctx.close()
