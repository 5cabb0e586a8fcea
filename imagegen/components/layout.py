"""Page chrome: a skip link, the header (a menu on phones), the theme toggle and the main
landmark every page's content sits in."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import SessionHandoff
from imagegen.components.i18n import document_locale, language_switch, t
from imagegen.components.toasts import toasts
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings
from imagegen.state.session import SessionState

MAIN_ID = "main"


def _clerk() -> bool:
    return get_app_settings().auth == "clerk"


def theme_toggle() -> rx.Component:
    """The system's theme until the user picks dark or light here, remembered by the browser."""
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=18), dark=rx.icon("sun", size=18)),
        on_click=rx.toggle_color_mode,
        aria_label=rx.color_mode_cond(
            light=t("Switch to dark theme"), dark=t("Switch to light theme")
        ),
        title=rx.color_mode_cond(light=t("Dark theme"), dark=t("Light theme")),
        variant="ghost",
        color_scheme="gray",
        size="2",
        class_name="touch-target",
        id="theme-toggle",
    )


def _account_wide() -> list[rx.Component]:
    """Wide screens: the email beside Sign out (or Clerk's user button)."""
    email = rx.text(SessionState.email, size="2", color_scheme="gray", class_name="header-email")
    keys = _keys_link("2", id="nav-keys")
    if _clerk():
        from imagegen.components.clerk import UserButton

        return [keys, email, UserButton.create(after_sign_out_url=Page.SIGN_IN)]
    sign_out = rx.button(t("Sign out"), on_click=SessionState.sign_out, variant="soft", size="2")
    return [keys, email, sign_out]


def _keys_link(size: str, **props: str) -> rx.Component:
    """The user's API keys page (in the account corner, and in the phone menu)."""
    return rx.link(
        t("API keys"),
        href=Page.KEYS,
        size=size,
        aria_current=_here(Page.KEYS),
        white_space="nowrap",
        **props,
    )


def _here(page: str) -> rx.Var:
    """aria-current for a header link: "page" on that page (and, for Albums, each album's)."""
    path = SessionState.router.url.path.to(str)
    return rx.cond((path == page) | path.startswith(page + "/"), "page", "false")


def _page_links(size: str, ids: tuple[str, str] = ("", ""), **props: str) -> list[rx.Component]:
    """Studio and Albums, the current one marked: in the header and in the phone menu."""
    pages = ((t("Studio"), Page.HOME), (t("Albums"), Page.ALBUMS))
    return [
        rx.link(
            label,
            href=href,
            size=size,
            aria_current=_here(href),
            **({"id": id_} if id_ else {}),
            **props,
        )
        for (label, href), id_ in zip(pages, ids, strict=True)
    ]


def _menu() -> rx.Component:
    """Phones: the pages, who is signed in and Sign out, behind one button."""
    items: list[rx.Component] = [
        *_page_links(size="3", class_name="menu-link"),
        _keys_link("3", class_name="menu-link"),
        language_switch(),
        rx.separator(size="4"),
        rx.text(SessionState.email, size="2", color_scheme="gray", class_name="menu-email"),
    ]
    if not _clerk():
        items.append(
            rx.button(
                t("Sign out"),
                on_click=SessionState.sign_out,
                variant="soft",
                size="3",
                width="100%",
            )
        )
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("menu", size=20),
                aria_label=t("Menu"),
                variant="ghost",
                color_scheme="gray",
                class_name="touch-target",
                id="header-menu",
            )
        ),
        rx.popover.content(
            rx.el.nav(*items, class_name="menu-panel", aria_label=t("Menu")),
            align="end",
            aria_label=t("Menu"),
            width="min(300px, 92vw)",
        ),
    )


def header(skip_to: str = MAIN_ID, skip_label: str = "Skip to content") -> rx.Component:
    """Top bar: a skip link, product name, the pages, language, theme, and who is signed in
    (`skip_label` is catalogue English)."""
    narrow: list[rx.Component] = [_menu()]
    if _clerk():
        from imagegen.components.clerk import UserButton

        narrow.insert(0, UserButton.create(after_sign_out_url=Page.SIGN_IN))
    return rx.el.header(
        # Focus moves to the target itself (a router link to a #hash would not move it).
        rx.el.a(
            t(skip_label),
            href=f"#{skip_to}",
            on_click=[rx.prevent_default, rx.set_focus(skip_to)],
            class_name="skip-link",
        ),
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
            aria_label=t("imagegen home"),
        ),
        rx.el.nav(
            *_page_links(size="2", ids=("nav-studio", "nav-albums")),
            class_name="wide-only header-nav",
            aria_label=t("Pages"),
        ),
        rx.spacer(),
        rx.el.div(language_switch(), class_name="wide-only"),
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
        document_locale(),
        header(skip_to, skip_label),
        rx.el.main(*children, id=MAIN_ID, class_name="app-main", tab_index=-1),
        toasts(),
    )


def connection_overlay() -> rx.Component:
    """Reflex's connection toasts and lost-connection marker, replaced by ones that speak
    the page's language (Reflex's own are English). Memoized, as Reflex's
    own: its hooks must run inside the app's providers, not in the wrap that creates them."""
    from reflex_base.components.memo import memo
    from reflex_components_core.core.banner import has_connection_errors

    from imagegen.components.toasts import ConnectionToasts

    def imagegen_connection_overlay() -> rx.Component:
        return rx.fragment(
            rx.cond(
                has_connection_errors,
                rx.el.div(
                    rx.icon("wifi_off", size=18, aria_hidden="true"),
                    rx.el.span(t("Connection lost; trying again…")),
                    role="status",
                    class_name="connection-lost",
                ),
            ),
            ConnectionToasts.create(),
        )

    return rx.fragment(memo(imagegen_connection_overlay)())
