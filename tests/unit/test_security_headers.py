"""The header middleware: pages get a policy they can run under; everything else a locked one."""

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from imagegen.api.security import SecurityHeaders


def _client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/page", lambda r: HTMLResponse("<html></html>")),
            Route("/json", lambda r: JSONResponse({"ok": True})),
            Route("/api/docs", lambda r: HTMLResponse("<html></html>")),
            Route("/studio", lambda r: RedirectResponse("/studio/", status_code=307)),
        ]
    )
    return TestClient(SecurityHeaders(app))


def test_html_pages_get_the_page_policy(app_env):
    csp = _client().get("/page").headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src" in csp and "object-src 'none'" in csp


def test_other_answers_get_the_locked_policy_and_common_headers(app_env):
    r = _client().get("/json")
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_swagger_docs_load_their_assets_from_the_app_itself(app_env):
    csp = _client().get("/api/docs").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "cdn.jsdelivr.net" not in csp


def test_a_redirect_to_a_page_does_not_sandbox_it(app_env):
    """Chromium keeps a redirect's `sandbox` for the page it lands on: no scripts, no styles.
    The production server redirects /generate-images to /generate-images/."""
    r = _client().get("/studio", follow_redirects=False)
    assert r.status_code == 307
    assert "sandbox" not in r.headers["content-security-policy"]
