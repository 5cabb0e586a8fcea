"""S3 storage on a real S3 server that verifies signatures (SeaweedFS), plus the whole flow."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from imagegen.services.storage import StorageError
from imagegen.services.storage.s3 import S3Storage
from imagegen.settings.base import SharedSettings
from tests.helpers import ThreadedServer, free_port, reset_caches, signup, start_worker
from tests.integration.seaweed import ACCESS_KEY, SECRET_KEY, SeaweedS3

pytestmark = pytest.mark.xdist_group("s3")  # one test process, one S3 server


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with SeaweedS3(tmp_path_factory.mktemp("s3")) as server:
        server.make_bucket("imagegen-test")
        yield server


@pytest.fixture
def s3_env(s3, monkeypatch):
    env = {
        "S3_BUCKET": "imagegen-test",
        "S3_ENDPOINT_URL": s3.endpoint,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "IMAGEGEN_STORAGE": "s3",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def _storage(s3_env) -> S3Storage:
    return S3Storage(SharedSettings())


def test_put_get_size_exists_delete_on_real_s3(app_env, s3_env):
    st = _storage(s3_env)
    key = f"generations/t{time.time_ns()}/0.png"
    st.put(key, b"\x89PNG-bytes", "image/png")
    assert st.exists(key) and st.get(key) == b"\x89PNG-bytes" and st.size(key) == 10
    st.delete(key)
    assert not st.exists(key)
    with pytest.raises(KeyError):
        st.get(key)


def test_presigned_urls_fetch_without_credentials_and_expire(app_env, s3_env):
    st = _storage(s3_env)
    key = f"generations/t{time.time_ns()}/0.png"
    st.put(key, b"image-bytes", "image/png")
    view = st.url(key, 60)
    assert httpx.get(view).content == b"image-bytes"
    dl = httpx.get(st.url(key, 60, download_name="cat.png"))
    assert dl.headers["content-disposition"] == 'attachment; filename="cat.png"'
    short = st.url(key, 1)
    time.sleep(2.2)
    assert httpx.get(short).status_code == 403
    assert httpx.get(view.replace("Signature=", "Signature=00")).status_code == 403


def test_wrong_secret_key_is_a_clear_storage_error(app_env, s3_env, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(StorageError, match="S3 put failed .*imagegen-test"):
        _storage(s3_env).put("generations/x/0.png", b"x", "image/png")


def test_whole_flow_on_s3_generate_webhook_gallery(app_env, s3_env, tmp_path, monkeypatch):
    from imagegen.api import create_api

    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    monkeypatch.setenv("IMAGEGEN_APP_URL", base)
    reset_caches()
    worker_port = int(app_env["IMAGEGEN_WORKER_URL"].rsplit(":", 1)[1])
    worker = start_worker({**app_env, **s3_env}, worker_port, tmp_path / "worker.log")
    try:
        with ThreadedServer(create_api(), api_port):
            client = signup(base, "s3@example.com")
            gid = client.post(
                "/api/images/generate",
                json={
                    "prompt": "Un chat mignon sur S3",
                    "numImages": 2,
                    "width": 512,
                    "height": 512,
                },
            ).json()["generation"]["id"]
            from tests.helpers import wait_status

            done = wait_status(client, gid)
            assert done["status"] == "COMPLETED", done
            listed = client.get("/api/images/user").json()["generations"][0]
            for img in listed["images"]:
                assert img["fileUrl"].startswith(s3_env["S3_ENDPOINT_URL"] + "/imagegen-test/")
                assert "X-Amz-Signature" in img["fileUrl"]
                data = httpx.get(img["fileUrl"]).content
                assert Image.open(io.BytesIO(data)).size == (512, 512)
                assert len(data) == img["fileSize"]
    finally:
        worker.kill()
        worker.wait()
