"""Every environment variable imagegen reads is documented in the README's table."""

from pathlib import Path

from imagegen.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    names = []
    for field in Settings.model_fields.values():
        alias = field.alias or ""
        if field.validation_alias is not None:
            alias = getattr(field.validation_alias, "choices", [alias])[0]
        if alias:
            names.append(alias)
    missing = [n for n in names if f"`{n}`" not in README]
    assert len(names) > 40 and missing == []
