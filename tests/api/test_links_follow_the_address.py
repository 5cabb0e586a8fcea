"""Links work from whatever address the browser or script used: an API answer's file links
follow the request's host; a page's are relative when one server serves pages and API; share
links use IMAGEGEN_PUBLIC_URL when set, else the address the browser used."""

from __future__ import annotations

import httpx

from imagegen.services import urls
from tests.helpers import reset_caches, signup, wait_status


def test_api_file_links_follow_the_host_the_request_used(stack):
    client = signup(stack["url"], "address@example.com")
    gid = client.post("/api/images/generate", json={"prompt": "any address"}).json()
    gen = wait_status(client, gid["generation"]["id"])
    port = stack["url"].rsplit(":", 1)[1]
    for host in (f"192.0.2.7:{port}", f"imagegen.lan:{port}"):
        r = client.get(f"/api/generations/{gen['id']}", headers={"Host": host})
        img = r.json()["generation"]["images"][0]
        for key in ("fileUrl", "thumbnailUrl", "downloadUrl"):
            assert img[key].startswith(f"http://{host}/api/files/"), img[key]
    # And such a link opens (here the host is only a name for the same server).
    assert httpx.get(gen["images"][0]["thumbnailUrl"]).status_code == 200


def test_page_links_are_relative_on_one_server_and_share_links_absolute(app_env, monkeypatch):
    from imagegen.services import links

    monkeypatch.setattr(urls, "_same_server", [lambda: True])
    assert urls.link_base_url() == ""
    assert links.zip_url("g1").startswith("/api/")
    # A share link leaves the app: the address the browser used, or the configured one.
    monkeypatch.delenv("IMAGEGEN_PUBLIC_URL", raising=False)
    reset_caches()
    assert links.share_url("tok", page_address="http://192.0.2.2:3000").startswith(
        "http://192.0.2.2:3000/s/tok"
    )
    monkeypatch.setenv("IMAGEGEN_PUBLIC_URL", "https://images.example.com")
    reset_caches()
    assert links.share_url("tok", page_address="http://192.0.2.2:3000") == (
        "https://images.example.com/s/tok"
    )
    # Two servers (a dev frontend apart from the API): page links name the API's address.
    monkeypatch.setattr(urls, "_same_server", [lambda: False])
    assert urls.link_base_url() == urls.public_base_url() != ""
