"""The prompt form: its fields, the options the worker offers, and submission."""

from __future__ import annotations

import asyncio

import reflex as rx

from imagegen.contract import EngineCatalog, SizeRange
from imagegen.i18n import translate_message
from imagegen.services import generations as svc
from imagegen.services import png_params
from imagegen.services.catalog import WorkerUnavailable, get_catalog
from imagegen.services.errors import ServiceError
from imagegen.services.routes import Page
from imagegen.state.cards import card_for, engine_labels
from imagegen.state.form_input import StartingImage
from imagegen.state.gallery import GalleryState
from imagegen.state.session import SIGN_IN, SessionState

DEFAULT_SIZES = ["1024x1024"]


def _whole(value: str | float) -> str:
    """A number field's value as typed digits (the browser may send 512 or 512.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class PromptFormState(StartingImage, SessionState):
    """What the user is about to generate."""

    @classmethod
    def _loads_after_sign_in(cls, path: str) -> list:
        """The studio's loads, once Clerk says who is signed in."""
        return [cls.load_options] if not path.startswith(Page.ALBUMS) else []

    prompt: str = ""
    negative_prompt: str = ""
    size: str = "1024x1024"
    num_images: str = "1"
    seed: str = ""
    engine: str = ""
    model: str = ""
    models: list[str] = []
    supports_negative: bool = True
    supports_image_input: bool = False  # the chosen engine can start from an image
    engines: list[dict[str, str]] = []
    sizes: list[str] = DEFAULT_SIZES
    # The engine's range beyond the preset chips (step 0: it takes the presets only).
    size_min: int = 0
    size_max: int = 0
    size_step: int = 0
    max_images: int = 4
    form_error: str = ""
    worker_warning: str = ""
    submitting: bool = False
    remixing: bool = False
    png_notice: str = ""
    seed_locked: bool = False  # a locked seed is kept for the next generation
    # The settings panel stays as the user left it, across visits (this browser's storage).
    advanced_open: str = rx.LocalStorage("0", name="imagegen-settings-open", sync=True)
    _parent_id: str = ""
    _catalog: dict = {}  # the EngineCatalog, kept as plain JSON like the rest of the state

    @rx.var
    def size_width(self) -> str:
        """The chosen size's width, for the custom size field."""
        return self.size.partition("x")[0]

    @rx.var
    def size_height(self) -> str:
        """The chosen size's height, for the custom size field."""
        return self.size.partition("x")[2]

    @rx.var
    def image_counts(self) -> list[str]:
        """1..max images for the chosen engine."""
        return [str(n) for n in range(1, self.max_images + 1)]

    def _forget_user(self) -> None:
        """Clears what the previous user of this tab typed or chose."""
        self.prompt, self.negative_prompt, self.seed, self.form_error = "", "", "", ""
        self.png_notice, self.seed_locked = "", False
        self.remixing, self._parent_id = False, ""
        self.size, self.num_images = "1024x1024", "1"
        self._forget_input()
        if self._catalog:
            self._apply_engine()

    def _fail(self, message: str, group: str = "") -> None:
        """Why the form could not generate: kept, and shown as a toast."""
        self.form_error = message
        super()._fail(message, group)

    @rx.var
    def settings_open(self) -> bool:
        """Whether the settings panel is open."""
        return self.advanced_open == "1"

    @rx.event
    def toggle_settings(self) -> None:
        """Opens or folds the settings panel; the browser remembers which."""
        self.advanced_open = "0" if self.advanced_open == "1" else "1"

    @rx.event
    def toggle_seed_lock(self) -> None:
        """Locks the seed (kept after Generate) or frees it (a new random one each time)."""
        self.seed_locked = not self.seed_locked

    @rx.event
    async def use_seed(self, generation_id: str) -> None:
        """Takes a past generation's seed, locked, keeping the rest of the form."""
        principal = await self._principal()
        if principal is None:
            return
        try:
            gen = await asyncio.to_thread(svc.get_generation, principal.user_id, generation_id)
        except ServiceError as e:
            self._fail(e.message)
            return
        self.seed, self.seed_locked = str(gen.seed), True
        self._toast(f"Seed {gen.seed} will be used for the next generation.", "success")

    @rx.event
    def set_example(self, prompt: str) -> None:
        """An example prompt from the empty gallery."""
        self.prompt = prompt

    @rx.event
    async def remix(self, generation_id: str) -> rx.event.EventSpec | None:
        """Fills the form with every parameter of a past generation, seed included."""
        principal = await self._principal()
        if principal is None:
            return rx.redirect(SIGN_IN)
        try:
            gen = await asyncio.to_thread(svc.get_generation, principal.user_id, generation_id)
        except ServiceError as e:
            self._fail(e.message)
            return None
        self.prompt, self.negative_prompt = gen.prompt, gen.negative_prompt
        self.seed, self.num_images, self.seed_locked = str(gen.seed), str(gen.num_images), True
        if gen.engine in {e["name"] for e in self.engines}:
            self.engine, self.model = gen.engine, gen.model
            self._apply_engine()
        self.size = f"{gen.width}x{gen.height}"
        self.remixing, self._parent_id, self.form_error = True, gen.id, ""
        return None

    @rx.event
    async def load_png(self, files: list[rx.UploadFile]) -> rx.event.EventSpec | None:
        """Fills the form from the parameters embedded in a dropped PNG (ours or A1111's)."""
        if not files:
            return None
        upload = files[0]
        name = upload.name or self._t("the file")
        data = await upload.read(png_params.MAX_BYTES + 1)
        try:
            p = await asyncio.to_thread(png_params.read_parameters, data, name)
        except ServiceError as e:
            self.png_notice = ""
            self._fail(e.message, group="png")  # replaces the last PNG's notice
            return None
        self.prompt, self.negative_prompt = p.prompt, p.negative_prompt
        self.seed = str(p.seed) if p.seed is not None else ""
        self.seed_locked = p.seed is not None
        size = f"{p.width}x{p.height}" if p.width else ""
        notes = []
        if size and (size in self.sizes or self._size_allowed(size)):
            self.size = size
        elif size:
            notes.append(f"{size} is not offered by this engine, so the size is unchanged")
        self.remixing, self._parent_id, self.form_error = False, "", ""
        self.png_notice = f"Parameters loaded from {name}" + (
            f" ({'; '.join(notes)})." if notes else "."
        )
        notice = (
            self._t(
                "Parameters loaded from {name} ({size} is not offered by this engine, so the "
                "size is unchanged).",
                name=name,
                size=size,
            )
            if notes
            else self._t("Parameters loaded from {name}.", name=name)
        )
        self._toast(notice, "success", group="png")
        return None

    @rx.event
    def cancel_remix(self) -> None:
        """Keeps the fields but no longer records them as a remix."""
        self.remixing, self._parent_id = False, ""

    def _apply_engine(self) -> None:
        engines = EngineCatalog.model_validate(self._catalog).engines if self._catalog else []
        for e in engines:
            if e.name == self.engine:
                self.models = list(e.models)
                if self.model not in self.models:
                    self.model = e.default_model
                sizes, most = e.limits(self.model)
                self.sizes = [f"{w}x{h}" for w, h in sizes]
                free = e.free_sizes(self.model)
                self.size_min, self.size_max, self.size_step = (
                    (free.min, free.max, free.step) if free else (0, 0, 0)
                )
                self.max_images = min(4, most)
                self.supports_negative = e.supports_negative_prompt
                self.supports_image_input = e.supports_image_input and e.available
        if self.size not in self.sizes and not self._size_allowed(self.size):
            self.size = "1024x1024" if "1024x1024" in self.sizes else self.sizes[0]
        if int(self.num_images) > self.max_images:
            self.num_images = str(self.max_images)

    @rx.event
    async def load_options(self) -> None:
        """Fills the engine and size pickers from the worker's catalogue."""
        try:
            cat = await asyncio.to_thread(get_catalog)
        except WorkerUnavailable as e:
            self.worker_warning = self._t(
                "{message} Generations will fail until it is back.",
                message=translate_message(str(e), self.lang),
            )
            return
        self.worker_warning = ""
        self._catalog = cat.to_wire().model_dump(mode="json", by_alias=True)
        self.engines = [
            {
                "name": e.name,
                "label": e.label  # English: the page shows it in its language
                if e.available
                else self._t(
                    "{label} (unavailable: {reason})",
                    label=self._t(e.label),
                    reason=translate_message(e.reason or "no reason given", self.lang),
                ),
            }
            for e in cat.engines.values()
        ]
        if self.engine not in cat.engines:
            self.engine = cat.default
        self._apply_engine()

    @rx.event
    def set_prompt(self, value: str) -> None:
        """Keeps the typed prompt."""
        self.prompt = value

    @rx.event
    def set_negative_prompt(self, value: str) -> None:
        """Keeps the typed negative prompt."""
        self.negative_prompt = value

    @rx.event
    def set_size(self, value: str) -> None:
        """Keeps the chosen size."""
        self.size = value

    @rx.event
    def set_size_width(self, value: str | float) -> None:
        """A custom width (the server checks it against the engine's rule on submit)."""
        self.size = f"{_whole(value)}x{self.size_height}"

    @rx.event
    def set_size_height(self, value: str | float) -> None:
        """A custom height."""
        self.size = f"{self.size_width}x{_whole(value)}"

    def _size_allowed(self, size: str) -> bool:
        """Whether the chosen engine's range takes this "WxH" beyond its presets."""
        w, _, h = size.partition("x")
        if not (self.size_step and w.isdigit() and h.isdigit()):
            return False
        rule = SizeRange(min=self.size_min, max=self.size_max, step=self.size_step)
        return rule.allows(int(w), int(h))

    @rx.event
    def set_num_images(self, value: str) -> None:
        """Keeps the chosen image count."""
        self.num_images = value

    @rx.event
    def set_seed(self, value: str) -> None:
        """Keeps the typed seed (blank means random)."""
        self.seed = value

    @rx.event
    def set_model(self, value: str) -> None:
        """Switches model and narrows sizes and counts to that model's own rules."""
        self.model = value
        self._apply_engine()

    @rx.event
    def set_engine(self, value: str) -> None:
        """Switches engine and narrows sizes and counts to what it can do."""
        self.engine = value
        self._apply_engine()

    def _request(self) -> svc.GenerationRequest:
        seed_text = self.seed.strip()
        if seed_text and not seed_text.isdigit():
            raise ServiceError(
                "Seed must be a whole number (or blank for a random one).", field="seed"
            )
        try:
            width, height = (int(x) for x in self.size.split("x"))
        except ValueError as e:
            raise ServiceError("Choose a size.", field="size") from e
        return svc.GenerationRequest(
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            width=width,
            height=height,
            num_images=int(self.num_images or 1),
            seed=int(seed_text) if seed_text else None,
            engine=self.engine or None,
            model=self.model or None,
            parent_id=self._parent_id or None,
            input_image_id=self._input_image_id or None,
            upload_id=self._upload_id or None,
            strength=self.strength if self.has_input else None,
        )

    @rx.event
    async def generate(self, typed: dict | None = None):  # noqa: ANN201  (a generator of events)
        """Submits the form; a pending card appears at once and completes by itself. `typed`
        holds the text fields as the page has them at the click: their last keystrokes' change
        events may still be on their way, and what the user sees is what is generated."""
        for field in ("prompt", "negative_prompt", "seed"):
            value = (typed or {}).get(field)
            if isinstance(value, str):
                setattr(self, field, value[:4000])
        principal = await self._principal()
        if principal is None:
            yield rx.redirect(SIGN_IN)
            return
        self.submitting, self.form_error = True, ""
        yield
        try:
            req = self._request()
            gen = await asyncio.to_thread(svc.create_generation, principal.user_id, req)
        except ServiceError as e:
            self._fail(e.message)
            return
        finally:
            self.submitting = False
        self.remixing, self._parent_id = False, ""
        if not self.seed_locked:
            self.seed = ""  # the card shows the seed it got; the next one is random again
        gallery = await self.get_state(GalleryState)
        gallery._user_id = principal.user_id
        labels = await asyncio.to_thread(engine_labels)
        gallery._add_result(card_for(svc.generation_view(gen, []), labels, self.lang))
        yield GalleryState.watch(gen.id)
