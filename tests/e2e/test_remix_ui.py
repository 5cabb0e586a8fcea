"""'Edit prompt' on a past generation fills the whole form, seed included, and records a remix."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, sign_up
from tests.e2e.ui import generation_action, open_settings
from tests.helpers import wait_status, wait_until


def test_edit_prompt_fills_every_parameter_and_generates_a_remix(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    parent = wait_status(
        client,
        client.post(
            "/api/images/generate",
            json={
                "prompt": "Violet lighthouse",
                "negativePrompt": "green",
                "width": 768,
                "height": 1024,
                "numImages": 2,
                "seed": 987654,
            },
        ).json()["generation"]["id"],
    )
    page.reload()
    generation_action(page, page.locator("#gallery-grid .generation-card").first, "Edit prompt")
    open_settings(page)
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Violet lighthouse")
    expect(page.get_by_label("Negative prompt")).to_have_value("green")
    expect(page.get_by_label("Seed", exact=True)).to_have_value("987654")
    expect(page.get_by_role("radio", name="768×1024")).to_be_checked()
    expect(page.get_by_label("Images", exact=True)).to_have_value("2")
    expect(page.get_by_text("Remix of a past generation")).to_be_visible()

    page.get_by_label("Prompt", exact=True).fill("Violet lighthouse at night")
    page.get_by_role("button", name="Generate").click()
    expect(
        page.locator("#gallery-grid").get_by_role("img", name="Violet lighthouse at night")
    ).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("Remix of a past generation")).to_have_count(0)

    def child() -> dict:
        return client.get("/api/images/user").json()["generations"][0]

    wait_until(lambda: child()["prompt"] == "Violet lighthouse at night", 10)
    c = child()
    assert c["parentId"] == parent["id"] and c["seed"] == 987654
    assert (c["width"], c["height"], c["numImages"], c["negativePrompt"]) == (768, 1024, 2, "green")


def test_a_custom_size_is_typed_and_made_and_a_bad_one_is_explained(page: Page, harness):
    """Beside the preset chips, any width × height in the engine's steps (SD 1.5's 512×768)."""
    sign_up(page, harness)
    open_settings(page)
    expect(page.locator("#custom-size-rule")).to_have_text("64–2048 px, in steps of 8")
    page.get_by_label("Width", exact=True).fill("512")
    page.get_by_label("Height", exact=True).fill("768")
    expect(page.get_by_role("radio", name="512×512", exact=True)).not_to_be_checked()
    page.get_by_label("Prompt", exact=True).fill("A tall custom portrait")
    page.get_by_role("button", name="Generate").click()
    client = api(harness, page)

    def made() -> list:
        gens = client.get("/api/images/user").json()["generations"]
        return [g for g in gens if g["prompt"] == "A tall custom portrait"]

    wait_until(lambda: bool(made()), 20, what="the generation")
    gen = wait_status(client, made()[0]["id"])
    assert (gen["images"][0]["width"], gen["images"][0]["height"]) == (512, 768)
    page.get_by_label("Height", exact=True).fill("770")
    page.get_by_label("Prompt", exact=True).fill("Not in steps of 8")
    page.get_by_role("button", name="Generate").click()
    expect(
        page.locator("[data-sonner-toast]").filter(has_text="in steps of 8, not 512x770")
    ).to_be_visible()
