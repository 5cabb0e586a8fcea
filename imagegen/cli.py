"""The `imagegen` command: generate, list, fetch and cancel from a terminal, with the same
HTTP API and a personal API key (IMAGEGEN_URL, IMAGEGEN_API_KEY, or `imagegen login`)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(help="imagegen from a terminal: your images, through your API key.")
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
DEFAULT_URL = "http://localhost:3000"
ENDED = ("COMPLETED", "FAILED", "CANCELLED")
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def config_path() -> Path:
    """Where `imagegen login` keeps the URL and key (the user's config dir, mode 0600)."""
    return Path(typer.get_app_dir("imagegen")) / "config.json"


def _config() -> dict[str, str]:
    try:
        return json.loads(config_path().read_text())
    except (OSError, ValueError):
        return {}


def _client() -> httpx.Client:
    conf = _config()
    url = os.environ.get("IMAGEGEN_URL") or conf.get("url") or DEFAULT_URL
    key = os.environ.get("IMAGEGEN_API_KEY") or conf.get("key") or ""
    if not key:
        _fail("No API key: run `imagegen login`, or set IMAGEGEN_API_KEY.")
    return httpx.Client(
        base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=60
    )


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _call(client: httpx.Client, method: str, path: str, **kw: Any) -> dict:
    """One API call; its error, if any, said plainly, with a non-zero exit."""
    try:
        r = client.request(method, path, **kw)
    except httpx.HTTPError as e:
        _fail(f"cannot reach {client.base_url} ({type(e).__name__})")
    try:
        body = r.json()
    except ValueError:
        body = {}
    if r.status_code >= 400:
        _fail(body.get("error") or f"HTTP {r.status_code}")
    return body


@app.command()
def login(
    url: Annotated[str, typer.Option(prompt="imagegen URL")] = DEFAULT_URL,
    key: Annotated[str, typer.Option(prompt="API key", hide_input=True)] = "",
) -> None:
    """Checks a key against the server, then keeps it (mode 0600) for the other commands."""
    client = httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"})
    _call(client, "GET", "/api/images/user", params={"limit": 1})
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url, "key": key}, f)
    os.chmod(path, 0o600)
    out.print(f"Signed in to {url}; the key is kept in {path}.")


def _save(client: httpx.Client, gen: dict, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for img in gen["images"]:
        target = folder / img["filename"]
        r = client.get(img["downloadUrl"])
        if r.status_code >= 400:
            _fail(f"could not download {img['filename']} (HTTP {r.status_code})")
        target.write_bytes(r.content)
        saved.append(target)
    return saved


def _follow(client: httpx.Client, gid: str, quiet: bool) -> dict:
    """Polls the generation, with a live bar (queue position, then percent); Ctrl+C offers
    to cancel it."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=err, disable=quiet, transient=False,
    )  # fmt: skip
    with progress:
        task = progress.add_task("Queued", total=100)
        while True:
            try:
                gen = _call(client, "GET", f"/api/generations/{gid}")["generation"]
                if gen["status"] in ENDED:
                    progress.update(task, completed=100 if gen["status"] == "COMPLETED" else 0)
                    return gen
                info = gen.get("progress") or {}
                ahead = info.get("queuePosition") or 0
                if ahead:
                    progress.update(task, description=f"Queued ({ahead} ahead)", completed=0)
                else:
                    progress.update(task, description="Rendering", completed=info.get("percent", 0))
                time.sleep(0.25)
            except KeyboardInterrupt:
                progress.stop()
                if typer.confirm("Cancel the generation?", default=True, err=True):
                    _call(client, "POST", f"/api/generations/{gid}/cancel")
                    err.print(f"Cancelled {gid}.")
                    raise typer.Exit(130) from None
                progress.start()


@app.command()
def generate(
    prompt: str,
    n: Annotated[int, typer.Option("-n", "--num-images", min=1, max=4)] = 1,
    engine: Annotated[str | None, typer.Option()] = None,
    model: Annotated[str | None, typer.Option()] = None,
    size: Annotated[str | None, typer.Option(help="WIDTHxHEIGHT, e.g. 768x1024")] = None,
    seed: Annotated[int | None, typer.Option()] = None,
    negative: Annotated[str, typer.Option(help="A negative prompt")] = "",
    out_dir: Annotated[Path, typer.Option("--out", help="Where the images are saved")] = Path(),
    as_json: JsonOpt = False,
) -> None:
    """Generates, shows its progress, and saves each image as it is made."""
    body: dict[str, Any] = {"prompt": prompt, "numImages": n, "negativePrompt": negative}
    if size:
        w, _, h = size.lower().partition("x")
        if not (w.isdigit() and h.isdigit()):
            _fail(f"--size must be WIDTHxHEIGHT, not {size!r}", 2)
        body |= {"width": int(w), "height": int(h)}
    body |= {k: v for k, v in (("engine", engine), ("model", model), ("seed", seed)) if v}
    with _client() as client:
        gid = _call(client, "POST", "/api/images/generate", json=body)["generation"]["id"]
        if not as_json:
            err.print(f"Generation {gid} submitted.")
        gen = _follow(client, gid, quiet=as_json)
        if gen["status"] != "COMPLETED":
            if as_json:
                out.print_json(data=gen)
            _fail(
                f"the generation {gen['status'].lower()}: {gen.get('error') or 'no reason given'}"
            )
        saved = _save(client, gen, out_dir)
    if as_json:
        out.print_json(data={**gen, "saved": [str(p) for p in saved]})
        return
    for path in saved:
        out.print(f"Saved {path}")


@app.command("ls")
def list_(
    search: Annotated[str | None, typer.Option("--search", "-q")] = None,
    favorites: Annotated[bool, typer.Option("--favorites")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Your newest generations (search words of the prompt; only starred ones)."""
    params: dict[str, Any] = {"limit": limit}
    if search:
        params["q"] = search
    if favorites:
        params["favorites"] = "true"
    with _client() as client:
        page = _call(client, "GET", "/api/images/user", params=params)
    if as_json:
        out.print_json(data=page["generations"])
        return
    table = Table("id", "created", "images", "prompt")
    for g in page["generations"]:
        table.add_row(g["id"], g["createdAt"][:16].replace("T", " "), str(len(g["images"])),
                      g["prompt"][:60])  # fmt: skip
    out.print(table)


@app.command()
def get(generation_id: str, as_json: JsonOpt = False) -> None:
    """One generation: status, parameters, images."""
    with _client() as client:
        gen = _call(client, "GET", f"/api/generations/{generation_id}")["generation"]
    if as_json:
        out.print_json(data=gen)
        return
    out.print(f"[bold]{gen['prompt']}[/bold]\n{gen['status']} · {gen['engine']} {gen['model']}"
              f" · {gen['width']}x{gen['height']} · seed {gen['seed']}")  # fmt: skip
    for img in gen["images"]:
        out.print(f"  {img['id']}  {img['filename']}  {img['width']}x{img['height']}")


@app.command()
def download(
    generation_id: str,
    out_dir: Annotated[Path, typer.Option("--out")] = Path(),
    as_json: JsonOpt = False,
) -> None:
    """Saves a generation's images."""
    with _client() as client:
        gen = _call(client, "GET", f"/api/generations/{generation_id}")["generation"]
        saved = _save(client, gen, out_dir)
    if as_json:
        out.print_json(data=[str(p) for p in saved])
        return
    for path in saved:
        out.print(f"Saved {path}")


@app.command()
def cancel(generation_id: str) -> None:
    """Stops one of your generations in flight."""
    with _client() as client:
        _call(client, "POST", f"/api/generations/{generation_id}/cancel")
    out.print(f"Cancelled {generation_id}.")


@app.command()
def engines(as_json: JsonOpt = False) -> None:
    """The worker's engines and models, and whether each is available."""
    with _client() as client:
        cat = _call(client, "GET", "/api/engines")
    if as_json:
        out.print_json(data=cat)
        return
    table = Table("engine", "available", "models")
    for e in cat["engines"]:
        ok = "yes" if e["available"] else f"no: {e.get('reason') or ''}"
        table.add_row(f"{e['label']} ({e['name']})", ok, ", ".join(e["models"]))
    out.print(table)


def main() -> None:
    """The console script's entry point (SIGINT reaches Python as KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    app(prog_name="imagegen")


if __name__ == "__main__":
    main()
