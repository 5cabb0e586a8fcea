"""A file drop zone for images, shared by the prompt form's two drops."""

from __future__ import annotations

import reflex as rx


def drop_zone(
    upload_id: str, icon: str, text: rx.Var, on_drop: rx.EventSpec, **props: object
) -> rx.Component:
    """A PNG, JPEG or WebP drop zone that is its file input's label, so the input has a name
    and a click opens the picker once (the PNG-parameters drop and the starting image)."""
    return rx.el.label(
        rx.upload.root(
            rx.hstack(
                rx.icon(icon, size=16, aria_hidden="true"),
                rx.text(text, size="1"),
                align="center",
                justify="center",
                width="100%",
            ),
            id=upload_id,
            accept={
                "image/png": [".png"],
                "image/webp": [".webp"],
                "image/jpeg": [".jpg", ".jpeg"],
            },
            max_files=1,
            multiple=False,
            max_size=30 * 1024 * 1024,
            on_drop=on_drop,
            no_click=True,
            class_name="png-drop",
        ),
        **props,
    )
