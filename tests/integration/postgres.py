"""Starts a throwaway PostgreSQL from the machine's binaries on a free port (no shared server)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.helpers import free_port, wait_until


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if not initdb:
        raise RuntimeError("PostgreSQL binaries not found: `make test` installs postgresql")
    return Path(initdb).parent


class TempPostgres:
    """initdb into a temp dir, start on a free port, trust auth on 127.0.0.1 only."""

    def __init__(self) -> None:
        # Its own dir under /tmp: pytest's tmp dirs are 0700 root, out of the postgres user's reach.
        self.root = Path(tempfile.mkdtemp(prefix="imagegen-pg-"))
        self.data = self.root / "pgdata"
        self.port = free_port()
        self.bin = _bindir()
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._template = ""

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {r.stderr or r.stdout}")
        return r

    def __enter__(self) -> TempPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c timezone=Europe/Paris",
            "start",
        )
        wait_until(
            lambda: psycopg.connect(self.url("postgres", driver=False)).close() is None,
            30,
            what="PostgreSQL",
        )
        return self

    def url(self, db: str = "postgres", driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://{self.user}@127.0.0.1:{self.port}/{db}"

    def create_db(self, name: str) -> str:
        with psycopg.connect(self.url(driver=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_migrated_db(self, name: str) -> str:
        """A database at the latest migration, cloned from a template that Alembic migrated
        once (CREATE DATABASE ... TEMPLATE copies it in milliseconds)."""
        from imagegen.migrate import upgrade

        if not self._template:
            upgrade(self.create_db("template_head"))
            self._template = "template_head"
        with psycopg.connect(self.url(driver=False), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        return self.url(name)

    def __exit__(self, *exc: object) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
