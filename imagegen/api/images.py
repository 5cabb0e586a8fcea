"""Generation routes: submit, list the caller's gallery, read one generation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import (
    WRITE,
    FavoriteOut,
    GalleryPage,
    GenerationDeleted,
    GenerationOut,
    ImageDeleted,
    RetryOut,
    binary,
    errors,
)
from imagegen.api.shaping import generation_out
from imagegen.services import generations as svc
from imagegen.services.errors import NotFound
from imagegen.services.routes import Route
from imagegen.services.search import parse_filter

router = APIRouter(tags=["images"])


@router.post(
    Route.GENERATE,
    status_code=201,
    response_model=GenerationOut,
    responses=errors(*WRITE, 401, 404, 429),
)
async def generate(body: svc.GenerationRequest, user: CurrentUser) -> dict:
    """Records the generation and hands it to the worker; it completes via webhook."""
    gen = await run_in_threadpool(
        lambda: svc.create_generation(user.user_id, body, via_key=user.key_name or None)
    )
    return {"success": True, "generation": generation_out(gen, [])}


@router.get(Route.GALLERY, response_model=GalleryPage, responses=errors(401))
def user_images(
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100, description="page size (default 100)")] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(description="Words of the prompt; the last is a prefix")] = None,
    favorites: Annotated[str | None, Query(description="true: only starred images")] = None,
    status: Annotated[str | None, Query(description="completed, failed, cancelled or all")] = None,
    engine: Annotated[str | None, Query(max_length=64)] = None,
    model: Annotated[str | None, Query(max_length=128)] = None,
    size: Annotated[str | None, Query(description="WIDTHxHEIGHT, e.g. 1024x1024")] = None,
    date_from: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD, UTC")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD, inclusive")] = None,
    sort: Annotated[str | None, Query(description="newest (default) or oldest")] = None,
) -> JSONResponse:
    """The caller's generations (COMPLETED unless status says otherwise), each with its images."""
    filters = parse_filter(
        {
            "q": q,
            "favorites": favorites,
            "status": status,
            "engine": engine,
            "model": model,
            "size": size,
            "from": date_from,
            "to": date_to,
            "sort": sort,
        }
    )
    page = svc.list_generations(user.user_id, limit=limit, cursor=cursor, filters=filters)
    gens = [generation_out(g, page.images[g.id]) for g in page.generations]
    # Plain JSON already: skip FastAPI's re-encoding walk, which costs more than the query.
    return JSONResponse(
        {"success": True, "count": len(gens), "generations": gens, "nextCursor": page.next_cursor}
    )


@router.get(Route.GENERATION, response_model=GenerationOut, responses=errors(401, 404))
def get_generation(generation_id: str, user: CurrentUser) -> dict:
    """One of the caller's generations in any status, with its error and images."""
    gen = svc.get_generation(user.user_id, generation_id)
    return {
        "success": True,
        "generation": generation_out(gen, svc.images_for([gen.id])[gen.id]),
    }


@router.post(
    Route.RETRY,
    status_code=201,
    response_model=RetryOut,
    responses=errors(*WRITE, 401, 404, 409, 429),
)
async def retry(generation_id: str, user: CurrentUser) -> dict:
    """Runs a failed or cancelled generation again, same parameters; the new one replaces it."""
    gen = await run_in_threadpool(svc.retry_generation, user.user_id, generation_id)
    return {"success": True, "generation": generation_out(gen, []), "replaces": generation_id}


@router.post(
    Route.CANCEL,
    response_model=GenerationOut,
    responses=errors(*WRITE, 401, 404, 409),
)
async def cancel(generation_id: str, user: CurrentUser) -> dict:
    """Stops one of the caller's in-flight generations; it ends CANCELLED (409 if finished)."""
    gen = await run_in_threadpool(svc.cancel_generation, user.user_id, generation_id)
    return {"success": True, "generation": generation_out(gen, [])}


@router.delete(
    Route.GENERATION,
    response_model=GenerationDeleted,
    responses=errors(*WRITE, 401, 404),
)
def delete_generation(generation_id: str, user: CurrentUser) -> dict:
    """Deletes one of the caller's generations, its images and their stored files."""
    removed = svc.delete_generation(user.user_id, generation_id)
    return {"success": True, "deletedObjects": removed}


@router.delete(Route.IMAGE, response_model=ImageDeleted, responses=errors(*WRITE, 401, 404))
def delete_image(image_id: str, user: CurrentUser) -> dict:
    """Deletes one of the caller's images (original and thumbnail); an emptied generation goes."""
    generation_id = svc.delete_image(user.user_id, image_id)
    return {"success": True, "generationId": generation_id}


@router.put(
    Route.FAVORITE,
    response_model=FavoriteOut,
    responses=errors(*WRITE, 401, 404),
)
def star(image_id: str, user: CurrentUser) -> dict:
    """Marks one of the caller's images as a favourite."""
    svc.set_favorite(user.user_id, image_id, True)
    return {"success": True, "favorite": True}


@router.delete(
    Route.FAVORITE,
    response_model=FavoriteOut,
    responses=errors(*WRITE, 401, 404),
)
def unstar(image_id: str, user: CurrentUser) -> dict:
    """Removes the favourite mark."""
    svc.set_favorite(user.user_id, image_id, False)
    return {"success": True, "favorite": False}


@router.get(
    Route.ZIP,
    response_class=Response,
    responses={
        **binary("application/zip", description="The originals, as one ZIP attachment."),
        **errors(404),
    },
)
def download_all(
    generation_id: str, exp: Annotated[int, Query()], sig: Annotated[str, Query(max_length=128)]
) -> Response:
    """All of a generation's originals as one ZIP, behind the signed link from downloadAllUrl."""
    if not sig.isascii():  # hmac.compare_digest would raise (a 500): it is just a bad link
        raise NotFound("Not found, or the link has expired.")
    name, data = svc.zip_generation(generation_id, exp, sig)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
