"""Local account routes: sign up, sign in, sign out, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from imagegen.api.deps import CurrentUser, bearer_token
from imagegen.api.schemas import WRITE, Me, Ok, TokenOut, errors
from imagegen.services.auth import get_auth
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Route

router = APIRouter(tags=["auth"])


class Credentials(BaseModel):
    """Email and password."""

    email: str
    password: str


def _local() -> object:
    auth = get_auth()
    if not hasattr(auth, "signup"):
        raise ServiceError(f"Sign-up is handled by {auth.name}, not by this API.")
    return auth


# 400 as well when another provider (Clerk) handles sign-in.
@router.post(Route.SIGNUP, status_code=201, response_model=TokenOut, responses=errors(*WRITE, 409))
def signup(body: Credentials) -> dict:
    """Creates a local account and signs it in."""
    return {"token": _local().signup(body.email, body.password)}  # type: ignore[attr-defined]


@router.post(Route.LOGIN, response_model=TokenOut, responses=errors(*WRITE, 401, 429))
def login(body: Credentials) -> dict:
    """Signs in with email and password."""
    return {"token": _local().login(body.email, body.password)}  # type: ignore[attr-defined]


@router.post(Route.LOGOUT, response_model=Ok, responses=errors(*WRITE, 401))
def logout(user: CurrentUser, token: Annotated[str | None, Depends(bearer_token)]) -> dict:
    """Ends this session; the token stops working."""
    _local().logout(token or "")  # type: ignore[attr-defined]
    return {"success": True}


@router.get(Route.ME, response_model=Me, responses=errors(401))
def me(user: CurrentUser) -> dict:
    """The signed-in user."""
    return {"id": user.user_id, "email": user.email}
