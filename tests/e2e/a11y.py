"""axe-core on a page as it is now: the violations that make test refuses."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

REFUSED = {"critical", "serious", "moderate"}
_AXE = Axe()


def violations(page: Page) -> list[str]:
    """Every critical, serious or moderate axe violation, one readable line each."""
    results = _AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:4])
        for v in results["violations"]
        if v.get("impact") in REFUSED
    ]


def assert_clean(page: Page, where: str, found: dict[str, list[str]]) -> None:
    """Records what axe finds in this page state (the test fails at the end if any), once its
    opening animations have ended (a dialog fading in has, for a moment, faint colours)."""
    page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running'"
        " || a.effect?.getComputedTiming().iterations === Infinity)",
        timeout=10_000,
    )
    bad = violations(page)
    if bad:
        found[where] = bad
