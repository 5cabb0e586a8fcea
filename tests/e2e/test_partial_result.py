"""A result with fewer images than asked shows them, labelled with what is missing and why."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import api, backend, sign_up
from tests.helpers import completion_body, post_signed, processing_generation


def test_a_partial_result_is_labelled_on_its_card(page: Page, harness):
    sign_up(page, harness)
    me = api(harness, page).get("/api/auth/me").json()["id"]
    gid = processing_generation(me, images=2)  # 2 stored of the 4 asked below
    from imagegen.db import session_scope
    from imagegen.models import ImageGeneration

    with session_scope() as db:
        db.get(ImageGeneration, gid).num_images = 4
    note = "Only 2 of 4 images were made: storage failed (disk full)"
    r = post_signed(
        f"{backend(harness)}/api/webhooks/image-completion",
        completion_body(gid, 2, error=note),
        f"msg_{gid}",
    )
    assert r.status_code == 200, r.text
    card = page.locator(f'#gallery .generation-card[data-generation-id="{gid}"]')
    expect(card).to_have_attribute("data-status", "COMPLETED")  # live: every tab follows
    expect(card.locator(".partial-note")).to_contain_text("Only 2 of 4 images were made")
    expect(card.locator(".image-open")).to_have_count(2)
