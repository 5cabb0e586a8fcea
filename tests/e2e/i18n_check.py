"""Both languages on one page state: the same state read in English and in French must not
share a string that is the UI's (user data, numbers and sizes aside), and axe stays clean."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from imagegen.i18n import CATALOGUE, LANG_NAMES

# Every visible text node, and the names screen readers and tooltips give, of visible elements.
_TEXTS = """() => {
  const out = new Set();
  const add = (s) => { s = (s || '').replace(/\\s+/g, ' ').trim(); if (s) out.add(s); };
  const shown = (el) => el && el.checkVisibility({ visibilityProperty: true });
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script,style,noscript,.sr-only-ignore')) continue;
    if (shown(el) || el.closest('.sr-only')) add(n.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],[alt]')) {
    if (!shown(el) && !el.closest('.sr-only')) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) add(el.getAttribute(a));
  }
  return [...out];
}"""
# Not the UI's words: numbers, sizes, times, percentages, symbols, addresses.
_DATA = re.compile(r"^[\d\s.,:;×x%/+\-–—()#…⋯·↵←→]*$|^https?://|@")
SAME_IN_BOTH = {en for en, fr in CATALOGUE["fr"].items() if en == fr} | {
    "imagegen",
    *LANG_NAMES.values(),
    "EN",
    "FR",
}


def texts(page: Page) -> set[str]:
    """What the page shows and names, as a set of strings."""
    return set(page.evaluate(_TEXTS))


def switch_language(page: Page, code: str) -> None:
    """Presses the language switch (it is on every page; on phones it sits in the menu, and a
    script click reaches it there while a dialog is open) and waits for the page to follow."""
    page.evaluate("(code) => document.querySelector(`.lang-option[lang='${code}']`).click()", code)
    expect(page.locator("html")).to_have_attribute("lang", code)


def untranslated(english: set[str], french: set[str], data: set[str]) -> set[str]:
    """Strings shown alike in both languages that are neither data nor the same word in both."""
    return {
        s
        for s in english & french
        if _words(s) not in SAME_IN_BOTH and not _DATA.search(s) and not any(d in s for d in data)
    }


def _words(s: str) -> str:
    """A string without its decoration: the brand's ✦, a region's keyboard shortcut."""
    return re.sub(r"\s+alt\+\w$", "", s).strip("✦ ")


def check_french(
    page: Page,
    where: str,
    data: set[str],
    found: dict[str, list[str]],
    axe: dict[str, list[str]] | None = None,
) -> None:
    """Reads this state in English, then in French (axe-checked too when `axe` is given), and
    records what stayed English; the page is left in English."""
    from tests.e2e.a11y import assert_clean

    english = texts(page)
    switch_language(page, "fr")
    left = untranslated(english, texts(page), data)
    # French runs longer than English: its words must fit as well (768 px was 2 px too wide).
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{where} (fr): the page is {wide[0]} px wide in {wide[1]} px"
    if axe is not None:
        assert_clean(page, f"{where} (fr)", axe)
    switch_language(page, "en")
    if left:
        found[where] = sorted(left)
