"""Every HTTP route and page path in one table: the API routers and the app declare their
routes from it and services/links.py mints its links from it, so no path is written twice."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote


class Route:
    """The path of each route, in FastAPI's syntax ({name}, {name:path} for slashes)."""

    # Local accounts and the browser's session cookie
    SIGNUP = "/api/auth/signup"
    LOGIN = "/api/auth/login"
    LOGOUT = "/api/auth/logout"
    ME = "/api/auth/me"
    SESSION = "/api/auth/session"
    SESSION_END = "/api/auth/session/end"
    # Generations and their images
    GENERATE = "/api/images/generate"
    GALLERY = "/api/images/user"
    GENERATION = "/api/generations/{generation_id}"
    RETRY = "/api/generations/{generation_id}/retry"
    CANCEL = "/api/generations/{generation_id}/cancel"
    ZIP = "/api/generations/{generation_id}/download.zip"
    IMAGE = "/api/images/{image_id}"
    FAVORITE = "/api/images/{image_id}/favorite"
    VARY = "/api/images/{image_id}/vary"
    UPSCALE = "/api/images/{image_id}/upscale"
    UPLOADS = "/api/uploads"
    KEYS = "/api/keys"
    OPENAI_MODELS = "/v1/models"
    OPENAI_GENERATIONS = "/v1/images/generations"
    OPENAI_EDITS = "/v1/images/edits"
    KEY = "/api/keys/{key_id}"
    FILE = "/api/files/{key:path}"  # a signed link to a locally stored object
    ENGINES = "/api/engines"
    # Albums
    ALBUMS = "/api/albums"
    ALBUM = "/api/albums/{album_id}"
    ALBUM_IMAGES = "/api/albums/{album_id}/images"
    ALBUM_IMAGE = "/api/albums/{album_id}/images/{image_id}"
    # Share links: the owner's API, and the public page behind each
    SHARES = "/api/shares"
    SHARE = "/api/shares/{token}"
    SHARE_PAGE = "/s/{token}"
    SHARED_IMAGE = "/s/{token}/images/{image_id}"
    # Callbacks: the worker's signed webhooks, and Clerk's
    WEBHOOKS = "/api/webhooks/"  # the prefix of all three (they get a larger body limit)
    COMPLETION_WEBHOOK = "/api/webhooks/image-completion"
    PROGRESS_WEBHOOK = "/api/webhooks/image-progress"
    CLERK_WEBHOOK = "/api/webhooks/clerk"
    # The API's own description
    OPENAPI = "/api/openapi.json"
    DOCS = "/api/docs"


class Page:
    """The path of each page of the Reflex app (Reflex's syntax: [name])."""

    HOME = "/generate-images"  # the studio
    SIGN_IN = "/sign-in"
    SIGN_UP = "/sign-up"
    ALBUMS = "/albums"
    ALBUM = "/albums/[album_id]"
    KEYS = "/keys"  # personal API keys, under the user's menu


_PARAM = re.compile(r"\{(\w+)(:path)?\}")


@lru_cache
def _template(route: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The route split once into its literal parts and (name, characters kept unquoted)."""
    literals, params, at = [], [], 0
    for m in _PARAM.finditer(route):
        literals.append(route[at : m.start()])
        params.append((m.group(1), "/" if m.group(2) else ""))
        at = m.end()
    literals.append(route[at:])
    return literals, params


def path(route: str, **values: str) -> str:
    """The route's path with its parameters filled in, quoted (a :path one keeps slashes)."""
    literals, params = _template(route)
    out = [literals[0]]
    for (name, safe), literal in zip(params, literals[1:], strict=True):
        out += (quote(values[name], safe=safe), literal)
    return "".join(out)
