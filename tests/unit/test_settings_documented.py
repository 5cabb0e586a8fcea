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


def test_the_queue_mode_follows_redis_and_a_shared_queue_without_it_stops_at_start(monkeypatch):
    import pytest
    from pydantic import ValidationError

    for k in ("REDIS_URL", "REFLEX_REDIS_URL", "IMAGEGEN_QUEUE"):
        monkeypatch.delenv(k, raising=False)
    assert not SharedSettings().shared_queue
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert SharedSettings().shared_queue
    monkeypatch.setenv("IMAGEGEN_QUEUE", "http")
    assert not SharedSettings().shared_queue
    monkeypatch.delenv("REDIS_URL")
    monkeypatch.setenv("IMAGEGEN_QUEUE", "shared")
    with pytest.raises(ValidationError, match="IMAGEGEN_QUEUE=shared needs REDIS_URL"):
        SharedSettings()
