"""The API keys page: a key made in the UI, shown once, used by the real openai client and by
the CLI, their images arriving live in the open studio tab; axe and French on the page."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import openai
from playwright.sync_api import Page, expect

from tests.e2e.conftest import backend, frontend, sign_up
from tests.e2e.ui import toast


def test_a_key_made_in_the_ui_drives_the_openai_client_and_the_cli_live(
    page: Page, harness, tmp_path
):
    from tests.e2e.test_accessibility_ui import WIDTHS, Walk

    email = sign_up(page, harness)
    page.goto(frontend(harness) + "/keys")
    expect(page.get_by_role("heading", level=1, name="API keys")).to_be_visible()
    expect(page.locator("#no-keys")).to_be_visible()
    page.get_by_label("Key name").fill("notebook")
    page.locator("#create-key").click()
    expect(page.locator("#key-once")).to_be_visible()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("ig_")
    expect(page.locator("#key-list").get_by_role("rowheader", name="notebook")).to_be_visible()
    page.mouse.move(0, 0)  # off Create key: its hover colour is not what the page shows
    walk = Walk(page, {email, "notebook", key, key[:10] + "…"})
    for theme, name in (("dark", "desktop"), ("light", "phone")):
        page.emulate_media(color_scheme=theme)
        page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[name], strict=True)))
        walk.check(f"api keys {theme}/{name}")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.emulate_media(color_scheme="dark")
    # Leaving the page: the key is not shown again.
    page.goto(frontend(harness) + "/generate-images")
    expect(page.locator("#generate")).to_be_enabled()

    client = openai.OpenAI(base_url=f"{backend(harness)}/v1", api_key=key, max_retries=0)
    done: list[object] = []
    thread = threading.Thread(
        target=lambda: done.append(client.images.generate(prompt="Through the openai client")),
    )
    thread.start()
    card = page.locator(".generation-card").filter(has_text="Through the openai client")
    expect(card.locator(".api-badge")).to_have_text("API · notebook")
    expect(card.locator(".image-open img")).to_be_visible()
    thread.join(30)
    assert done and len(done[0].data) == 1  # type: ignore[attr-defined]

    env = {**os.environ, "IMAGEGEN_URL": backend(harness), "IMAGEGEN_API_KEY": key}
    cli = subprocess.run(
        [sys.executable, "-m", "imagegen.cli", "generate", "From the terminal", "--json"],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    from_cli = page.locator(".generation-card").filter(has_text="From the terminal")
    expect(from_cli.locator(".image-open img")).to_be_visible()
    assert [p.suffix for p in tmp_path.iterdir()] == [".png"]  # saved where it ran

    # Revoked in the UI: the client is refused at once.
    page.goto(frontend(harness) + "/keys")
    page.get_by_role("button", name="Revoke the key notebook").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
    expect(toast(page, "Key “notebook” revoked.")).to_be_visible()
    expect(page.locator("#no-keys")).to_be_visible()
    try:
        client.images.generate(prompt="after the revoke")
        raise AssertionError("a revoked key still worked")
    except openai.AuthenticationError:
        pass
    walk.assert_clean()
