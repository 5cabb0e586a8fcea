"""The OpenAI Images engine against a local server in OpenAI's documented shapes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imagegen.worker.engines import EngineError, RenderRequest
from imagegen.worker.engines.openai_images import OpenAIImagesEngine
from tests.fakes import openai_server
from tests.helpers import ThreadedServer, free_port, reset_caches, signup, wait_status


@pytest.fixture
def fake():
    app = openai_server.create_app()
    with ThreadedServer(app, free_port()) as server:
        yield app, f"{server.url}/v1"


def _engine(base: str, key: str = openai_server.KEY, timeout: float = 10, retries: int = 2):
    return OpenAIImagesEngine(key, base, timeout, retries)


def _req(**kw) -> RenderRequest:
    base = {
        "prompt": "a heron",
        "width": 1024,
        "height": 1024,
        "num_images": 2,
        "model": "gpt-image-1",
    }
    return RenderRequest(**{**base, **kw})


def test_images_come_back_as_pngs_with_parameters(fake):
    app, base = fake
    images = _engine(base).generate(_req())
    assert len(images) == 2 and images[0].width == 1024
    png = Image.open(io.BytesIO(images[0].data))
    assert png.format == "PNG" and "a heron" in png.info["parameters"]
    sent = app.state.requests[0]
    assert sent["auth"] == f"Bearer {openai_server.KEY}"
    assert sent["body"] == {
        "model": "gpt-image-1",
        "prompt": "a heron",
        "n": 2,
        "size": "1024x1024",
    }


def test_dall_e_3_rules_and_response_format(fake):
    app, base = fake
    engine = _engine(base)
    with pytest.raises(EngineError, match="at most 1"):
        engine.generate(_req(model="dall-e-3", num_images=2))
    with pytest.raises(EngineError, match="not 1536x1024"):
        engine.generate(_req(model="dall-e-3", num_images=1, width=1536, height=1024))
    engine.generate(_req(model="dall-e-3", num_images=1, width=1792, height=1024))
    assert app.state.requests[-1]["body"]["response_format"] == "b64_json"


def test_401_fails_at_once_with_the_providers_reason(fake):
    app, base = fake
    with pytest.raises(EngineError, match=r"refused the credentials \(401\): Incorrect API key"):
        _engine(base, key="sk-bad").generate(_req())
    assert len(app.state.requests) == 1  # not retried


def test_429_is_retried_after_retry_after_then_succeeds(fake):
    app, base = fake
    app.state.script = ["429"]
    assert len(_engine(base).generate(_req())) == 2
    assert len(app.state.requests) == 2


def test_429_and_5xx_give_up_after_a_bounded_number_of_attempts(fake):
    app, base = fake
    app.state.script = ["429", "429"]
    with pytest.raises(EngineError, match=r"rate limiting requests \(429\) after 2 attempts"):
        _engine(base, retries=1).generate(_req())
    app.state.script = ["500", "500", "500"]
    with pytest.raises(EngineError, match="HTTP 500 after 2 attempts: The server had an error"):
        _engine(base, retries=1).generate(_req())


def test_timeout_and_malformed_answers_are_clear_failures(fake):
    app, base = fake
    app.state.script = ["slow"]
    with pytest.raises(EngineError, match="did not answer within 1 s"):
        _engine(base, timeout=1).generate(_req())
    app.state.script = ["malformed"]
    with pytest.raises(EngineError, match="had no images"):
        _engine(base).generate(_req())
    app.state.script = ["notjson"]
    with pytest.raises(EngineError, match="not JSON"):
        _engine(base).generate(_req())


def test_availability_reports_a_refused_key(fake):
    app, base = fake
    assert _engine(base).availability() == (True, "")
    assert _engine(base, key="sk-bad").availability() == (False, "the API key was refused (401)")
    assert _engine("http://127.0.0.1:9/v1").availability()[0] is False


def test_a_compatible_server_without_models_is_offered_as_unchecked(fake):
    app, base = fake
    app.state.models_status = 404  # it serves /images/generations only
    engine = _engine(base)
    ok, reason = engine.availability()
    assert ok and "unknown" in reason
    assert engine.info().label == "OpenAI Images (not checked)" and engine.info().available
    assert len(engine.generate(_req())) == 2


def test_whole_flow_through_the_worker(fake, stack, monkeypatch):
    """The worker offers OpenAI when its key is set; failures end the generation FAILED."""
    from tests.helpers import start_worker

    app, base = fake
    stack["worker"].kill()
    stack["worker"].wait()
    env = {
        **stack["env"],
        "OPENAI_API_KEY": openai_server.KEY,
        "OPENAI_BASE_URL": base,
        "IMAGEGEN_ENGINE_MAX_RETRIES": "1",
    }
    stack["worker"] = start_worker(env, stack["worker_port"], stack["tmp"] / "worker2.log")
    reset_caches()
    try:
        client = signup(stack["url"], "openai@example.com")
        engines = {e["name"]: e for e in client.get("/api/engines").json()["engines"]}
        assert engines["openai"]["available"] is True
        assert engines["openai"]["modelLimits"]["dall-e-3"]["maxImages"] == 1
        r = client.post(
            "/api/images/generate",
            json={"prompt": "a heron", "engine": "openai", "model": "dall-e-3", "numImages": 2},
        )
        assert r.status_code == 422 and "at most 1" in r.json()["error"]
        gid = client.post(
            "/api/images/generate",
            json={
                "prompt": "a heron",
                "engine": "openai",
                "model": "gpt-image-1",
                "numImages": 2,
            },
        ).json()["generation"]["id"]
        done = wait_status(client, gid)
        assert done["status"] == "COMPLETED" and len(done["images"]) == 2
        app.state.script = ["429", "429"]
        gid = client.post(
            "/api/images/generate", json={"prompt": "too many", "engine": "openai"}
        ).json()["generation"]["id"]
        failed = wait_status(client, gid)
        assert failed["status"] == "FAILED" and "rate limiting" in failed["error"]
    finally:
        stack["worker"].kill()


def test_from_an_image_goes_to_the_edits_endpoint_as_a_typed_file(fake):
    app, base = fake
    engine = _engine(base)
    caps = engine.capabilities()
    assert caps.supports_image_input and caps.strength_range is None  # edits take no strength
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (1, 2, 3)).save(buf, "JPEG")
    images = engine.generate(_req(init_image=buf.getvalue(), strength=0.7))
    assert len(images) == 2 and app.state.edited == (300, 200)
    sent = app.state.requests[-1]["edit"]
    assert sent == {"model": "gpt-image-1", "prompt": "a heron", "n": "2", "size": "1024x1024"}
    with pytest.raises(EngineError, match="dall-e-3 cannot start from an image"):
        engine.generate(_req(model="dall-e-3", num_images=1, init_image=buf.getvalue()))
