"""A worker killed while storing a job's images runs it again whole: nothing of the stopped
attempt is refused or left in storage without a row."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from imagegen.contract import Job, JobParams, object_key, thumbnail_key
from imagegen.services.storage.local import LocalStorage
from imagegen.settings.worker import WorkerSettings
from imagegen.worker.engines.procedural import ProceduralEngine
from imagegen.worker.runner import Worker


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _worker(tmp_path) -> Worker:
    settings = WorkerSettings(IMAGEGEN_DATA_DIR=str(tmp_path), IMAGEGEN_WEBHOOK_SECRET="x" * 32)
    storage = LocalStorage(tmp_path / "files", b"k" * 32)
    return Worker(settings, storage, {"procedural": ProceduralEngine()})


def _journal_entry(w: Worker, gid: str, n: int) -> None:
    params = JobParams(width=64, height=64, num_images=n, seed=5, engine="procedural", model="m")
    job = Job(generation_id=gid, prompt="a fox", params=params, callback_url="http://127.0.0.1:9/h")
    entry = {"attempts": 1, "job": job.model_dump(by_alias=True)}
    (w.settings.journal_dir / f"{gid}.{_dead_pid()}.json").write_text(json.dumps(entry))


async def _resume_and_wait(w: Worker, gid: str) -> dict:
    assert w.resume() == (1, 0)
    path = w.settings.outbox_dir / f"msg_{gid}.json"
    for _ in range(400):
        if path.exists():
            break
        await asyncio.sleep(0.025)
    payload = json.loads(path.read_text())["payload"]
    await w.outbox.aclose()
    return payload


def test_a_job_killed_mid_store_runs_again_with_every_image_and_no_leftovers(tmp_path):
    w = _worker(tmp_path)
    gid = "killedmidstore"
    _journal_entry(w, gid, 3)
    # The killed attempt had stored image 0 with its thumbnail, and image 1 without.
    w.storage.put(object_key(gid, 0), b"old 0", "image/png")
    w.storage.put(thumbnail_key(gid, 0), b"old thumb 0", "image/webp")
    w.storage.put(object_key(gid, 1), b"old 1", "image/png")

    payload = asyncio.run(_resume_and_wait(w, gid))

    assert payload["status"] == "COMPLETED" and payload.get("error") is None
    assert [i["key"] for i in payload["images"]] == [object_key(gid, n) for n in range(3)]
    stored = sorted(k for k, _ in w.storage.list(f"generations/{gid}/"))
    referenced = sorted(k for i in payload["images"] for k in (i["key"], i["thumbnailKey"]))
    assert stored == referenced
    assert w.storage.get(object_key(gid, 0)) != b"old 0"  # rendered again, not the stale one


def test_a_job_killed_after_its_result_was_written_is_not_run_twice(tmp_path):
    w = _worker(tmp_path)
    gid = "killedafterresult"
    _journal_entry(w, gid, 1)
    w.outbox.enqueue(f"msg_{gid}", "http://127.0.0.1:9/h", {"generationId": gid})

    assert w.resume() == (0, 0)
    assert list(w.settings.journal_dir.glob("*.json")) == []
    assert gid not in w.jobs
