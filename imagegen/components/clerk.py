"""Clerk's React components (npm @clerk/clerk-react) wrapped for Reflex, plus a session sync.

We wrap them ourselves rather than depend on reflex-clerk-api, which pins clerk-backend-api < 3 and
skips the azp check.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars import VarData
from reflex_base.vars.base import Var

from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings

CLERK_REACT = "@clerk/clerk-react@5.61.11"
# Clerk's own translations of its forms, of the release line that clerk-react 5 loads.
CLERK_LOCALIZATIONS = "@clerk/localizations@3.37.9"


class _Clerk(rx.Component):
    library = CLERK_REACT


class ClerkProvider(_Clerk):
    """Loads Clerk (clerk-js from Clerk, or from CLERK_JS_URL) and provides its session."""

    tag = "ClerkProvider"
    publishable_key: rx.Var[str]
    sign_in_url: rx.Var[str]
    sign_up_url: rx.Var[str]
    after_sign_out_url: rx.Var[str]
    telemetry: rx.Var[bool]
    localization: rx.Var[dict]


class SignIn(_Clerk):
    """Clerk's sign-in form."""

    tag = "SignIn"
    routing: rx.Var[str]
    sign_up_url: rx.Var[str]
    force_redirect_url: rx.Var[str]


class SignUp(_Clerk):
    """Clerk's sign-up form."""

    tag = "SignUp"
    routing: rx.Var[str]
    sign_in_url: rx.Var[str]
    force_redirect_url: rx.Var[str]


class UserButton(_Clerk):
    """Clerk's account menu (profile, sign out)."""

    tag = "UserButton"
    after_sign_out_url: rx.Var[str]


class SignedIn(_Clerk):
    """Renders its children only for a signed-in user."""

    tag = "SignedIn"


class SignedOut(_Clerk):
    """Renders its children only for a signed-out visitor."""

    tag = "SignedOut"


class ClerkSessionSync(rx.Component):
    """Hands Clerk's session token to the backend state on sign-in, sign-out and before expiry.

    A component of its own (not page hooks), so that useAuth runs inside ClerkProvider.
    """

    tag = "ImagegenClerkSessionSync"
    handler: rx.Var[str]
    refresh_ms: rx.Var[int]

    def add_imports(self) -> dict:
        return {
            CLERK_REACT: [ImportVar(tag="useAuth")],
            "react": [ImportVar(tag="useEffect")],
            "$/utils/context": [ImportVar(tag="addEvents")],
            "$/utils/state": [ImportVar(tag="ReflexEvent")],
        }

    def add_custom_code(self) -> list[str]:
        return [
            """function ImagegenClerkSessionSync({ handler, refreshMs }) {
  const { isLoaded, isSignedIn, userId, getToken } = useAuth();
  useEffect(() => {
    if (!isLoaded) return;
    let stopped = false;
    const sync = async () => {
      let token = "";
      try { token = isSignedIn ? ((await getToken()) || "") : ""; } catch (e) { token = ""; }
      if (!stopped) addEvents([ReflexEvent(handler, { token: token }, {})], [], {});
    };
    sync();
    const timer = setInterval(sync, refreshMs);
    return () => { stopped = true; clearInterval(timer); };
  }, [isLoaded, isSignedIn, userId, handler, refreshMs]);
  return null;
}"""
        ]


def _localization() -> Var:
    """Clerk's French for a French page (only that locale is bundled), else its English."""
    from imagegen.components.i18n import LANG

    french = VarData(imports={CLERK_LOCALIZATIONS: [ImportVar(tag="frFR", package_path="/fr-FR")]})
    return Var(
        _js_expr=f"(({LANG!s}) === 'fr' ? frFR : undefined)",
        _var_data=VarData.merge(LANG._get_all_var_data(), french),
    )


def clerk_provider(*children: rx.Component, publishable_key: str, js_url: str = "") -> rx.Component:
    """The provider, pointed at a self-hosted or stand-in clerk-js when js_url is set; its
    forms speak the page's language (a switch re-renders them)."""
    custom = {"clerkJSUrl": js_url} if js_url else {}
    return ClerkProvider.create(
        *children,
        localization=_localization(),
        publishable_key=publishable_key,
        telemetry=False,
        sign_in_url=Page.SIGN_IN,
        sign_up_url=Page.SIGN_UP,
        after_sign_out_url=Page.SIGN_IN,
        custom_attrs=custom,
    )


def session_sync() -> rx.Component:
    """The synchronizer bound to SessionState.clerk_session."""
    from imagegen.state.session import SessionState

    # Clerk session tokens live 60 s: hand the backend a fresh one well before that.
    refresh_ms = int(get_app_settings().clerk_refresh_seconds * 1000)
    return ClerkSessionSync.create(
        handler=f"{SessionState.get_full_name()}.clerk_session", refresh_ms=refresh_ms
    )
