"""What the page does with hostile input: a prompt holding HTML or <script> is shown as text."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import backend, frontend, session_token, sign_up

HOSTILE = (
    "<img src=x onerror=\"window.__xss='img'\"><script>window.__xss='script'</script>"
    "<b>bold?</b> \u202eRTL override"
)


def test_html_and_script_in_a_prompt_are_shown_as_text_and_never_run(page: Page, harness):
    sign_up(page, harness)
    page.get_by_label("Prompt", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Generate").click()
    gallery = page.locator("#gallery-grid")
    expect(gallery.get_by_role("img", name=HOSTILE)).to_have_count(1, timeout=30_000)
    prompt_text = gallery.locator(".generation-prompt").first
    expect(prompt_text).to_have_text(HOSTILE)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#gallery-grid b").count() == 0  # no element was made from the prompt
    page.reload()
    expect(page.locator("#gallery-grid .generation-prompt").first).to_have_text(HOSTILE)
    assert page.evaluate("window.__xss") is None


def test_the_session_cookie_is_out_of_reach_of_page_script(page: Page, harness):
    sign_up(page, harness, through_the_form=True)  # the cookie as the server sets it
    cookie = next(c for c in page.context.cookies() if c["name"] == "imagegen_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > time.time() + 6 * 24 * 3600  # a week, slid forward on use
    assert "imagegen_session" not in page.evaluate("document.cookie")
    # The studio works through the websocket, which reads the cookie from its handshake.
    page.get_by_label("Prompt", exact=True).fill("Reached through the handshake")
    page.get_by_role("button", name="Generate").click()
    expect(
        page.locator("#gallery-grid").get_by_role("img", name="Reached through the handshake")
    ).to_have_count(1, timeout=30_000)


def _handshake(url: str, origin: str, cookie: str) -> int:
    """Opens Reflex's event websocket as a browser on `origin` would; returns the HTTP status
    of the upgrade (101 accepted)."""
    import asyncio

    import websockets

    async def go() -> int:
        try:
            async with websockets.connect(
                url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=10
            ):
                return 101
        except websockets.InvalidStatus as e:
            return e.response.status_code

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright holds this thread's event loop
        return pool.submit(asyncio.run, go()).result()


def test_a_page_elsewhere_cannot_open_the_users_websocket(page: Page, harness):
    """Cross-site websocket hijacking: the browser would send the user's cookie along."""
    sign_up(page, harness)
    token = session_token(page)
    ws = backend(harness).replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
    cookie = f"imagegen_session={token}"
    assert _handshake(ws, "https://evil.example", cookie) in (400, 403)  # refused
    assert _handshake(ws, frontend(harness), cookie) == 101
