"""Text that follows the page's language: catalogue strings, dates and numbers as Vars, the
document's lang and title, and the language switch."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex.vars.function import FunctionStringVar

from imagegen.i18n import CATALOGUE, LANG_NAMES, LANGS
from imagegen.state.session import SessionState

LANG = SessionState.lang


def t(text: str, **params: Any) -> rx.Var:
    """`text` (catalogue English) in the page's language; {name} placeholders take `params`
    (Vars or values). The switch changes it at once, with no round trip."""
    fr = CATALOGUE["fr"].get(text, text)
    if params:
        return rx.cond(
            LANG == "fr", rx.Var.create(fr.format(**params)), rx.Var.create(text.format(**params))
        )
    return rx.cond(LANG == "fr", fr, text)


_DATE = FunctionStringVar.create(
    "((iso, lang) => { if (!iso) return ''; const d = new Date(iso);"
    " return isNaN(d) ? '' : d.toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB',"
    " { dateStyle: 'medium', timeStyle: 'short' }); })"
)
_NUMBER = FunctionStringVar.create(
    "((n, lang) => Number(n).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-US'))"
)


_BYTES = FunctionStringVar.create(
    "((n, lang) => { const fr = lang === 'fr'; const units = fr ? ['o', 'Ko', 'Mo', 'Go']"
    " : ['B', 'KB', 'MB', 'GB']; let v = Number(n) || 0, u = 0;"
    " while (v >= 1024 && u < 3) { v /= 1024; u++; }"
    " const num = v.toLocaleString(fr ? 'fr-FR' : 'en-US', u ? { minimumFractionDigits: 1,"
    " maximumFractionDigits: 1 } : { maximumFractionDigits: 0 }); return num + ' ' + units[u]; })"
)
_DURATION = FunctionStringVar.create(
    "((ms, lang) => { ms = Number(ms); if (!(ms >= 0)) return '';"
    " const loc = lang === 'fr' ? 'fr-FR' : 'en-US';"
    " if (ms < 60000) return (ms / 1000).toLocaleString(loc, { minimumFractionDigits: 1,"
    " maximumFractionDigits: 1 }) + ' s';"
    " return Math.floor(ms / 60000) + ' min ' + Math.floor((ms % 60000) / 1000) + ' s'; })"
)
# Engine labels the worker declares (English), shown in the page's language. Labels that
# are names (ComfyUI, Replicate…) read the same in every language.
ENGINE_LABELS = ("Procedural (built-in)", "Diffusers (local)")


def engine_label(label: rx.Var) -> rx.Var:
    """An engine's label from the worker's catalogue, in the page's language."""
    fr = rx.Var.create({k: CATALOGUE["fr"].get(k, k) for k in ENGINE_LABELS}).to(dict)
    label = label.to(str)
    return rx.cond(LANG == "fr", fr[label].to(str) | label, label)


def local_bytes(n: rx.Var) -> rx.Var:
    """A file size as the reader's language writes it (1.2 MB / 1,2 Mo)."""
    return _BYTES.call(n, LANG).to(str)


def local_duration(ms: rx.Var) -> rx.Var:
    """A duration in ms as the reader's language writes it (0.8 s / 0,8 s); '' when unknown."""
    return _DURATION.call(ms, LANG).to(str)


def local_date(iso: rx.Var) -> rx.Var:
    """An ISO timestamp as the reader's language writes it, in the reader's time zone."""
    return _DATE.call(iso, LANG).to(str)


def local_number(n: rx.Var) -> rx.Var:
    """A count as the reader's language writes it (1,234 / 1 234)."""
    return _NUMBER.call(n, LANG).to(str)


class DocumentLocale(rx.Component):
    """Keeps <html lang> and the tab's title in the page's language (screen readers read
    with the voice of <html lang>)."""

    tag = "ImagegenDocumentLocale"
    lang: rx.Var[str]
    titles: rx.Var[dict[str, str]]

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useEffect")]}

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenDocumentLocale({ lang, titles }) {
  useEffect(() => {
    document.documentElement.lang = lang || "en";
    const el = document.documentElement;
    if (!el.dataset.titleEn) el.dataset.titleEn = document.title;
    const en = el.dataset.titleEn;
    document.title = lang === "fr" ? (titles[en] || en) : en;
  }, [lang, titles]);
  return null;
}"""
        ]


def document_locale() -> rx.Component:
    """The document's lang and title, following the page's language."""
    titles = {
        k: v for k, v in CATALOGUE["fr"].items() if k.endswith("· imagegen") or k == "imagegen"
    }
    return DocumentLocale.create(lang=LANG, titles=titles)


def language_switch() -> rx.Component:
    """English / Français: the choice is remembered (a cookie) and applies at once."""
    return rx.el.div(
        *[
            rx.el.button(
                code.upper(),
                type="button",
                lang=code,
                aria_label=LANG_NAMES[code],
                title=LANG_NAMES[code],
                aria_pressed=rx.cond(code == LANG, "true", "false"),
                on_click=SessionState.set_language(code),
                class_name="lang-option touch-target",
            )
            for code in LANGS
        ],
        role="group",
        aria_label=t("Language"),
        class_name="lang-switch",
    )
