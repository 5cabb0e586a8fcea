"""The API keys page: keys a user hands to scripts, the openai client and the CLI."""

from __future__ import annotations

import reflex as rx

from imagegen.components.i18n import local_date, t
from imagegen.components.layout import page_shell
from imagegen.state.api_keys import ApiKeysState as K
from imagegen.state.api_keys import KeyRow


def _new_key() -> rx.Component:
    """The key just made, shown once, with a way to copy it."""
    return rx.cond(
        K.new_key != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.callout.text(
                t("Copy the key for “{name}” now: it is shown only this once.", name=K.new_key_name)
            ),
            rx.hstack(
                rx.code(K.new_key, id="new-key", class_name="new-key", size="2"),
                rx.button(
                    rx.icon("copy", size=14),
                    t("Copy"),
                    on_click=[rx.set_clipboard(K.new_key), rx.toast(t("Key copied"))],
                    size="2",
                    variant="soft",  # a solid button would take the callout's green: too pale
                    id="copy-key",
                ),
                rx.button(t("Done"), on_click=K.hide_new_key, variant="soft", size="2"),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            color_scheme="green",
            id="key-once",
            role="status",
        ),
    )


def _row(k: KeyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(k.name),
        rx.table.cell(rx.code(k.prefix + "…")),
        rx.table.cell(rx.cond(k.scope == "read", t("Read only"), t("Generate"))),
        rx.table.cell(local_date(k.created_at)),
        rx.table.cell(rx.cond(k.last_used_at != "", local_date(k.last_used_at), t("Never"))),
        rx.table.cell(
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button(
                        t("Revoke"),
                        color_scheme="red",
                        variant="soft",
                        size="2",
                        aria_label=t("Revoke the key {name}", name=k.name),
                    )
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title(t("Revoke the key {name}?", name=k.name)),
                    rx.alert_dialog.description(
                        t(
                            "Whatever uses it is refused from its next request. This cannot be"
                            " undone."
                        )
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(
                            rx.button(t("Cancel"), variant="soft", color_scheme="gray")
                        ),
                        rx.alert_dialog.action(
                            rx.button(t("Revoke"), color_scheme="red", on_click=K.revoke_key(k.id))
                        ),
                        justify="end",
                        spacing="3",
                        margin_top="4",
                    ),
                ),
            )
        ),
        data_key_id=k.id,
    )


def api_keys_page() -> rx.Component:
    """Make, list and revoke personal API keys."""
    return page_shell(
        rx.vstack(
            rx.heading(t("API keys"), size="6", as_="h1"),
            rx.text(
                t(
                    "A key lets a script or a tool act as you: send it as “Authorization: Bearer"
                    " <key>” to the API, or give it to the openai client with base_url ending in"
                    " /v1. Read-only keys can list and download, not generate."
                ),
                color_scheme="gray",
                size="2",
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        name="name",
                        placeholder=t("Key name, e.g. render script"),
                        max_length=120,
                        required=True,
                        id="new-key-name",
                        aria_label=t("Key name"),
                        width="min(320px, 100%)",
                    ),
                    rx.el.select(
                        rx.el.option(t("Generate"), value="generate"),
                        rx.el.option(t("Read only"), value="read"),
                        name="scope",
                        class_name="native-select",
                        aria_label=t("What the key may do"),
                        id="new-key-scope",
                    ),
                    rx.button(
                        rx.icon("plus", size=14), t("Create key"), type="submit", id="create-key"
                    ),  # fmt: skip
                    wrap="wrap",
                    spacing="2",
                ),
                on_submit=K.create_key,
                reset_on_submit=True,
            ),
            _new_key(),
            rx.cond(
                K.keys_loaded & (K.keys.length() == 0),
                rx.text(t("No keys yet."), color_scheme="gray", id="no-keys"),
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *(
                                    rx.table.column_header_cell(t(h))
                                    for h in ("Name", "Key", "Scope", "Created", "Last used", "")
                                    if h
                                ),
                                rx.table.column_header_cell(
                                    rx.el.span(t("Actions"), class_name="sr-only")
                                ),
                            )
                        ),
                        rx.table.body(rx.foreach(K.keys, _row)),
                        id="key-list",
                        size="2",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
            ),
            spacing="4",
            align="start",
            width="100%",
            max_width="960px",
        )
    )
