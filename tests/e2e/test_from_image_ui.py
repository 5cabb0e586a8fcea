"""From an image, in the studio: upload a starting image, Vary and Upscale from the lightbox,
and the lineage both ways."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, sign_up
from tests.e2e.ui import open_settings, toast
from tests.helpers import wait_status

CARDS = "#gallery-grid .generation-card, #results .generation-card"


def test_upload_a_starting_image_then_generate_from_it(page: Page, harness, tmp_path: Path):
    sign_up(page, harness)
    client = api(harness, page)
    photo = tmp_path / "holiday.jpg"
    Image.new("RGB", (400, 240), (30, 90, 200)).save(photo, "JPEG")
    open_settings(page)
    page.locator("#input-drop input[type=file]").set_input_files(str(photo))
    expect(toast(page, "Uploaded holiday.jpg: it is the starting image.")).to_be_visible()
    chip = page.locator("#starting-image")
    expect(chip).to_be_visible()
    expect(chip.get_by_role("img", name="Starting image")).to_be_visible()
    page.get_by_label("Prompt", exact=True).fill("A harbour at noon")
    page.get_by_role("button", name="Generate").click()
    group = page.locator(".generation-card").filter(has_text="A harbour at noon")
    expect(group.locator(".operation-badge")).to_have_text("From an image")
    gen = wait_status(client, group.get_attribute("data-generation-id"))
    assert gen["source"]["operation"] == "input" and gen["source"]["uploadId"]
    assert (gen["width"], gen["height"]) == (400, 240)  # the input's own shape
    expect(group.locator(".image-open img")).to_be_visible()
    # A text file is refused where the user is looking, and the chip stays as it was.
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    page.locator("#input-drop input[type=file]").set_input_files(str(bad))
    expect(toast(page, "not a readable image")).to_be_visible()
    page.locator("#remove-input").click()
    expect(chip).to_have_count(0)


def test_vary_and_upscale_from_the_lightbox_with_lineage(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    gid = client.post(
        "/api/images/generate",
        json={"prompt": "Two lanterns", "numImages": 1, "width": 256, "height": 256, "seed": 3},
    ).json()["generation"]["id"]
    source = wait_status(client, gid)["images"][0]
    page.reload()
    page.locator(".generation-card .image-open").first.click()
    expect(page.locator("#lightbox")).to_be_visible()
    expect(page.locator("#upscale")).to_have_text(re.compile("Lanczos resize, not AI"))
    page.locator("#vary-strong").click()
    expect(toast(page, "Making a strong variation…")).to_be_visible()
    expect(page.locator("#lightbox")).to_have_count(0)
    varied = page.locator(".generation-card").filter(
        has=page.locator(".operation-badge", has_text="Variation")
    )
    expect(varied.locator("img").first).to_be_visible()

    # The variation's lightbox links back to its source; the source lists the variation.
    varied.locator(".image-open").first.click()
    made_from = page.locator("#lineage").get_by_role(
        "button", name="Open the image it was made from"
    )
    expect(made_from).to_be_visible()
    made_from.click()
    expect(page.locator("#lightbox-image")).to_have_attribute("src", re.compile(gid))
    expect(page.locator("#lineage-derived").get_by_role("button")).to_have_count(1)

    page.locator("#upscale").click()
    expect(toast(page, "Upscaling ×2…")).to_be_visible()
    up = page.locator(".generation-card").filter(
        has=page.locator(".operation-badge", has_text="Upscaled ×2")
    )
    expect(up.locator("img").first).to_be_visible()
    gens = client.get("/api/images/user").json()["generations"]
    upscaled = next(g for g in gens if (g["source"] or {}).get("operation") == "upscale")
    assert (upscaled["width"], upscaled["height"]) == (512, 512)
    assert upscaled["source"]["imageId"] == source["id"] and upscaled["model"] == "lanczos"
    png = Image.open(io.BytesIO(client.get(upscaled["images"][0]["fileUrl"]).content))
    assert "Lanczos (a resize, not AI)" in png.info["parameters"]

    # Deleting the source leaves the variation, its link shown as gone.
    client.delete(f"/api/generations/{gid}")
    page.reload()
    varied.locator(".image-open").first.click()
    expect(page.locator("#source-gone")).to_be_visible()


def test_starting_image_and_lineage_are_accessible_in_both_themes_and_languages(
    page: Page, harness, tmp_path: Path
):
    from tests.e2e.test_accessibility_ui import WIDTHS, Walk

    email = sign_up(page, harness)
    client = api(harness, page)
    gid = client.post(
        "/api/images/generate",
        json={"prompt": "Axe: a paper crane", "width": 256, "height": 256},
    ).json()["generation"]["id"]
    image = wait_status(client, gid)["images"][0]
    child = client.post(f"/api/images/{image['id']}/vary", json={"strength": "subtle"})
    wait_status(client, child.json()["generation"]["id"])
    walk = Walk(page, {email, "Axe: a paper crane", "procedural-v1"})
    for theme, name in (("dark", "desktop"), ("light", "phone")):
        page.emulate_media(color_scheme=theme)
        page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[name], strict=True)))
        at = f"{theme}/{name}"
        page.goto(page.url.split("/generate-images")[0] + "/generate-images")
        page.locator(".generation-card .image-open").first.wait_for()
        # The variation's lightbox: made from; then the source's: what was made from it.
        page.locator(".generation-card .image-open").first.click()
        expect(page.locator("#lineage").get_by_role("button")).to_have_count(1)
        # The last toast (Use as input's, before this reload) is not shown again.
        expect(toast(page, "starting point of the next generation")).to_have_count(0)
        walk.check(f"lightbox lineage {at}")
        page.locator("#lineage").get_by_role("button").click()
        expect(page.locator("#lineage-derived").get_by_role("button")).to_have_count(1)
        page.locator("#use-input").click()
        expect(page.locator("#starting-image")).to_be_visible()
        said = toast(page, "starting point of the next generation")
        said.get_by_role("button", name="Close notification").click()  # made in English
        expect(said).to_have_count(0)
        walk.check(f"starting image {at}")
        page.locator("#remove-input").click()
    walk.assert_clean()
