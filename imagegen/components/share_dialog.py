"""The Share dialog: the public link, Copy, Open, and Revoke."""

from __future__ import annotations

import reflex as rx

from imagegen.components.i18n import t
from imagegen.state.share import ShareState as S


def share_dialog() -> rx.Component:
    """Shows the link made by a Share button; revoking makes it answer 'not found'."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(
                    S.share_what == "this image", t("Share this image"), t("Share this generation")
                )
            ),
            rx.dialog.description(
                t("Anyone with this link sees the image(s) and the prompt, nothing else of yours."),
                size="2",
            ),
            rx.el.label(
                rx.hstack(
                    rx.switch(
                        checked=S.share_parameters,
                        on_change=S.set_share_parameters,
                        id="share-parameters",
                    ),
                    rx.text(
                        t(
                            "Include the generation settings (negative prompt, seed, model) "
                            "in the image files"
                        ),
                        size="2",
                    ),
                    align="center",
                    spacing="2",
                ),
                margin_top="3",
            ),
            rx.cond(
                S.share_error != "",
                rx.callout(
                    S.share_error_text, icon="circle_alert", color_scheme="red", role="alert"
                ),
            ),
            rx.cond(
                S.share_revoked,
                rx.callout(
                    t("Link revoked: it now answers “not found”."),
                    icon="link-2-off",
                    color_scheme="gray",
                    role="status",
                    id="share-revoked",
                ),
                rx.cond(
                    S.share_url != "",
                    rx.vstack(
                        rx.input(value=S.share_url, read_only=True, width="100%", id="share-url"),
                        rx.hstack(
                            rx.button(
                                rx.icon("copy", size=14),
                                t("Copy link"),
                                on_click=[
                                    rx.set_clipboard(S.share_url),
                                    rx.toast(t("Link copied")),
                                ],
                            ),
                            rx.link(
                                t("Open"),
                                href=S.share_url,
                                is_external=True,
                                size="2",
                            ),
                            rx.spacer(),
                            rx.button(
                                t("Revoke link"),
                                on_click=S.revoke,
                                color_scheme="red",
                                variant="soft",
                                id="share-revoke",
                            ),
                            width="100%",
                            align="center",
                        ),
                        width="100%",
                        margin_top="3",
                    ),
                    rx.spinner(),
                ),
            ),
            rx.flex(
                rx.dialog.close(rx.button(t("Done"), variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="4",
            ),
            id="share-dialog",
        ),
        open=S.share_open,
        on_open_change=S.set_share_open,
    )
