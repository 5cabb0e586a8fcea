"""The load and fault test, small enough for every `make test` (the full one: make loadtest):
duplicated and delayed webhooks, kill -9 of an API process and of the worker mid-run."""

from __future__ import annotations

from tests.load.loadtest import main


def test_small_load_with_faults_loses_nothing(capsys):
    result = main(["--users", "8", "--per-user", "3", "--burst", "60", "--deadline", "120"])
    out = capsys.readouterr().out
    assert result["submitted"] == 24 and result["queue"] == "shared"  # REDIS_URL: pulled
    assert result["lost"] == 0 and result["duplicates"] == 0 and result["orphans"] == 0
    assert result["missing_objects"] == 0 and result["failed_without_reason"] == 0
    assert result["completed"] + result["failed"] + result["cancelled"] == 24
    assert result["cancelled"] >= 1  # user 0 cancels one
    assert result["webhooks_duplicated"] > 0 and result["webhooks_delayed"] > 0
    assert out.strip().splitlines()[-1].startswith('{"submitted": 24')
