"""Browsing a big gallery: infinite scroll, search and filters kept in the URL, failed + Retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, frontend, sign_up
from tests.helpers import insert_generation

CARDS = "#gallery-grid .generation-card"


def test_infinite_scroll_loads_every_page_without_repeats(page: Page, harness):
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
    page.get_by_label("Size", exact=True).select_option("512x512")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator(CARDS)).to_have_count(25, timeout=30_000)
    for expected in (49, 61):
        page.mouse.wheel(0, 100_000)  # no click: coming near the end loads the next page
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

    page.get_by_role("button", name="Favourites").click()
    page.wait_for_url("**favorites=1**")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Red fox cubs at play")

    # A bookmark (a fresh load of the URL) shows the same thing, controls included.
    page.goto(page.url)
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.get_by_label("Search prompts")).to_have_value("red fo")
    expect(page.get_by_role("button", name="Favourites")).to_have_attribute("aria-pressed", "true")

    # Back undoes the last filter.
    page.go_back()
    expect(page.locator(CARDS)).to_have_count(2)

    page.get_by_label("Filter by model").select_option("procedural-v1")
    page.wait_for_url("**model=procedural-v1**")
    expect(page.locator(CARDS)).to_have_count(2)
    page.get_by_label("Filter by engine").select_option("procedural")
    page.wait_for_url("**engine=procedural**")
    expect(page.locator(CARDS)).to_have_count(2)
    page.get_by_label("Filter by size").select_option("768x768")
    expect(page.locator("#gallery-no-match")).to_be_visible()
    page.get_by_label("Filter by size").select_option("512x512")
    expect(page.locator(CARDS)).to_have_count(2)

    page.get_by_label("Sort order").select_option("oldest")
    expect(page.locator(f"{CARDS} .generation-prompt").first).to_have_text("A red fox in the snow")
    page.get_by_label("Created from").fill("2026-03-02")
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Red fox cubs at play")

    page.get_by_role("button", name="Clear filters").first.click()
    page.wait_for_url("**/generate-images")
    expect(page.locator(CARDS)).to_have_count(3)

    page.get_by_label("Search prompts").fill("unicorn")
    page.get_by_label("Search prompts").press("Enter")
    expect(page.locator("#gallery-no-match")).to_be_visible()

    # A bad value in a hand-edited URL is explained, not a crash.
    page.goto(frontend(harness) + "/generate-images?sort=sideways")
    expect(
        page.get_by_role("alert").filter(has_text="sort must be newest or oldest")
    ).to_be_visible()
    expect(page.locator(CARDS)).to_have_count(3)


def test_failed_generations_show_their_reason_and_retry(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    uid = client.get("/api/auth/me").json()["id"]
    insert_generation(uid, "A heron, retried", status="FAILED", error="GPU out of memory", images=2)
    page.goto(frontend(harness) + "/generate-images?status=failed")
    card = page.locator(CARDS).filter(has_text="A heron, retried")
    expect(card).to_contain_text("GPU out of memory")
    card.get_by_role("button", name="Retry").click()
    expect(page.locator(CARDS)).to_have_count(0)  # the failed card is replaced
    result = page.locator("#results .generation-card").filter(has_text="A heron, retried")
    expect(result).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(result.locator("img")).to_have_count(2)
    assert client.get("/api/images/user", params={"status": "failed"}).json()["count"] == 0


def test_a_live_result_joins_a_filtered_gallery_only_if_it_matches(page: Page, harness):
    sign_up(page, harness)
    client = api(harness, page)
    page.goto(frontend(harness) + "/generate-images?q=otter")
    for prompt in ("Sea otter floating", "A lonely lighthouse"):
        page.get_by_label("Prompt", exact=True).fill(prompt)
        page.get_by_label("Size", exact=True).select_option("512x512")
        page.get_by_role("button", name="Generate").click()
        result = page.locator("#results .generation-card").filter(has_text=prompt)
        expect(result).to_have_attribute("data-status", "COMPLETED", timeout=30_000)
    expect(page.locator(CARDS)).to_have_count(1)
    expect(page.locator(CARDS)).to_contain_text("Sea otter floating")
    assert client.get("/api/images/user").json()["count"] == 2
