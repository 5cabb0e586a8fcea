"""Share routes: the owner's links, and the public read-only page behind each."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from imagegen.api import share_page
from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import ERROR_REF, WRITE, Ok, ShareList, ShareOut, binary, errors
from imagegen.api.shaping import share_json
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
    lang, vary = share_page.language(request), {"Vary": "Accept-Language, Cookie"}
    try:
        view = svc.resolve(token)
    except NotFound:
        return HTMLResponse(share_page.gone(lang), status_code=404, headers=vary)
    base = public_base_url() or str(request.base_url).rstrip("/")
    return HTMLResponse(
        share_page.page(view, base, lang), headers={"Cache-Control": "no-store", **vary}
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
