"""The catalogue covers every string the code asks it for, in both languages, and the
language each visitor gets follows their choice, then their browser."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from imagegen.i18n import CATALOGUE, pick_language, tr, translate_message

ROOT = Path(__file__).resolve().parents[2] / "imagegen"
FR = CATALOGUE["fr"]
CALLS = {"t", "tr", "_t"}  # components' t(), the server's tr() and states' self._t()


def _asked_for() -> dict[str, str]:
    """Every literal passed to t(), tr() or self._t() in the app: text → where."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            arg = node.args[0]
            if name in CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def test_every_string_the_code_asks_for_has_a_french_entry():
    asked = _asked_for()
    assert len(asked) > 150  # the whole UI goes through the catalogue, not a few strings
    missing = {text: where for text, where in asked.items() if text not in FR}
    assert missing == {}


def test_french_entries_keep_their_placeholders_and_are_not_blank():
    for en, fr in FR.items():
        assert fr.strip(), en
        assert set(re.findall(r"\{(\w+)\}", en)) == set(re.findall(r"\{(\w+)\}", fr)), en


def test_finished_messages_are_read_back_through_their_templates():
    en = (
        "You already have 3 generations in progress (the limit is 3). "
        "Wait for one to finish, then try again."
    )
    template = next(k for k in FR if k.startswith("You already have {"))
    assert translate_message(en, "fr") == FR[template].format(
        **dict(zip(re.findall(r"\{(\w+)\}", template), ["3", "3"], strict=True))
    )
    assert translate_message(en, "en") == en
    assert translate_message("Something the catalogue has never seen.", "fr").startswith(
        "Something"
    )
    assert tr("Sign out", "fr") == "Se déconnecter" and tr("Sign out", "en") == "Sign out"


@pytest.mark.parametrize(
    ("choice", "header", "lang"),
    [
        ("", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
        ("", "en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("", "de-DE,de;q=0.9,fr;q=0.5", "fr"),  # the best one we have
        ("", "de-DE,de;q=0.9", "en"),  # none we have: English
        ("", "fr;q=0,en;q=0.1", "en"),  # q=0 means "not this one"
        ("", "", "en"),
        ("en", "fr-FR,fr;q=0.9", "en"),  # the remembered switch wins
        ("fr", "en-US", "fr"),
        ("xx", "fr", "fr"),  # a forged cookie is ignored
        ("", "fr;q=abc, en;q=0.5", "en"),  # a malformed weight never raises
    ],
)
def test_the_language_is_the_remembered_choice_else_the_browsers(choice, header, lang):
    assert pick_language(choice, header) == lang
