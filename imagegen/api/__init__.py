"""The HTTP API: thin FastAPI routers over the services, mounted into Reflex."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from imagegen.api.origins import CrossSiteGuard, TrustedCors
from imagegen.api.security import RequestAddress, SecurityHeaders
from imagegen.api.session import SlidingSession
from imagegen.http_guards import BodyLimit
from imagegen.services.errors import ServiceError
from imagegen.services.maintenance import maintenance_loop
from imagegen.services.routes import Route
from imagegen.settings.app import get_app_settings

log = logging.getLogger("imagegen.api")

DOCS_URL = Route.DOCS
DOCS_STATIC = f"{DOCS_URL}/static"


def _field_name(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path"))


def create_api(security_headers: bool = True, housekeeping: bool = True) -> FastAPI:
    """The FastAPI app with every router and JSON-only error handling.

    security_headers=False when an outer SecurityHeaders already wraps it (inside Reflex);
    housekeeping=False when the host runs the watchdog and sweeper itself (Reflex does).
    """
    from imagegen.api import (
        albums,
        auth,
        engines,
        files,
        from_image,
        images,
        keys,
        openai_compat,
        session,
        shares,
        webhooks,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(maintenance_loop()) if housekeeping else None
        yield
        if task is not None:
            task.cancel()

    api = FastAPI(
        lifespan=lifespan,
        title="imagegen API",
        version="1",
        docs_url=None,  # served by _add_docs, from our own files
        openapi_url=Route.OPENAPI,
        redoc_url=None,
    )

    @api.exception_handler(ServiceError)
    async def _service_error(_r: Request, e: ServiceError) -> JSONResponse:
        body = {"success": False, "error": e.message}
        if e.field:
            body["field"] = e.field
        return JSONResponse(body, status_code=e.status)

    @api.exception_handler(RequestValidationError)
    async def _validation_error(_r: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        field = _field_name(tuple(first.get("loc", ())))
        msg = first.get("msg", "Invalid request")
        if first.get("type") == "json_invalid":
            msg = "The request body is not valid JSON."
        elif first.get("type") == "extra_forbidden":
            msg = f"Unknown field {field!r}."
        elif field:
            msg = f"{field}: {msg}"
        return JSONResponse(
            {"success": False, "error": msg, "field": field or None}, status_code=422
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(_r: Request, e: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"success": False, "error": str(e.detail)},
            status_code=e.status_code,
            headers=getattr(e, "headers", None),
        )

    @api.exception_handler(Exception)
    async def _unexpected(r: Request, e: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", r.method, r.url.path)
        return JSONResponse(
            {"success": False, "error": "Internal error; it has been logged."}, status_code=500
        )

    for module in (
        auth, session, images, from_image, keys, albums, shares, webhooks, files, engines,
        openai_compat,
    ):  # fmt: skip
        api.include_router(module.router)
    _add_docs(api)
    # Outermost last: body limits, then cross-site refusal, then CORS, then the cookie slide.
    api.add_middleware(RequestAddress)  # links in answers follow the request's address
    api.add_middleware(SlidingSession)
    api.add_middleware(TrustedCors)
    api.add_middleware(CrossSiteGuard)
    api.add_middleware(
        BodyLimit,
        max_bytes=get_app_settings().max_body_bytes,
        overrides={
            Route.WEBHOOKS: get_app_settings().webhook_max_bytes,
            # The multipart envelope around the file: a few hundred bytes.
            Route.UPLOADS: get_app_settings().max_upload_bytes + 64 * 1024,
            Route.OPENAI_EDITS: get_app_settings().max_upload_bytes + 64 * 1024,
        },
    )
    if security_headers:
        api.add_middleware(SecurityHeaders)
    return api


def _add_docs(api: FastAPI) -> None:
    """Swagger UI at /api/docs with its assets served by the app: the CSP allows no CDN.

    The files come from the fastapi-offline wheel (Swagger UI 5, which reads OpenAPI 3.1;
    swagger-ui-bundle's 4.x cannot).
    """
    api.mount(
        DOCS_STATIC,
        StaticFiles(directory=str(resources.files("fastapi_offline") / "static")),
        name="docs-static",
    )

    @api.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """The interactive API reference."""
        return get_swagger_ui_html(
            openapi_url=str(api.openapi_url),
            title=f"{api.title} - Swagger UI",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon.png",
            # No badge image from validator.swagger.io (the CSP would block it anyway).
            swagger_ui_parameters={"validatorUrl": None},
        )
