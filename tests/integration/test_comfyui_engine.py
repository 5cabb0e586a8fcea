"""The ComfyUI engine against a local server that behaves as ComfyUI v0.12.1 does: its
message order (the history written after execution_success), its queue, its targeted cancel,
its validation errors and its loaders' model lists."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imagegen.worker.engines import Cancelled, EngineError, RenderControl, RenderRequest
from imagegen.worker.engines.comfyui import DEFAULT_WORKFLOW, ComfyUIEngine, fill_workflow
from tests.fakes import comfyui_server
from tests.helpers import ThreadedServer, free_port, wait_until


@pytest.fixture
def fake():
    app = comfyui_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, server.url


def _engine(url: str, timeout: float = 30, workflow: str = "") -> ComfyUIEngine:
    return ComfyUIEngine(url, workflow, timeout, 1)


def _req(**kw) -> RenderRequest:
    base = {
        "prompt": "a koi pond",
        "negative_prompt": "blur",
        "width": 512,
        "height": 768,
        "num_images": 2,
        "seed": 99,
        "model": comfyui_server.CHECKPOINT,
    }
    return RenderRequest(**{**base, **kw})


def test_slots_are_filled_with_the_right_types():
    filled = fill_workflow(
        {"a": {"inputs": {"seed": "{{seed}}", "text": "say {{prompt}}", "pair": ["{{width}}", 1]}}},
        {"seed": 5, "prompt": "hi", "width": 512},
    )
    assert filled == {"a": {"inputs": {"seed": 5, "text": "say hi", "pair": [512, 1]}}}


def test_a_workflow_runs_with_progress_over_the_websocket(fake):
    app, url = fake
    engine = _engine(url)
    assert engine.availability() == (True, "")
    assert engine.capabilities().models[0] == comfyui_server.CHECKPOINT
    seen: list[float] = []
    images = engine.generate(_req(), RenderControl(lambda f, _p: seen.append(f)))
    assert [(i.width, i.height) for i in images] == [(512, 768), (512, 768)]
    # One prompt per image (a ComfyUI batch shares one seed): image n comes from seed+n.
    sent = [p["prompt"] for p in app.state.prompts]
    assert [p["3"]["inputs"]["seed"] for p in sent] == [99, 100]
    assert [p["5"]["inputs"]["batch_size"] for p in sent] == [1, 1]
    params = [Image.open(io.BytesIO(i.data)).info["parameters"] for i in images]
    assert "Seed: 99" in params[0] and "Seed: 100" in params[1] and "Steps: 20" in params[0]
    sent = sent[0]
    assert sent["6"]["inputs"]["text"] == "a koi pond" and sent["7"]["inputs"]["text"] == "blur"
    assert sent["4"]["inputs"]["ckpt_name"] == comfyui_server.CHECKPOINT
    assert seen[-1] == 1.0 and len(seen) >= 10


def test_cancel_interrupts_our_running_prompt_only(fake):
    app, url = fake
    control = RenderControl()
    app.state.script = ["slow"]
    threading.Timer(0.5, control.cancel).start()
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    wait_until(lambda: len(app.state.history) == 1, 5, what="the interrupted run to end")
    ours = next(iter(app.state.history))
    assert app.state.interrupt_bodies == [{"prompt_id": ours}]  # never a bare /interrupt
    assert not _completed(app, ours)


def test_the_png_says_the_steps_the_workflow_ran(fake, tmp_path: Path):
    """A workflow with its own steps (no {{steps}} slot) is not reported as 20."""
    app, url = fake
    wf = json.loads(DEFAULT_WORKFLOW.read_text())
    wf["3"]["inputs"]["steps"] = 8
    path = tmp_path / "eight-steps.json"
    path.write_text(json.dumps(wf))
    images = _engine(url, workflow=str(path)).generate(_req(num_images=1))
    assert "Steps: 8" in Image.open(io.BytesIO(images[0].data)).info["parameters"]


def test_binary_preview_frames_become_the_cards_preview(fake):
    app, url = fake
    app.state.previews = True  # ComfyUI started with --preview-method
    app.state.script = ["slow"]  # 80 steps: a preview every 5 of them, at most two a second
    previews: list[bytes] = []
    _engine(url).generate(_req(), RenderControl(lambda _f, p: p and previews.append(p)))
    assert 2 <= len(previews) <= 16
    with Image.open(io.BytesIO(previews[0])) as img:  # small, as the pending card wants
        assert img.format == "WEBP" and max(img.size) <= 128


def test_every_run_ends_on_comfyuis_last_message_with_its_history(fake):
    """ComfyUI writes the history after execution_success: reading it then finds {}."""
    app, url = fake
    engine = _engine(url)
    for _ in range(3):
        assert len(engine.generate(_req())) == 2
    app.state.script = ["late_history"]  # even later than the end message: asked again
    assert len(engine.generate(_req())) == 2


def _theirs(url: str) -> str:
    """Another client's prompt, straight to ComfyUI (another user's, or another program's)."""
    workflow = fill_workflow(
        json.loads(DEFAULT_WORKFLOW.read_text()),
        {"prompt": "theirs", "negative": "", "seed": 1, "width": 64, "height": 64,
         "steps": 20, "batch": 1, "model": comfyui_server.CHECKPOINT},
    )  # fmt: skip
    r = httpx.post(f"{url}/prompt", json={"prompt": workflow, "client_id": "someone-else"})
    return r.json()["prompt_id"]


def _completed(app, prompt_id: str) -> bool:  # noqa: ANN001
    entry = app.state.history.get(prompt_id, {}).get(prompt_id)
    return bool(entry) and entry["status"]["completed"]


def test_cancel_of_a_waiting_prompt_removes_it_and_leaves_the_running_one(fake):
    app, url = fake
    app.state.script = ["slow"]
    theirs = _theirs(url)
    wait_until(lambda: app.state.running is not None, 5, what="their prompt to run")
    control = RenderControl()
    threading.Timer(0.6, control.cancel).start()  # ours still waits behind theirs
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    assert len(app.state.deleted) == 1 and app.state.deleted[0] != theirs
    wait_until(lambda: _completed(app, theirs), 30, what="their prompt to finish")
    assert app.state.deleted[0] not in app.state.history  # ours never ran


def test_cancel_of_our_running_prompt_spares_the_one_waiting_behind(fake):
    app, url = fake
    app.state.script = ["slow", "ok"]
    control = RenderControl()
    done: list[str] = []

    def submit_theirs() -> None:
        wait_until(lambda: app.state.running is not None, 5, what="ours to run")
        done.append(_theirs(url))
        control.cancel()

    threading.Thread(target=submit_theirs).start()
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    wait_until(lambda: bool(done) and _completed(app, done[0]), 30, what="theirs to run")
    assert app.state.deleted == []


def test_failures_are_clear(fake):
    app, url = fake
    app.state.seed_max = 16777215  # a node whose seed input stops there
    with pytest.raises(EngineError) as refused:
        _engine(url).generate(_req(seed=4_000_000_000))
    assert str(refused.value) == (
        "ComfyUI refused the workflow: KSampler (node 3): "
        "Value 4000000000 bigger than max of 16777215 (seed)"
    )
    app.state.script = ["output_invalid"]  # accepted (200) with a refused output
    with pytest.raises(EngineError, match=r"refused part of the workflow: SaveImage \(node 9\)"):
        _engine(url).generate(_req())
    app.state.script = ["exec_error"]
    with pytest.raises(EngineError, match=r"ComfyUI failed in KSampler \(node 3\): Allocation"):
        _engine(url).generate(_req())
    app.state.script = ["429"]
    assert len(_engine(url).generate(_req())) == 2  # retried after Retry-After
    app.state.script = ["500", "500"]
    with pytest.raises(EngineError, match="HTTP 500 after 2 attempts"):
        _engine(url).generate(_req())
    app.state.script = ["malformed"]
    with pytest.raises(EngineError, match="history for this prompt could not be read"):
        _engine(url).generate(_req())
    app.state.script = ["slow"]
    with pytest.raises(EngineError, match="did not finish within 1 s of starting the prompt"):
        _engine(url, timeout=1).generate(_req())


def test_a_wait_in_comfyuis_queue_has_its_own_limit(fake):
    """A busy server is not a failing one: the queue wait and the run have separate limits."""
    app, url = fake
    app.state.script = ["slower", "ok"]
    _theirs(url)  # 6 s of someone else's work ahead of ours
    wait_until(lambda: app.state.running is not None, 5, what="their prompt to run")
    patient = ComfyUIEngine(url, "", timeout=3, retries=1, queue_timeout=30)
    assert len(patient.generate(_req(num_images=1))) == 1  # waited 6 s, then ran within 3 s
    app.state.script = ["slower", "ok"]
    theirs = _theirs(url)
    wait_until(lambda: app.state.running is not None, 5, what="their prompt to run")
    hasty = ComfyUIEngine(url, "", timeout=30, retries=1, queue_timeout=1)
    with pytest.raises(EngineError, match="did not start the prompt within 1 s: it waited in"):
        hasty.generate(_req(num_images=1))
    assert len(app.state.deleted) == 1 and app.state.running["id"] == theirs  # ours left


def test_a_server_found_down_by_a_job_is_unavailable_at_once():
    server = ThreadedServer(comfyui_server.create_app(), free_port())
    with server:
        engine = _engine(server.url)
        assert engine.availability() == (True, "")  # and cached for a minute
    with pytest.raises(EngineError, match="unreachable"):
        engine.generate(_req(num_images=1))
    engine.after_failure()  # what the worker's runner does after a failed job
    ok, reason = engine.availability()
    assert not ok and "unreachable" in reason


def _workflow(tmp_path: Path, loader: dict | None) -> str:
    """The default workflow with its checkpoint loader replaced (or removed)."""
    wf = json.loads(DEFAULT_WORKFLOW.read_text())
    if loader is None:
        del wf["4"]
    else:
        wf["4"] = loader
    path = tmp_path / "workflow.json"
    path.write_text(json.dumps(wf))
    return str(path)


def test_models_come_from_the_loader_the_workflow_uses(fake, tmp_path: Path):
    app, url = fake
    unet = _engine(url, workflow=_workflow(
        tmp_path, {"class_type": "UNETLoader",
                   "inputs": {"unet_name": "{{model}}", "weight_dtype": "default"}}))  # fmt: skip
    assert unet.capabilities().models == comfyui_server.UNETS
    app.state.checkpoints = []  # an empty checkpoints folder
    assert unet.availability() == (True, "")
    assert not _engine(url).availability()[0]  # the checkpoint workflow has nothing to load
    named = _engine(url, workflow=_workflow(
        tmp_path, {"class_type": "CheckpointLoaderSimple",
                   "inputs": {"ckpt_name": "dreamshaper_8.safetensors"}}))  # fmt: skip
    caps = named.capabilities()  # no {{model}} slot: the workflow's own model, no choice
    assert caps.models == ["dreamshaper_8.safetensors"] == [caps.default_model]
    none = _engine(url, workflow=_workflow(tmp_path, None))
    assert none.availability() == (True, "")  # needs no model at all
    lacking = _engine(url, workflow=_workflow(
        tmp_path, {"class_type": "NunchakuLoader", "inputs": {"model": "{{model}}"}}))  # fmt: skip
    ok, reason = lacking.availability()
    assert not ok and "has no NunchakuLoader node" in reason


def test_unreachable_server():
    engine = _engine("http://127.0.0.1:9")
    ok, reason = engine.availability()
    assert not ok and "unreachable" in reason
    with pytest.raises(EngineError, match="websocket is unreachable"):
        engine.generate(_req())


def _green(size: tuple[int, int] = (300, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 220, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_img2img_uploads_the_input_and_runs_the_img2img_workflow(fake):
    app, url = fake
    engine = _engine(url)
    caps = engine.capabilities()
    assert caps.supports_image_input and caps.upscaler == ""  # no upscale workflow set
    images = engine.generate(_req(width=256, height=256, init_image=_green(), strength=0.0))
    assert len(images) == 2  # one prompt per image, as for txt2img (seed + n)
    (name,) = app.state.inputs  # uploaded once, into ComfyUI's input folder
    sent = app.state.prompts[-1]["prompt"]
    loader = next(n for n in sent.values() if n["class_type"] == "LoadImage")
    sampler = next(n for n in sent.values() if n["class_type"] == "KSampler")
    assert loader["inputs"]["image"] == name and sampler["inputs"]["denoise"] == 0.0
    assert [n["inputs"]["seed"] for p in app.state.prompts[-2:] for n in p["prompt"].values()
            if n["class_type"] == "KSampler"] == [99, 100]  # fmt: skip
    out = Image.open(io.BytesIO(images[0].data)).convert("RGB")
    assert out.size == (256, 256) and out.getpixel((5, 5))[1] > 200  # the input, kept


def test_a_missing_input_is_refused_with_comfyuis_reason(fake, tmp_path: Path):
    _app, url = fake
    workflow = json.loads((DEFAULT_WORKFLOW.parent / "img2img.json").read_text())
    workflow["10"]["inputs"]["image"] = "gone.png"  # a fixed name nobody uploaded
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps(workflow))
    engine = ComfyUIEngine(url, "", 30, 1, img2img_path=str(path))
    assert not engine.capabilities().supports_image_input  # no {{input_image}} slot: none
    upscale = ComfyUIEngine(
        url, "", 30, 1, upscale_path=str(DEFAULT_WORKFLOW.parent / "img2img.json")
    )
    assert upscale.capabilities().upscaler == "ComfyUI: img2img"
    big = upscale.upscale(_req(width=320, height=192, init_image=_green((160, 96))))
    assert big is not None and (big.width, big.height) == (320, 192)
    with pytest.raises(EngineError, match="Invalid image file: gone.png"):
        raw = ComfyUIEngine(url, str(path), 30, 1)  # as its txt2img: LoadImage of a lost file
        raw.generate(_req(num_images=1))
