"""Personal API keys: make one (shown once), list them, revoke one; from a signed-in session."""

from __future__ import annotations

from fastapi import APIRouter

from imagegen.api.deps import SessionUser
from imagegen.api.schemas import WRITE, Ok, errors
from imagegen.api.schemas_keys import KeyCreated, KeyIn, KeyList
from imagegen.api.shaping import iso_utc
from imagegen.models import ApiKey
from imagegen.services import api_keys
from imagegen.services.routes import Route

router = APIRouter(tags=["API keys"])


def _key_json(k: ApiKey) -> dict:
    return {
        "id": k.id,
        "name": k.name,
        "prefix": k.prefix,
        "scope": k.scope,
        "createdAt": iso_utc(k.created_at),
        "lastUsedAt": iso_utc(k.last_used_at),
    }


@router.post(
    Route.KEYS, status_code=201, response_model=KeyCreated, responses=errors(*WRITE, 401, 429)
)
def create(body: KeyIn, user: SessionUser) -> dict:
    """A new key, answered this once: send it as `Authorization: Bearer <key>` on any API
    route. Scope `generate` does all the API does; `read` only lists and downloads (403)."""
    row, token = api_keys.create_key(user.user_id, body.name, body.scope)
    return {**_key_json(row), "key": token}


@router.get(Route.KEYS, response_model=KeyList, responses=errors(401, 403))
def list_keys(user: SessionUser) -> dict:
    """The caller's live keys: name, prefix, scope, created and last used (never the key)."""
    return {"success": True, "keys": [_key_json(k) for k in api_keys.list_keys(user.user_id)]}


@router.delete(Route.KEY, response_model=Ok, responses=errors(*WRITE, 401, 404))
def revoke(key_id: str, user: SessionUser) -> dict:
    """Revokes one of the caller's keys: refused (401) from its next request, on every app
    process."""
    api_keys.revoke_key(user.user_id, key_id)
    return {"success": True}
