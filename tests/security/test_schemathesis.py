"""Schemathesis against the running API, signed in: no input gives a 500, and every answer's
status, media type and body are the ones its OpenAPI declares (examples, coverage, fuzzing
and stateful phases, fixed seed, bounded examples).

The CLI runs in a subprocess. This module is also its hooks module (SCHEMATHESIS_HOOKS): the
worker's webhooks get a valid Standard Webhooks signature, so their bodies are parsed and
checked rather than all refused with 401.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import schemathesis
from schemathesis.core import NotSet
from standardwebhooks import Webhook

from tests.helpers import ROOT, WEBHOOK_SECRET, signup, wait_status

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
SEED = 20261201
MAX_EXAMPLES = 10
LOGOUT = "/api/auth/logout"
SIGNED = ("/api/webhooks/image-completion", "/api/webhooks/image-progress")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Runs in the CLI process before each request: real ids, then webhook signatures."""
    _use_real_ids(case)
    _sign_webhook(case, kwargs)


def _sign_webhook(case: Any, kwargs: dict[str, Any]) -> None:
    """Signs the worker webhooks' JSON bodies as the worker would."""
    if case.operation.path not in SIGNED or isinstance(case.body, NotSet):
        return
    if case.media_type != "application/json":
        return
    try:
        body = json.dumps(case.body)
    except (TypeError, ValueError):
        return
    msg_id, now = f"st_{uuid.uuid4().hex}", datetime.now(UTC)
    secret = os.environ.get("IMAGEGEN_WEBHOOK_SECRET", WEBHOOK_SECRET)
    case.headers = {
        **(case.headers or {}),
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }
    kwargs["data"] = body.encode()


# Real data for routes that take ids, put in place of the generated ones in one case of
# three: "METHOD route" -> {container: {name: id key}}.
# Destructive routes get data of their own, so the others keep finding theirs.
REAL: dict[str, dict[str, dict[str, str]]] = {
    "GET /api/generations/{generation_id}": {"path_parameters": {"generation_id": "generation"}},
    "POST /api/generations/{generation_id}/retry": {
        "path_parameters": {"generation_id": "generation"}
    },
    "POST /api/generations/{generation_id}/cancel": {
        "path_parameters": {"generation_id": "generation"}
    },
    "GET /api/generations/{generation_id}/download.zip": {
        "path_parameters": {"generation_id": "generation"},
        "query": {"exp": "zip_exp", "sig": "zip_sig"},
    },
    "PUT /api/images/{image_id}/favorite": {"path_parameters": {"image_id": "image"}},
    "DELETE /api/images/{image_id}/favorite": {"path_parameters": {"image_id": "image"}},
    "GET /api/albums/{album_id}": {"path_parameters": {"album_id": "album"}},
    "PATCH /api/albums/{album_id}": {"path_parameters": {"album_id": "album"}},
    "POST /api/albums/{album_id}/images": {"path_parameters": {"album_id": "album"}},
    "GET /s/{token}": {"path_parameters": {"token": "share"}},
    "GET /s/{token}/images/{image_id}": {
        "path_parameters": {"token": "share", "image_id": "image"}
    },
    "GET /api/files/{key}": {
        "path_parameters": {"key": "key"},
        "query": {"exp": "exp", "sig": "sig"},
    },
    "POST /api/webhooks/image-completion": {"body": {"generationId": "generation"}},
    "POST /api/webhooks/image-progress": {"body": {"generationId": "generation"}},
    "DELETE /api/generations/{generation_id}": {"path_parameters": {"generation_id": "victim"}},
    "DELETE /api/images/{image_id}": {"path_parameters": {"image_id": "victim_image"}},
    "DELETE /api/albums/{album_id}": {"path_parameters": {"album_id": "victim_album"}},
    "DELETE /api/shares/{token}": {"path_parameters": {"token": "victim_share"}},
    "DELETE /api/albums/{album_id}/images/{image_id}": {
        "path_parameters": {"album_id": "second_album", "image_id": "second_image"}
    },
}
REAL_ENV = "IMAGEGEN_SCHEMATHESIS_IDS"


def _use_real_ids(case: Any) -> None:
    """Puts the seeded ids (from REAL_ENV) into one case in three of the routes that take
    them, so those get past their 404. Done at call time, not as a generation hook: that
    would change what Hypothesis draws (and trip its filter health check)."""
    ids = json.loads(os.environ.get(REAL_ENV, "{}"))
    real = REAL.get(f"{case.method.upper()} {case.operation.path}")
    drawn = repr((case.path_parameters, case.query, case.body)).encode()
    if not ids or not real or zlib.crc32(drawn) % 3 != 0:
        return
    for container, names in real.items():
        current = getattr(case, container)
        if container == "body" and not isinstance(current, dict):
            continue
        values = {name: ids[key] for name, key in names.items()}
        if container == "path_parameters":
            values = {name: quote(str(value), safe="") for name, value in values.items()}
        setattr(case, container, {**(current or {}), **values})


def _seed(url: str) -> tuple[httpx.Client, dict[str, str | int]]:
    """A user with two finished generations, shares and albums, and their ids."""
    client = signup(url, "schemathesis@example.com")
    gens = []
    for prompt in ("a lighthouse", "a victim"):
        gid = client.post(
            "/api/images/generate",
            json={"prompt": prompt, "width": 512, "height": 512, "numImages": 2},
        ).json()["generation"]["id"]
        wait_status(client, gid, ("COMPLETED",))
        gens.append(client.get(f"/api/generations/{gid}").json()["generation"])
    keep, victim = gens
    image, second_image = (i["id"] for i in keep["images"])
    file = urlsplit(keep["images"][0]["fileUrl"])
    file_query = {k: v[0] for k, v in parse_qs(file.query).items()}
    zip_query = {k: v[0] for k, v in parse_qs(urlsplit(keep["downloadAllUrl"]).query).items()}
    share = client.post("/api/shares", json={"imageId": image}).json()["share"]["token"]
    victim_share = client.post("/api/shares", json={"generationId": keep["id"]}).json()
    albums = [client.post("/api/albums", json={"name": n}).json()["album"]["id"] for n in "abc"]
    client.post(f"/api/albums/{albums[0]}/images", json={"imageIds": [image]})
    client.post(f"/api/albums/{albums[1]}/images", json={"imageIds": [second_image]})
    return client, {
        "generation": keep["id"],
        "image": image,
        "album": albums[0],
        "share": share,
        "victim": victim["id"],
        "victim_image": victim["images"][1]["id"],
        "victim_album": albums[2],
        "victim_share": victim_share["share"]["token"],
        "second_album": albums[1],
        "second_image": second_image,
        "key": unquote(file.path.removeprefix("/api/files/")),
        "exp": int(file_query["exp"]),
        "sig": file_query["sig"],
        "zip_exp": int(zip_query["exp"]),
        "zip_sig": zip_query["sig"],
    }


def _schemathesis(
    url: str,
    token: str,
    ids: dict[str, str | int],
    config: Path,
    *selection: str,
    stateful: bool = True,
    examples: int = MAX_EXAMPLES,
) -> tuple[int, str, float]:
    """Runs the `st` CLI against the live API; returns (exit code, output, seconds)."""
    phases = "examples,coverage,fuzzing" + (",stateful" if stateful else "")
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{url}/api/openapi.json",
        "--checks", CHECKS,
        "--phases", phases,
        "--seed", str(SEED),
        "--max-examples", str(examples),
        "--header", f"Authorization: Bearer {token}",
        "--generation-database", "none",
        "--request-timeout", "30",
        # One worker: two threads of hypothesis parsing sources at once hit CPython 3.11's
        # "AST constructor recursion depth mismatch" now and then (and two were no faster).
        "--workers", "1",
        "--no-color",
        *selection,
    ]  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        "SCHEMATHESIS_HOOKS": __name__,
        "SCHEMATHESIS_TELEMETRY": "false",
        REAL_ENV: json.dumps(ids),
    }
    start = time.monotonic()
    # Run from the config's folder: Hypothesis keeps its caches (.hypothesis/) in the cwd.
    run = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env=env, cwd=config.parent
    )
    return run.returncode, run.stdout + run.stderr, time.monotonic() - start


V1_WAITS = ("--exclude-path", "/v1/images/generations", "--exclude-path", "/v1/images/edits")
# Each accepted vary or upscale is a render: they get a few examples of their own.
RENDERS = ("/api/images/{image_id}/vary", "/api/images/{image_id}/upscale")


def test_the_api_answers_as_its_openapi_says(stack, tmp_path):
    url = stack["url"]
    client, ids = _seed(url)
    # No crash cache in the repo (.schemathesis/), and no replay of an earlier run's finds:
    # each run is this seed's alone.
    config = tmp_path / "schemathesis.toml"
    config.write_text("[cache]\nenabled = false\n")
    token = client.headers["Authorization"].split()[1]
    runs = [
        # Reads first, while the seeded data is all there (the fuzzer deletes some later).
        ("reads", ["--include-method", "GET"], False),
        # Everything but logout, with the stateful phase. /v1/images/* are OpenAI's shapes,
        # driven by the real openai client (tests/api/test_openai_compatible.py): each valid
        # case would wait for a render, and their 504 (still running) is by design.
        (
            "all but logout",
            [
                "--exclude-path",
                LOGOUT,
                *V1_WAITS,
                *(a for r in RENDERS for a in ("--exclude-path", r)),
            ],
            True,
        ),
        ("renders", [a for r in RENDERS for a in ("--include-path", r)], False),
        # Logout ends the session that every other operation signs in with, so it runs on
        # its own, last: excluded from the run above only, never from the test.
        ("logout", ["--include-path", LOGOUT], True),
    ]
    for name, selection, stateful in runs:
        examples = 3 if name == "renders" else MAX_EXAMPLES
        code, out, took = _schemathesis(
            url, token, ids, config, *selection, stateful=stateful, examples=examples
        )
        print(f"schemathesis ({name}): exit {code} in {took:.0f}s\n{out}")
        assert code == 0, out
    assert httpx.get(f"{url}/api/auth/me", headers=client.headers).status_code == 401
