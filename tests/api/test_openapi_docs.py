"""/api/docs works under the app's own CSP: Swagger UI's files come from the app, not a CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class _Page(HTMLParser):
    """The external scripts, stylesheets, icons and inline scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.icons: list[str] = []
        self.inline: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"] or "")
            else:
                self._in_inline = True
                self.inline.append("")
        elif tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.styles.append(a.get("href") or "")
        elif tag == "link" and "icon" in (a.get("rel") or ""):
            self.icons.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline = False

    def handle_data(self, data: str) -> None:
        if self._in_inline:
            self.inline[-1] += data


def _csp(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _allows(csp: dict[str, list[str]], directive: str, url: str) -> bool:
    """Whether a same-origin URL may load under the directive (or default-src)."""
    sources = csp.get(directive, csp.get("default-src", []))
    return url.startswith("/") and not url.startswith("//") and "'self'" in sources


@pytest.fixture
def client(app_env):
    from imagegen.api import create_api

    with TestClient(create_api(housekeeping=False)) as c:
        yield c


def test_docs_page_loads_swagger_ui_from_the_app_under_its_csp(client):
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", r.text), "the docs page names an outside host (a CDN)"
    csp = _csp(r.headers["content-security-policy"])
    page = _Page()
    page.feed(r.text)
    assert page.scripts and page.styles and page.inline

    for url, directive, ctype in (
        *((u, "script-src", "text/javascript") for u in page.scripts),
        *((u, "style-src", "text/css") for u in page.styles),
        *((u, "img-src", "image/") for u in page.icons),
    ):
        assert _allows(csp, directive, url), f"{directive} blocks {url}: {csp}"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(ctype), (url, asset.headers)
        assert len(asset.content) > 100, url

    for script in page.inline:  # the init script: allowed by 'unsafe-inline' or its hash
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert {"'unsafe-inline'", f"'sha256-{digest}'"} & set(csp["script-src"]), csp

    spec_url = re.search(r"url: '([^']+)'", page.inline[0]).group(1)  # type: ignore[union-attr]
    assert _allows(csp, "connect-src", spec_url)
    spec = client.get(spec_url).json()
    assert spec["openapi"].startswith("3.1")
    bundle = client.get(page.scripts[0]).text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)
    assert version and int(version.group(1)) >= 5, "Swagger UI before 5 cannot read OpenAPI 3.1"


def test_binary_routes_do_not_claim_json(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    expected = {
        ("/api/files/{key}", "get"): {"image/png", "image/webp"},
        ("/api/generations/{generation_id}/download.zip", "get"): {"application/zip"},
        ("/s/{token}/images/{image_id}", "get"): {"image/png", "image/webp"},
        ("/s/{token}", "get"): {"text/html"},
    }
    for (path, method), types in expected.items():
        content = set(paths[path][method]["responses"]["200"]["content"])
        assert types <= content and "application/json" not in content, (path, content)


def test_every_route_declares_its_answers_and_errors(client):
    spec = client.get("/api/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    openai_error = {"$ref": "#/components/schemas/OpenAIErrorResponse"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = op["responses"]
            ok = [c for c in codes if c[0] in "23"]  # one success: an answer, or a redirect
            assert len(ok) == 1, (method, path, codes)
            assert ok[0][0] == "3" or codes[ok[0]].get("content"), (method, path)
            # /v1 answers in OpenAI's error shape, which its clients read.
            want = openai_error if path.startswith("/v1/") else error
            for code, answer in codes.items():
                if code.startswith("4") and "application/json" in answer.get("content", {}):
                    assert answer["content"]["application/json"]["schema"] == want, (path, code)
            if "authorization" in {p["name"] for p in op.get("parameters", [])}:
                assert "401" in codes, (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
