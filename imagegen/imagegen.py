"""The Reflex app: pages, plus the FastAPI routes mounted through api_transformer."""

from __future__ import annotations

import reflex as rx
from reflex.config import get_config
from reflex_base.environment import environment

from imagegen.api import create_api
from imagegen.api.origins import socket_origin_allowed, use_trusted_cors
from imagegen.api.security import PageSlash, SecurityHeaders
from imagegen.components.i18n import t
from imagegen.components.layout import connection_overlay
from imagegen.pages.albums import album_page, albums_page
from imagegen.pages.api_keys import api_keys_page
from imagegen.pages.auth import sign_in_page, sign_up_page
from imagegen.pages.studio import studio_page
from imagegen.services import urls
from imagegen.services.maintenance import maintenance_loop
from imagegen.services.routes import Page
from imagegen.settings.app import get_app_settings
from imagegen.state.albums import AlbumPageState, AlbumsState
from imagegen.state.api_keys import ApiKeysState
from imagegen.state.form import PromptFormState
from imagegen.state.gallery import GalleryState
from imagegen.state.session import SessionState

get_app_settings().check_production()

# Every CORS layer Reflex adds answers only the trusted origins (its default reflects any).
rx.App._add_cors = staticmethod(use_trusted_cors)  # type: ignore[method-assign]
app = rx.App(
    # The FastAPI routes mount over Reflex's; the middleware then wraps pages and API alike.
    api_transformer=[
        create_api(security_headers=False, housekeeping=False),
        SecurityHeaders,
        PageSlash,  # /sign-in served as /sign-in/, with no redirect
    ],
    stylesheets=["/styles.css"],
    # Toasts stay pinned to the viewport's bottom, above the sticky bars and the lightbox.
    toaster=rx.toast.provider(
        position="bottom-center",
        close_button=True,
        custom_attrs={
            "containerAriaLabel": t("Notifications"),
            "toastOptions": {"closeButtonAriaLabel": t("Close notification")},
        },
    ),
)
# Reflex's connection marker, in the page's language (components/layout.py).
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_overlay() if stateful else None
app.register_lifespan_task(maintenance_loop)  # the watchdog and the orphan sweeper
urls.register_fallback(lambda: get_config().api_url)  # callbacks when IMAGEGEN_APP_URL is unset
# One server for pages and API (`reflex run --single-port`): page links are relative.
urls.register_same_server(environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.get)
# The websocket handshake refuses a page from another origin (cross-site websocket hijacking).
if app.sio is not None:
    app.sio.eio.cors_allowed_origins = socket_origin_allowed
CLERK = get_app_settings().auth == "clerk"
if CLERK:
    from imagegen.pages.clerk_auth import clerk_sign_in_page, clerk_sign_up_page, guarded

app.add_page(
    rx.center(rx.spinner(), min_height="100vh"),
    route="/",
    on_load=SessionState.redirect_home_or_sign_in,
    title="imagegen",
)
app.add_page(
    clerk_sign_in_page if CLERK else sign_in_page,
    route=Page.SIGN_IN,
    title="Sign in · imagegen",
    on_load=None if CLERK else SessionState.redirect_if_signed_in,
)
app.add_page(
    clerk_sign_up_page if CLERK else sign_up_page,
    route=Page.SIGN_UP,
    title="Sign up · imagegen",
    on_load=None if CLERK else SessionState.redirect_if_signed_in,
)
app.add_page(
    guarded(studio_page) if CLERK else studio_page,
    route=Page.HOME,
    title="Generate images · imagegen",
    on_load=[GalleryState.load, PromptFormState.load_options, AlbumsState.load_albums],
)
app.add_page(
    guarded(albums_page) if CLERK else albums_page,
    route=Page.ALBUMS,
    title="Albums · imagegen",
    on_load=AlbumsState.load_albums,
)
app.add_page(
    guarded(api_keys_page) if CLERK else api_keys_page,
    route=Page.KEYS,
    title="API keys · imagegen",
    on_load=ApiKeysState.load_keys,
)
app.add_page(
    guarded(album_page) if CLERK else album_page,
    route=Page.ALBUM,
    title="Album · imagegen",
    on_load=AlbumPageState.load_album,
)
