"""`make run`'s launcher never mistakes another program on the worker port for its worker."""

from __future__ import annotations

import http.server
import os
import subprocess
import threading

from tests.helpers import ROOT, free_port


class _Imposter(http.server.BaseHTTPRequestHandler):
    """Answers every request 200 with a healthz-like body, as a stray server would."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_run_refuses_a_worker_port_that_another_program_answers():
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Imposter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {**os.environ, "IMAGEGEN_WORKER_PORT": str(port), "PORT": str(free_port())}
        r = subprocess.run(
            ["scripts/run.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()
    assert r.returncode == 1
    assert f"Port {port} is already in use by another program" in r.stderr
    assert "IMAGEGEN_WORKER_PORT=" in r.stderr  # says how to choose another
