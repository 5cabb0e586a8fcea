"""Share routes: the owner's links, and the public read-only page behind each."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import ERROR_REF, WRITE, Ok, ShareList, ShareOut, binary, errors
from imagegen.api.shaping import share_json
from imagegen.services import links
from imagegen.services import shares as svc
from imagegen.services.errors import NotFound
from imagegen.services.routes import Route
from imagegen.services.urls import public_base_url

router = APIRouter(tags=["shares"])


class ShareRequest(BaseModel):
    """What to share: one image, or a whole generation."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    image_id: str | None = None
    generation_id: str | None = None
    include_parameters: bool = False  # the files keep prompt, seed and model only if asked


@router.post(
    Route.SHARES,
    status_code=201,
    response_model=ShareOut,
    responses=errors(*WRITE, 401, 404),
)
def create_share(body: ShareRequest, user: CurrentUser) -> dict:
    """A public link to one of the caller's images or generations (a live one is reused)."""
    link = svc.create_share(
        user.user_id,
        generation_id=body.generation_id,
        image_id=body.image_id,
        include_parameters=body.include_parameters,
    )
    return {"success": True, "share": share_json(link)}


@router.get(Route.SHARES, response_model=ShareList, responses=errors(401))
def list_shares(user: CurrentUser) -> dict:
    """The caller's live share links."""
    return {"success": True, "shares": [share_json(s) for s in svc.list_shares(user.user_id)]}


@router.delete(Route.SHARE, response_model=Ok, responses=errors(*WRITE, 401, 404))
def revoke_share(token: str, user: CurrentUser) -> dict:
    """Revokes a link: its page and images answer 404 from now on."""
    svc.revoke_share(user.user_id, token)
    return {"success": True}


def _page(view: svc.SharedView, base: str) -> str:
    title = view.prompt if len(view.prompt) <= 90 else view.prompt[:89] + "…"
    first = links.shared_image_url(view.token, view.images[0].id, base_url=base)
    figures = "\n".join(
        f'<figure><a href="{links.shared_image_url(view.token, i.id)}"><img src="'
        f'{links.shared_image_url(view.token, i.id, thumbnail=True)}" width="{i.width}" '
        f'height="{i.height}" alt="{escape(view.prompt)}"></a></figure>'
        for i in view.images
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)} · imagegen</title>
<meta property="og:type" content="website">
<meta property="og:site_name" content="imagegen">
<meta property="og:title" content="{escape(title)}">
<meta property="og:description" content="{escape(view.prompt[:300])}">
<meta property="og:url" content="{links.share_url(view.token, base)}">
<meta property="og:image" content="{first}">
<meta property="og:image:width" content="{view.images[0].width}">
<meta property="og:image:height" content="{view.images[0].height}">
<meta property="og:image:alt" content="{escape(title)}">
<meta name="twitter:card" content="summary_large_image">
<style>
body{{font-family:system-ui,sans-serif;margin:0;background:#111;color:#eee}}
main{{max-width:1100px;margin:0 auto;padding:24px}}
p.prompt{{font-size:1.15rem;line-height:1.5;white-space:pre-wrap;overflow-wrap:anywhere}}
.grid{{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(280px,1fr))}}
figure{{margin:0}} img{{width:100%;height:auto;border-radius:8px;background:#222}}
footer{{margin-top:24px;color:#888;font-size:.85rem}}
</style></head>
<body><main>
<p class="prompt" id="shared-prompt">{escape(view.prompt)}</p>
<div class="grid">{figures}</div>
<footer>Shared from imagegen</footer>
</main></body></html>"""


@router.get(
    Route.SHARE_PAGE,
    response_class=HTMLResponse,
    responses={
        200: {"description": "The share page."},
        404: {
            "description": "The link does not exist or was revoked (an HTML page too).",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        # Never answered (a token is any string), but FastAPI would list its own 422.
        422: {
            "description": "Never (any token is valid input); listed as JSON for completeness.",
            "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
        },
    },
)
def shared_page(token: str, request: Request) -> HTMLResponse:
    """The public, read-only page of a share: the image(s) and the prompt, nothing else."""
    try:
        view = svc.resolve(token)
    except NotFound:
        return HTMLResponse(_gone(), status_code=404)
    base = public_base_url() or str(request.base_url).rstrip("/")
    return HTMLResponse(_page(view, base), headers={"Cache-Control": "no-store"})


def _gone() -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title>'
        '<meta name="robots" content="noindex"></head><body><p id="shared-gone">'
        f"{escape(svc.GONE)}</p></body></html>"
    )


@router.get(
    Route.SHARED_IMAGE,
    response_class=Response,
    responses={
        **binary("image/png", "image/webp", description="The image (or its thumbnail)."),
        **errors(404),
    },
)
def shared_image(token: str, image_id: str, thumb: bool = False) -> Response:
    """An image of a live share (thumb=1 for its thumbnail); 404 once revoked."""
    data, media = svc.shared_image(token, image_id, thumb)
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=60"})
