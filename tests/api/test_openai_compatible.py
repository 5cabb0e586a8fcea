"""/v1, driven by the real `openai` client from PyPI: images.generate and images.edit in both
response formats, its error shapes, and the image in the gallery."""

from __future__ import annotations

import base64
import io

import httpx
import openai
import pytest
from PIL import Image

from tests.helpers import signup


@pytest.fixture
def keyed(stack):
    client = signup(stack["url"], "openai@example.com")
    key = client.post("/api/keys", json={"name": "notebook"}).json()["key"]
    return client, openai.OpenAI(base_url=f"{stack['url']}/v1", api_key=key, max_retries=0)


def test_generate_in_both_formats_lands_in_the_gallery(keyed):
    client, oa = keyed
    ids = [m.id for m in oa.models.list()]
    assert "procedural/procedural-v1" in ids
    r = oa.images.generate(prompt="A lighthouse at dawn", n=2, size="512x512")
    assert len(r.data) == 2
    png = Image.open(io.BytesIO(base64.b64decode(r.data[0].b64_json)))
    assert png.size == (512, 512) and "A lighthouse at dawn" in png.info["parameters"]
    r = oa.images.generate(
        prompt="A harbour", model="procedural-v1", size="768x512", response_format="url",
        quality="hd", style="vivid",  # accepted, and ignored by an engine that has neither
    )  # fmt: skip
    img = Image.open(io.BytesIO(httpx.get(r.data[0].url).content))
    assert img.size == (768, 512)
    gens = client.get("/api/images/user").json()["generations"]
    assert [g["prompt"] for g in gens] == ["A harbour", "A lighthouse at dawn"]
    assert {g["viaKey"] for g in gens} == {"notebook"}


def test_edit_starts_from_the_uploaded_image(keyed):
    client, oa = keyed
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (0, 200, 0)).save(buf, "PNG")
    buf.name = "green.png"
    r = oa.images.edit(image=buf, prompt="Greener", n=1)
    assert Image.open(io.BytesIO(base64.b64decode(r.data[0].b64_json))).size == (320, 240)
    (gen,) = client.get("/api/images/user").json()["generations"]
    assert gen["source"]["operation"] == "input" and gen["source"]["uploadId"]


def test_errors_come_in_openais_shape_and_statuses(stack, keyed):
    _client, oa = keyed
    bad = openai.OpenAI(base_url=f"{stack['url']}/v1", api_key="ig_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.images.generate(prompt="x")
    assert e.value.status_code == 401 and e.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.BadRequestError) as e:
        oa.images.generate(prompt="x", size="500x500")
    assert e.value.body["param"] == "width" and "64 to 2048 in steps of 8" in e.value.message
    with pytest.raises(openai.NotFoundError) as e:
        oa.images.generate(prompt="x", model="dall-e-9")
    assert e.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError):
        oa.images.generate(prompt="")
    client = _client
    read = client.post("/api/keys", json={"name": "viewer", "scope": "read"}).json()["key"]
    viewer = openai.OpenAI(base_url=f"{stack['url']}/v1", api_key=read, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        viewer.images.generate(prompt="x")
    assert [m.id for m in viewer.models.list()]  # reading is what it may do


def test_a_long_wait_answers_504_with_the_generation_id(stack, keyed, monkeypatch):
    from imagegen.settings.app import get_app_settings

    client, oa = keyed
    monkeypatch.setenv("IMAGEGEN_OPENAI_WAIT", "0.01")
    get_app_settings.cache_clear()
    with pytest.raises(openai.APIStatusError) as e:
        oa.images.generate(prompt="Patience", n=4, size="2048x2048")
    assert e.value.status_code == 504
    gid = e.value.body["generation_id"]
    assert client.get(f"/api/generations/{gid}").json()["generation"]["prompt"] == "Patience"
