"""The AUTOMATIC1111 engine against a local server in its documented shapes."""

from __future__ import annotations

import base64
import io
import threading
import time

import httpx
import pytest
from PIL import Image

from imagegen.worker.engines import (
    Cancelled,
    EngineError,
    RenderControl,
    RenderRequest,
    automatic1111,
)
from imagegen.worker.engines.automatic1111 import LOADED, Automatic1111Engine
from tests.fakes import a1111_server
from tests.helpers import ThreadedServer, free_port


@pytest.fixture
def fake():
    app = a1111_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, server.url


def _engine(
    url: str, password: str = a1111_server.PASSWORD, timeout: float = 30, queue: float = 60
):
    return Automatic1111Engine(url, a1111_server.USER, password, timeout, 1, queue_timeout=queue)


def _other_client(url: str, steps: int) -> threading.Thread:
    """Another client's txt2img (another imagegen, the web UI): it holds the server's lock."""
    body = {
        "prompt": "theirs",
        "width": 64,
        "height": 64,
        "steps": steps,
        "force_task_id": "theirs",
    }

    def post() -> None:
        httpx.post(
            f"{url}/sdapi/v1/txt2img",
            json=body,
            auth=(a1111_server.USER, a1111_server.PASSWORD),
            timeout=60,
        )

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    _wait_for(
        lambda: httpx.post(f"{url}/internal/progress", json={"id_task": "theirs"}).json()["active"]
    )
    return thread


def _wait_for(check, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the fake never got there"
        time.sleep(0.05)


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
    with pytest.raises(
        EngineError, match=r"did not finish within 1 s of starting.*IMAGEGEN_ENGINE_TIMEOUT"
    ):
        _engine(url, timeout=1).generate(_req())
    assert app.state.interrupts == 1  # the server is not left rendering what nobody waits for
    app.state.script = ["malformed"]
    with pytest.raises(EngineError, match="had no images"):
        _engine(url).generate(_req())


def test_unreachable_server_is_unavailable_with_the_reason():
    engine = _engine("http://127.0.0.1:9")
    ok, reason = engine.availability()
    assert not ok and "unreachable" in reason
    assert engine.capabilities().models == [LOADED]


def test_time_waiting_in_the_servers_queue_is_not_run_time(fake):
    """Ours waits ~2.5 s behind another client's job, then runs ~2 s: over a 3 s run limit in
    all, but neither part is, so it succeeds (it failed when the limit counted the wait)."""
    app, url = fake
    theirs = _other_client(url, steps=25)
    seen: list[tuple[float, float]] = []
    images = _engine(url, timeout=3, queue=30).generate(
        _req(num_images=1), RenderControl(lambda f, _p: seen.append((time.time(), f)))
    )
    assert len(images) == 1 and app.state.interrupts == 0
    assert app.state.steps_run["theirs"] == 25  # theirs ran whole
    theirs.join(5)
    # The progress shown is ours, not the other job's: none was reported while ours waited.
    assert seen and min(t for t, _f in seen) >= app.state.ended_at["theirs"]
    assert max(f for _t, f in seen) <= 1


def test_a_job_that_waits_too_long_fails_and_spares_the_running_one(fake):
    app, url = fake
    theirs = _other_client(url, steps=40)
    started = time.monotonic()
    with pytest.raises(
        EngineError, match=r"did not start the job within 1 s.*IMAGEGEN_ENGINE_QUEUE_TIMEOUT"
    ):
        _engine(url, timeout=30, queue=1).generate(_req())
    assert time.monotonic() - started < 6 and app.state.interrupts == 0
    ours = app.state.requests[-1]["force_task_id"]
    # A1111 cannot drop a waiting job: it starts once theirs ends, and is interrupted at once.
    _wait_for(lambda: ours in app.state.finished)
    assert app.state.steps_run["theirs"] == 40 and app.state.steps_run[ours] < 20
    theirs.join(5)


def test_cancel_while_waiting_stops_ours_only(fake):
    app, url = fake
    theirs = _other_client(url, steps=30)
    control = RenderControl()
    threading.Timer(0.6, control.cancel).start()
    with pytest.raises(Cancelled):
        _engine(url).generate(_req(), control)
    assert app.state.interrupts == 0  # a bare interrupt now would have stopped theirs
    ours = app.state.requests[-1]["force_task_id"]
    _wait_for(lambda: ours in app.state.finished)
    assert app.state.steps_run["theirs"] == 30 and app.state.steps_run[ours] < 20
    theirs.join(5)


def test_a_server_before_1_6_still_works_with_one_limit(fake, monkeypatch):
    """It ignores force_task_id, so all its time counts as run time, as before the split."""
    app, url = fake
    monkeypatch.setattr(automatic1111, "TASK_SEEN_S", 0.3)
    app.state.honours_task_id = False
    assert len(_engine(url).generate(_req(num_images=1))) == 1
    app.state.script = ["slow"]
    with pytest.raises(EngineError, match="did not finish within 1 s"):
        _engine(url, timeout=1).generate(_req())


def _png_bytes(size: tuple[int, int] = (96, 64)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_img2img_sends_the_input_and_its_strength(fake):
    app, url = fake
    engine = _engine(url)
    caps = engine.capabilities()
    assert caps.supports_image_input and caps.strength_range is not None
    images = engine.generate(_req(num_images=1, init_image=_png_bytes(), strength=0.35))
    assert len(images) == 1
    body = app.state.requests[-1]
    assert body["denoising_strength"] == 0.35 and body["resize_mode"] == 1
    sent = Image.open(io.BytesIO(base64.b64decode(body["init_images"][0])))
    assert sent.size == (96, 64)
    assert body["force_task_id"] in app.state.finished  # the same queue bookkeeping as txt2img


def test_upscale_uses_the_servers_upscaler_or_declares_none(fake):
    app, url = fake
    engine = _engine(url)
    assert engine.capabilities().upscaler == "R-ESRGAN 4x+"
    big = engine.upscale(
        _req(num_images=1, width=192, height=128, init_image=_png_bytes()), RenderControl()
    )
    assert big is not None and (big.width, big.height) == (192, 128)
    assert app.state.extras[-1]["upscaler_1"] == "R-ESRGAN 4x+"
    assert "Upscaler: R-ESRGAN 4x+" in Image.open(io.BytesIO(big.data)).info["parameters"]
    # A server without that upscaler: none declared, and the worker's labelled resize is used.
    app.state.upscalers = []
    bare = _engine(url)
    assert bare.capabilities().upscaler == ""
    assert bare.upscale(_req(init_image=_png_bytes()), RenderControl()) is None
