"""How a user drives the studio: the prompt bar, its settings panel, the ⋯ menus, toasts."""

from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

CARDS = "#gallery-grid .generation-card"


def open_settings(page: Page) -> None:
    """Opens the settings panel (it remembers being open, so only when folded)."""
    toggle = page.locator("#settings-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(page.locator("#generation-settings")).to_be_visible()


def choose_size(page: Page, size: str) -> None:
    """Clicks a size chip ("512x512")."""
    open_settings(page)
    page.get_by_role("radio", name=size.replace("x", "×"), exact=True).click()
    expect(page.get_by_role("radio", name=size.replace("x", "×"), exact=True)).to_be_checked()


def choose_images(page: Page, images: str) -> None:
    open_settings(page)
    page.get_by_label("Images", exact=True).select_option(images)


def generate(page: Page, prompt: str, images: str = "1", size: str | None = None) -> None:
    """Types a prompt, sets the count (and size), and clicks Generate."""
    page.get_by_label("Prompt", exact=True).fill(prompt)
    if images != "1":
        choose_images(page, images)
    if size:
        choose_size(page, size)
    page.get_by_role("button", name="Generate").click()


def card(page: Page, text: str) -> Locator:
    """The gallery group of a generation, by its prompt."""
    return page.locator(CARDS).filter(has_text=text)


def _pick(page: Page, trigger: Locator, action: str) -> None:
    """Opens a ⋯ menu and picks an item; a menu that a re-render closed right after opening
    (the page still settling after a load, slow on a loaded machine) is opened again, as a
    user would, until the item is picked."""
    item = page.get_by_role("menuitem", name=action)
    deadline = time.monotonic() + 60
    while True:
        try:
            if not item.is_visible():
                trigger.click()
            expect(item).to_be_visible(timeout=5_000)
            item.click(timeout=5_000)
            return
        except (AssertionError, PlaywrightError):
            if time.monotonic() > deadline:
                raise


def image_action(page: Page, tile: Locator, action: str) -> None:
    """Opens an image's ⋯ menu and picks an action ("Delete image", "Share image", ...)."""
    tile.hover()
    _pick(page, tile.get_by_role("button", name="More actions for this image"), action)


def generation_action(page: Page, group: Locator, action: str) -> None:
    """Opens a generation's ⋯ menu and picks an action ("Delete generation", ...)."""
    _pick(page, group.get_by_role("button", name="More actions for this generation"), action)


def toast(page: Page, text: str | None = None) -> Locator:
    """The toasts pinned to the viewport (all of them, or those with this text)."""
    t = page.locator("[data-sonner-toast]")
    return t.filter(has_text=text) if text else t


def filters(page: Page) -> Locator:
    """Opens the Filters popover (if it is closed) and gives it."""
    toggle = page.locator("#filters-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    pop = page.get_by_role("dialog", name="Filters")
    expect(pop).to_be_visible()
    return pop
