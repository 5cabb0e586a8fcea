"""Clerk mode: the same routes, with Clerk's components and guards around them."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from imagegen.components.clerk import (
    SignedIn,
    SignedOut,
    SignIn,
    SignUp,
    clerk_provider,
    session_sync,
)
from imagegen.components.i18n import document_locale, language_switch, t
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings


def _provider(*children: rx.Component) -> rx.Component:
    s = get_app_settings()
    return clerk_provider(
        session_sync(), *children, publishable_key=s.clerk_publishable_key, js_url=s.clerk_js_url
    )


def _centered(child: rx.Component) -> rx.Component:
    return rx.el.main(
        rx.el.div(language_switch(), class_name="clerk-lang"),
        rx.center(child, min_height="100vh"),
        document_locale(),
        id="clerk-auth",
    )


def _auth_page(form: rx.Component) -> rx.Component:
    """Clerk's form for signed-out visitors; a signed-in user goes on to the studio."""
    return _provider(
        SignedOut.create(_centered(form)),
        SignedIn.create(_centered(rx.link(t("Continue to the studio"), href=Page.HOME))),
    )


def clerk_sign_in_page() -> rx.Component:
    """Clerk's sign-in."""
    return _auth_page(
        SignIn.create(routing="hash", sign_up_url=Page.SIGN_UP, force_redirect_url=Page.HOME)
    )


def clerk_sign_up_page() -> rx.Component:
    """Clerk's sign-up."""
    return _auth_page(
        SignUp.create(routing="hash", sign_in_url=Page.SIGN_IN, force_redirect_url=Page.HOME)
    )


def guarded(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """The page for signed-in users; signed-out visitors see Clerk's sign-in in its place."""

    def build() -> rx.Component:
        return _provider(
            SignedIn.create(page()),
            SignedOut.create(_centered(SignIn.create(routing="hash", sign_up_url=Page.SIGN_UP))),
        )

    return build
