"""The prompt bar: a prompt and Generate always in reach (sticky), with the rest of the
settings in a panel that opens on demand and stays as the user left it."""

from __future__ import annotations

import reflex as rx

from imagegen.components.behaviors import prompt_keys
from imagegen.components.drop_zone import drop_zone
from imagegen.components.from_image import input_drop, starting_image
from imagegen.components.i18n import engine_label, t
from imagegen.state.form import PromptFormState as F

FORM_ID, PROMPT_ID, GENERATE_ID = "prompt-bar", "prompt", "generate"


def _typed() -> rx.Var:
    """The text fields as the page shows them at the click (null: a field not shown)."""
    fields = {"prompt": PROMPT_ID, "negative_prompt": "negative-prompt", "seed": "seed"}
    pairs = ", ".join(
        f"{name}: (document.getElementById('{id_}')?.value ?? null)" for name, id_ in fields.items()
    )
    return rx.Var(f"({{{pairs}}})").to(dict)


PANEL_ID = "generation-settings"
PNG_DROP = "png-drop"


def _field(label: rx.Var, control: rx.Component, html_for: str) -> rx.Component:
    return rx.el.div(
        rx.el.label(label, html_for=html_for, class_name="field-label"),
        control,
        class_name="field",
    )


def _select(
    id_: str, value: rx.Var, on_change: rx.EventHandler, options: rx.Component
) -> rx.Component:
    return rx.el.select(
        options, id=id_, value=value, on_change=on_change, class_name="native-select"
    )


def png_drop() -> rx.Component:
    """Drop (or pick) a PNG to fill the form with the parameters it carries."""
    return drop_zone(
        PNG_DROP,
        "image-down",
        t("Drop a PNG here, or click, to load its prompt, seed and size"),
        F.load_png(rx.upload_files(upload_id=PNG_DROP)),
    )


def _ratio(size: rx.Var) -> rx.Component:
    """One size chip: a little frame with the size's own shape, and the size."""
    return rx.radio_cards.item(
        rx.el.span(class_name="ratio-frame", style={"aspect-ratio": size.replace("x", " / ")}),
        rx.text(size.replace("x", "×"), size="1"),
        value=size,
        aria_label=size.replace("x", "×"),
        class_name="size-chip",
    )


def _sizes() -> rx.Component:
    return rx.el.div(
        rx.el.span(t("Size"), class_name="field-label", id="size-label"),
        rx.radio_cards.root(
            rx.foreach(F.sizes, _ratio),
            value=F.size,
            on_value_change=F.set_size,
            columns="repeat(auto-fill, minmax(84px, 1fr))",
            gap="2",
            size="1",
            aria_labelledby="size-label",
            id="size",
        ),
        rx.cond(F.size_step > 0, _custom_size()),
        class_name="field field-wide",
    )


def _custom_size() -> rx.Component:
    """Any width × height the engine takes (A1111, ComfyUI, diffusers: steps of 8)."""

    def box(id_: str, label: rx.Var, value: rx.Var, on_change: rx.EventHandler) -> rx.Component:
        return rx.el.input(
            type="number",
            id=id_,
            value=value,
            on_change=on_change,
            min=F.size_min,
            max=F.size_max,
            step=F.size_step,
            input_mode="numeric",
            aria_label=label,
            aria_describedby="custom-size-rule",
            class_name="size-input",
        )

    return rx.el.div(
        rx.el.span(t("Custom"), class_name="field-label"),
        box("size-width", t("Width"), F.size_width, F.set_size_width),
        rx.el.span("×", aria_hidden="true"),
        box("size-height", t("Height"), F.size_height, F.set_size_height),
        rx.el.span(
            t(
                "{low}–{high} px, in steps of {step}",
                low=F.size_min,
                high=F.size_max,
                step=F.size_step,
            ),
            id="custom-size-rule",
            class_name="field-hint",
        ),
        class_name="custom-size",
    )


def _seed() -> rx.Component:
    return rx.el.div(
        rx.el.label(t("Seed"), html_for="seed", class_name="field-label"),
        rx.hstack(
            rx.input(
                id="seed",
                value=F.seed,
                on_change=F.set_seed,
                placeholder=t("random"),
                input_mode="numeric",
                width="100%",
            ),
            rx.icon_button(
                rx.icon(rx.cond(F.seed_locked, "lock", "lock-open"), size=16),
                on_click=F.toggle_seed_lock,
                aria_label=t("Keep this seed"),
                aria_pressed=rx.cond(F.seed_locked, "true", "false"),
                title=rx.cond(
                    F.seed_locked,
                    t("The seed is kept for the next generation"),
                    t("Keep this seed"),
                ),
                variant=rx.cond(F.seed_locked, "solid", "soft"),
                type="button",
                id="seed-lock",
                class_name="touch-target",
            ),
            spacing="1",
            width="100%",
        ),
        class_name="field",
    )


def settings_panel() -> rx.Component:
    """Negative prompt, engine, model, size, count, seed and the PNG drop."""
    return rx.el.div(
        rx.el.div(
            _field(
                t("Negative prompt"),
                rx.input(
                    id="negative-prompt",
                    value=F.negative_prompt,
                    on_change=F.set_negative_prompt,
                    placeholder=rx.cond(
                        F.supports_negative,
                        t("What to avoid"),
                        t("This engine takes no negative prompt"),
                    ),
                    disabled=~F.supports_negative,
                    width="100%",
                ),
                "negative-prompt",
            ),
            _field(
                t("Engine"),
                _select(
                    "engine",
                    F.engine,
                    F.set_engine,
                    rx.foreach(
                        F.engines, lambda e: rx.el.option(engine_label(e["label"]), value=e["name"])
                    ),
                ),
                "engine",
            ),
            _field(
                t("Model"),
                _select(
                    "model",
                    F.model,
                    F.set_model,
                    rx.foreach(F.models, lambda m: rx.el.option(m, value=m)),
                ),
                "model",
            ),
            _field(
                t("Images"),
                _select(
                    "num-images",
                    F.num_images,
                    F.set_num_images,
                    rx.foreach(F.image_counts, lambda n: rx.el.option(n, value=n)),
                ),
                "num-images",
            ),
            _seed(),
            _sizes(),
            rx.el.div(png_drop(), class_name="field field-wide"),
            rx.el.div(input_drop(), class_name="field field-wide"),
            class_name="settings-grid",
        ),
        id=PANEL_ID,
        hidden=~F.settings_open,
        class_name="settings-panel",
    )


def prompt_form() -> rx.Component:
    """The sticky bar: prompt, settings toggle and Generate; the settings panel below."""
    return rx.el.form(
        prompt_keys(FORM_ID, PROMPT_ID, GENERATE_ID),
        rx.cond(
            F.worker_warning != "",
            rx.callout(
                F.worker_warning,
                icon="triangle_alert",
                color_scheme="amber",
                size="1",
                width="100%",
                id="worker-warning",
            ),
        ),
        rx.el.div(
            rx.el.label(t("Prompt"), html_for=PROMPT_ID, class_name="sr-only"),
            rx.text_area(
                id=PROMPT_ID,
                value=F.prompt,
                on_change=F.set_prompt,
                placeholder=t("Describe an image: a lighthouse at dawn, watercolor"),
                rows="1",
                max_length=2000,
                aria_describedby="prompt-hint",
                class_name="prompt-input",
                size="3",
            ),
            rx.el.span(
                t("Enter generates; Shift+Enter adds a line."),
                id="prompt-hint",
                class_name="sr-only",
            ),
            rx.button(
                rx.icon("sliders-horizontal", size=18),
                rx.el.span(t("Settings"), class_name="hide-narrow"),
                type="button",
                on_click=F.toggle_settings,
                aria_expanded=rx.cond(F.settings_open, "true", "false"),
                aria_controls=PANEL_ID,
                aria_label=t("Settings"),
                variant="soft",
                color_scheme="gray",
                size="3",
                id="settings-toggle",
                class_name="touch-target",
            ),
            rx.button(
                rx.cond(F.submitting, rx.spinner(size="2"), rx.icon("wand_sparkles", size=18)),
                rx.el.span(t("Generate"), class_name="hide-narrow"),
                type="button",
                on_click=F.generate(_typed()),
                disabled=F.submitting,
                aria_label=t("Generate"),
                size="3",
                id=GENERATE_ID,
                class_name="touch-target",
            ),
            class_name="prompt-row",
        ),
        starting_image(),
        rx.cond(
            F.remixing,
            rx.hstack(
                rx.badge(
                    t("Remix of a past generation: its parameters are filled in"),
                    color_scheme="violet",
                ),
                rx.button(t("Cancel remix"), on_click=F.cancel_remix, size="1", variant="ghost"),
                align="center",
                wrap="wrap",
            ),
        ),
        settings_panel(),
        id=FORM_ID,
        class_name="prompt-bar",
        aria_label=t("New generation"),
    )
