"""Relays the worker's engine catalogue, so clients can build their forms from it."""

from __future__ import annotations

from fastapi import APIRouter

from imagegen.api.deps import CurrentUser
from imagegen.api.schemas import Catalogue, errors
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Route

router = APIRouter(tags=["engines"])


class WorkerDown(ServiceError):
    """The worker did not answer."""

    status = 503


# exclude_unset: the worker's JSON is relayed as sent, no default added to it.
@router.get(
    Route.ENGINES,
    response_model=Catalogue,
    response_model_exclude_unset=True,
    responses=errors(401, 503),
)
def engines(_user: CurrentUser) -> dict:
    """The engines, models, sizes and limits the worker offers."""
    try:
        wire = get_catalog().to_wire()
    except WorkerUnavailable as e:
        raise WorkerDown(str(e)) from e
    return {"success": True, **wire.model_dump(mode="json", by_alias=True, exclude_unset=True)}
