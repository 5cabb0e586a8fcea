"""Browsing a big gallery: infinite scroll, search and filters kept in the URL, failed + Retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, frontend, sign_up
from tests.e2e.ui import CARDS, card, choose_size, filters, toast
from tests.helpers import insert_generation


def test_infinite_scroll_loads_every_page_without_repeats(page: Page, harness):
    page.set_viewport_size({"width": 390, "height": 844})  # one column: a page is screens long
    sign_up(page, harness)
    uid = api(harness, page).get("/api/auth/me").json()["id"]
    t0 = datetime.now(UTC) - timedelta(days=1)
    for n in range(60):
        insert_generation(uid, f"scroll item {n:02d}", created_at=t0 + timedelta(minutes=n))
    page.reload()
    expect(page.locator(CARDS)).to_have_count(24)
    # One lands live while only the first page is loaded: it joins the top, and the pages
    # that follow neither repeat nor skip a card.
    page.get_by_label("Prompt", exact=True).fill("scroll item live")
    choose_size(page, "512x512")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(CARDS)).to_have_count(25, timeout=30_000)
    for expected in (49, 61):
        # No click: coming near the end (scrolled there) loads the next page.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(page.locator(CARDS)).to_have_count(expected)
    expect(page.locator("#load-more")).to_have_count(0)  # nothing left to load
    prompts = page.locator(f"{CARDS} .generation-prompt").all_inner_texts()
    assert prompts == ["scroll item live"] + [f"scroll item {n:02d}" for n in reversed(range(60))]


def test_search_and_filters_live_in_the_url(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    uid = client.get("/api/auth/me").json()["id"]
    t0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
    insert_generation(uid, "A red fox in the snow", created_at=t0)
    insert_generation(uid, "Blue whale, deep sea", created_at=t0 + timedelta(days=1))
    insert_generation(uid, "Red fox cubs at play", created_at=t0 + timedelta(days=2), favorite=(0,))
    insert_generation(
        uid,
        "fox that failed",
        created_at=t0 + timedelta(days=3),
        status="FAILED",
        error="The generation worker was unreachable.",
    )
    page.reload()
    expect(page.locator(CARDS)).to_have_count(3)

    page.get_by_label("Search prompts").fill("red fo")
    page.get_by_label("Search prompts").press("Enter")
    page.wait_for_url("**/generate-images?q=red+fo")
    expect(page.locator(CARDS)).to_have_count(2)
    # A search alone is not a filter: the Filters button says "on" only for its own.
    expect(page.locator("#filters-toggle")).not_to_contain_text("on")

    filters(page).get_by_role("button", name="Favourites").click()
    page.wait_for_url("**favorites=1**")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator("#filters-toggle")).to_contain_text("on")
    expect(page.locator(CARDS)).to_contain_text("Red fox cubs at play")

    # A bookmark (a fresh load of the URL) shows the same thing, controls included.
    page.goto(page.url)
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.get_by_label("Search prompts")).to_have_value("red fo")
    expect(page.locator("#match-count")).to_have_text("1 match")
    expect(filters(page).get_by_role("button", name="Favourites")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Back undoes the last filter.
    page.go_back()
    expect(page.locator(CARDS)).to_have_count(2)

    expect(page.locator("#match-count")).to_have_text("2 matches")
    filters(page).get_by_label("Filter by model").select_option("procedural-v1")
    page.wait_for_url("**model=procedural-v1**")
    expect(page.locator(CARDS)).to_have_count(2)
    filters(page).get_by_label("Filter by engine").select_option("procedural")
    page.wait_for_url("**engine=procedural**")
    expect(page.locator(CARDS)).to_have_count(2)
    filters(page).get_by_label("Filter by size").select_option("768x768")
    expect(page.locator("#gallery-no-match")).to_be_visible()
    filters(page).get_by_label("Filter by size").select_option("512x512")
    expect(page.locator(CARDS)).to_have_count(2)

    filters(page).get_by_label("Sort order").select_option("oldest")
    expect(page.locator(f"{CARDS} .generation-prompt").first).to_have_text("A red fox in the snow")
    filters(page).get_by_label("Created from").fill("2026-03-02")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Red fox cubs at play")

    filters(page).get_by_role("button", name="Clear filters").click()
    page.wait_for_url("**/generate-images")
    expect(page.locator(CARDS)).to_have_count(3)

    page.get_by_label("Search prompts").fill("unicorn")
    page.get_by_label("Search prompts").press("Enter")
    expect(page.locator("#gallery-no-match")).to_be_visible()

    # A bad value in a hand-edited URL is explained, not a crash.
    page.goto(frontend(harness) + "/generate-images?sort=sideways")
    expect(toast(page, "sort must be newest or oldest")).to_be_visible()
    expect(page.locator(CARDS)).to_have_count(3)


def test_failed_generations_show_their_reason_and_retry(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    uid = client.get("/api/auth/me").json()["id"]
    insert_generation(uid, "A heron, retried", status="FAILED", error="GPU out of memory", images=2)
    page.goto(frontend(harness) + "/generate-images?status=failed")
    failed = page.locator(CARDS).filter(has_text="A heron, retried")
    expect(failed).to_contain_text("GPU out of memory")
    failed.get_by_role("button", name="Retry").click()
    # The failed card is replaced by the new run, at the top and marked New.
    expect(page.locator(f'{CARDS}[data-status="FAILED"]')).to_have_count(0)
    result = card(page, "A heron, retried")
    expect(result.get_by_text("New", exact=True)).to_be_visible()
    expect(result).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(result.locator("img")).to_have_count(2)
    assert client.get("/api/images/user", params={"status": "failed"}).json()["count"] == 0


def test_a_live_result_joins_a_filtered_gallery_only_if_it_matches(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    page.goto(frontend(harness) + "/generate-images?q=otter")
    for prompt in ("Sea otter floating", "A lonely lighthouse"):
        page.get_by_label("Prompt", exact=True).fill(prompt)
        choose_size(page, "512x512")
        page.get_by_role("button", name="Generate").click()
        result = card(page, prompt)
        expect(result).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    # What the user just made stays in view while new, but the one the search would not
    # show says so; only the match belongs to the filtered gallery.
    expect(page.locator(f"{CARDS} .outside-filter")).to_have_count(1)
    expect(card(page, "A lonely lighthouse").locator(".outside-filter")).to_be_visible()
    expect(card(page, "Sea otter floating").locator(".outside-filter")).to_have_count(0)
    page.reload()
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Sea otter floating")
    assert client.get("/api/images/user").json()["count"] == 2


def test_tiles_keep_their_shape_before_their_thumbnails_arrive(page: Page, harness):
    """The gallery does not jump as its thumbnails land (it moved by a screen's height, a
    layout shift of 0.6 under Lighthouse): each tile reserves its image's aspect ratio."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_up(page, harness)
    uid = api(harness, page).get("/api/auth/me").json()["id"]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    insert_generation(uid, "a tall one", created_at=t0, width=512, height=768)
    insert_generation(
        uid, "a wide one", created_at=t0 + timedelta(minutes=1), width=768, height=512
    )
    page.route("**/api/files/**", lambda route: None)  # the files never arrive
    page.reload()
    expect(page.locator(CARDS)).to_have_count(2)
    shapes = page.eval_on_selector_all(
        ".tile-image",
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height,"
        " e.naturalWidth, Number(e.getAttribute('width')), Number(e.getAttribute('height'))])",
    )
    assert len(shapes) == 2
    for w, h, loaded, attr_w, attr_h in shapes:
        assert loaded == 0  # not loaded, and yet:
        assert h > 100 and abs(w / h - attr_w / attr_h) < 0.02, shapes
