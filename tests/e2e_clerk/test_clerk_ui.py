"""Clerk mode in a real browser: our Python-wrapped Clerk components, guards and token sync.

Clerk's hosted clerk-js cannot be reached here, so ClerkProvider's script URL points at
tests/e2e_clerk/clerk_standin.js: a stand-in that REPLACES Clerk's hosted script and exposes the
same window.Clerk global. Everything else is real: @clerk/clerk-react from npm, our Reflex
wrappers and synchronizer, and token verification by clerk-backend-api on the backend.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e_clerk.conftest import PRIVATE
from tests.security.clerk_keys import session_token


def _url(h: object, path: str) -> str:
    return h.frontend_url.rstrip("/") + path  # type: ignore[attr-defined]


def _sign_in(page: Page, user_id: str) -> None:
    page.get_by_label("Stand-in user id").fill(user_id)
    page.get_by_role("button", name="Continue").click()


def test_signed_out_visitors_get_clerks_sign_in_instead_of_the_studio(page: Page, clerk_harness):
    page.goto(_url(clerk_harness, "/generate-images"))
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.get_by_label("Prompt", exact=True)).to_have_count(0)


def test_clerks_forms_speak_the_pages_language_and_follow_the_switch(page: Page, clerk_harness):
    """Clerk's own strings come from Clerk's French (@clerk/localizations) on a French page,
    chosen by the browser, and the switch re-renders the mounted form at once."""
    fr = page.context.browser.new_context(locale="fr-FR")  # Accept-Language: fr-FR
    try:
        visitor = fr.new_page()
        visitor.goto(_url(clerk_harness, "/sign-in"))
        expect(visitor.locator("html")).to_have_attribute("lang", "fr")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Se connecter")
        expect(visitor.get_by_role("button", name="Continuer")).to_be_visible()
        visitor.get_by_role("button", name="English").click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Sign in to imagegen")
        expect(visitor.get_by_role("button", name="Continue")).to_be_visible()
        visitor.get_by_role("button", name="Français").click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Se connecter")
        visitor.goto(_url(clerk_harness, "/sign-up"))
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Créez votre compte")
    finally:
        fr.close()


def test_sign_in_syncs_the_token_and_the_studio_works_end_to_end(page: Page, clerk_harness):
    page.goto(_url(clerk_harness, "/generate-images"))
    _sign_in(page, "user_clerk_a")
    # The synchronizer handed the token to the backend, which verified it (clerk-backend-api).
    expect(page.get_by_text("user_clerk_a")).to_be_visible()
    expect(page.get_by_text("Nothing here yet")).to_be_visible()
    page.get_by_label("Prompt", exact=True).fill("A Clerk user's lighthouse")
    page.get_by_role("button", name="Generate").click()
    expect(
        page.locator("#gallery-grid").get_by_role("img", name="A Clerk user's lighthouse")
    ).to_have_count(1, timeout=30_000)

    # Clerk's user button signs out: the guard swaps the studio for sign-in again.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.get_by_label("Prompt", exact=True)).to_have_count(0)

    # Another Clerk user in the same browser sees none of the first one's images.
    _sign_in(page, "user_clerk_b")
    expect(page.get_by_text("user_clerk_b")).to_be_visible()
    expect(page.get_by_text("Nothing here yet")).to_be_visible()
    expect(page.get_by_text("A Clerk user's lighthouse")).to_have_count(0)


def test_a_token_for_another_origin_is_refused_by_the_backend(page: Page, clerk_harness):
    from imagegen.services.auth import get_auth

    assert (
        get_auth().authenticate(session_token(PRIVATE, "user_x", azp="https://evil.test")) is None
    )
    assert (
        get_auth().authenticate(session_token(PRIVATE, "user_x", azp=_url(clerk_harness, "")))
        is not None
    )


def test_the_token_is_refreshed_before_it_expires(page: Page, clerk_harness):
    from tests.e2e_clerk.conftest import ISSUED, TOKEN_TTL
    from tests.helpers import wait_until

    page.goto(_url(clerk_harness, "/generate-images"))
    _sign_in(page, "user_clerk_refresh")
    expect(page.get_by_text("user_clerk_refresh")).to_be_visible()
    # Outlive the first token and clerk-backend-api's 5 s clock-skew allowance: the page has
    # fetched a token after the first one stopped being accepted anywhere.
    first = min(t for sub, t in ISSUED if sub == "user_clerk_refresh")
    wait_until(
        lambda: any(s == "user_clerk_refresh" and t > first + TOKEN_TTL + 6 for s, t in ISSUED),
        60,
        what="a token fetched after the first expired",
    )
    page.get_by_label("Prompt", exact=True).fill("Still signed in after the token expired")
    page.get_by_role("button", name="Generate").click()
    expect(
        page.locator("#gallery-grid").get_by_role(
            "img", name="Still signed in after the token expired"
        )
    ).to_have_count(1, timeout=30_000)
