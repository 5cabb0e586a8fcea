"""A local stand-in for OpenAI's Images API, following its documented shapes.

Request: POST /v1/images/generations {model, prompt, n, size, response_format?}
  (https://platform.openai.com/docs/api-reference/images/create)
Answer: {"created": 1713833628, "data": [{"b64_json": "..."}], "usage": {...}}
Errors: {"error": {"message", "type", "param", "code"}} with 401 (invalid_api_key),
  429 (rate_limit_exceeded, with retry-after) and 500 (server_error)
  (https://platform.openai.com/docs/guides/error-codes).
Models: GET /v1/models -> {"object": "list", "data": [{"id": "gpt-image-1", ...}]}.
Edits: POST /v1/images/edits, multipart (image, prompt, model, n, size)
  (https://platform.openai.com/docs/api-reference/images/createEdit), the same answer. Its
  quirk: the image part must be typed image/png, image/jpeg or image/webp, else 400
  {"error": {"message": "Invalid file 'image': unsupported mimetype (...)", "type":
  "invalid_request_error", "param": "image", "code": "unsupported_file_mimetype"}}; a model
  that does not edit (dall-e-3) is a 400 invalid_value on "model".

Each test scripts what the next answers are: "ok", "401", "429", "500", "slow",
"malformed", "notjson".
"""

from __future__ import annotations

import base64
import io
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from PIL import Image

KEY = "sk-test-imagegen"


def _error(status: int, message: str, type_: str, code: str | None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    headers = {"retry-after": "1"} if status == 429 else {}
    return JSONResponse(body, status_code=status, headers=headers)


def _png_b64(width: int, height: int, shade: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 90, 200 - shade)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def create_app() -> FastAPI:
    """The fake server; app.state.script is consumed one behaviour per image request."""
    app = FastAPI()
    app.state.script = []
    app.state.requests = []
    app.state.models_status = 200

    def _auth_ok(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {KEY}"

    @app.get("/v1/models")
    async def models(request: Request) -> JSONResponse:
        if not _auth_ok(request) or app.state.models_status == 401:
            return _error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        if app.state.models_status == 404:  # a compatible server with images routes only
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return JSONResponse({"object": "list", "data": [{"id": "gpt-image-1", "object": "model"}]})

    @app.post("/v1/images/generations", response_model=None)
    async def generations(request: Request) -> JSONResponse | PlainTextResponse:
        body = await request.json()
        app.state.requests.append({"body": body, "auth": request.headers.get("authorization")})
        behaviour = app.state.script.pop(0) if app.state.script else "ok"
        if not _auth_ok(request) or behaviour == "401":
            return _error(
                401,
                "Incorrect API key provided: sk-bad.",
                "invalid_request_error",
                "invalid_api_key",
            )
        if behaviour == "429":
            return _error(
                429, "Rate limit reached for images per minute.", "requests", "rate_limit_exceeded"
            )
        if behaviour == "500":
            return _error(
                500, "The server had an error while processing your request.", "server_error", None
            )
        if behaviour == "slow":
            time.sleep(3)
        if behaviour == "malformed":
            return JSONResponse({"created": 1, "data": "not a list"})
        if behaviour == "notjson":
            return PlainTextResponse("<html>bad gateway</html>")
        width, height = (int(x) for x in body["size"].split("x"))
        data = [{"b64_json": _png_b64(width, height, 40 * i)} for i in range(body.get("n", 1))]
        return JSONResponse({"created": int(time.time()), "data": data})

    @app.post("/v1/images/edits", response_model=None)
    async def edits(request: Request) -> JSONResponse:
        if not _auth_ok(request):
            return _error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        form = await request.form()
        image = form.get("image")
        fields = {k: str(v) for k, v in form.items() if k != "image"}
        app.state.requests.append({"edit": fields, "auth": request.headers.get("authorization")})
        mime = getattr(image, "content_type", "") or ""
        if image is None or mime not in ("image/png", "image/jpeg", "image/webp"):
            body = {"error": {
                "message": f"Invalid file 'image': unsupported mimetype ('{mime}'). Supported"
                " file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
                "type": "invalid_request_error", "param": "image",
                "code": "unsupported_file_mimetype"}}  # fmt: skip
            return JSONResponse(body, status_code=400)
        if fields.get("model") == "dall-e-3":
            return _error(400, "Invalid value: 'dall-e-3'. Supported values are: 'gpt-image-1'.",
                          "invalid_request_error", "invalid_value")  # fmt: skip
        data_in = await image.read()  # type: ignore[union-attr]
        app.state.edited = Image.open(io.BytesIO(data_in)).size
        width, height = (int(x) for x in fields.get("size", "1024x1024").split("x"))
        n = int(fields.get("n", 1))
        data = [{"b64_json": _png_b64(width, height, 60 + 20 * i)} for i in range(n)]
        return JSONResponse({"created": int(time.time()), "data": data})

    return app
