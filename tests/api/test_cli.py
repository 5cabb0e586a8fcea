"""The `imagegen` command end to end against a running app: login, generate with its live
progress bar (in a pseudo-terminal), ls, get, download, cancel with Ctrl+C, engines, --json."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import stat
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import running_stack
from tests.helpers import signup

CLI = [sys.executable, "-m", "imagegen.cli"]


@pytest.fixture
def slow_stack(app_env, tmp_path, monkeypatch):
    """The app and a worker whose built-in engine takes 40 ms a step: progress to watch."""
    monkeypatch.setenv("IMAGEGEN_PROCEDURAL_STEP_MS", "40")
    with running_stack(app_env, tmp_path, monkeypatch) as s:
        yield s


def _env(stack: dict, key: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IMAGEGEN_URL": stack["url"],
        "IMAGEGEN_API_KEY": key,
        "XDG_CONFIG_HOME": str(home),
        "HOME": str(home),
        "COLUMNS": "100",
        "TERM": "xterm-256color",
    }


def _key(stack: dict, email: str) -> tuple[object, str]:
    client = signup(stack["url"], email)
    return client, client.post("/api/keys", json={"name": "terminal"}).json()["key"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """The CLI in this process (Typer's runner: no interpreter to start); only the progress
    bar and Ctrl+C need a real terminal, and get one in _in_pty."""
    from typer.testing import CliRunner

    from imagegen.cli import app

    keep = {k: env.get(k) for k in ("IMAGEGEN_URL", "IMAGEGEN_API_KEY", "XDG_CONFIG_HOME", "HOME")}
    result = CliRunner().invoke(app, args, env=keep)
    stderr = result.stderr if result.stderr_bytes is not None else ""
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def _in_pty(
    args: list[str], env: dict[str, str], steps: tuple[tuple[str, bytes], ...] = ()
) -> tuple[int, str]:
    """Runs the CLI on a pseudo-terminal (so it draws its bar), typing each step's keys once
    its text shows; (exit code, everything it wrote)."""
    Path(env["HOME"]).mkdir(parents=True, exist_ok=True)
    master, slave = pty.openpty()

    def controlling_tty() -> None:  # as a shell does: so Ctrl+C is a SIGINT to the CLI
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [*CLI, *args], env=env, stdin=slave, stdout=slave, stderr=slave,
        cwd=env["HOME"],  # where it saves the images it got, as a user's shell would
        preexec_fn=controlling_tty,  # noqa: PLW1509 - the child's own session, before exec
    )  # fmt: skip
    os.close(slave)
    seen, todo, deadline = b"", list(steps), time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if todo and todo[0][0].encode() in seen:
            os.write(master, todo.pop(0)[1])
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(10)
    os.close(master)
    return code, seen.decode(errors="replace")


def test_generate_shows_progress_and_saves_each_image(slow_stack, tmp_path):
    client, key = _key(slow_stack, "cli@example.com")
    env = _env(slow_stack, key, tmp_path / "home")
    out = tmp_path / "out"
    code, screen = _in_pty(
        ["generate", "A brass telescope", "-n", "2", "--size", "512x512", "--seed", "9",
         "--out", str(out)], env,
    )  # fmt: skip
    assert code == 0, screen
    assert "Rendering" in screen and "%" in screen  # the live bar
    assert "Saved" in screen and sorted(p.name for p in out.iterdir()) == [
        "a-brass-telescope-1.png", "a-brass-telescope-2.png"
    ]  # fmt: skip
    # The same generation through ls, get and download, in both output forms.
    listed = json.loads(_run(["ls", "--json"], env).stdout)
    assert listed[0]["prompt"] == "A brass telescope" and listed[0]["viaKey"] == "terminal"
    table = _run(["ls", "--search", "telesc"], env).stdout
    assert listed[0]["id"] in table
    got = _run(["get", listed[0]["id"]], env).stdout
    assert "COMPLETED" in got and "seed 9" in got
    again = tmp_path / "again"
    assert _run(["download", listed[0]["id"], "--out", str(again)], env).returncode == 0
    assert len(list(again.iterdir())) == 2
    engines = json.loads(_run(["engines", "--json"], env).stdout)
    assert engines["engines"][0]["name"] == "procedural"


def test_ctrl_c_offers_to_cancel_and_failures_exit_non_zero(slow_stack, tmp_path):
    client, key = _key(slow_stack, "cli2@example.com")
    env = _env(slow_stack, key, tmp_path / "home")
    code, screen = _in_pty(
        ["generate", "A long wait", "-n", "4", "--size", "2048x2048"], env,
        steps=(("Rendering", b"\x03"), ("Cancel the generation?", b"y\r")),
    )  # fmt: skip
    assert code == 130 and "Cancelled" in screen, screen
    gen = client.get("/api/images/user?status=all").json()["generations"][0]
    assert gen["prompt"] == "A long wait" and gen["status"] == "CANCELLED"
    bad = _run(["generate", "x", "--size", "500x500"], env)
    assert bad.returncode == 1 and "steps of 8" in bad.stderr
    anon = _run(["ls"], {**env, "IMAGEGEN_API_KEY": ""})
    assert anon.returncode == 1 and "imagegen login" in anon.stderr


def test_login_keeps_the_key_private(slow_stack, tmp_path):
    _client, key = _key(slow_stack, "cli3@example.com")
    home = tmp_path / "home"
    env = {k: v for k, v in _env(slow_stack, key, home).items() if k != "IMAGEGEN_API_KEY"}
    r = _run(["login", "--url", slow_stack["url"], "--key", key], env)
    assert r.returncode == 0, r.stderr
    (conf,) = list(home.rglob("config.json"))
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600 and json.loads(conf.read_text())["key"] == key
    assert _run(["ls", "--json"], env).returncode == 0  # the kept key is used
    wrong = _run(["login", "--url", slow_stack["url"], "--key", "ig_nope"], env)
    assert wrong.returncode == 1 and "Sign in first" in wrong.stderr
    assert shutil.which("imagegen") or (Path(sys.executable).parent / "imagegen").exists()
