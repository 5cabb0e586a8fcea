"""The README's screenshots, and a walk of every page at 390, 768 and 1440 px in both themes and
both languages, taken from a running app (`make run`) with a fresh demo account.

    IMAGEGEN_PROCEDURAL_STEP_MS=150 make run        # slow enough to catch progress
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:3000] [--walk DIR]

The README's images go to assets/; with --walk, the walk's go to DIR (one PNG per page state,
named page-width-theme-lang.png), for a person to look through.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.ui import choose_images  # noqa: E402
from tests.helpers import CHROMIUM_ARGS, wait_status  # noqa: E402

PROMPTS = [
    ("Desert dunes under a violet sky", 2, 768, 1024),
    ("A paper crane on still water", 2, 768, 1024),
    ("Neon city at night, rain", 2, 768, 1024),
    ("Koi pond seen from above", 2, 768, 1024),
    ("Mountains at sunset, oil painting", 2, 1024, 576),
    ("Portrait of a cat astronaut", 2, 1024, 576),
    ("A lighthouse in a storm, watercolour", 4, 512, 512),
    ("Autumn forest path, morning fog", 1, 1024, 576),
]
TOP = {"x": 0, "y": 0, "width": 1440, "height": 620}  # the bars and the first row
WIDTHS = {"390": (390, 844), "768": (768, 1024), "1440": (1440, 900)}


def demo_account(base: str) -> tuple[str, httpx.Client]:
    """A new user with a gallery of finished generations, an album and a share link."""
    token = httpx.post(
        f"{base}/api/auth/signup",
        json={"email": f"ada{time.time_ns() // 10**6}@example.com", "password": "demo password"},
        timeout=30,
    ).json()["token"]
    client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
    for prompt, n, w, h in reversed(PROMPTS):  # the first prompt ends up newest
        gid = client.post(
            "/api/images/generate",
            json={"prompt": prompt, "numImages": n, "width": w, "height": h},
        ).json()["generation"]["id"]
        wait_status(client, gid, timeout=180)
    return token, client


def studio(page: Page, base: str) -> None:
    page.goto(base + "/generate-images")
    expect(page.locator("#gallery-grid .generation-card").first).to_be_visible()
    page.wait_for_load_state("networkidle")


def readme_shots(page: Page, base: str, client: httpx.Client) -> None:
    out = ROOT / "assets"
    page.set_viewport_size({"width": 1440, "height": 900})
    studio(page, base)
    page.get_by_label("Prompt", exact=True).fill(PROMPTS[0][0])
    page.mouse.move(0, 0)
    page.screenshot(path=str(out / "screenshot.png"))
    page.locator("#filters-toggle").click()
    expect(page.get_by_role("dialog", name="Filters")).to_be_visible()
    page.wait_for_timeout(400)  # the popover's opening animation
    page.screenshot(path=str(out / "gallery.png"), clip=TOP)
    page.keyboard.press("Escape")
    page.locator(".image-open").first.click()
    expect(page.locator("#lightbox")).to_be_visible()
    page.wait_for_timeout(400)
    page.screenshot(path=str(out / "lightbox.png"))
    page.keyboard.press("Escape")
    # A generation in flight (the app must run with a slow built-in engine to catch it).
    choose_images(page, "4")
    page.locator("#settings-toggle").click()  # folded again: the gallery in view
    page.get_by_label("Prompt", exact=True).fill("A glass greenhouse at dusk, lanterns")
    page.get_by_role("button", name="Generate").click()
    fresh = page.locator("#gallery-grid .generation-card").first
    expect(fresh).to_have_attribute("data-status", "PROCESSING", timeout=20_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(900)
    page.screenshot(path=str(out / "progress.png"), clip=TOP)
    expect(fresh).to_have_attribute("data-status", "COMPLETED", timeout=120_000)
    page.set_viewport_size({"width": 390, "height": 844})
    studio(page, base)
    page.screenshot(path=str(out / "studio-390.png"))


def walk(page: Page, base: str, client: httpx.Client, out: Path) -> None:
    """Every page state at each width, theme and language."""
    out.mkdir(parents=True, exist_ok=True)
    gens = client.get("/api/images/user", params={"limit": 1}).json()["generations"]
    album = client.post("/api/albums", json={"name": "Harbour pictures"}).json()["album"]
    share = client.post("/api/shares", json={"generationId": gens[0]["id"]}).json()["share"]["url"]
    for lang in ("en", "fr"):
        page.context.add_cookies([{"name": "imagegen_lang", "value": lang, "url": base}])
        for theme in ("dark", "light"):
            page.emulate_media(color_scheme=theme)
            for width, (w, h) in WIDTHS.items():
                page.set_viewport_size({"width": w, "height": h})
                tag = f"{width}-{theme}-{lang}"
                studio(page, base)
                page.screenshot(path=str(out / f"studio-{tag}.png"))
                page.locator("#settings-toggle").click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / f"settings-{tag}.png"))
                page.locator("#settings-toggle").click()
                page.locator(".image-open").first.click()
                expect(page.locator("#lightbox")).to_be_visible()
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / f"lightbox-{tag}.png"))
                page.keyboard.press("Escape")
                for path, name in (("/albums", "albums"), (f"/albums/{album['id']}", "album")):
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / f"{name}-{tag}.png"))
                page.goto(share)
                page.wait_for_function(
                    "[...document.images].every((i) => i.complete && i.naturalWidth > 0)"
                )
                page.screenshot(path=str(out / f"share-{tag}.png"))
    page.context.clear_cookies()
    page.emulate_media(color_scheme="dark")
    for lang in ("en", "fr"):
        page.context.add_cookies([{"name": "imagegen_lang", "value": lang, "url": base}])
        for width, (w, h) in WIDTHS.items():
            page.set_viewport_size({"width": w, "height": h})
            page.goto(base + "/sign-in")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"sign-in-{width}-dark-{lang}.png"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="http://127.0.0.1:3000")
    ap.add_argument("--walk", type=Path, help="also walk every page state into this directory")
    ap.add_argument("--no-readme", action="store_true", help="leave assets/ as it is")
    args = ap.parse_args()
    base = args.base.rstrip("/")
    token, client = demo_account(base)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark")
        ctx.add_cookies([{"name": "imagegen_session", "value": token, "url": base}])
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        if not args.no_readme:
            readme_shots(page, base, client)
        if args.walk:
            walk(page, base, client, args.walk)
        browser.close()


if __name__ == "__main__":
    main()
