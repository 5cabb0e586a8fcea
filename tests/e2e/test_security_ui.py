"""What the page does with hostile input: a prompt holding HTML or <script> is shown as text."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up

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
