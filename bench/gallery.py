"""Gallery at scale: first-page latency at 1k/10k/100k generations, against the seed's approach.

Seeds one user with generations of 3 images each in a throwaway SQLite (WAL) database, then
measures in the same run, so the ratios compare like with like on a noisy machine:

- first_page_ms: GET /api/images/user?limit=24 (the API in its own process) and
  GalleryState.load;
- search_first_page_ms: the same page for each search or filter in SEARCHES;
- both again on PostgreSQL, under "postgres";
- seed_style_ms: what the seed did, every COMPLETED generation with its images in one query;
- page_bytes_ratio: the thumbnails of one gallery page against their originals (real PNGs);
- append_delta_bytes: the websocket delta when one generation lands, at 100 and 10k history.

Prints a table and writes bench/results.json. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (1_000, 10_000, 100_000)
PAGE = 24
IMAGES_PER_GEN = 3
REPEATS = 30
# Each search's first page: a common word, three words ending in a prefix, a rare pair, and
# the favourites filter with no favourites at all.
SEARCHES = {
    "q=fox": {"q": "fox"},  # 1 in 9 match
    "q=owl night stu": {"q": "owl night stu"},  # 1 in 81, the last word a prefix
    "q=number 4242": {"q": "number 4242"},  # 11 match
    "favorites=true": {"favorites": "true"},  # none starred
}
WORKER_PORT = 0  # set in main(): a real worker serves the engine catalogue, as in production


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(args: list[str], env: dict[str, str], health_url: str) -> object:
    import subprocess

    import httpx

    proc = subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            if httpx.get(health_url, timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{args} did not start")


def start_worker(data: Path) -> object:
    """The generation worker process, as `make run` starts it."""
    env = {"IMAGEGEN_WORKER_PORT": str(WORKER_PORT), "IMAGEGEN_DATA_DIR": str(data)}
    return _serve(["-m", "imagegen.worker"], env, f"http://127.0.0.1:{WORKER_PORT}/healthz")


def start_api(port: int) -> object:
    """The HTTP API in its own process (uvicorn), reached over loopback like a browser would."""
    return _serve(
        [
            "-m",
            "uvicorn",
            "--factory",
            "imagegen.api:create_api",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        {},
        f"http://127.0.0.1:{port}/api/engines",
    )


def _setup_env(data: Path) -> None:
    os.environ.update(
        {
            "IMAGEGEN_DATA_DIR": str(data),
            "IMAGEGEN_SECRET_KEY": "bench-url-signing-key",
            "IMAGEGEN_WEBHOOK_SECRET": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "IMAGEGEN_STORAGE": "local",
            "IMAGEGEN_WORKER_URL": f"http://127.0.0.1:{WORKER_PORT}",
            "IMAGEGEN_PUBLIC_URL": "http://127.0.0.1:3000",
        }
    )
    for k in ("DATABASE_URL", "S3_BUCKET", "IMAGEGEN_APP_URL"):
        os.environ.pop(k, None)


def seed(user_id: str, start: int, stop: int, t0: datetime) -> None:
    """Generations start..stop-1 (one minute apart) with 3 image rows each, in bulk."""
    from sqlalchemy import insert

    from imagegen.db import get_engine
    from imagegen.models import ImageFile, ImageGeneration

    words = ["red", "fox", "lighthouse", "dawn", "watercolor", "city", "night", "owl", "sea"]
    batch = 5_000
    engine = get_engine()
    for lo in range(start, stop, batch):
        gens, files = [], []
        for n in range(lo, min(stop, lo + batch)):
            gid = f"g{n:09d}"
            created = t0 + timedelta(minutes=n)
            gens.append(
                {
                    "id": gid,
                    "owner_id": user_id,
                    "prompt": f"{words[n % 9]} {words[(n // 9) % 9]} study number {n}",
                    "negative_prompt": "",
                    "width": 1024,
                    "height": 1024,
                    "num_images": IMAGES_PER_GEN,
                    "seed": n,
                    "engine": "procedural",
                    "model": "procedural-v1",
                    "status": "COMPLETED",
                    "created_at": created,
                    "completed_at": created,
                    "duration_ms": 450,
                }
            )
            for i in range(IMAGES_PER_GEN):
                files.append(
                    {
                        "id": f"i{n:09d}{i}",
                        "generation_id": gid,
                        "idx": i,
                        "filename": f"{gid}-{i + 1}.png",
                        "storage_key": f"generations/{gid}/{i}.png",
                        "thumbnail_key": f"generations/{gid}/{i}.thumb.webp",
                        "favorite": False,
                        "file_size": 1_500_000,
                        "format": "PNG",
                        "width": 1024,
                        "height": 1024,
                        "dimensions": "1024x1024",
                        "created_at": created,
                    }
                )
        with engine.begin() as conn:
            conn.execute(insert(ImageGeneration), gens)
            conn.execute(insert(ImageFile), files)


def median_ms(fn, repeats: int = REPEATS) -> float:  # noqa: ANN001
    fn()  # warm
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 2)


def seed_style(user_id: str) -> int:
    """The seed's load: every COMPLETED generation joined to its images, all at once."""
    from sqlmodel import Session, col, select

    from imagegen.api.shaping import generation_out
    from imagegen.db import get_engine
    from imagegen.models import GenerationStatus, ImageFile, ImageGeneration

    with Session(get_engine()) as db:
        rows = db.exec(
            select(ImageGeneration, ImageFile)
            .join(ImageFile, col(ImageFile.generation_id) == ImageGeneration.id)
            .where(
                ImageGeneration.owner_id == user_id,
                ImageGeneration.status == GenerationStatus.COMPLETED,
            )
            .order_by(col(ImageGeneration.created_at).desc(), col(ImageFile.idx))
        ).all()
    grouped: dict[str, tuple] = {}
    for gen, img in rows:
        grouped.setdefault(gen.id, (gen, []))[1].append(img)
    return len([generation_out(g, imgs) for g, imgs in grouped.values()])


class StateRig:
    """A GalleryState for one signed-in token, as a websocket client would have it."""

    def __init__(self, token: str) -> None:
        import reflex as rx
        from reflex_base.registry import RegistrationContext

        import imagegen.state.albums
        import imagegen.state.form
        import imagegen.state.lightbox
        import imagegen.state.share  # noqa: F401  (every page state, so the tree is whole)
        from imagegen.state.gallery import GalleryState

        self.ctx = RegistrationContext.ensure_context()
        root = rx.State(_reflex_internal_init=True)
        self.gallery = root.get_substate(GalleryState.get_full_name().split(".")[1:])
        # The token a tab's websocket handshake would carry in its cookie.
        object.__setattr__(self.gallery, "_session_token", lambda: token)
        self.root = root

    def load(self) -> None:
        from imagegen.state.gallery import GalleryState

        asyncio.run(GalleryState.load.fn(self.gallery))

    def delta_bytes_after_append(self, user_id: str, gen_id: str) -> int:
        """Bytes of the JSON delta sent when a watched generation completes."""
        from reflex.utils import format

        from imagegen.state.cards import card_of

        self.root._clean()
        card = card_of(user_id, gen_id)
        self.gallery._apply(card, True)
        delta = asyncio.run(self.root._get_resolved_delta())
        return len(format.json_dumps(delta).encode())


def page_bytes_ratio() -> tuple[float, int, int]:
    """Thumbnails of one page (24 generations x 3 images, real 1024px PNGs) vs originals."""
    from imagegen.services.thumbnails import make_thumbnail
    from imagegen.worker.engines.base import RenderRequest
    from imagegen.worker.engines.procedural import ProceduralEngine

    engine, originals, thumbs = ProceduralEngine(), 0, 0
    for n in range(PAGE):
        req = RenderRequest(
            prompt=f"page sample {n}", width=1024, height=1024, seed=n, num_images=IMAGES_PER_GEN
        )
        for img in engine.generate(req):
            originals += len(img.data)
            thumbs += len(make_thumbnail(img.data))
    return round(thumbs / originals, 4), thumbs, originals


def main() -> dict:
    global WORKER_PORT
    WORKER_PORT = _free_port()
    tmp = Path(tempfile.mkdtemp(prefix="imagegen-bench-"))
    _setup_env(tmp / "data")
    worker = start_worker(tmp / "data")
    try:
        out = _measure(tmp)
    finally:
        worker.kill()  # type: ignore[attr-defined]
    pg = _measure_postgres(Path(tempfile.mkdtemp(prefix="imagegen-bench-pg-")))
    out["first_page_ms"]["postgres"] = pg["first_page_ms"]
    out["search_first_page_ms"]["postgres"] = pg["search_first_page_ms"]
    return out


def _measure_postgres(tmp: Path) -> dict:
    """The first pages again on a throwaway PostgreSQL (the machine's binaries, as the tests
    start it), statistics gathered after each seeding as autovacuum would."""
    from sqlalchemy import text

    from imagegen.db import get_engine
    from tests.integration.postgres import TempPostgres

    with TempPostgres() as pg:
        _reset(tmp / "data")
        os.environ["DATABASE_URL"] = pg.create_db("bench")
        worker = start_worker(tmp / "data")
        try:
            from imagegen.runtime import reset_singletons

            reset_singletons()
            out: dict = {"first_page_ms": {}}
            with _signed_in_api() as (user_id, _token, client):
                done, t0 = 0, datetime(2020, 1, 1, tzinfo=UTC)
                for size in SIZES:
                    seed(user_id, done, size, t0)
                    done = size
                    with get_engine().connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                            text("ANALYZE")
                        )
                    _first_pages(client, out, size)
            get_engine().dispose()
        finally:
            worker.kill()  # type: ignore[attr-defined]
            os.environ.pop("DATABASE_URL", None)
    return out


@contextmanager
def _signed_in_api() -> Iterator[tuple[str, str, object]]:
    """A migrated database with one user, and the API in its own process signed in as them:
    (user id, token, client)."""
    import httpx

    from imagegen.migrate import upgrade
    from imagegen.services.auth import get_auth

    upgrade()
    auth = get_auth()
    token = auth.signup("bench@example.com", "bench password 123")  # type: ignore[attr-defined]
    user_id = auth.authenticate(token).user_id  # type: ignore[union-attr]
    api_port = _free_port()
    api = start_api(api_port)
    try:
        yield (
            user_id,
            token,
            httpx.Client(
                base_url=f"http://127.0.0.1:{api_port}",
                headers={"Authorization": f"Bearer {token}"},
            ),
        )
    finally:
        api.kill()  # type: ignore[attr-defined]


def _measure(tmp: Path) -> dict:
    with _signed_in_api() as (user_id, token, client):
        return _measure_sizes(user_id, token, client)


def _first_pages(client: object, out: dict, size: int) -> None:
    """The plain first page and each search's, at this size, into out."""

    def page(params: dict | None = None) -> None:
        r = client.get("/api/images/user", params={"limit": PAGE, **(params or {})})  # type: ignore[attr-defined]
        assert r.status_code == 200, r.text
        if not params:
            assert r.json()["count"] == PAGE

    out["first_page_ms"][str(size)] = median_ms(page)
    for label, params in SEARCHES.items():
        by_size = out.setdefault("search_first_page_ms", {}).setdefault(label, {})
        by_size[str(size)] = median_ms(lambda params=params: page(params))


def _measure_sizes(user_id: str, token: str, client: object) -> dict:
    from imagegen.migrate import upgrade
    from imagegen.services.auth import get_auth

    rig = StateRig(token)
    t0 = datetime(2020, 1, 1, tzinfo=UTC)

    out: dict = {"first_page_ms": {}, "state_load_ms": {}, "seed_style_ms": {}, "seed_s": {}}
    done = 0
    for size in SIZES:
        t = time.perf_counter()
        seed(user_id, done, size, t0)
        out["seed_s"][str(size)] = round(time.perf_counter() - t, 1)
        done = size
        _first_pages(client, out, size)
        out["state_load_ms"][str(size)] = median_ms(rig.load)
        if size == 10_000:
            out["seed_style_ms"][str(size)] = median_ms(lambda: seed_style(user_id), repeats=3)
    # Append delta at 100 and at 10,000 generations of history: a fresh database each.
    deltas = {}
    for history in (100, 10_000):
        sub = Path(tempfile.mkdtemp(prefix="imagegen-bench-delta-"))
        _reset(sub / "data")
        upgrade()
        a = get_auth()
        tok = a.signup("delta@example.com", "bench password 123")  # type: ignore[attr-defined]
        uid = a.authenticate(tok).user_id  # type: ignore[union-attr]
        seed(uid, 0, history, t0)
        r = StateRig(tok)
        r.load()
        seed(uid, history, history + 1, t0)  # the one that lands live
        deltas[str(history)] = r.delta_bytes_after_append(uid, f"g{history:09d}")
    out["append_delta_bytes"] = deltas
    ratio, thumbs, originals = page_bytes_ratio()
    out["page_bytes_ratio"] = ratio
    out["page_bytes"] = {"thumbnails": thumbs, "originals": originals}
    return out


def _reset(data: Path) -> None:
    _setup_env(data)
    from imagegen.runtime import reset_singletons

    reset_singletons()


def report(r: dict) -> None:
    fp, st = r["first_page_ms"], r["state_load_ms"]
    print(f"{'generations':>12} {'seed rows s':>12} {'API page ms':>12} {'state load ms':>14}")
    for size in SIZES:
        k = str(size)
        print(f"{size:>12,} {r['seed_s'][k]:>12} {fp[k]:>12} {st[k]:>14}")
    seed10k = r["seed_style_ms"]["10000"]
    print(f"\nseed-style load at 10k: {seed10k} ms = {seed10k / fp['10000']:.0f}x the first page")
    print(f"first page 100k / 1k: {fp['100000'] / fp['1000']:.2f}x")
    pb = r["page_bytes"]
    print(
        f"page bytes: thumbnails {pb['thumbnails']:,} B vs originals {pb['originals']:,} B"
        f" = {r['page_bytes_ratio'] * 100:.2f}%"
    )
    for db, searches, plain in (
        ("SQLite", r["search_first_page_ms"], fp),
        ("PostgreSQL", r["search_first_page_ms"]["postgres"], fp["postgres"]),
    ):
        print(f"\n{db}: API first page ms (100k / 1k):")
        for label, by_size in {"first page": plain, **searches}.items():
            if label == "postgres":
                continue
            cells = "  ".join(f"{int(k):>7,}: {by_size[k]:>6}" for k in map(str, SIZES))
            ratio = by_size["100000"] / by_size["1000"]
            print(f"  {label:<18} {cells}  ({ratio:.2f}x)")
    d = r["append_delta_bytes"]
    print(f"append delta: {d['100']:,} B at 100 history, {d['10000']:,} B at 10k history")


if __name__ == "__main__":
    results = main()
    report(results)
    keep = {
        k: results[k]
        for k in (
            "first_page_ms",
            "seed_style_ms",
            "page_bytes_ratio",
            "append_delta_bytes",
            "state_load_ms",
            "page_bytes",
            "search_first_page_ms",
        )
    }
    (ROOT / "bench" / "results.json").write_text(json.dumps(keep, indent=2) + "\n")
    print(json.dumps(keep))
