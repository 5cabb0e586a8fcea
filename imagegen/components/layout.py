"""Page chrome: the header with the signed-in user and Sign out."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import SessionHandoff
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings
from imagegen.state.session import SessionState


def account_controls() -> list[rx.Component]:
    """Clerk's user button in Clerk mode; else the email and a Sign out button."""
    if get_app_settings().auth == "clerk":
        from imagegen.components.clerk import UserButton

        return [
            rx.text(SessionState.email, size="2", color_scheme="gray"),
            UserButton.create(after_sign_out_url=Page.SIGN_IN),
        ]
    return [
        rx.text(SessionState.email, size="2", color_scheme="gray"),
        rx.button("Sign out", on_click=SessionState.sign_out, variant="soft", size="2"),
        SessionHandoff.create(ticket=SessionState.handoff_ticket, path=SessionState.handoff_path),
    ]


def header() -> rx.Component:
    """Top bar: product name, who is signed in, Sign out."""
    return rx.hstack(
        rx.hstack(
            rx.icon("sparkles", size=22),
            rx.heading("imagegen", size="6"),
            align="center",
            spacing="2",
        ),
        rx.hstack(
            rx.link("Studio", href=Page.HOME, size="2", id="nav-studio"),
            rx.link("Albums", href=Page.ALBUMS, size="2", id="nav-albums"),
            spacing="4",
            margin_left="5",
        ),
        rx.spacer(),
        *account_controls(),
        width="100%",
        align="center",
        padding_y="3",
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """A centred, readable column."""
    return rx.container(
        rx.vstack(*children, spacing="6", width="100%"), size="4", padding_x="4", padding_bottom="9"
    )
