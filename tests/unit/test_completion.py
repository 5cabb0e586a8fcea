"""Ingesting a worker's completion: once, only with real objects, never half-written."""

import threading

import pytest
from sqlmodel import func, select

from imagegen.contract import CompletedImage, Completion, object_key
from imagegen.db import session_scope
from imagegen.models import ImageFile, ImageGeneration
from imagegen.services import generations as svc
from imagegen.services.errors import InvalidInput, NotFound
from imagegen.services.storage import get_storage


def _gen(owner="u1", n=2) -> ImageGeneration:
    g = ImageGeneration(
        owner_id=owner,
        prompt="p",
        width=64,
        height=64,
        num_images=n,
        seed=1,
        engine="procedural",
        model="procedural-v1",
        status="PROCESSING",
    )
    with session_scope() as db:
        db.add(g)
    return g


def _done(g: ImageGeneration, store=True, n=2) -> Completion:
    images = []
    for i in range(n):
        key = object_key(g.id, i)
        if store:
            get_storage().put(key, b"png-bytes", "image/png")
        images.append(
            CompletedImage(
                key=key, filename=f"{i}.png", format="PNG", width=64, height=64, file_size=9
            )
        )
    return Completion(generation_id=g.id, status="COMPLETED", images=images, duration_ms=5)


def _files(gid):
    with session_scope() as db:
        return db.exec(
            select(func.count()).select_from(ImageFile).where(ImageFile.generation_id == gid)
        ).one()


def test_completion_marks_completed_and_creates_rows(app_env):
    g = _gen()
    gen, changed = svc.apply_completion(_done(g), "msg_1")
    assert changed and gen.status == "COMPLETED" and gen.duration_ms == 5
    assert gen.completed_at is not None and _files(g.id) == 2


def test_replayed_and_repeated_deliveries_change_nothing(app_env):
    g = _gen()
    c = _done(g)
    svc.apply_completion(c, "msg_1")
    _, changed = svc.apply_completion(c, "msg_1")
    assert not changed
    _, changed = svc.apply_completion(
        Completion(generation_id=g.id, status="FAILED", error="late"), "msg_2"
    )
    assert not changed and svc.get_generation("u1", g.id).status == "COMPLETED"
    assert _files(g.id) == 2


def test_same_delivery_twice_at_once_creates_one_set_of_rows(app_env):
    g = _gen()
    c = _done(g)
    results, barrier = [], threading.Barrier(4)

    def deliver():
        barrier.wait()
        results.append(svc.apply_completion(c, "msg_same")[1])

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and _files(g.id) == 2


def test_failure_keeps_the_workers_reason(app_env):
    g = _gen()
    gen, _ = svc.apply_completion(
        Completion(generation_id=g.id, status="FAILED", error="CUDA out of memory"), "m"
    )
    assert (gen.status, gen.error) == ("FAILED", "CUDA out of memory") and _files(g.id) == 0


def test_images_missing_from_storage_fail_the_generation_with_no_rows(app_env):
    g = _gen()
    gen, _ = svc.apply_completion(_done(g, store=False), "m")
    assert gen.status == "FAILED" and "missing from storage" in gen.error
    assert _files(g.id) == 0


def test_keys_outside_the_generations_prefix_are_refused(app_env):
    g, other = _gen(), _gen()
    c = _done(other)
    with pytest.raises(InvalidInput):
        svc.apply_completion(c.model_copy(update={"generation_id": g.id}), "m")
    assert _files(g.id) == 0 and svc.get_generation("u1", g.id).status == "PROCESSING"


def test_thumbnails_are_recorded_and_checked_like_originals(app_env):
    from imagegen.contract import thumbnail_key

    g = _gen()
    c = _done(g)
    for i, img in enumerate(c.images):
        img.thumbnail_key = thumbnail_key(g.id, i)
        get_storage().put(img.thumbnail_key, b"webp", "image/webp")
    gen, _ = svc.apply_completion(c, "m1")
    assert gen.status == "COMPLETED"
    rows = svc.images_for([g.id])[g.id]
    assert [r.thumbnail_key for r in rows] == [thumbnail_key(g.id, 0), thumbnail_key(g.id, 1)]

    g2 = _gen()
    c2 = _done(g2)
    c2.images[0].thumbnail_key = thumbnail_key(g2.id, 0)  # never stored
    gen2, _ = svc.apply_completion(c2, "m2")
    assert gen2.status == "FAILED" and _files(g2.id) == 0

    g3 = _gen()
    c3 = _done(g3)
    c3.images[0].thumbnail_key = thumbnail_key(g.id, 0)  # another generation's object
    with pytest.raises(InvalidInput):
        svc.apply_completion(c3, "m3")


def test_unknown_generation_is_not_found(app_env):
    with pytest.raises(NotFound):
        svc.apply_completion(Completion(generation_id="nope", status="FAILED"), "m")


def test_listing_is_newest_first_keyset_paged_and_per_owner(app_env):
    gens = []
    for i in range(5):
        g = _gen()
        svc.apply_completion(_done(g, n=1), f"m{i}")
        gens.append(g.id)
    _gen(owner="someone-else")
    page1 = svc.list_generations("u1", limit=2)
    page2 = svc.list_generations("u1", limit=2, cursor=page1.next_cursor)
    page3 = svc.list_generations("u1", limit=2, cursor=page2.next_cursor)
    ids = [g.id for p in (page1, page2, page3) for g in p.generations]
    assert ids == list(reversed(gens)) and page3.next_cursor is None
    assert svc.list_generations("someone-else").generations == []
    with pytest.raises(InvalidInput):
        svc.list_generations("u1", cursor="!!not-a-cursor")
