"""DATABASE_URL switches imagegen to PostgreSQL: migrations and the whole flow run there too."""

from __future__ import annotations

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from tests.helpers import ThreadedServer, free_port, reset_caches, signup, start_worker, wait_status
from tests.integration.postgres import TempPostgres


@pytest.fixture(scope="module")
def pg():
    with TempPostgres() as server:
        yield server


@pytest.fixture
def pg_env(app_env, pg, monkeypatch, request):
    url = pg.create_db(f"t_{request.node.name[:40].lower()}")
    monkeypatch.setenv("DATABASE_URL", url)
    reset_caches()
    from imagegen.migrate import upgrade

    upgrade()
    return {**app_env, "DATABASE_URL": url}


def test_migrations_build_the_models_schema_on_postgres(pg_env):
    import imagegen.models  # noqa: F401
    from imagegen.db import get_engine

    engine = get_engine()
    assert engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def test_whole_flow_on_postgres(pg_env, tmp_path, monkeypatch):
    from imagegen.api import create_api

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("IMAGEGEN_APP_URL", base)
    reset_caches()
    worker_port = int(pg_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    worker = start_worker(pg_env, worker_port, tmp_path / "worker.log")
    try:
        with ThreadedServer(create_api(), port):
            client = signup(base, "pg@example.com")
            ids = []
            for i in range(3):
                r = client.post(
                    "/api/images/generate",
                    json={
                        "prompt": f"Un chat mignon {i} 🐱",
                        "width": 512,
                        "height": 512,
                        "seed": 4_000_000_000,
                    },
                )
                ids.append(r.json()["generation"]["id"])
            for gid in ids:
                assert wait_status(client, gid)["status"] == "COMPLETED"
            first = client.get("/api/images/user", params={"limit": 2}).json()
            rest = client.get(
                "/api/images/user", params={"limit": 2, "cursor": first["nextCursor"]}
            ).json()
            gens = first["generations"] + rest["generations"]
            assert [g["id"] for g in gens] == list(reversed(ids))
            assert gens[0]["prompt"] == "Un chat mignon 2 🐱" and gens[0]["seed"] == 4_000_000_000
            assert gens[0]["createdAt"].endswith("Z")
            assert httpx.get(gens[0]["images"][0]["fileUrl"]).status_code == 200
    finally:
        worker.kill()
        worker.wait()
