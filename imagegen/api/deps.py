"""Request dependencies: who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Cookie, Depends, Header, Request

from imagegen.services import api_keys
from imagegen.services.auth import Principal, get_auth
from imagegen.services.errors import Forbidden, Unauthorized
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


READS = ("GET", "HEAD", "OPTIONS")


def principal_for(token: str | None) -> Principal | None:
    """Who a bearer token is: a personal API key (in both auth modes), else a session."""
    if api_keys.is_key(token):
        return api_keys.authenticate(token)  # type: ignore[arg-type]
    return get_auth().authenticate(token)


def current_user(
    request: Request, token: Annotated[str | None, Depends(bearer_token)]
) -> Principal:
    """The signed-in caller (a session or an API key); 401 otherwise, and 403 for a write
    through a read-only key."""
    principal = principal_for(token)
    if principal is None:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
    if principal.scope == "read" and request.method not in READS:
        raise Forbidden("This API key is read-only: it can list and download, not change.")
    return principal


def session_user(principal: Annotated[Principal, Depends(current_user)]) -> Principal:
    """A signed-in session only: a key cannot mint or revoke keys (a leaked one stays one)."""
    if principal.key_id:
        raise Forbidden("API keys are managed from a signed-in session, not with a key.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
SessionUser = Annotated[Principal, Depends(session_user)]
