"""The build's cuts keep the UI whole: every palette the components ask for is loaded, and the
prerendered pages fetch their stylesheet before their JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

from imagegen.frontend_build import RADIX_COLORS, StylesheetFirst

ROOT = Path(__file__).resolve().parents[2]


def test_every_color_scheme_the_components_use_has_its_palette():
    used = set()
    for path in [*(ROOT / "imagegen").rglob("*.py"), ROOT / "rxconfig.py"]:
        text = path.read_text()
        used |= set(re.findall(r'(?:color_scheme|accent_color|gray_color)="(\w+)"', text))
        for pair in re.findall(r'color_scheme=rx\.cond\([^,]+, "(\w+)", "(\w+)"\)', text):
            used |= set(pair)
    assert used and used <= set(RADIX_COLORS), used - set(RADIX_COLORS)


def test_module_preloads_go_at_low_priority_and_the_rest_is_untouched(tmp_path: Path):
    page = tmp_path / "sign-in" / "index.html"
    page.parent.mkdir()
    head = '<link rel="stylesheet" href="/a.css"/><link rel="modulepreload" href="/b.js"/>'
    page.write_text(f"<html><head>{head}</head><body>Sign in</body></html>")
    StylesheetFirst().post_build(static_dir=tmp_path)
    StylesheetFirst().post_build(static_dir=tmp_path)  # a second build pass adds nothing
    html = page.read_text()
    assert html.count('fetchpriority="low"') == 1
    assert '<link rel="stylesheet" href="/a.css"/>' in html and "Sign in" in html
