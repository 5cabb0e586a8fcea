"""ASGI guards in front of every route of the app and the worker: a body size limit (413),
and JSON that Python would choke on (lone surrogates, absurd nesting) refused before any
handler sees it, so no input can reach a 500 or be half-written."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_DEPTH = 64
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def _depth(value: object) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, d)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, d + 1) for c in children if isinstance(c, dict | list))
    return deepest


def json_problem(body: bytes) -> tuple[int, str] | None:
    """(status, message) when a JSON body can't be handled safely, else None (cheap on the
    common case: only suspicious bodies are parsed here)."""
    suspicious_depth = body.count(b"[") + body.count(b"{") > MAX_DEPTH
    suspicious_text = _SURROGATE.search(body) is not None
    if not (suspicious_depth or suspicious_text):
        return None
    try:
        parsed = json.loads(body)
    except RecursionError:
        return 400, f"The JSON is nested too deeply (at most {MAX_DEPTH} levels)."
    except ValueError:
        return None  # not JSON at all: the route says so in its own words
    if _depth(parsed) > MAX_DEPTH:
        return 400, f"The JSON is nested too deeply (at most {MAX_DEPTH} levels)."
    try:
        json.dumps(parsed, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return 422, (
            "The text contains an invalid character (a lone UTF-16 surrogate such as \\ud800)."
        )
    return None


class BodyLimit:
    """Refuses a body over max_bytes with 413 (declared or streamed), and unsafe JSON with
    400/422; the body read here is handed on to the route unchanged."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    def _limit(self, path: str) -> int:
        for prefix, limit in self.overrides.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, f"The request body is over {limit} bytes.")
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, 413, f"The request body is over {limit} bytes.")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"").lower():
            problem = json_problem(body)
            if problem:
                await _refuse(send, *problem)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # after the body: only a disconnect can come
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"success": False, "error": message, "detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
