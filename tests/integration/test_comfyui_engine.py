"""The ComfyUI engine against a local server in ComfyUI's documented shapes."""

from __future__ import annotations

import threading

import pytest

from imagegen.worker.engines import Cancelled, EngineError, RenderControl, RenderRequest
from imagegen.worker.engines.comfyui import ComfyUIEngine, fill_workflow
from tests.fakes import comfyui_server
from tests.helpers import ThreadedServer, free_port


@pytest.fixture
def fake():
    app = comfyui_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, server.url


def _engine(url: str, timeout: float = 30) -> ComfyUIEngine:
    return ComfyUIEngine(url, "", timeout, 1)


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
    sent = app.state.prompts[0]["prompt"]
    assert sent["3"]["inputs"]["seed"] == 99 and sent["5"]["inputs"]["batch_size"] == 2
    assert sent["6"]["inputs"]["text"] == "a koi pond" and sent["7"]["inputs"]["text"] == "blur"
    assert sent["4"]["inputs"]["ckpt_name"] == comfyui_server.CHECKPOINT
    assert seen[-1] == 1.0 and len(seen) >= 10


def test_cancel_interrupts(fake):
    app, url = fake
    control = RenderControl()
    app.state.script = ["slow"]
    threading.Timer(0.5, control.cancel).start()
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    assert app.state.interrupts == 1


def test_failures_are_clear(fake):
    app, url = fake
    app.state.script = ["bad_workflow"]
    with pytest.raises(EngineError, match="HTTP 400: Prompt outputs failed validation"):
        _engine(url).generate(_req())
    app.state.script = ["exec_error"]
    with pytest.raises(EngineError, match="ComfyUI failed: Allocation on device 0"):
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
    with pytest.raises(EngineError, match="did not finish within 1 s"):
        _engine(url, timeout=1).generate(_req())


def test_unreachable_server():
    engine = _engine("http://127.0.0.1:9")
    ok, reason = engine.availability()
    assert not ok and "unreachable" in reason
    with pytest.raises(EngineError, match="websocket is unreachable"):
        engine.generate(_req())
