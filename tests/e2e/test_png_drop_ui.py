"""Dropping a PNG on the form fills it with the parameters the PNG carries."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Path, api, sign_up
from tests.e2e.ui import open_settings, toast
from tests.helpers import wait_status


def test_a_dropped_png_fills_prompt_negative_seed_and_size(page: Page, harness, tmp_path: Path):
    sign_up(page, harness)
    client = api(harness, page)
    gid = client.post(
        "/api/images/generate",
        json={
            "prompt": "Copper kettle on a stove",
            "negativePrompt": "steam",
            "numImages": 2,
            "width": 768,
            "height": 1024,
            "seed": 5000,
        },
    ).json()["generation"]["id"]
    second = wait_status(client, gid)["images"][1]
    png = tmp_path / "kettle.png"
    png.write_bytes(httpx.get(second["downloadUrl"]).content)

    page.reload()
    open_settings(page)
    page.locator("#png-drop input[type=file]").set_input_files(str(png))
    expect(toast(page, "Parameters loaded from kettle.png")).to_be_visible()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Copper kettle on a stove")
    expect(page.get_by_label("Negative prompt")).to_have_value("steam")
    expect(page.get_by_label("Seed", exact=True)).to_have_value("5001")  # the second image's seed
    expect(page.get_by_role("radio", name="768×1024")).to_be_checked()
    expect(page.locator("#seed-lock")).to_have_attribute("aria-pressed", "true")  # kept

    # A PNG with no parameters is explained, and the form keeps what it had.
    plain = tmp_path / "plain.png"
    from PIL import Image

    Image.new("RGB", (16, 16)).save(plain)
    page.locator("#png-drop input[type=file]").set_input_files(str(plain))
    expect(toast(page, "carries no generation parameters")).to_be_visible()
    expect(toast(page, "Parameters loaded from kettle.png")).to_have_count(0)  # not stale
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Copper kettle on a stove")
