"""Request dependencies: who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, Depends, Header

from imagegen.services.auth import Principal, get_auth
from imagegen.services.errors import Unauthorized
from imagegen.settings.app import get_app_settings


def bearer_token(
    authorization: Annotated[str | None, Header()] = None,
    session_cookie: Annotated[str | None, Cookie(alias="__session")] = None,
) -> str | None:
    """The token from 'Authorization: Bearer …', else (Clerk mode only) Clerk's __session
    cookie; cross-site use of that cookie is refused by CrossSiteGuard."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    if get_app_settings().auth != "clerk":
        return None
    return session_cookie or None


def current_user(token: Annotated[str | None, Depends(bearer_token)]) -> Principal:
    """The signed-in caller; 401 otherwise."""
    principal = get_auth().authenticate(token)
    if principal is None:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
