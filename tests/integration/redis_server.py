"""Starts a throwaway Redis from the machine's binary on a free port (no shared server)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import redis

from tests.helpers import free_port, wait_until


class TempRedis:
    """redis-server on 127.0.0.1 and a free port, nothing kept on disk."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="imagegen-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: `make test` installs redis-server")
        self.binary = binary
        self.proc: subprocess.Popen | None = None
        self._db = 0

    def fresh_url(self) -> str:
        """A database of its own (of Redis's 16) for one deployment, emptied: the shared
        queue's keys are fixed names, so two deployments must not see each other's jobs."""
        self._db = self._db % 15 + 1
        url = f"redis://127.0.0.1:{self.port}/{self._db}"
        redis.Redis.from_url(url).flushdb()
        return url

    def __enter__(self) -> TempRedis:
        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--protected-mode", "yes"],
            stdout=open(self.root / "redis.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(lambda: redis.Redis.from_url(self.url).ping(), 15, what="Redis")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
