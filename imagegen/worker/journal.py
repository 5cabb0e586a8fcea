"""Accepted jobs on disk until their result is in the outbox, so a worker killed mid-job (or
before it started one) runs it again when it comes back instead of leaving it pending."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from imagegen.contract import Job

log = logging.getLogger("imagegen.worker.journal")


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, killed but not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


class JobJournal:
    """One file per accepted job, named with the owning process id; several worker processes
    may share the folder, and each only takes over the jobs of processes that are gone."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.pid = os.getpid()

    def _path(self, generation_id: str, pid: int | None = None) -> Path:
        return self.root / f"{generation_id}.{pid or self.pid}.json"

    def record(self, job: Job, attempts: int = 1) -> None:
        """Persists an accepted job before the worker answers 202."""
        path = self._path(job.generation_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"attempts": attempts, "job": job.model_dump(by_alias=True)}))
        os.replace(tmp, path)

    def done(self, generation_id: str) -> None:
        """The job's result is safely in the outbox (or it was cancelled)."""
        self._path(generation_id).unlink(missing_ok=True)

    def take_over(self) -> list[tuple[Job, int]]:
        """Claims the jobs of dead processes: (job, attempts so far), each claimed once."""
        taken = []
        for path in sorted(self.root.glob("*.json")):
            gid, _, rest = path.name.partition(".")
            pid_text = rest.removesuffix(".json")
            if not pid_text.isdigit() or int(pid_text) == self.pid or _alive(int(pid_text)):
                continue
            mine = self._path(gid)
            try:
                os.rename(path, mine)  # atomic: of two new processes, one wins
            except FileNotFoundError:
                continue
            try:
                entry = json.loads(mine.read_text())
                taken.append((Job.model_validate(entry["job"]), int(entry.get("attempts", 1))))
            except (ValueError, KeyError, TypeError):
                log.error("unreadable journal entry %s; set aside", mine.name)
                with contextlib.suppress(OSError):
                    os.replace(mine, mine.with_suffix(".bad"))
        return taken
