"""Starting from an image: the form's starting-image chip and drop zone, and the lightbox's
Vary, Upscale, Use-as-input actions and lineage."""

from __future__ import annotations

import reflex as rx

from imagegen.components.drop_zone import drop_zone
from imagegen.components.i18n import t

INPUT_DROP = "input-drop"
OPERATIONS = (
    ("vary", "Variation"),
    ("upscale", "Upscaled ×2"),
    ("input", "From an image"),
)


def operation_label(operation: rx.Var) -> rx.Var:
    """How a generation was made from an image, in the page's language ("" for a prompt)."""
    return rx.match(operation, *((op, t(label)) for op, label in OPERATIONS), "")


def input_drop() -> rx.Component:
    """Drop (or pick) a PNG, JPEG or WebP to start the next generation from it (shown where
    the form's engine can start from an image)."""
    from imagegen.state.form import PromptFormState as F

    return rx.cond(
        F.supports_image_input,
        drop_zone(
            INPUT_DROP,
            "image-up",
            t("Start from an image (PNG, JPEG or WebP)"),
            F.upload_input(rx.upload_files(upload_id=INPUT_DROP)),
            aria_label=t("Start from an image"),
        ),
    )


def starting_image() -> rx.Component:
    """The image the next generation starts from, its strength, and a way to remove it."""
    from imagegen.state.form import PromptFormState as F

    return rx.cond(
        F.has_input,
        rx.el.div(
            rx.image(src=F.input_thumb, alt=t("Starting image"), class_name="input-thumb"),
            rx.el.div(
                rx.el.span(t("Starting image"), class_name="field-label", id="strength-label"),
                rx.hstack(
                    rx.el.input(
                        type="range",
                        value=F.strength,
                        on_change=F.set_strength,
                        min=0,
                        max=1,
                        step=0.05,
                        aria_label=t("Strength"),
                        title=t(
                            "Strength: how far to move from the image (0 keeps it, 1 ignores it)"
                        ),
                        id="strength",
                        class_name="strength-range",
                    ),
                    rx.el.span(t("Strength"), " ", F.strength.to_string(), class_name="field-hint"),
                    align="center",
                    spacing="3",
                    width="100%",
                ),
                class_name="input-controls",
            ),
            rx.cond(
                ~F.supports_image_input,
                rx.text(
                    t("This engine cannot start from an image."),
                    size="1",
                    color_scheme="amber",
                    id="input-unsupported",
                ),
            ),
            rx.icon_button(
                rx.icon("x", size=16),
                on_click=F.clear_input,
                aria_label=t("Remove the starting image"),
                title=t("Remove the starting image"),
                variant="soft",
                color_scheme="gray",
                type="button",
                id="remove-input",
                class_name="touch-target",
            ),
            class_name="starting-image",
            id="starting-image",
        ),
    )


def _thumb(kin: rx.Var, label: rx.Var) -> rx.Component:
    from imagegen.state.lightbox import LightboxState as L

    return rx.el.button(
        rx.image(src=kin.thumb_url, alt=label, class_name="kin-thumb"),  # type: ignore[attr-defined]
        on_click=L.open_kin(kin.id),  # type: ignore[attr-defined]
        type="button",
        title=label,
        aria_label=label,
        class_name="kin",
    )


def lineage_panel() -> rx.Component:
    """Made from (a link to the source, or that it is gone) and what was made from it."""
    from imagegen.state.lightbox import LightboxState as L

    made_from = rx.cond(
        L.source.id != "",
        rx.hstack(
            rx.text(t("Made from"), size="1", color_scheme="gray"),
            _thumb(L.source, t("Open the image it was made from")),
            rx.text(operation_label(L.source.operation), size="1"),
            align="center",
            spacing="2",
        ),
        rx.cond(
            L.source_gone,
            rx.text(t("The image it was made from has been deleted."), size="1", id="source-gone"),
            rx.cond(L.from_upload, rx.text(t("Made from an uploaded image."), size="1")),
        ),
    )
    derived = rx.cond(
        L.derived.length() > 0,
        rx.el.div(
            rx.text(t("Made from this image"), size="1", color_scheme="gray"),
            rx.flex(
                rx.foreach(L.derived, lambda k: _thumb(k, t("Open this image"))),
                wrap="wrap",
                spacing="2",
            ),
            id="lineage-derived",
        ),
    )
    return rx.el.div(made_from, derived, id="lineage", class_name="lineage")


def lightbox_actions() -> list[rx.Component]:
    """Use as input, Vary (subtle, strong) where the engine can, and Upscale ×2."""
    from imagegen.state.form import PromptFormState as F
    from imagegen.state.lightbox import LightboxState as L

    def soft(icon: str, label: rx.Var, on_click: object, id_: str) -> rx.Component:
        return rx.button(
            rx.icon(icon, size=14),
            label,
            on_click=on_click,
            variant="soft",
            color_scheme="gray",
            size="2",
            id=id_,
        )

    return [
        # Use as input where the form's engine can start from an image; Vary where the
        # image's own engine can.
        rx.cond(
            F.supports_image_input,
            soft("image-plus", t("Use as input"), [F.use_input(L.image.id), L.close], "use-input"),
        ),
        rx.cond(
            L.can_vary,
            rx.fragment(
                soft("shuffle", t("Vary (subtle)"), L.vary("subtle"), "vary-subtle"),
                soft("sparkles", t("Vary (strong)"), L.vary("strong"), "vary-strong"),
            ),
        ),
        soft(
            "maximize-2",
            rx.cond(
                L.upscaler == "lanczos", t("Upscale ×2 (Lanczos resize, not AI)"), t("Upscale ×2")
            ),
            L.upscale,
            "upscale",
        ),
    ]
