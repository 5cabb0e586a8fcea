"""At scale, in a browser: a webhook landing on another process reaches every open tab of the
user, live; and after kill -9 of the whole app, the page says so in its language, shows its
pending generations again and they complete live when their webhooks land."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from imagegen.i18n import tr
from tests.e2e.ui import choose_images, choose_size


def _sign_up(page: Page, url: str, email: str) -> None:
    page.goto(url + "/sign-up")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password-123")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/generate-images**")


def _generate(page: Page, prompt: str, n: int = 1) -> None:
    page.get_by_label("Prompt", exact=True).fill(prompt)
    choose_size(page, "512x512")
    choose_images(page, str(n))
    page.get_by_role("button", name="Generate").click()


def test_two_backend_workers_and_every_tab_is_live(page: Page, scaled):
    app = scaled["app"]
    assert app.workers() == 2
    _sign_up(page, app.url, "scale-tabs@example.com")
    tabs = [page] + [page.context.new_page() for _ in range(3)]  # sockets spread over workers
    for tab in tabs[1:]:
        tab.goto(app.url + "/generate-images")
        expect(tab.get_by_label("Prompt", exact=True)).to_be_visible()
    _generate(page, "Seen on every worker", 2)
    expect(page.locator(".generation-progress").first).to_be_visible(timeout=15_000)
    for tab in tabs:
        card = tab.locator("#gallery .generation-card").filter(has_text="Seen on every worker")
        expect(card).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
        expect(card.locator(".image-open")).to_have_count(2)


def test_app_killed_with_pending_work_recovers_it_live(page: Page, scaled):
    app = scaled["app"]
    _sign_up(page, app.url, "scale-crash@example.com")
    _generate(page, "Survives the crash", 4)  # about 5 s of work
    pending = page.locator("#gallery .generation-card").filter(has_text="Survives the crash")
    expect(pending).to_have_attribute("data-status", "PROCESSING")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    app.kill9()
    # The lost connection is said where the user looks, in the page's language.
    lost = page.locator("[data-sonner-toast]").filter(has_text=tr("Cannot reach the server.", "fr"))
    expect(lost).to_be_visible(timeout=30_000)
    expect(lost).to_contain_text(f"127.0.0.1:{app.port}")  # where it keeps trying
    app.start()
    expect(lost).to_have_count(0, timeout=60_000)  # gone once the page is connected again
    # The open page reconnects by itself: still pending, then done, with no reload.
    card = page.locator(".generation-card").filter(has_text="Survives the crash").first
    expect(card).to_have_attribute("data-status", "COMPLETED", timeout=60_000)
    expect(card.locator(".image-open")).to_have_count(4)
    page.reload()
    gallery = page.locator("#gallery .generation-card").filter(has_text="Survives the crash")
    # The reload waits for the restarted backend's first state sync, seconds on a busy machine.
    expect(gallery).to_have_count(1, timeout=30_000)


def test_every_page_is_served_at_its_own_address_with_no_redirect(scaled):
    """A redirect from /x to /x/ costs every page load a round trip (600 ms in Lighthouse)."""
    url = scaled["app"].url
    for path in ("/sign-in", "/sign-up", "/generate-images", "/albums"):
        r = httpx.get(url + path, follow_redirects=False)
        assert r.status_code == 200, (path, r.status_code, r.headers.get("location"))
        assert "text/html" in r.headers["content-type"] and "content-security-policy" in r.headers
        assert r.text == httpx.get(url + path + "/").text  # the same page as /x/
        # It paints before its JavaScript runs, so the stylesheet is fetched first.
        preloads = re.findall(r'<link rel="modulepreload"[^>]*>', r.text)
        assert preloads and all('fetchpriority="low"' in link for link in preloads), path
    assert httpx.get(url + "/api/nothing-here", follow_redirects=False).status_code == 404
