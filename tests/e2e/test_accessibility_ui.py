"""Accessibility and phones, checked on every run: axe-core on every page state (signed in
and out, dialogs and menus open) at phone and desktop widths, in both themes; no page scrolls
sideways; the keyboard reaches everything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from imagegen.i18n import tr
from tests.e2e.a11y import assert_clean
from tests.e2e.conftest import api, frontend, sign_up
from tests.e2e.i18n_check import check_french, texts, untranslated
from tests.e2e.ui import CARDS, card, filters, generation_action, open_settings, toast
from tests.helpers import wait_status, wait_until

WIDTHS = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1440, 900)}
# The passes that read every state in French too (the first of them runs axe in French).
LANG_PASSES = ("dark/desktop", "light/phone")


class Walk:
    """What the walk found: axe violations, and UI strings left in English, by page state."""

    def __init__(self, page: Page, data: set[str]) -> None:
        self.page, self.data = page, data
        self.axe: dict[str, list[str]] = {}
        self.english: dict[str, list[str]] = {}

    def check(self, where: str) -> None:
        """axe on this state; on a language pass, the same state in French as well."""
        assert_clean(self.page, where, self.axe)
        at = where.rsplit(" ", 1)[-1]
        if at in LANG_PASSES:
            axe = self.axe if at == LANG_PASSES[0] else None
            check_french(self.page, where, self.data, self.english, axe)

    def assert_clean(self) -> None:
        for what, found in (("axe", self.axe), ("left in English", self.english)):
            assert not found, (
                what + ":\n" + "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())
            )


def _no_sideways_scroll(page: Page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where}: {width} px wide"


def _controls_fit_their_cards(page: Page, where: str, finger: int) -> None:
    """Every control of an album card lies inside it (its overflow would hide it) and, on a
    phone, is a finger wide and high."""
    out = page.evaluate(
        """(finger) => [...document.querySelectorAll('.album-card')].flatMap((card) => {
          const r = card.getBoundingClientRect();
          return [...card.querySelectorAll('button')].filter((el) => {
            const q = el.getBoundingClientRect();
            return q.right > r.right + 1 || q.left < r.left - 1
              || q.width < finger || q.height < finger;
          }).map((el) => el.getAttribute('aria-label') || el.textContent);
        })""",
        finger,
    )
    assert not out, f"{where}: {out} stick out of their album card or are too small to touch"


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


# One test per theme, so two test processes walk them side by side.
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_page_state_is_accessible_at_every_width_in_both_themes(
    page: Page, harness, theme: str
):
    email = sign_up(page, harness)
    client = api(harness, page)
    gen = client.post(
        "/api/images/generate",
        json={"prompt": "Axe check: a quiet harbour", "numImages": 2, "width": 512, "height": 512},
    ).json()["generation"]
    wait_status(client, gen["id"])
    album = client.post("/api/albums", json={"name": "Harbour pictures"}).json()["album"]
    share_url = client.post("/api/shares", json={"generationId": gen["id"]}).json()["share"]["url"]
    # The user's data, and the model's name: the same in every language.
    walk = Walk(page, {email, "Axe check: a quiet harbour", "Harbour pictures", "procedural-v1"})

    if theme == "light":
        page.goto(frontend(harness) + "/generate-images")
        page.get_by_role("button", name="Switch to light theme").click()
        expect(page.locator("html")).to_have_class(re.compile("light"))
    for name, (w, h) in WIDTHS.items():
        if theme == "light" and name == "tablet":
            continue
        page.set_viewport_size({"width": w, "height": h})
        at = f"{theme}/{name}"
        page.goto(frontend(harness) + "/generate-images")
        expect(page.locator(CARDS)).to_have_count(1)
        _settle(page)
        _no_sideways_scroll(page, f"studio {at}")
        walk.check(f"studio {at}")
        open_settings(page)
        walk.check(f"settings {at}")
        _no_sideways_scroll(page, f"settings {at}")
        page.locator("#settings-toggle").click()
        filters(page)
        walk.check(f"filters {at}")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog", name="Filters")).to_have_count(0)
        card(page, "quiet harbour").get_by_role("button", name="Details").click()
        details = page.get_by_role("dialog", name="Prompt and settings")
        expect(details).to_be_visible()
        walk.check(f"details {at}")
        page.keyboard.press("Escape")
        # Closed, its focus handed back: a menu opened meanwhile would lose it and close.
        expect(details).to_have_count(0)
        expect(card(page, "quiet harbour").get_by_role("button", name="Details")).to_be_focused()
        generation_action(page, card(page, "quiet harbour"), "Delete generation")
        expect(page.get_by_role("alertdialog")).to_be_visible()
        walk.check(f"confirm delete {at}")
        page.get_by_role("button", name="Cancel").click()
        page.locator(".image-open").first.click()
        expect(page.locator("#lightbox")).to_be_visible()
        _no_sideways_scroll(page, f"lightbox {at}")
        lightbox = page.locator("#lightbox")

        def fills(lb=lightbox, w=w, h=h) -> bool:  # once its opening animation ends
            box = lb.bounding_box()
            return bool(box) and box["width"] >= w - 1 and box["height"] >= h - 1

        wait_until(fills, 5, what=f"the lightbox to fill {w}x{h}")
        expect(page.get_by_role("button", name="Close")).to_be_in_viewport()
        walk.check(f"lightbox {at}")
        page.keyboard.press("Escape")
        if name == "phone":
            page.get_by_role("button", name="Menu").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
            walk.check(f"menu {at}")
            page.keyboard.press("Escape")
        for path, label in (("/albums", "albums"), (f"/albums/{album['id']}", "album")):
            page.goto(frontend(harness) + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            _settle(page)
            _no_sideways_scroll(page, f"{label} {at}")
            if label == "albums":
                expect(page.locator(".album-card")).to_have_count(1)
                _controls_fit_their_cards(page, f"{label} {at}", 44 if name == "phone" else 0)
            walk.check(f"{label} {at}")
        if name != "tablet":  # the share pages follow the system's theme (no toggle there)
            page.emulate_media(color_scheme=theme)
            for url, label in ((share_url, "share"), (share_url + "x", "share gone")):
                page.goto(url)
                expect(page.get_by_role("heading", level=1)).to_be_visible()
                _no_sideways_scroll(page, f"{label} {at}")
                assert_clean(page, f"{label} {at}", walk.axe)
                if at == LANG_PASSES[0]:  # served by the server: its language is the cookie's
                    _share_in_french(page, url, f"{label} {at}", walk)
            page.emulate_media(color_scheme="dark")

    # Signed out: sign-in and sign-up, at both widths (in French too on the desktop), in the
    # system's dark; the light pass has them in its light (the toggle's choice outlives the
    # session), on the phone.
    page.context.clear_cookies()
    for name in ("phone", "desktop") if theme == "dark" else ("phone",):
        w, h = WIDTHS[name]
        page.set_viewport_size({"width": w, "height": h})
        for path in ("/sign-in", "/sign-up"):
            page.goto(frontend(harness) + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            _settle(page)
            _no_sideways_scroll(page, f"{path} {name}")
            walk.check(f"{path} {'dark/desktop' if name == 'desktop' else name}")
    walk.assert_clean()


def test_the_theme_follows_the_system_until_the_toggle_picks_one(page: Page, harness):
    """Dark or light as the system prefers, live as it changes; the toggle's choice then wins
    over the system and is remembered. The share page follows the system too."""
    sign_up(page, harness)
    html = page.locator("html")
    share_url = _a_share(api(harness, page))
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(frontend(harness) + "/generate-images")
        expect(html).to_have_class(re.compile(rf"\b{scheme}\b"))
        page.goto(share_url)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(252, 252, 253)" if scheme == "light" else "rgb(17, 17, 19)")
    page.goto(frontend(harness) + "/generate-images")
    page.emulate_media(color_scheme="light")  # the system changes under an open page
    expect(html).to_have_class(re.compile(r"\blight\b"))
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    page.reload()  # remembered over the system's light
    expect(page.get_by_role("button", name="Switch to light theme")).to_be_visible()
    expect(html).to_have_class(re.compile(r"\bdark\b"))


def _a_share(client) -> str:  # noqa: ANN001
    """A share link to a fresh generation of the signed-in user."""
    gen = client.post("/api/images/generate", json={"prompt": "Theme check"}).json()["generation"]
    wait_status(client, gen["id"])
    return client.post("/api/shares", json={"generationId": gen["id"]}).json()["share"]["url"]


def _share_in_french(page: Page, url: str, where: str, walk: Walk) -> None:
    """The share page read again with the language cookie set to French, then to English."""
    english = texts(page)
    cookie = {"name": "imagegen_lang", "url": url.split("/s/")[0]}
    page.context.add_cookies([{**cookie, "value": "fr"}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    left = untranslated(english, texts(page), walk.data)
    assert_clean(page, f"{where} (fr)", walk.axe)
    page.context.add_cookies([{**cookie, "value": "en"}])
    if left:
        walk.english[where] = sorted(left)


def test_french_from_the_browser_or_the_switch_with_dates_and_toasts_in_french(page, harness):
    """A French browser gets French; the switch wins over it and is remembered; dates, counts
    and toasts made by the server speak the page's language."""
    fr = page.context.browser.new_context(locale="fr-FR")  # Accept-Language: fr-FR
    try:
        visitor = fr.new_page()
        visitor.goto(frontend(harness) + "/sign-in")
        expect(visitor.locator("html")).to_have_attribute("lang", "fr")
        expect(visitor.get_by_role("heading", level=1)).to_have_text(tr("Sign in", "fr"))
        expect(visitor).to_have_title(tr("Sign in · imagegen", "fr"))
        visitor.get_by_role("button", name="English").click()
        expect(visitor.locator("html")).to_have_attribute("lang", "en")
        visitor.reload()  # remembered over the browser's Accept-Language
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Sign in")
    finally:
        fr.close()

    sign_up(page, harness)
    client = api(harness, page)
    gid = client.post("/api/images/generate", json={"prompt": "Un phare à l’aube"}).json()[
        "generation"
    ]["id"]
    wait_status(client, gid)
    page.reload()
    english_date = card(page, "phare").locator(".generation-date").inner_text()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.reload()  # remembered
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name=tr("Generate", "fr"))).to_be_visible()
    date = card(page, "phare").locator(".generation-date")
    expect(date).not_to_have_text(english_date)
    months = "janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc"
    expect(date).to_have_text(re.compile(rf"^\d{{1,2}} ({months})\.? \d{{4}}"))
    page.get_by_role("searchbox").fill("phare")
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator("#match-count")).to_have_text(tr("{n} match", "fr", n=1))
    group = card(page, "phare")
    group.get_by_role("button", name=tr("More actions for this generation", "fr")).click()
    page.get_by_role("menuitem", name=tr("Delete generation", "fr")).click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("button", name=tr("Delete", "fr")).click()
    expect(page.get_by_text(tr("Generation deleted.", "fr"))).to_be_visible()
    deleted = toast(page, tr("Generation deleted.", "fr"))
    expect(deleted.get_by_role("button", name=tr("Close notification", "fr"))).to_be_visible()
    deleted.get_by_role("button", name=tr("Undo", "fr")).click()
    expect(card(page, "phare")).to_have_count(1)  # restored
    expect(toast(page, tr("Generation restored.", "fr"))).to_be_visible()


def _fully_visible_images(page: Page) -> int:
    """Thumbnails wholly in view below the sticky bar."""
    return page.evaluate(
        """() => {
        const top = document.querySelector('.studio-bar').getBoundingClientRect().bottom;
        return [...document.querySelectorAll('.gen-tile')].filter((t) => {
          const r = t.getBoundingClientRect();
          return r.height > 0 && r.top >= top - 1 && r.bottom <= innerHeight + 1;
        }).length;
      }"""
    )


def test_image_first_keyboard_and_phone_layout(page: Page, harness):
    from datetime import UTC, datetime, timedelta

    from tests.helpers import insert_generation

    sign_up(page, harness)
    uid = api(harness, page).get("/api/auth/me").json()["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    for n in range(20):
        insert_generation(uid, f"Dense grid tile {n:02d}", created_at=t0 + timedelta(minutes=n))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.reload()
    expect(page.locator(CARDS)).to_have_count(20)
    page.mouse.wheel(0, 160)  # past the top of the page: the prompt bar stays, sticky
    expect(page.locator("#prompt")).to_be_in_viewport()
    wait_until(lambda: _fully_visible_images(page) >= 12, 10, what="12 images in view at 1440")

    # The skip link is the first Tab stop and lands on the gallery.
    page.reload()
    expect(page.locator(CARDS)).to_have_count(20)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to gallery")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#gallery")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the gallery, not 33 Tabs away
    assert page.evaluate("document.activeElement.closest('#gallery') !== null")

    # Focus reaches each image, and its actions show; the lightbox opens by keyboard and
    # gives focus back to the thumbnail that opened it.
    first = page.locator(".image-open").first
    first.focus()
    expect(page.locator(".gen-tile").first.locator(".tile-actions")).to_have_css("opacity", "1")
    page.keyboard.press("Enter")
    expect(page.locator("#lightbox")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#lightbox")).to_have_count(0)
    expect(first).to_be_focused()

    # Enter generates; Shift+Enter adds a line; Ctrl+Enter generates from another field.
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("Line one")
    prompt.press("Shift+Enter")
    prompt.press_sequentially("line two")
    expect(prompt).to_have_value("Line one\nline two")
    prompt.press("Enter")
    # A loaded machine (the server tiers run beside this suite) can take a few seconds to
    # store and dispatch a generation: wait as long as an action may take.
    expect(card(page, "line two")).to_be_visible(timeout=20_000)
    expect(page.locator(f'{CARDS}[data-status="COMPLETED"]').first).to_contain_text("line two")
    open_settings(page)
    prompt.fill("From the seed field")
    page.get_by_label("Seed", exact=True).fill("42")
    page.get_by_label("Seed", exact=True).press("Control+Enter")
    expect(card(page, "From the seed field")).to_be_visible(timeout=20_000)
    # Typed, then clicked at once: what is generated is what the field shows, even while
    # the last keystrokes' change events are still on their way.
    for n in range(3):
        page.evaluate(
            """(text) => {
              const el = document.getElementById('prompt');
              Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')
                .set.call(el, text);
              el.dispatchEvent(new Event('input', { bubbles: true }));  // the last keystroke
              document.getElementById('generate').click();  // and the click, at once
            }""",
            f"Quick click {n}",
        )
        expect(card(page, f"Quick click {n}")).to_be_visible(timeout=20_000)

    # A phone: nothing scrolls sideways, the header folds into a menu, targets are 44 px.
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page, "studio at 390")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
    page.keyboard.press("Escape")
    # Measured once the menu has gone: while it fades out it is scaled down a little.
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    small = page.evaluate(
        """() => [...document.querySelectorAll('.touch-target, .tile-action, .group-action')]
          .map((e) => e.getBoundingClientRect())
          .filter((r) => r.width > 0 && (r.width < 44 || r.height < 44)).length"""
    )
    assert small == 0, f"{small} touch targets under 44 px at 390"


def test_french_fits_every_width_between_phone_and_desktop(page: Page, harness):
    """French runs longer than English ("Se déconnecter"): no width sends a page sideways."""
    from tests.e2e.i18n_check import switch_language

    sign_up(page, harness)
    page.goto(frontend(harness) + "/generate-images")
    switch_language(page, "fr")  # remembered from page to page
    for path, widths in (
        ("/generate-images", (768, 860, 1100)),
        ("/albums", (768,)),
        ("/keys", (768,)),
    ):
        for w in widths:
            page.set_viewport_size({"width": w, "height": 1000})
            page.goto(frontend(harness) + path)
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            _settle(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= w, f"{path} in French is {wide} px wide at {w} px"
