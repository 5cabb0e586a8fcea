"""Page chrome: a skip link, the header (a menu on phones), the theme toggle and the main
landmark every page's content sits in."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import SessionHandoff
from imagegen.components.toasts import toasts
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings
from imagegen.state.session import SessionState

MAIN_ID = "main"


def _clerk() -> bool:
    return get_app_settings().auth == "clerk"


def theme_toggle() -> rx.Component:
    """Dark (the default: images read better on it) or light, remembered by the browser."""
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=18), dark=rx.icon("sun", size=18)),
        on_click=rx.toggle_color_mode,
        aria_label=rx.color_mode_cond(light="Switch to dark theme", dark="Switch to light theme"),
        title=rx.color_mode_cond(light="Dark theme", dark="Light theme"),
        variant="ghost",
        color_scheme="gray",
        size="2",
        class_name="touch-target",
        id="theme-toggle",
    )


def _account_wide() -> list[rx.Component]:
    """Wide screens: the email beside Sign out (or Clerk's user button)."""
    email = rx.text(SessionState.email, size="2", color_scheme="gray", class_name="header-email")
    if _clerk():
        from imagegen.components.clerk import UserButton

        return [email, UserButton.create(after_sign_out_url=Page.SIGN_IN)]
    sign_out = rx.button("Sign out", on_click=SessionState.sign_out, variant="soft", size="2")
    return [email, sign_out]


def _menu() -> rx.Component:
    """Phones: the pages, who is signed in and Sign out, behind one button."""
    items: list[rx.Component] = [
        rx.dropdown_menu.item("Studio", on_click=rx.redirect(Page.HOME)),
        rx.dropdown_menu.item("Albums", on_click=rx.redirect(Page.ALBUMS)),
        rx.dropdown_menu.separator(),
        rx.text(SessionState.email, size="1", color_scheme="gray", padding="4px 12px"),
    ]
    if not _clerk():
        items.append(rx.dropdown_menu.item("Sign out", on_click=SessionState.sign_out))
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("menu", size=20),
                aria_label="Menu",
                variant="ghost",
                color_scheme="gray",
                class_name="touch-target",
                id="header-menu",
            )
        ),
        rx.dropdown_menu.content(*items, align="end"),
    )


def header(skip_to: str = MAIN_ID, skip_label: str = "Skip to content") -> rx.Component:
    """Top bar: a skip link, product name, the pages, theme, and who is signed in."""
    narrow: list[rx.Component] = [_menu()]
    if _clerk():
        from imagegen.components.clerk import UserButton

        narrow.insert(0, UserButton.create(after_sign_out_url=Page.SIGN_IN))
    return rx.el.header(
        rx.el.a(skip_label, href=f"#{skip_to}", class_name="skip-link"),
        rx.link(
            rx.hstack(
                rx.icon("sparkles", size=20, aria_hidden="true"),
                rx.text("imagegen", size="5", weight="bold"),
                align="center",
                spacing="2",
            ),
            href=Page.HOME,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            aria_label="imagegen home",
        ),
        rx.el.nav(
            rx.link("Studio", href=Page.HOME, size="2", id="nav-studio"),
            rx.link("Albums", href=Page.ALBUMS, size="2", id="nav-albums"),
            class_name="wide-only header-nav",
            aria_label="Pages",
        ),
        rx.spacer(),
        theme_toggle(),
        rx.hstack(*_account_wide(), align="center", spacing="3", class_name="wide-only"),
        rx.hstack(*narrow, align="center", spacing="2", class_name="narrow-only"),
        *(
            []
            if _clerk()
            else [
                SessionHandoff.create(
                    ticket=SessionState.handoff_ticket, path=SessionState.handoff_path
                )
            ]
        ),
        class_name="app-header",
    )


def page_shell(
    *children: rx.Component, skip_to: str = MAIN_ID, skip_label: str = "Skip to content"
) -> rx.Component:
    """The header, then the page's content in its main landmark, and the toasts."""
    return rx.fragment(
        header(skip_to, skip_label),
        rx.el.main(*children, id=MAIN_ID, class_name="app-main"),
        toasts(),
    )
