"""English and French: one catalogue (English source text → French, in `fr.py`), the
language each visitor gets (a remembered choice, else the browser's Accept-Language), and
translation for the page (Vars that follow the language) and for the server (toasts, errors,
the share page)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from imagegen.i18n.fr import FR
from imagegen.i18n.fr_from_image import FR_FROM_IMAGE

LANGS = ("en", "fr")
DEFAULT = "en"
LANG_COOKIE = "imagegen_lang"  # the remembered switch; the share page reads it too
LANG_NAMES = {"en": "English", "fr": "Français"}
CATALOGUE: dict[str, dict[str, str]] = {"fr": {**FR, **FR_FROM_IMAGE}}


def pick_language(choice: str | None, accept_language: str | None) -> str:
    """The remembered choice if it is one we have, else the best of Accept-Language's."""
    if choice in LANGS:
        return choice  # type: ignore[return-value]
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        m = re.search(r"q=([^;,\s]*)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                q = 0.0  # a malformed weight: not this one
        base = tag.strip().lower().split("-")[0]
        if base in LANGS and q > 0:
            ranked.append((-q, n, base))
    return min(ranked)[2] if ranked else DEFAULT


def tr(text: str, lang: str, /, **params: Any) -> str:
    """`text` (catalogue English) in `lang`, with its {placeholders} filled."""
    out = CATALOGUE.get(lang, {}).get(text, text) if lang != DEFAULT else text
    return out.format(**params) if params else out


@lru_cache
def _templates(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """Catalogue entries with {placeholders}, as patterns that read a finished message."""
    out = []
    for en, target in CATALOGUE.get(lang, {}).items():
        if "{" not in en:
            continue
        parts = re.split(r"\{(\w+)\}", en)
        rx_ = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(f"^{rx_}$", re.S), target))
    return out


def translate_message(message: str, lang: str) -> str:
    """A finished English message (a service's error, with its values in) in `lang`: an
    exact entry, else the entry whose {placeholders} read it; else as it is."""
    if lang == DEFAULT or not message:
        return message
    table = CATALOGUE.get(lang, {})
    if message in table:
        return table[message]
    for pattern, target in _templates(lang):
        m = pattern.match(message)
        if m:
            return target.format(**m.groupdict())
    return message
