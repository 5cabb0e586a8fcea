"""DATABASE_URL switches imagegen to PostgreSQL: migrations and the whole flow run there too."""

from __future__ import annotations

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from imagegen.migrate import include_object
from tests.helpers import (
    ThreadedServer,
    free_port,
    insert_generation,
    reset_caches,
    signup,
    start_worker,
    wait_status,
)


@pytest.fixture
def pg_env(app_env, pg_server, monkeypatch, request):
    url = pg_server.create_db(f"t_{request.node.name[:40].lower()}")
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
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(ctx, SQLModel.metadata) == []
        assert conn.exec_driver_sql(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_generations_prompt_tsv'"
        ).scalar()


def test_prompt_search_and_filters_on_postgres(pg_env):
    from datetime import UTC, datetime, timedelta

    from imagegen.services.generations import list_generations
    from imagegen.services.search import parse_filter

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    for n, prompt in enumerate(
        ["A red fox in snow", "red panda", "foxglove meadow", "Un chat mignon 🐱", "it's a fox!"]
    ):
        insert_generation("u1", prompt, created_at=t0 + timedelta(days=n), favorite=(0,) * (n % 2))
    insert_generation("u2", "red fox of another user")

    def prompts(**params: str) -> list[str]:
        page = list_generations("u1", filters=parse_filter(params))
        return [g.prompt for g in page.generations]

    assert prompts(q="red fox") == ["A red fox in snow"]
    assert prompts(q="fox") == ["it's a fox!", "foxglove meadow", "A red fox in snow"]
    assert prompts(q="CHAT mig") == ["Un chat mignon 🐱"]
    assert prompts(q="'&|!:*()") == prompts()  # no words: no search, never a syntax error
    assert prompts(q="fox", sort="oldest") == [
        "A red fox in snow",
        "foxglove meadow",
        "it's a fox!",
    ]
    assert prompts(favorites="true") == ["Un chat mignon 🐱", "red panda"]
    assert prompts(**{"from": "2026-11-02", "to": "2026-11-02"}) == ["red panda"]


def test_a_search_pages_the_same_through_the_date_index_or_the_gin_index(pg_env, monkeypatch):
    """A page of matches is the same whether the newest rows held it, a wider window sized by
    their match rate did, or the GIN index had to list them (matches rarer than the window)."""
    from datetime import UTC, datetime, timedelta

    from imagegen.services.generations import list_generations, queries
    from imagegen.services.search import parse_filter

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(12):
        prompt = f"fox number {n}" if n % 4 == 0 else f"owl number {n}"
        insert_generation("u1", prompt, created_at=t0 + timedelta(hours=n))
    insert_generation("u2", "fox of another user", created_at=t0 + timedelta(hours=20))

    def pages(**params: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = list_generations("u1", limit=2, cursor=cursor, filters=parse_filter(params))
            seen += [g.prompt for g in page.generations]
            if not (cursor := page.next_cursor):
                return seen

    newest = ["fox number 8", "fox number 4", "fox number 0"]
    everything = [f"{'fox' if n % 4 == 0 else 'owl'} number {n}" for n in range(11, -1, -1)]
    # the first window holds every page / a wider one does / the GIN index lists them
    sizes: list[int] = []
    window_of = queries._pg_window

    def spied(*args: object) -> object:
        sizes.append(args[-1])  # type: ignore[arg-type]
        return window_of(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "_pg_window", spied)
    for window, widest in ((600, 12_000), (5, 12_000), (3, 0)):
        monkeypatch.setattr(queries, "_PG_WINDOW", window)
        monkeypatch.setattr(queries, "_PG_WIDEST", widest)
        assert pages(q="fox") == newest
        assert pages(q="fox", sort="oldest") == list(reversed(newest))
        assert pages(q="num") == everything
    assert 22 in sizes  # 1 fox in the newest 5: a window of 5 * 3 / 1 * 1.5 rows came next


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
