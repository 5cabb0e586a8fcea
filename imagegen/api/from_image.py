"""From an image: upload an input, vary or upscale one of the caller's images."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool

from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import WRITE, GenerationOut, UploadOut, VaryIn, errors
from imagegen.api.shaping import generation_out
from imagegen.services import uploads
from imagegen.services.generations.from_image import upscale_image, vary_image
from imagegen.services.routes import Route
from imagegen.settings.app import get_app_settings

router = APIRouter(tags=["from an image"])


@router.post(
    Route.UPLOADS,
    status_code=201,
    response_model=UploadOut,
    responses=errors(*WRITE, 401, 429),
)
async def upload(
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="A PNG, JPEG or WebP image")],
) -> dict:
    """Stores an image to start from (checked from its bytes, EXIF stripped); pass its id as
    uploadId to POST /api/images/generate."""
    limit = get_app_settings().max_upload_bytes
    data = await file.read(limit + 1)  # one byte over is enough to refuse it
    row = await run_in_threadpool(uploads.store_upload, user.user_id, data)
    return {"id": row.id, "width": row.width, "height": row.height, "format": row.format}


@router.post(
    Route.VARY,
    status_code=201,
    response_model=GenerationOut,
    responses=errors(*WRITE, 401, 404, 429),
)
async def vary(image_id: str, user: CurrentUser, body: VaryIn | None = None) -> dict:
    """The image's prompt with new seeds, from the image: subtle (0.35) or strong (0.7)."""
    how = (body or VaryIn()).strength
    gen = await run_in_threadpool(vary_image, user.user_id, image_id, how)
    return {"success": True, "generation": generation_out(gen, [])}


@router.post(
    Route.UPSCALE,
    status_code=201,
    response_model=GenerationOut,
    responses=errors(*WRITE, 401, 404, 429),
)
async def upscale(image_id: str, user: CurrentUser) -> dict:
    """The image at twice its size: its engine's upscaler, else a Lanczos resize (model
    "lanczos"), which is never passed off as AI."""
    gen = await run_in_threadpool(upscale_image, user.user_id, image_id)
    return {"success": True, "generation": generation_out(gen, [])}
