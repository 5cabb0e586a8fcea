"""The spec's own test plan, in a real browser against the real app, worker and database."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, ensure_png, frontend, sign_up
from tests.e2e.ui import CARDS, card, generation_action, toast
from tests.e2e.ui import generate as _generate
from tests.helpers import wait_status, wait_until


def test_generate_shows_result_then_gallery_without_reload(page: Page, harness):
    sign_up(page, harness, through_the_form=True)
    page.evaluate("window.__noReload = 'still here'")
    prompt = "A lighthouse at dawn, watercolor"
    _generate(page, prompt, images="2")

    # The pending group appears at once at the top of the gallery, marked New, before the
    # worker finishes; the results are that newest group.
    results = card(page, prompt)
    expect(results).to_be_visible()
    expect(page.locator(CARDS).first).to_contain_text(prompt)
    expect(results.get_by_text("New", exact=True)).to_be_visible()
    # Then the images land in it, alt text = prompt, with a Download each, shown once.
    expect(results.get_by_role("img", name=prompt)).to_have_count(2, timeout=30_000)
    expect(results.get_by_role("link", name="Download", exact=True)).to_have_count(2)
    gallery = page.locator("#gallery-grid")
    expect(gallery.get_by_role("img", name=prompt)).to_have_count(2)  # nothing shown twice
    # Its metadata is one click away: engine (by its label), model, seed.
    results.get_by_role("button", name="Details").click()
    details = page.get_by_role("dialog", name="Prompt and settings")
    expect(details.get_by_text("Procedural (built-in)")).to_be_visible()
    expect(details.get_by_text("procedural-v1")).to_be_visible()  # the model
    page.keyboard.press("Escape")
    assert page.evaluate("window.__noReload") == "still here"
    # The grid loads only thumbnails; originals only in the preview (and downloads).
    srcs = gallery.get_by_role("img", name=prompt).evaluate_all("els => els.map(e => e.src)")
    assert srcs and all(".thumb.webp" in src for src in srcs), srcs
    results.locator(".image-open").first.click()
    expect(page.locator("#lightbox-image")).to_have_attribute("src", re.compile(r"/0\.png\?"))
    page.keyboard.press("Escape")

    # Reload: the gallery is read back from the database.
    page.reload()
    expect(page.locator("#gallery-grid").get_by_role("img", name=prompt)).to_have_count(2)
    for img in page.locator("#gallery-grid").get_by_role("img", name=prompt).all():
        wait_until(
            lambda img=img: img.evaluate("e => e.complete && e.naturalWidth > 0"),
            10,
            what="the gallery image to load",
        )


def test_download_gives_the_png(page: Page, harness):
    sign_up(page, harness)
    _generate(page, "Download me, a red kite")
    gallery = page.locator("#gallery-grid")
    expect(gallery.get_by_role("img", name="Download me, a red kite")).to_have_count(
        1, timeout=30_000
    )
    with page.expect_download() as dl:
        gallery.get_by_role("link", name="Download", exact=True).click()
    download = dl.value
    assert download.suggested_filename.endswith(".png")
    data = download.path().read_bytes()
    ensure_png(data)
    listed = api(harness, page).get("/api/images/user").json()["generations"][0]["images"][0]
    assert len(data) == listed["fileSize"]


def test_gallery_has_1_2_3_columns_at_phone_tablet_desktop(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    ids = [
        client.post(
            "/api/images/generate", json={"prompt": f"column test {n}", "width": 512, "height": 512}
        ).json()["generation"]["id"]
        for n in range(3)
    ]
    for gid in ids:
        assert wait_status(client, gid)["status"] == "COMPLETED"
    page.reload()
    cards = page.locator("#gallery-grid .generation-card")
    expect(cards).to_have_count(3)

    def columns() -> int:
        return len({round(cards.nth(i).bounding_box()["x"]) for i in range(3)})

    for width, least, most in ((390, 1, 1), (820, 2, 3), (1280, 3, 3)):
        page.set_viewport_size({"width": width, "height": 900})
        wait_until(
            lambda a=least, b=most: a <= columns() <= b,
            5,
            what=f"{least} to {most} column(s) at {width}px",
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_second_user_sees_none_of_the_first_users_images(page: Page, harness, browser):
    sign_up(page, harness)
    _generate(page, "Private sunset of user A")
    expect(
        page.locator("#gallery-grid").get_by_role("img", name="Private sunset of user A")
    ).to_have_count(1, timeout=30_000)
    a_gen = api(harness, page).get("/api/images/user").json()["generations"][0]

    ctx_b = browser.new_context()
    page_b = ctx_b.new_page()
    try:
        sign_up(page_b, harness)
        expect(page_b.get_by_text("Nothing here yet")).to_be_visible()
        expect(page_b.get_by_text("Private sunset of user A")).to_have_count(0)
        b = api(harness, page_b)
        assert b.get("/api/images/user").json() == {
            "success": True,
            "count": 0,
            "generations": [],
            "nextCursor": None,
        }
        r = b.get(f"/api/generations/{a_gen['id']}")
        assert r.status_code == 404 and "A" not in r.text.replace("Generation not found", "")
    finally:
        ctx_b.close()


def test_sign_out_ends_the_session(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    assert client.get("/api/auth/me").status_code == 200
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert client.get("/api/auth/me").status_code == 401
    page.goto(frontend(harness) + "/generate-images")
    page.wait_for_url("**/sign-in")


def test_sign_in_with_wrong_password_says_so_then_works(page: Page, harness, browser):
    email = sign_up(page, harness, password="right-password")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("Wrong email or password"))
    page.get_by_label("Password").fill("right-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/generate-images")


def test_empty_prompt_gets_a_clear_message_and_creates_nothing(page: Page, harness):
    sign_up(page, harness)
    page.get_by_role("button", name="Generate").click()
    expect(toast(page, "The prompt is empty")).to_be_visible()
    assert api(harness, page).get("/api/images/user").json()["count"] == 0
    expect(page.locator(CARDS)).to_have_count(0)


def test_root_leads_to_sign_in_when_signed_out(page: Page, harness):
    page.goto(frontend(harness) + "/")
    page.wait_for_url("**/sign-in")
    assert httpx.get(frontend(harness) + "/sign-in").status_code == 200


def test_next_user_in_the_same_tab_sees_nothing_of_the_previous_one(page: Page, harness):
    sign_up(page, harness)
    _generate(page, "Left behind by the first user")
    expect(
        page.locator("#gallery-grid").get_by_role("img", name="Left behind by the first user")
    ).to_have_count(1, timeout=30_000)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    page.get_by_role("link", name="Sign up").click()
    page.wait_for_url("**/sign-up")
    sign_up(page, harness)
    expect(page.get_by_text("Nothing here yet")).to_be_visible()
    expect(page.get_by_text("Left behind by the first user")).to_have_count(0)


def test_download_all_gives_a_zip_of_the_generation(page: Page, harness):
    import io
    import zipfile

    sign_up(page, harness)
    _generate(page, "Two for the zip", images="2")
    gallery = page.locator("#gallery-grid")
    expect(gallery.get_by_role("img", name="Two for the zip")).to_have_count(2, timeout=30_000)
    with page.expect_download() as dl:
        generation_action(page, card(page, "Two for the zip"), "Download all")
    assert dl.value.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(dl.value.path().read_bytes())) as zf:
        names = zf.namelist()
        assert len(names) == 2 and all(n.endswith(".png") for n in names)
        ensure_png(zf.read(names[0]))
