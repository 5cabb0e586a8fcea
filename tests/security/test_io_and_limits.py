"""Input and output: limits, Unicode, headers, no stack traces, production secrets."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers import ROOT, ThreadedServer, signup, wait_status


@pytest.fixture
def stuck_worker(app_env):
    """A worker that accepts jobs (202) and never calls back, so generations stay in flight."""
    app = FastAPI()

    @app.get("/v1/engines")
    def engines():
        return {
            "default": "procedural",
            "engines": [
                {
                    "name": "procedural",
                    "label": "Procedural (built-in)",
                    "available": True,
                    "models": ["procedural-v1"],
                    "defaultModel": "procedural-v1",
                    "sizes": [{"width": 512, "height": 512}],
                    "maxImages": 4,
                }
            ],
        }

    @app.post("/v1/jobs", status_code=202)
    def jobs():
        return {"accepted": True}

    port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    with ThreadedServer(app, port) as srv:
        yield srv


def test_fifth_generation_in_flight_gets_a_clear_429(app_env, stuck_worker, monkeypatch):
    from imagegen.api import create_api
    from tests.helpers import free_port, reset_caches

    port = free_port()
    monkeypatch.setenv("IMAGEGEN_APP_URL", f"http://127.0.0.1:{port}")
    reset_caches()
    with ThreadedServer(create_api(), port) as srv:
        a, b = signup(srv.url, "busy@example.com"), signup(srv.url, "other@example.com")
        for i in range(4):
            r = a.post("/api/images/generate", json={"prompt": f"job {i}"})
            assert r.status_code == 201 and r.json()["generation"]["status"] == "PROCESSING"
        r = a.post("/api/images/generate", json={"prompt": "one too many"})
        assert r.status_code == 429
        assert "4 generations in progress" in r.json()["error"]
        assert b.post("/api/images/generate", json={"prompt": "b is fine"}).status_code == 201


def test_unicode_emoji_and_rtl_prompts_round_trip(stack):
    client = signup(stack["url"], "unicode@example.com")
    prompt = "Un chat mignon 🐱‍👤 — قطة لطيفة على السطح — 屋根の上の猫 — e\u0301"
    gid = client.post(
        "/api/images/generate", json={"prompt": prompt, "width": 512, "height": 512}
    ).json()["generation"]["id"]
    assert wait_status(client, gid)["prompt"] == prompt
    assert client.get("/api/images/user").json()["generations"][0]["prompt"] == prompt


@pytest.mark.parametrize(
    "path", ["/api/images/user", "/api/auth/me", "/api/nope", "/api/openapi.json"]
)
def test_security_headers_on_every_answer(stack, path):
    r = httpx.get(stack["url"] + path, timeout=30)  # a loaded machine answers slowly
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_an_unexpected_error_is_a_json_500_without_a_trace(stack, monkeypatch):
    from imagegen.services import generations

    def boom(*_a, **_k):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(generations, "list_generations", boom)
    client = signup(stack["url"], "boom@example.com")
    r = client.get("/api/images/user")
    assert r.status_code == 500 and r.json() == {
        "success": False,
        "error": "Internal error; it has been logged.",
    }
    assert "Traceback" not in r.text and "passwd" not in r.text


@pytest.mark.parametrize(
    ("module", "env", "named"),
    [
        ("imagegen.imagegen", {}, "IMAGEGEN_WEBHOOK_SECRET is not set"),
        ("imagegen.imagegen", {"IMAGEGEN_WEBHOOK_SECRET": "whsec_changeme"}, "is a placeholder"),
        (
            "imagegen.worker",
            {"IMAGEGEN_WEBHOOK_SECRET": "whsec_" + "a" * 40},
            "IMAGEGEN_SECRET_KEY is not set",
        ),
    ],
)
def test_production_refuses_to_start_without_real_secrets(tmp_path, module, env, named):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGEGEN_", "CLERK_"))}
    full = {**clean, "IMAGEGEN_ENV": "production", "IMAGEGEN_DATA_DIR": str(tmp_path), **env}
    args = (
        [sys.executable, "-m", module]
        if module == "imagegen.worker"
        else [sys.executable, "-c", f"import {module}"]
    )
    r = subprocess.run(args, cwd=ROOT, env=full, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "refuses to start in production" in r.stderr and named in r.stderr
