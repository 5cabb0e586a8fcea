"""The studio as a user feels it, on the production build that `make run` serves.

Starts `scripts/run.sh` (worker + `reflex run --env prod`) on free ports with a throwaway data
directory, then measures, in one run so that ratios compare like with like on a noisy machine:

- Lighthouse (npm `lighthouse`, on Debian's chromium): performance, accessibility and best
  practices of the sign-in page and of the signed-in studio;
- infinite scroll: the websocket bytes each step receives (steps 1, 10 and 40), the time of a
  step, and the DOM's size once 2,000 generations are loaded;
- Generate → its card on screen (median of 20, timed in the page);
- another tab: a generation submitted through the API, card on screen after the submit, and
  its images on screen after the completion webhook (the row's completed_at), medians of 20.

Prints a table and writes bench/studio.json. Not a test: nothing here passes or fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import CHROMIUM_ARGS  # noqa: E402 (after the path)

LIGHTHOUSE = ROOT / ".tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
HISTORY = 2_000  # generations loaded by scrolling
STEPS_REPORTED = (1, 10, 40)
RUNS = 20
PAGE = 24  # generations per scroll step (imagegen.state.gallery.PAGE_SIZE)
CARDS = "#gallery-grid .generation-card"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data: Path, port: int, worker_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "IMAGEGEN_DATA_DIR": str(data),
        "PORT": str(port),
        "IMAGEGEN_WORKER_PORT": str(worker_port),
        "IMAGEGEN_PROCEDURAL_STEP_MS": "0",
        "PYTHONDONTWRITEBYTECODE": "",
        # bun from .tools (Reflex's build), as the Makefile puts it first
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{ROOT / '.venv/bin'}:{os.environ['PATH']}",
    }
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "imagegen.migrate"], env=env, check=True)
    log = open(data / "app.log", "w")  # noqa: SIM115 (lives as long as the app)
    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the app stopped; see {data / 'app.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                # The page itself, once: the first request after a build can be slow.
                httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=60, follow_redirects=True)
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    sys.exit("the app did not start within 600 s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def lighthouse(url: str, cookie: str | None) -> dict[str, float]:
    """Lighthouse's category scores (0–100) and total blocking time for one page."""
    if not LIGHTHOUSE.exists():
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(LIGHTHOUSE.parents[2]),
             "lighthouse@12.2.3"],
            check=True,
        )  # fmt: skip
    cmd = [
        str(LIGHTHOUSE), url, "--output=json", "--quiet", f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new " + " ".join(CHROMIUM_ARGS),
        "--only-categories=performance,accessibility,best-practices",
    ]  # fmt: skip
    if cookie:
        cmd.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        return {"error": out.stderr[-300:]}  # type: ignore[dict-item]
    report = json.loads(out.stdout)
    scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    scores["tbt_ms"] = round(report["audits"]["total-blocking-time"]["numericValue"])
    scores["lcp_ms"] = round(report["audits"]["largest-contentful-paint"]["numericValue"])
    return scores


def seed_history(owner_id: str, n: int, client: httpx.Client) -> None:
    """n older generations written straight to the database (scrolling loads them), each
    with real files (copies of one rendered image), so tiles have their size as in use."""
    from imagegen.services.storage import get_storage
    from tests.helpers import insert_generation

    first = client.get("/api/images/user", params={"limit": 1}).json()["generations"][0]
    png = httpx.get(first["images"][0]["fileUrl"]).content
    thumb = httpx.get(first["images"][0]["thumbnailUrl"]).content
    storage = get_storage()
    t0 = datetime.now(UTC) - timedelta(days=30)
    for k in range(n):
        gid = insert_generation(
            owner_id, f"History {k:04d} a quiet field", created_at=t0 + timedelta(minutes=k)
        )
        storage.put(f"generations/{gid}/0.png", png, "image/png")
        storage.put(f"generations/{gid}/0.thumb.webp", thumb, "image/webp")


def main() -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    if os.environ.get("BENCH_APP"):  # an app already running (its IMAGEGEN_DATA_DIR set here)
        proc, base = None, os.environ["BENCH_APP"].rstrip("/")
    else:
        port, worker_port = free_port(), free_port()
        os.environ["IMAGEGEN_DATA_DIR"] = str(tmp)  # this process writes the seeded rows
        proc = start_app(tmp, port, worker_port)
        base = f"http://127.0.0.1:{port}"
    results: dict = {}
    try:
        r = httpx.post(
            f"{base}/api/auth/signup",
            json={
                "email": f"bench{time.time_ns()}@example.com",
                "password": "correct horse battery",
            },
        )
        token = r.json()["token"]
        client = httpx.Client(
            base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        uid = client.get("/api/auth/me").json()["id"]
        from tests.helpers import wait_status

        for k in range(12):  # a studio with real images, as Lighthouse should see it
            gid = client.post(
                "/api/images/generate", json={"prompt": f"Lighthouse {k} at dawn", "numImages": 2}
            ).json()["generation"]["id"]
            wait_status(client, gid, timeout=120)
        cookie = f"imagegen_session={token}"
        results["lighthouse"] = (
            {}
            if os.environ.get("BENCH_SKIP_LIGHTHOUSE")
            else {
                "sign-in": lighthouse(f"{base}/sign-in", None),
                "studio": lighthouse(f"{base}/generate-images", cookie),
            }
        )
        seed_history(uid, HISTORY, client)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # Playwright's wait_for_function evaluates a string, which the app's CSP forbids.
            ctx = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
            ctx.add_cookies([{"name": "imagegen_session", "value": token, "url": base}])
            print("lighthouse:", results["lighthouse"], flush=True)
            results["scroll"] = scroll(ctx, base)
            print("scroll:", results["scroll"], flush=True)
            results["generate_to_card_ms"] = generate_to_card(ctx, base)
            print("generate → card:", results["generate_to_card_ms"], flush=True)
            results["other_tab"] = other_tab(ctx, base, client)
            browser.close()
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    (ROOT / "bench" / "studio.json").write_text(json.dumps(results, indent=2))
    report(results)


def scroll(ctx, base: str) -> dict:  # noqa: ANN001
    """Loads HISTORY generations by scrolling; websocket bytes received per step."""
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    received = [0]
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda e: received.__setitem__(0, received[0] + len(e["response"]["payloadData"])),
    )
    page.goto(f"{base}/generate-images")
    page.wait_for_selector(CARDS)
    page.wait_for_load_state("networkidle")
    steps: list[dict] = []
    while True:
        before_cards = page.locator(CARDS).count()
        if before_cards >= HISTORY:
            break
        before = received[0]
        t0 = time.perf_counter()
        # One step: the gallery's load_more, as the sentinel at its end (or Load more) calls it.
        more = page.locator("#load-more")
        if more.count() == 0:
            break
        page.evaluate("document.querySelector('#load-more').click()")  # as it moves
        try:
            page.wait_for_function(
                f"document.querySelectorAll('{CARDS}').length > {before_cards}", timeout=30_000
            )
        except Exception:  # noqa: BLE001 (the end of the history, or a stalled step)
            break
        ms = (time.perf_counter() - t0) * 1000
        page.wait_for_timeout(300)  # the step's last frames (the sentinel may load more too)
        cards = page.locator(CARDS).count()
        pages = max(1, round((cards - before_cards) / PAGE))
        steps.append(
            {
                "cards": cards,
                "pages": pages,
                "bytes": received[0] - before,
                "bytes_per_page": (received[0] - before) // pages,
                "ms": round(ms),
            }
        )
    # A step is one page loaded; a click can load more than one (the sentinel joins in).
    done, out = 0, {}
    for st in steps:
        done += st["pages"]
        for n in STEPS_REPORTED:
            if done >= n and f"step_{n}" not in out:
                out[f"step_{n}"] = st
    out["steps"] = len(steps)
    out["last_step"] = steps[-1] if steps else {}
    out["loaded"] = page.locator(CARDS).count()
    out["dom_nodes"] = page.evaluate("document.getElementsByTagName('*').length")
    page.close()
    return out


def generate_to_card(ctx, base: str) -> float:  # noqa: ANN001
    """Median ms from the Generate click to its card in the gallery, timed in the page."""
    page = ctx.new_page()
    page.goto(f"{base}/generate-images")
    page.wait_for_selector(CARDS)
    times = []
    for k in range(RUNS):
        page.wait_for_selector("#generate:not([disabled])")  # the last submit has ended
        page.fill("#prompt", f"Timed {k} a red kite")
        page.wait_for_timeout(150)  # a user moving to the button
        ms = page.evaluate(
            """(n) => new Promise((done) => {
              const has = () => [...document.querySelectorAll('#gallery-grid .generation-card')]
                .some((c) => c.textContent.includes('Timed ' + n + ' a red kite'));
              const t0 = performance.now();
              const obs = new MutationObserver(() => {
                if (has()) { obs.disconnect(); done(performance.now() - t0); }
              });
              obs.observe(document.body, { childList: true, subtree: true, characterData: true });
              setTimeout(() => { obs.disconnect(); done(-1); }, 15000);
              document.querySelector('#generate').click();
            })""",
            k,
        )
        if ms < 0:
            toast = page.locator("[data-sonner-toast]").all_inner_texts()
            print(f"  Generate {k}: no card within 15 s (toasts: {toast})", flush=True)
            continue
        times.append(ms)
        page.wait_for_timeout(200)
    page.close()
    return round(statistics.median(times), 1) if times else -1


def idle(client: httpx.Client, timeout: float = 120) -> None:
    """Waits until none of the user's generations is in flight (the last phase's stragglers
    would take the worker and the in-flight limit)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = client.get("/api/images/user", params={"limit": 50, "status": "all"})
        gens = r.json().get("generations", [])
        if not any(g["status"] in ("PENDING", "PROCESSING") for g in gens):
            return
        time.sleep(0.5)


def other_tab(ctx, base: str, client: httpx.Client) -> dict:  # noqa: ANN001
    """A tab left open while generations are submitted through the API."""
    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration, as_utc

    page = ctx.new_page()
    page.goto(f"{base}/generate-images")
    page.wait_for_selector(CARDS)
    page.evaluate(
        """() => { window.__seen = {}; window.__imgs = {};
        new MutationObserver(() => {
          for (const c of document.querySelectorAll('#gallery-grid .generation-card')) {
            const id = c.dataset.generationId;
            if (!id) continue;
            if (!(id in __seen)) __seen[id] = Date.now();
            if (!(id in __imgs) && c.querySelector('.gen-tile img')) __imgs[id] = Date.now();
          }
        }).observe(document.body, { childList: true, subtree: true, attributes: true }); }"""
    )
    card_ms, image_ms = [], []
    idle(client)
    for k in range(RUNS):
        t0 = time.time() * 1000
        gid = client.post(
            "/api/images/generate", json={"prompt": f"Elsewhere {k} a blue heron"}
        ).json()["generation"]["id"]
        try:
            page.wait_for_function(f"(window.__imgs || {{}})['{gid}']", timeout=30_000)
        except Exception:  # noqa: BLE001 (recorded, the run goes on)
            print(f"  other tab {k}: no images within 30 s", flush=True)
            continue
        seen, imgs = page.evaluate(f"[__seen['{gid}'], __imgs['{gid}']]")
        with session_scope() as db:
            done = db.get(ImageGeneration, gid).completed_at
        card_ms.append(seen - t0)
        image_ms.append(imgs - as_utc(done).timestamp() * 1000)
    page.close()
    return {
        "card_after_submit_ms": round(statistics.median(card_ms)),
        "images_after_webhook_ms": round(statistics.median(image_ms)),
    }


def report(r: dict) -> None:
    print("\n## Studio bench (production build, this machine)\n")
    for name, s in r.get("lighthouse", {}).items():
        print(f"Lighthouse {name}: {s}")
    sc = r.get("scroll", {})
    for n in STEPS_REPORTED:
        st = sc.get(f"step_{n}")
        if st:
            per, ms, cards = st["bytes_per_page"], st["ms"], st["cards"]
            print(f"scroll step {n}: {per:,} bytes per page of {PAGE}, {ms} ms ({cards} cards)")
    print(
        f"after {sc.get('steps')} steps: {sc.get('loaded')} cards, "
        f"{sc.get('dom_nodes', 0):,} DOM nodes, last step {sc.get('last_step')}"
    )
    print(f"Generate → card, median of {RUNS}: {r.get('generate_to_card_ms')} ms")
    print(f"another tab, medians of {RUNS}: {r.get('other_tab')}")


if __name__ == "__main__":
    main()
