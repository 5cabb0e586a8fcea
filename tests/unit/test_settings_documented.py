"""Every environment variable imagegen reads is documented in the README's table."""

from pathlib import Path

from imagegen.settings.app import AppSettings
from imagegen.settings.base import SharedSettings
from imagegen.settings.worker import WorkerSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    names = []
    for cls in (SharedSettings, AppSettings, WorkerSettings):
        for field in cls.model_fields.values():
            alias = field.alias or ""
            if field.validation_alias is not None:
                alias = getattr(field.validation_alias, "choices", [alias])[0]
            if alias and alias not in names:
                names.append(alias)
    missing = [n for n in names if f"`{n}`" not in README]
    assert len(names) > 40 and missing == []
