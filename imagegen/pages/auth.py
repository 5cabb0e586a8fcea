"""Sign-up and sign-in pages for local accounts."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import SessionHandoff
from imagegen.components.i18n import document_locale, language_switch, t
from imagegen.services.routes import Page
from imagegen.state.session import SessionState


def _auth_form(
    title: rx.Var, action: rx.Var, handler: rx.EventHandler, other: rx.Component, autocomplete: str
) -> rx.Component:
    return rx.el.main(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.icon("sparkles", aria_hidden="true"),
                        rx.text("imagegen", size="6", weight="bold"),
                        rx.spacer(),
                        language_switch(),
                        align="center",
                        width="100%",
                    ),
                    rx.heading(title, size="5", as_="h1"),
                    rx.el.label(t("Email"), html_for="email"),
                    rx.input(
                        id="email",
                        name="email",
                        type="email",
                        required=True,
                        auto_complete="email",
                        width="100%",
                    ),
                    rx.el.label(t("Password"), html_for="password"),
                    rx.input(
                        id="password",
                        name="password",
                        type="password",
                        required=True,
                        auto_complete=autocomplete,
                        width="100%",
                    ),
                    rx.cond(
                        SessionState.auth_error != "",
                        rx.callout(
                            SessionState.auth_error,
                            icon="circle_alert",
                            color_scheme="red",
                            role="alert",
                            width="100%",
                        ),
                    ),
                    rx.button(action, type="submit", width="100%", loading=SessionState.auth_busy),
                    other,
                    spacing="3",
                    width="100%",
                ),
                on_submit=handler,
                reset_on_submit=False,
            ),
            width="min(420px, 92vw)",
        ),
        SessionHandoff.create(ticket=SessionState.handoff_ticket, path=SessionState.handoff_path),
        document_locale(),
        class_name="auth-main",
    )


def sign_in_page() -> rx.Component:
    """Email + password sign-in."""
    return _auth_form(
        t("Sign in"),
        t("Sign in"),
        SessionState.sign_in,
        rx.text(
            t("No account?"),
            " ",
            rx.link(t("Sign up"), href=Page.SIGN_UP, underline="always"),
            size="2",
        ),
        "current-password",
    )


def sign_up_page() -> rx.Component:
    """Create a local account."""
    return _auth_form(
        t("Create your account"),
        t("Sign up"),
        SessionState.sign_up,
        rx.text(
            t("Have an account?"),
            " ",
            rx.link(t("Sign in"), href=Page.SIGN_IN, underline="always"),
            size="2",
        ),
        "new-password",
    )
