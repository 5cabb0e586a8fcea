"""The AUTOMATIC1111 engine against a local server in its documented shapes."""

from __future__ import annotations

import io
import threading
import time

import pytest
from PIL import Image

from imagegen.worker.engines import Cancelled, EngineError, RenderControl, RenderRequest
from imagegen.worker.engines.automatic1111 import LOADED, Automatic1111Engine
from tests.fakes import a1111_server
from tests.helpers import ThreadedServer, free_port


@pytest.fixture
def fake():
    app = a1111_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, server.url


def _engine(url: str, password: str = a1111_server.PASSWORD, timeout: float = 30):
    return Automatic1111Engine(url, a1111_server.USER, password, timeout, 1)


def _req(**kw) -> RenderRequest:
    base = {
        "prompt": "a lighthouse",
        "negative_prompt": "fog",
        "width": 512,
        "height": 512,
        "num_images": 2,
        "seed": 7,
        "model": LOADED,
    }
    return RenderRequest(**{**base, **kw})


def test_txt2img_with_its_progress(fake):
    app, url = fake
    engine = _engine(url)
    assert engine.availability() == (True, "")
    assert engine.capabilities().models == [LOADED, "v1-5-pruned-emaonly"]
    seen: list[float] = []
    images = engine.generate(
        _req(model="v1-5-pruned-emaonly"), RenderControl(lambda f, _p: seen.append(f))
    )
    assert len(images) == 2
    png = Image.open(io.BytesIO(images[1].data))
    assert "Seed: 8" in png.info["parameters"]  # the server's own parameters chunk is kept
    body = app.state.requests[0]
    assert body["negative_prompt"] == "fog" and body["batch_size"] == 2 and body["seed"] == 7
    assert body["override_settings"] == {"sd_model_checkpoint": "v1-5-pruned-emaonly"}
    assert seen and 0 < max(seen) <= 1


def test_sd15_portrait_and_any_size_in_steps_of_8(fake):
    """A1111 takes 64-2048 in steps of 8: 512x768 was refused when only a list was offered."""
    app, url = fake
    engine = _engine(url)
    caps = engine.capabilities()
    assert caps.allows(LOADED, 512, 768) and caps.allows(LOADED, 1216, 832)
    assert not caps.allows(LOADED, 500, 768) and not caps.allows(LOADED, 4096, 512)
    images = engine.generate(_req(width=512, height=768, num_images=1))
    assert (images[0].width, images[0].height) == (512, 768)
    assert (app.state.requests[-1]["width"], app.state.requests[-1]["height"]) == (512, 768)


def test_cancel_interrupts_the_server(fake):
    app, url = fake
    app.state.script = ["slow"]  # 20 s uninterrupted
    control = RenderControl()
    threading.Timer(0.8, control.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    # Far under the render's 20 s: the interrupt ended it (margin for a loaded machine).
    assert app.state.interrupts == 1 and time.monotonic() - started < 8


def test_wrong_password_unavailable_and_refused(fake):
    _app, url = fake
    engine = _engine(url, password="nope")
    assert engine.availability() == (False, "the server refused the username or password (401)")
    with pytest.raises(EngineError, match=r"refused the credentials \(401\): Incorrect username"):
        engine.generate(_req())


def test_429_5xx_timeout_and_malformed(fake):
    app, url = fake
    app.state.script = ["429"]
    assert len(_engine(url).generate(_req())) == 2  # retried after Retry-After
    app.state.script = ["429", "429"]
    with pytest.raises(EngineError, match=r"rate limiting requests \(429\) after 2 attempts"):
        _engine(url).generate(_req())
    app.state.script = ["500", "500"]
    with pytest.raises(EngineError, match="HTTP 500 after 2 attempts: CUDA out of memory"):
        _engine(url).generate(_req())
    app.state.script = ["slow"]
    with pytest.raises(EngineError, match="did not answer within 1 s"):
        _engine(url, timeout=1).generate(_req())
    app.state.script = ["malformed"]
    with pytest.raises(EngineError, match="had no images"):
        _engine(url).generate(_req())


def test_unreachable_server_is_unavailable_with_the_reason():
    engine = _engine("http://127.0.0.1:9")
    ok, reason = engine.availability()
    assert not ok and "unreachable" in reason
    assert engine.capabilities().models == [LOADED]
