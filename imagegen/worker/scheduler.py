"""Fair scheduling: each engine's waiting jobs, served to the least recently served owner first."""

from __future__ import annotations

import itertools
from collections import deque

from imagegen.contract import Job


class FairQueue:
    """One user's burst never starves another user's first job: the owner served longest ago
    (or never) goes next, so a newcomer waits behind at most the jobs already running."""

    def __init__(self) -> None:
        self._by_owner: dict[str, deque[Job]] = {}
        self._last_served: dict[str, int] = {}
        self._clock = itertools.count()

    def __len__(self) -> int:
        return sum(len(q) for q in self._by_owner.values())

    def push(self, job: Job) -> None:
        """Queues a job behind its owner's earlier ones."""
        self._by_owner.setdefault(job.owner_key, deque()).append(job)

    def _next_owner(self, last: dict[str, int], queues: dict[str, deque[Job]]) -> str | None:
        waiting = [o for o, q in queues.items() if q]
        return min(waiting, key=lambda o: last.get(o, -1), default=None)

    def pop(self) -> Job | None:
        """The next job to start."""
        owner = self._next_owner(self._last_served, self._by_owner)
        if owner is None:
            return None
        job = self._by_owner[owner].popleft()
        if not self._by_owner[owner]:
            del self._by_owner[owner]
        self._last_served[owner] = next(self._clock)
        return job

    def remove(self, generation_id: str) -> Job | None:
        """Takes a waiting job out (it was cancelled)."""
        for owner, jobs in list(self._by_owner.items()):
            for job in jobs:
                if job.generation_id == generation_id:
                    jobs.remove(job)
                    if not jobs:
                        del self._by_owner[owner]
                    return job
        return None

    def order(self) -> list[str]:
        """Generation ids in the order they will start (for queue positions)."""
        queues = {o: deque(q) for o, q in self._by_owner.items()}
        last, tick, out = dict(self._last_served), 10**12, []
        while (owner := self._next_owner(last, queues)) is not None:
            out.append(queues[owner].popleft().generation_id)
            last[owner], tick = tick, tick + 1
        return out
