"""The prompt form, built from the engines the worker offers."""

from __future__ import annotations

import reflex as rx

from imagegen.state.form import PromptFormState as F


def _field(label: str, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            label,
            html_for=html_for,
            style={"font-size": "var(--font-size-2)", "font-weight": "500"},
        ),
        control,
        spacing="1",
        width="100%",
    )


def _select(
    id_: str, value: rx.Var, on_change: rx.EventHandler, options: rx.Component
) -> rx.Component:
    return rx.el.select(
        options, id=id_, value=value, on_change=on_change, class_name="native-select"
    )


PNG_DROP = "png-drop"


def png_drop() -> rx.Component:
    """Drop (or pick) a PNG to fill the form with the parameters it carries."""
    return rx.upload(
        rx.hstack(
            rx.icon("image-down", size=16),
            rx.text(
                "Drop a PNG here (or click) to load its prompt, seed and size",
                size="1",
                color_scheme="gray",
            ),
            align="center",
            justify="center",
            width="100%",
        ),
        id=PNG_DROP,
        accept={"image/png": [".png"], "image/webp": [".webp"], "image/jpeg": [".jpg", ".jpeg"]},
        max_files=1,
        multiple=False,
        max_size=30 * 1024 * 1024,
        on_drop=F.load_png(rx.upload_files(upload_id=PNG_DROP)),
        border="1px dashed var(--gray-7)",
        border_radius="var(--radius-3)",
        padding="8px",
        width="100%",
        cursor="pointer",
    )


def prompt_form() -> rx.Component:
    """Prompt, negative prompt, size, count, seed, engine, and Generate."""
    return rx.card(
        rx.vstack(
            rx.cond(
                F.worker_warning != "",
                rx.callout(
                    F.worker_warning, icon="triangle_alert", color_scheme="amber", width="100%"
                ),
            ),
            _field(
                "Prompt",
                rx.text_area(
                    id="prompt",
                    value=F.prompt,
                    on_change=F.set_prompt,
                    placeholder="A lighthouse at dawn, watercolor",
                    rows="3",
                    width="100%",
                    max_length=2000,
                ),
                "prompt",
            ),
            _field(
                "Negative prompt",
                rx.input(
                    id="negative-prompt",
                    value=F.negative_prompt,
                    on_change=F.set_negative_prompt,
                    placeholder=rx.cond(
                        F.supports_negative, "What to avoid", "This engine takes no negative prompt"
                    ),
                    disabled=~F.supports_negative,
                    width="100%",
                ),
                "negative-prompt",
            ),
            rx.grid(
                _field(
                    "Engine",
                    _select(
                        "engine",
                        F.engine,
                        F.set_engine,
                        rx.foreach(F.engines, lambda e: rx.el.option(e["label"], value=e["name"])),
                    ),
                    "engine",
                ),
                _field(
                    "Model",
                    _select(
                        "model",
                        F.model,
                        F.set_model,
                        rx.foreach(F.models, lambda m: rx.el.option(m, value=m)),
                    ),
                    "model",
                ),
                _field(
                    "Size",
                    _select(
                        "size",
                        F.size,
                        F.set_size,
                        rx.foreach(F.sizes, lambda s: rx.el.option(s, value=s)),
                    ),
                    "size",
                ),
                _field(
                    "Images",
                    _select(
                        "num-images",
                        F.num_images,
                        F.set_num_images,
                        rx.foreach(F.image_counts, lambda n: rx.el.option(n, value=n)),
                    ),
                    "num-images",
                ),
                _field(
                    "Seed",
                    rx.input(
                        id="seed",
                        value=F.seed,
                        on_change=F.set_seed,
                        placeholder="random",
                        input_mode="numeric",
                        width="100%",
                    ),
                    "seed",
                ),
                columns=rx.breakpoints(initial="2", sm="5"),
                spacing="3",
                width="100%",
            ),
            png_drop(),
            rx.cond(
                F.png_notice != "",
                rx.callout(
                    F.png_notice,
                    icon="file-image",
                    color_scheme="green",
                    role="status",
                    id="png-notice",
                ),
            ),
            rx.cond(
                F.remixing,
                rx.hstack(
                    rx.badge(
                        "Remix of a past generation: its parameters are filled in",
                        color_scheme="violet",
                    ),
                    rx.button("Cancel remix", on_click=F.cancel_remix, size="1", variant="ghost"),
                    align="center",
                ),
            ),
            rx.cond(
                F.form_error != "",
                rx.callout(
                    F.form_error,
                    icon="circle_alert",
                    color_scheme="red",
                    role="alert",
                    width="100%",
                ),
            ),
            rx.button(
                rx.cond(F.submitting, rx.spinner(size="2"), rx.icon("wand_sparkles")),
                "Generate",
                on_click=F.generate,
                disabled=F.submitting,
                size="3",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )
