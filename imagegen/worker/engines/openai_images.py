"""OpenAI Images (gpt-image-1, dall-e-3) behind the Engine interface.

API: POST {OPENAI_BASE_URL}/images/generations, documented at
https://platform.openai.com/docs/api-reference/images/create - body {model, prompt, n, size,
response_format?}; answer {"created": …, "data": [{"b64_json": "…"}, …]}; errors are
{"error": {"message", "type", "code"}} with 401, 429 (Retry-After) and 5xx. From an image,
POST /images/edits (multipart: image, prompt, model, n, size) answers the same; the file part
must carry an image/png, image/jpeg or image/webp type (else 400 unsupported_file_mimetype).
gpt-image-1 edits; dall-e-3 does not. Edits take no strength.
"""

from __future__ import annotations

import base64
import binascii

import httpx

from imagegen.worker.engines.base import (
    EngineCapabilities,
    EngineError,
    EngineInfo,
    RenderControl,
    RenderedImage,
    RenderRequest,
)
from imagegen.worker.engines.remote import Probe, ProbedEngine, as_png, request_json

# A 404 on GET /models: not "down" (the server may serve only /images/generations), unknown.
UNCHECKED = "availability unknown: the server has no /models list"

# Each model's own rules (sizes, images per request), from the API reference.
MODELS: dict[str, dict] = {
    "gpt-image-1": {"sizes": [(1024, 1024), (1536, 1024), (1024, 1536)], "max_images": 4},
    "dall-e-3": {"sizes": [(1024, 1024), (1792, 1024), (1024, 1792)], "max_images": 1},
}


EDITS = ("gpt-image-1",)  # the models /images/edits takes here


def _ext(data: bytes) -> str:
    """png, jpg or webp: the input's real format (the file part's type must say it)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "png"


class OpenAIImagesEngine(ProbedEngine):
    """Images from OpenAI's API (or a compatible server at OPENAI_BASE_URL)."""

    name = "openai"
    label = "OpenAI Images"

    def __init__(self, api_key: str, base_url: str, timeout: float, retries: int) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries

    def capabilities(self) -> EngineCapabilities:
        sizes = sorted({s for m in MODELS.values() for s in m["sizes"]})
        return EngineCapabilities(
            models=list(MODELS),
            default_model="gpt-image-1",
            sizes=sizes,
            max_images=max(m["max_images"] for m in MODELS.values()),
            supports_seed=False,
            supports_negative_prompt=False,
            model_limits={
                name: {"sizes": m["sizes"], "max_images": m["max_images"]}
                for name, m in MODELS.items()
            },
            supports_image_input=True,  # /images/edits (gpt-image-1), with no strength
        )

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def _probe(self) -> Probe:
        """Asks GET /models (cheap): proves the key works."""
        try:
            r = httpx.get(f"{self.base_url}/models", headers=self._headers(), timeout=5)
        except httpx.HTTPError as e:
            return Probe(False, f"{self.base_url} is unreachable ({type(e).__name__})")
        if r.status_code in (401, 403):
            return Probe(False, f"the API key was refused ({r.status_code})")
        if r.status_code == 404:  # many OpenAI-compatible image servers serve no /models
            return Probe(True, UNCHECKED)
        if r.status_code >= 400:
            return Probe(False, f"{self.base_url} answered HTTP {r.status_code}")
        return Probe(True)

    def info(self) -> EngineInfo:
        """The catalogue entry; a server that could not be checked says so in its label."""
        entry = super().info()
        if entry.available and entry.reason == UNCHECKED:
            return entry.model_copy(update={"label": f"{self.label} (not checked)"})
        return entry

    def validate(self, request: RenderRequest) -> None:
        """The model's own rules, checked before the job is queued."""
        rules = MODELS.get(request.model)
        if rules is None:
            raise EngineError(f"OpenAI has no model {request.model!r} here.")
        if (request.width, request.height) not in rules["sizes"]:
            sizes = ", ".join(f"{w}x{h}" for w, h in rules["sizes"])
            raise EngineError(
                f"{request.model} makes {sizes}, not {request.width}x{request.height}."
            )
        if request.num_images > rules["max_images"]:
            raise EngineError(f"{request.model} makes at most {rules['max_images']} image(s).")

    def generate(
        self, request: RenderRequest, control: RenderControl | None = None
    ) -> list[RenderedImage]:
        self.validate(request)
        body: dict = {
            "model": request.model,
            "prompt": request.prompt,
            "n": request.num_images,
            "size": f"{request.width}x{request.height}",
        }
        if request.model.startswith("dall-e"):
            body["response_format"] = "b64_json"  # gpt-image-1 always answers b64_json
        send = {"json": body}
        route = "generations"
        if request.init_image is not None:
            if request.model not in EDITS:
                raise EngineError(
                    f"{request.model} cannot start from an image; choose {', '.join(EDITS)}."
                )
            route, send = "edits", {"data": {k: str(v) for k, v in body.items()}, "files": {
                "image": (f"input.{_ext(request.init_image)}", request.init_image,
                          f"image/{_ext(request.init_image).replace('jpg', 'jpeg')}")}}  # fmt: skip
        with httpx.Client(timeout=self.timeout) as client:
            answer = request_json(
                "OpenAI",
                lambda: client.post(
                    f"{self.base_url}/images/{route}", headers=self._headers(), **send
                ),
                retries=self.retries,
                timeout=self.timeout,
                control=control,
            )
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or not data:
            raise EngineError("OpenAI's answer had no images in it.")
        out = []
        for n, item in enumerate(data[: request.num_images]):
            b64 = item.get("b64_json") if isinstance(item, dict) else None
            if not isinstance(b64, str):
                raise EngineError("OpenAI's answer is missing b64_json for an image.")
            try:
                data = base64.b64decode(b64, validate=True)
            except binascii.Error as e:
                raise EngineError(
                    f"OpenAI sent image {n + 1} in a form that cannot be read."
                ) from e
            out.append(as_png(data, request, n, "OpenAI", seeded=False))
        return out
