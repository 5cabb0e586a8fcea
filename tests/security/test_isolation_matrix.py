"""User B tries user A's ids at every door: every HTTP route and every Reflex event.

The tables below list every route and every event handler. A new one that is missing from its
table fails `test_every_route_is_in_the_table` / `test_every_event_is_in_the_table`, so no door
can be added without saying how it is isolated. Each attack runs in both auth modes.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image

from tests.helpers import insert_generation, reset_caches, signup, stored, wait_status
from tests.security.clerk_keys import APP_ORIGIN, new_keypair, session_token

PRIVATE, PUBLIC = new_keypair()


@dataclass
class World:
    """Two users; A owns a completed generation with images."""

    url: str
    a: httpx.Client
    b: httpx.Client
    b_token: str
    a_gen: dict
    a_album: str = ""
    a_share: str = ""
    a_failed: str = ""
    mode: str = "local"
    a_upload: str = ""
    a_key_id: str = ""
    a_key: str = ""


def _snapshot(w: World) -> dict:
    album = w.a.get(f"/api/albums/{w.a_album}").json()
    return {
        "generation": stored(w.a.get(f"/api/generations/{w.a_gen['id']}").json()["generation"]),
        "failed": stored(w.a.get(f"/api/generations/{w.a_failed}").json()["generation"]),
        "album": (album["album"], [i["id"] for i in album["images"]]),
        "albums": [a["name"] for a in w.a.get("/api/albums").json()["albums"]],
        "shares": w.a.get("/api/shares").json()["shares"],
        "share_page": httpx.get(f"{w.url}/s/{w.a_share}").status_code,
        "keys": [k["id"] for k in w.a.get("/api/keys").json()["keys"]],
        "key_works": httpx.get(
            f"{w.url}/api/images/user", headers={"Authorization": f"Bearer {w.a_key}"}
        ).status_code,
    }


def _b_image(w: World) -> str:
    gid = w.b.post(
        "/api/images/generate", json={"prompt": "b", "width": 512, "height": 512}
    ).json()["generation"]["id"]
    return wait_status(w.b, gid)["images"][0]["id"]


# --- HTTP attacks: B uses A's ids; the answer must be 404 with none of A's data -------------


def attack_get_generation(w: World) -> httpx.Response:
    return w.b.get(f"/api/generations/{w.a_gen['id']}")


def attack_file_without_signature(w: World) -> httpx.Response:
    key = w.a_gen["images"][0]["fileUrl"].split("/api/files/")[1].split("?")[0]
    # B's own valid signature does not open A's key either.
    b_gen = w.b.post(
        "/api/images/generate", json={"prompt": "b", "width": 512, "height": 512}
    ).json()["generation"]
    b_url = wait_status(w.b, b_gen["id"])["images"][0]["fileUrl"]
    b_key = b_url.split("/api/files/")[1].split("?")[0]
    return httpx.get(b_url.replace(b_key, key))


def attack_delete_generation(w: World) -> httpx.Response:
    return w.b.delete(f"/api/generations/{w.a_gen['id']}")


def attack_delete_image(w: World) -> httpx.Response:
    return w.b.delete(f"/api/images/{w.a_gen['images'][0]['id']}")


def attack_star(w: World) -> httpx.Response:
    return w.b.put(f"/api/images/{w.a_gen['images'][1]['id']}/favorite")  # A's unstarred one


def attack_unstar(w: World) -> httpx.Response:
    return w.b.delete(f"/api/images/{w.a_gen['images'][0]['id']}/favorite")  # A's starred one


def attack_generate_from_a_s_ids(w: World) -> httpx.Response:
    """A remix of A's generation, or a generation from A's image or A's upload."""
    for field, target in (
        ("inputImageId", w.a_gen["images"][0]["id"]),
        ("uploadId", w.a_upload),
    ):
        r = w.b.post("/api/images/generate", json={"prompt": "mine now", field: target})
        assert r.status_code == 404, (field, r.text)
    r = w.b.post("/api/images/generate", json={"prompt": "mine now", "parentId": w.a_gen["id"]})
    assert w.b.get("/api/images/user?status=all").json()["count"] == 0
    return r


def attack_revoke_key(w: World) -> httpx.Response:
    """B (signed in: keys are managed from a session) revokes A's key: 404, and it still works."""
    session = httpx.Client(base_url=w.url, headers={"Authorization": f"Bearer {w.b_token}"})
    assert all(k["id"] != w.a_key_id for k in session.get("/api/keys").json()["keys"])
    return session.delete(f"/api/keys/{w.a_key_id}")


def attack_openai_generations(w: World) -> httpx.Response:
    """/v1 as B: B's own gallery gets the image, A's is untouched; /v1 takes no id of A's."""
    r = w.b.post("/v1/images/generations", json={"prompt": "b via v1", "size": "512x512"})
    assert r.status_code == 200, r.text
    assert all(g["prompt"] == "b via v1" for g in w.b.get("/api/images/user").json()["generations"])
    return httpx.Response(404, text="(made as the caller)")


def attack_vary(w: World) -> httpx.Response:
    r = w.b.post(f"/api/images/{w.a_gen['images'][0]['id']}/vary", json={"strength": "strong"})
    assert w.b.get("/api/images/user?status=all").json()["count"] == 0
    return r


def attack_upscale(w: World) -> httpx.Response:
    r = w.b.post(f"/api/images/{w.a_gen['images'][1]['id']}/upscale")
    assert w.b.get("/api/images/user?status=all").json()["count"] == 0
    return r


def attack_zip(w: World) -> httpx.Response:
    b_gen = w.b.post(
        "/api/images/generate", json={"prompt": "b", "width": 512, "height": 512}
    ).json()["generation"]
    b_zip = wait_status(w.b, b_gen["id"])["downloadAllUrl"]
    # B's own valid signature does not open A's ZIP; nor does no signature at all.
    assert httpx.get(b_zip.split("?")[0].replace(b_gen["id"], w.a_gen["id"])).status_code == 422
    return httpx.get(b_zip.replace(b_gen["id"], w.a_gen["id"]))


def attack_list_contains_nothing_of_a(w: World) -> httpx.Response:
    r = w.b.get("/api/images/user")
    assert all(g["id"] != w.a_gen["id"] for g in r.json()["generations"])
    return httpx.Response(404, text="(list is scoped to the caller)")


def attack_retry(w: World) -> httpx.Response:
    return w.b.post(f"/api/generations/{w.a_failed}/retry")


def attack_cancel(w: World) -> httpx.Response:
    """B cancels A's generation: 404, and A's in-flight one keeps running."""
    gid = w.a.post(
        "/api/images/generate", json={"prompt": "A's in flight", "width": 512, "height": 512}
    ).json()["generation"]["id"]
    r = w.b.post(f"/api/generations/{gid}/cancel")
    assert r.status_code == 404
    assert wait_status(w.a, gid)["status"] == "COMPLETED"
    w.a.delete(f"/api/generations/{gid}")  # leave A's snapshot as it was
    return w.b.post(f"/api/generations/{w.a_gen['id']}/cancel")


def attack_list_albums(w: World) -> httpx.Response:
    assert w.b.get("/api/albums").json()["albums"] == []
    return httpx.Response(404, text="(list is scoped to the caller)")


def attack_get_album(w: World) -> httpx.Response:
    return w.b.get(f"/api/albums/{w.a_album}")


def attack_rename_album(w: World) -> httpx.Response:
    return w.b.patch(f"/api/albums/{w.a_album}", json={"name": "B was here"})


def attack_delete_album(w: World) -> httpx.Response:
    return w.b.delete(f"/api/albums/{w.a_album}")


def attack_add_to_album(w: World) -> httpx.Response:
    # A's image into B's album, and B's image into A's album: both refused.
    b_album = w.b.post("/api/albums", json={"name": "B's"}).json()["album"]["id"]
    a_image = w.a_gen["images"][1]["id"]
    r = w.b.post(f"/api/albums/{b_album}/images", json={"imageIds": [a_image]})
    assert r.status_code == 404 and w.b.get(f"/api/albums/{b_album}").json()["images"] == []
    return w.b.post(f"/api/albums/{w.a_album}/images", json={"imageIds": [_b_image(w)]})


def attack_remove_from_album(w: World) -> httpx.Response:
    return w.b.delete(f"/api/albums/{w.a_album}/images/{w.a_gen['images'][0]['id']}")


def attack_create_share(w: World) -> httpx.Response:
    r = w.b.post("/api/shares", json={"generationId": w.a_gen["id"]})
    assert r.status_code == 404
    return w.b.post("/api/shares", json={"imageId": w.a_gen["images"][1]["id"]})


def attack_list_shares(w: World) -> httpx.Response:
    assert w.b.get("/api/shares").json()["shares"] == []
    return httpx.Response(404, text="(list is scoped to the caller)")


def attack_revoke_share(w: World) -> httpx.Response:
    return w.b.delete(f"/api/shares/{w.a_share}")


def attack_share_page_guessing(w: World) -> httpx.Response:
    """The token is the capability: an invented one shows nothing."""
    return httpx.get(f"{w.url}/s/{w.a_share[:-4]}AAAA")


def attack_shared_image_of_other_generation(w: World) -> httpx.Response:
    """B's own live share does not serve A's image ids."""
    b_image = _b_image(w)
    token = w.b.post("/api/shares", json={"imageId": b_image}).json()["share"]["token"]
    assert httpx.get(f"{w.url}/s/{token}/images/{b_image}").status_code == 200
    return httpx.get(f"{w.url}/s/{token}/images/{w.a_gen['images'][0]['id']}")


NO_ID = None  # the route takes no user-supplied id of another user's resource

HTTP_TABLE: dict[tuple[str, str], Callable[[World], httpx.Response] | None] = {
    ("POST", "/api/auth/signup"): NO_ID,
    ("POST", "/api/auth/login"): NO_ID,
    ("POST", "/api/auth/logout"): NO_ID,  # ends the caller's own token only
    ("POST", "/api/auth/session"): NO_ID,  # trades a sealed ticket (see test_cookies_and_origins)
    ("POST", "/api/auth/session/end"): NO_ID,  # ends the cookie's own session only
    ("GET", "/api/auth/me"): NO_ID,
    ("POST", "/api/images/generate"): attack_generate_from_a_s_ids,  # parentId, input ids
    ("POST", "/api/images/{image_id}/vary"): attack_vary,
    ("POST", "/api/images/{image_id}/upscale"): attack_upscale,
    ("POST", "/api/uploads"): NO_ID,  # stored under the caller's own prefix
    ("POST", "/api/keys"): NO_ID,  # a key of the caller's own
    ("GET", "/api/keys"): NO_ID,  # the caller's own (attack_revoke_key checks B sees none)
    ("DELETE", "/api/keys/{key_id}"): attack_revoke_key,
    ("GET", "/v1/models"): NO_ID,
    ("POST", "/v1/images/generations"): attack_openai_generations,
    ("POST", "/v1/images/edits"): NO_ID,  # an upload of the caller's own, then as generations
    ("GET", "/api/images/user"): attack_list_contains_nothing_of_a,
    ("GET", "/api/generations/{generation_id}"): attack_get_generation,
    ("DELETE", "/api/generations/{generation_id}"): attack_delete_generation,
    ("DELETE", "/api/images/{image_id}"): attack_delete_image,
    ("PUT", "/api/images/{image_id}/favorite"): attack_star,
    ("DELETE", "/api/images/{image_id}/favorite"): attack_unstar,
    ("POST", "/api/webhooks/image-completion"): NO_ID,  # worker-signed, see test_webhooks
    ("POST", "/api/webhooks/clerk"): NO_ID,  # Svix-signed, see test_clerk_webhook
    ("GET", "/api/files/{key}"): attack_file_without_signature,
    ("GET", "/api/generations/{generation_id}/download.zip"): attack_zip,
    ("GET", "/api/engines"): NO_ID,
    ("POST", "/api/generations/{generation_id}/retry"): attack_retry,
    ("POST", "/api/generations/{generation_id}/cancel"): attack_cancel,
    ("POST", "/api/webhooks/image-progress"): NO_ID,  # worker-signed, see test_webhooks
    ("GET", "/api/albums"): attack_list_albums,
    ("POST", "/api/albums"): NO_ID,
    ("GET", "/api/albums/{album_id}"): attack_get_album,
    ("PATCH", "/api/albums/{album_id}"): attack_rename_album,
    ("DELETE", "/api/albums/{album_id}"): attack_delete_album,
    ("POST", "/api/albums/{album_id}/images"): attack_add_to_album,
    ("DELETE", "/api/albums/{album_id}/images/{image_id}"): attack_remove_from_album,
    ("POST", "/api/shares"): attack_create_share,
    ("GET", "/api/shares"): attack_list_shares,
    ("DELETE", "/api/shares/{token}"): attack_revoke_share,
    ("GET", "/s/{token}"): attack_share_page_guessing,
    ("GET", "/s/{token}/images/{image_id}"): attack_shared_image_of_other_generation,
}


# --- Reflex events: B's page state sends A's ids -------------------------------------------


async def attack_watch(w: World) -> None:
    """GalleryState.watch(A's id) from B's session: B's view gains nothing, nothing changes."""
    from imagegen.state.gallery import GalleryState

    gallery = _state_for(GalleryState, w.b_token)
    await GalleryState.load.fn(gallery)
    assert gallery.loaded and gallery._user_id  # really signed in as B, not bounced
    before = (list(gallery.shown_results), list(gallery.history_0), list(gallery.fresh))
    await GalleryState.watch.fn(gallery, w.a_gen["id"])
    assert (gallery.shown_results, gallery.history_0, gallery.fresh) == before
    assert all(
        w.a_gen["prompt"] not in c.prompt
        for c in gallery.shown_results + gallery.history_0 + gallery.fresh
    )


async def attack_request_delete(w: World) -> None:
    """request_delete(A's id) from B's session: nothing of A's is hidden, queued or deleted."""
    from imagegen.state.gallery import GalleryState

    gallery = _state_for(GalleryState, w.b_token)
    await GalleryState.load.fn(gallery)
    assert gallery.loaded and gallery._user_id
    assert await GalleryState.request_delete.fn(gallery, w.a_gen["id"]) is None
    assert gallery.pending_delete_id == ""


async def attack_confirm_delete(w: World) -> None:
    """B asks to delete A's generation and image, then confirms: nothing of A's is hidden."""
    from imagegen.state.gallery import GalleryState

    gallery = await _b_gallery(w)
    for kind, target in (("generation", w.a_gen["id"]), ("image", w.a_gen["images"][0]["id"])):
        GalleryState.ask_delete.fn(gallery, kind, target)
        assert gallery.confirm_count == 0  # nothing of A's is on B's page to count
        assert await GalleryState.confirm_delete.fn(gallery) is None
        assert gallery.pending_delete_id == "" and gallery.confirm_id == ""
    assert w.a.get(f"/api/generations/{w.a_gen['id']}").status_code == 200


async def attack_use_seed(w: World) -> None:
    """PromptFormState.use_seed(A's id) from B's session takes nothing of A's."""
    from imagegen.state.form import PromptFormState

    form = _state_for(PromptFormState, w.b_token)
    await PromptFormState.use_seed.fn(form, w.a_gen["id"])
    assert form.form_error == "Generation not found."
    assert form.seed == "" and not form.seed_locked


async def attack_toggle_favorite(w: World) -> None:
    """toggle_favorite(A's image id) from B's session changes nothing anywhere."""
    from imagegen.state.gallery import GalleryState

    gallery = _state_for(GalleryState, w.b_token)
    await GalleryState.load.fn(gallery)
    assert gallery.loaded and gallery._user_id
    await GalleryState.toggle_favorite.fn(gallery, w.a_gen["images"][0]["id"])


async def attack_remix_event(w: World) -> None:
    """PromptFormState.remix(A's id) from B's session fills nothing of A's into B's form."""
    from imagegen.state.form import PromptFormState

    form = _state_for(PromptFormState, w.b_token)
    await PromptFormState.remix.fn(form, w.a_gen["id"])
    assert form.form_error == "Generation not found."
    assert form.prompt == "" and not form.remixing and form._parent_id == ""


async def _b_gallery(w: World, cls: type | None = None):  # noqa: ANN202
    from imagegen.state.gallery import GalleryState

    gallery = _state_for(cls or GalleryState, w.b_token)
    await GalleryState.load.fn(gallery)
    assert gallery.loaded and gallery._user_id  # really signed in as B, not bounced
    return gallery


async def attack_retry_event(w: World) -> None:
    from imagegen.state.gallery import GalleryState

    gallery = await _b_gallery(w)
    assert await GalleryState.retry.fn(gallery, w.a_failed) is None
    assert gallery.gallery_error == "Generation not found." and gallery.shown_results == []


async def attack_cancel_event(w: World) -> None:
    from imagegen.state.gallery import GalleryState

    gallery = await _b_gallery(w)
    await GalleryState.cancel.fn(gallery, w.a_gen["id"])
    assert gallery.gallery_error == "Generation not found."


def _a_card(w: World):  # noqa: ANN202
    """A's generation as a card of A's own page (what B plants through setvar)."""
    from imagegen.state.cards import card_of

    return card_of(w.a.get("/api/auth/me").json()["id"], w.a_gen["id"])


async def attack_request_delete_image(w: World) -> None:
    """B plants A's card in its gallery (setvar) and deletes A's image: refused, nothing hidden."""
    from imagegen.state.gallery import GalleryState

    gallery = await _b_gallery(w)
    target = w.a_gen["images"][0]["id"]
    await GalleryState.request_delete_image.fn(gallery, target)
    assert gallery.pending_delete_id == "" and gallery.gallery_error == ""  # not on B's page
    gallery.history_0, gallery._pages_used = [_a_card(w)], 1
    await GalleryState.request_delete_image.fn(gallery, target)
    assert gallery.gallery_error == "Image not found."
    assert gallery.pending_delete_id == "" and len(gallery.history_0[0].images) == 2
    images = w.a.get(f"/api/generations/{w.a_gen['id']}").json()["generation"]["images"]
    assert target in [i["id"] for i in images]


async def attack_lightbox(w: World) -> None:
    """Opening A's image shows nothing; a planted one can be neither starred nor deleted."""
    from imagegen.state.lightbox import LightboxState

    box = await _b_gallery(w, LightboxState)
    await LightboxState.open.fn(box, w.a_gen["images"][1]["id"])
    assert not box.is_open and box.image.id == ""
    a_card = _a_card(w)
    box.history_0, box._pages_used = [a_card], 1
    await LightboxState.open.fn(box, w.a_gen["images"][1]["id"])
    assert not box.is_open and box.original_url == ""  # the original's URL is never minted
    assert box.gallery_error == "Image not found."
    box.is_open, box.card, box.image = True, a_card, a_card.images[1]  # all open to setvar
    box.gallery_error = ""
    await LightboxState.star.fn(box)
    assert box.gallery_error == "Image not found."
    box.is_open, box.gallery_error = True, ""
    await LightboxState.delete_image.fn(box)
    assert box.gallery_error == "Image not found." and box.pending_delete_id == ""
    assert box.is_open and box.image.id == w.a_gen["images"][1]["id"]  # nothing moved on


async def attack_use_input(w: World) -> None:
    """PromptFormState.use_input(A's image) from B's session: no starting image, no link."""
    from imagegen.state.form import PromptFormState

    form = _state_for(PromptFormState, w.b_token)
    await PromptFormState.use_input.fn(form, w.a_gen["images"][0]["id"])
    assert form.form_error == "No such image."
    assert form.input_thumb == "" and form._input_image_id == ""


async def attack_lightbox_from_image(w: World) -> None:
    """B plants A's image as its open preview (setvar), then varies, upscales and opens its
    lineage: each is refused, and B's gallery gains nothing."""
    from imagegen.state.lightbox import LightboxState

    box = await _b_gallery(w, LightboxState)
    a_card = _a_card(w)
    for event, args in ((LightboxState.vary, ("strong",)), (LightboxState.upscale, ())):
        box.is_open, box.card, box.image = True, a_card, a_card.images[0]
        box.gallery_error = ""
        async for _ in event.fn(box, *args):
            pass
        assert box.gallery_error == "No such image." and box.shown_results == []
    box.is_open, box.gallery_error = True, ""
    await LightboxState.open_kin.fn(box, w.a_gen["images"][1]["id"])
    assert box.gallery_error == "Image not found." and box.original_url == ""
    assert w.b.get("/api/images/user?status=all").json()["count"] == 0


async def attack_revoke_key_event(w: World) -> None:
    """ApiKeysState.revoke_key(A's key) from B's session: refused, and A's key still works."""
    from imagegen.state.api_keys import ApiKeysState

    keys = _state_for(ApiKeysState, w.b_token)
    await ApiKeysState.load_keys.fn(keys)
    assert keys.keys_loaded and all(k.id != w.a_key_id for k in keys.keys)  # B's, not A's
    await ApiKeysState.revoke_key.fn(keys, w.a_key_id)
    assert keys.key_error == "No such key."


async def attack_lightbox_refresh(w: World) -> None:
    """B plants A's image as its open preview (setvar) and refreshes: it closes, and no link
    to A's original is minted."""
    from imagegen.state.lightbox import LightboxState

    box = await _b_gallery(w, LightboxState)
    a_card = _a_card(w)
    box.is_open, box.card, box.image = True, a_card, a_card.images[1]
    await LightboxState.refresh.fn(box)
    assert not box.is_open and box.original_url == ""


async def attack_selection_add(w: World) -> None:
    """B selects A's image ids (setvar) and adds them to its own album: refused, none added."""
    from imagegen.services.albums import album_page, create_album
    from imagegen.state.albums import AlbumsState, SelectionState

    selection = await _b_gallery(w, SelectionState)
    b_album = create_album(selection._user_id, "B's album")
    SelectionState.toggle.fn(selection, w.a_gen["images"][0]["id"])
    selection.selected = [*selection.selected, w.a_gen["images"][1]["id"]]
    await SelectionState.add_selected.fn(selection, b_album.id)
    albums = await selection.get_state(AlbumsState)
    assert albums.album_error == "Image not found."
    assert album_page(selection._user_id, b_album.id).items == []


async def attack_album_events(w: World) -> None:
    """Rename, delete, or add to A's album; add A's image to B's album: all refused."""
    from imagegen.services.albums import create_album
    from imagegen.state.albums import AlbumsState

    albums = _state_for(AlbumsState, w.b_token)
    await AlbumsState.load_albums.fn(albums)
    assert albums.albums_loaded and albums.albums == []
    AlbumsState.set_renaming.fn(albums, w.a_album, True)
    assert albums.rename_value == ""  # A's album name is not revealed
    albums.rename_value = "B was here"
    await AlbumsState.rename_album.fn(albums, w.a_album)
    assert albums.album_error == "Album not found."
    albums.album_error = ""
    await AlbumsState.delete_album.fn(albums, w.a_album)
    assert albums.album_error == "Album not found."
    albums.album_error = ""
    await AlbumsState.add_image.fn(albums, w.a_album, w.a_gen["images"][1]["id"])
    assert albums.album_error == "Album not found."
    principal = await albums._principal()
    b_album = create_album(principal.user_id, "B's own")
    albums.album_error = ""
    await AlbumsState.add_image.fn(albums, b_album.id, w.a_gen["images"][1]["id"])
    assert albums.album_error == "Image not found."


async def attack_album_page(w: World) -> None:
    """With A's album id in its page state, B can neither see nor change A's album."""
    from imagegen.state.albums import AlbumPageState

    page = _state_for(AlbumPageState, w.b_token)
    page._album_id = w.a_album
    await AlbumPageState.more_album.fn(page)
    assert page.items == []
    await AlbumPageState.remove_from_album.fn(page, w.a_gen["images"][0]["id"])
    assert page.album_error == "Album not found."
    await AlbumPageState.open.fn(page, w.a_gen["images"][0]["id"])
    assert not page.is_open


async def attack_share_events(w: World) -> None:
    from imagegen.state.share import ShareState

    share = _state_for(ShareState, w.b_token)
    await ShareState.share_generation.fn(share, w.a_gen["id"])
    assert share.share_error == "Generation not found." and share.share_url == ""
    await ShareState.share_image.fn(share, w.a_gen["images"][0]["id"])
    assert share.share_error == "Image not found." and share.share_url == ""
    await ShareState.revoke.fn(share)  # its token is backend-only: nothing to revoke


EVENT_TABLE: dict[str, Callable | None] = {
    "SessionState.setvar": NO_ID,  # sets the caller's own non-backend vars only
    "SessionState.redirect_home_or_sign_in": NO_ID,
    "SessionState.redirect_if_signed_in": NO_ID,
    "SessionState.sign_up": NO_ID,
    "SessionState.sign_in": NO_ID,
    "SessionState.sign_out": NO_ID,
    "SessionState.clerk_session": NO_ID,  # a token, verified like any other; B's stays B's
    "SessionState.set_language": NO_ID,  # the caller's own cookie; reloads the caller's page
    "GalleryState.setvar": NO_ID,
    "GalleryState.load": NO_ID,
    "GalleryState.load_more": NO_ID,  # the cursor only pages the caller's own list
    "GalleryState.watch": attack_watch,
    "GalleryState.follow": NO_ID,  # the signed-in user's own topic (e2e: test_every_tab)
    "GalleryState.request_delete": attack_request_delete,
    "GalleryState.undo_delete": NO_ID,
    "GalleryState.toggle_favorite": attack_toggle_favorite,
    "GalleryState.ask_delete": attack_confirm_delete,
    "GalleryState.confirm_delete": attack_confirm_delete,
    "GalleryState.set_confirm_open": NO_ID,  # only closes the caller's own dialog
    "PromptFormState.setvar": NO_ID,
    "PromptFormState.load_options": NO_ID,
    "PromptFormState.set_prompt": NO_ID,
    "PromptFormState.set_negative_prompt": NO_ID,
    "PromptFormState.set_size": NO_ID,
    "PromptFormState.set_size_width": NO_ID,
    "PromptFormState.set_size_height": NO_ID,
    "PromptFormState.set_num_images": NO_ID,
    "PromptFormState.set_seed": NO_ID,
    "PromptFormState.set_engine": NO_ID,
    "PromptFormState.set_model": NO_ID,
    "PromptFormState.generate": NO_ID,  # its parent id is backend-only, set by remix
    "PromptFormState.remix": attack_remix_event,
    "PromptFormState.cancel_remix": NO_ID,
    "PromptFormState.use_seed": attack_use_seed,
    "PromptFormState.toggle_settings": NO_ID,
    "PromptFormState.toggle_seed_lock": NO_ID,
    "PromptFormState.set_example": NO_ID,
    "PromptFormState.load_png": NO_ID,  # reads the uploaded bytes only
    "PromptFormState.use_input": attack_use_input,
    "PromptFormState.upload_input": NO_ID,  # stores the uploaded bytes under B's own prefix
    "PromptFormState.clear_input": NO_ID,
    "PromptFormState.set_strength": NO_ID,
    "GalleryState.set_q": NO_ID,
    "GalleryState.search": NO_ID,
    "GalleryState.set_filter": NO_ID,  # filters only narrow the caller's own list
    "GalleryState.clear_filters": NO_ID,
    "GalleryState.retry": attack_retry_event,
    "GalleryState.cancel": attack_cancel_event,
    "GalleryState.request_delete_image": attack_request_delete_image,
    "LightboxState.setvar": NO_ID,
    "LightboxState.open": attack_lightbox,
    "LightboxState.refresh": attack_lightbox_refresh,
    "LightboxState.close": NO_ID,
    "LightboxState.set_open": NO_ID,
    "LightboxState.toggle_info": NO_ID,
    "LightboxState.key": NO_ID,
    "LightboxState.star": attack_lightbox,
    "LightboxState.delete_image": attack_lightbox,
    "LightboxState.vary": attack_lightbox_from_image,
    "LightboxState.upscale": attack_lightbox_from_image,
    "LightboxState.open_kin": attack_lightbox_from_image,
    "SelectionState.setvar": NO_ID,
    "SelectionState.toggle_selecting": NO_ID,
    "SelectionState.toggle": attack_selection_add,
    "SelectionState.select_all_shown": NO_ID,
    "SelectionState.add_selected": attack_selection_add,
    "AlbumsState.setvar": NO_ID,
    "AlbumsState.load_albums": NO_ID,
    "AlbumsState.create_album": NO_ID,
    "AlbumsState.rename_album": attack_album_events,
    "AlbumsState.set_renaming": attack_album_events,
    "AlbumsState.set_rename_value": NO_ID,
    "AlbumsState.delete_album": attack_album_events,
    "AlbumsState.add_image": attack_album_events,
    "AlbumPageState.setvar": NO_ID,
    "AlbumPageState.load_album": attack_album_page,
    "AlbumPageState.more_album": attack_album_page,
    "AlbumPageState.remove_from_album": attack_album_page,
    "AlbumPageState.open": attack_album_page,
    "AlbumPageState.set_open": NO_ID,
    "AlbumPageState.toggle_info": NO_ID,
    "AlbumPageState.close": NO_ID,
    "AlbumPageState.key": NO_ID,
    "ShareState.setvar": NO_ID,
    "ShareState.share_generation": attack_share_events,
    "ShareState.share_image": attack_share_events,
    "ShareState.revoke": attack_share_events,
    "ShareState.set_share_open": NO_ID,
    "ShareState.set_share_parameters": NO_ID,  # re-shares the dialog's own (checked) target
    "ApiKeysState.setvar": NO_ID,
    "ApiKeysState.load_keys": NO_ID,  # the caller's own keys
    "ApiKeysState.create_key": NO_ID,
    "ApiKeysState.hide_new_key": NO_ID,
    "ApiKeysState.revoke_key": attack_revoke_key_event,
}


def _state_for(cls: type, token: str):  # noqa: ANN202
    import reflex as rx
    from reflex_base.registry import RegistrationContext

    _state_classes()
    RegistrationContext.set(_registry())  # pytest-asyncio runs each test in a fresh context
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    _sign_in_as(root, state, token)
    return state


def _sign_in_as(root, state, token: str) -> None:  # noqa: ANN001
    """As the websocket handshake would carry it: the HttpOnly cookie (local mode), or the
    token Clerk's script hands over (Clerk mode)."""
    from reflex.istate.data import RouterData

    root.router = RouterData.from_router_data(
        {"headers": {"cookie": f"imagegen_session={token}"} if token else {}}
    )
    state._clerk_token = token


_REGISTRY: list = []


def _registry():  # noqa: ANN202
    """The registry the state classes were registered in, captured once."""
    from reflex_base.registry import RegistrationContext

    if not _REGISTRY:
        _REGISTRY.append(RegistrationContext.ensure_context())
    return _REGISTRY[0]


def _state_classes() -> list[type]:
    from imagegen.state.albums import AlbumPageState, AlbumsState, SelectionState
    from imagegen.state.api_keys import ApiKeysState
    from imagegen.state.form import PromptFormState
    from imagegen.state.gallery import GalleryState
    from imagegen.state.lightbox import LightboxState
    from imagegen.state.session import SessionState
    from imagegen.state.share import ShareState

    return [
        SessionState,
        GalleryState,
        PromptFormState,
        LightboxState,
        SelectionState,
        AlbumsState,
        AlbumPageState,
        ShareState,
        ApiKeysState,
    ]


def test_every_route_is_in_the_table(app_env):
    from imagegen.api import create_api

    spec = create_api().openapi()["paths"]
    routes = {(m.upper(), path) for path, ops in spec.items() for m in ops}
    assert routes == set(HTTP_TABLE)
    for (method, path), attack in HTTP_TABLE.items():
        if "{" in path:
            assert attack is not None, f"{method} {path} takes an id but has no attack"


def test_every_event_is_in_the_table():
    events = {}
    for cls in _state_classes():
        for name, handler in cls.event_handlers.items():
            events[f"{cls.__name__}.{name}"] = list(inspect.signature(handler.fn).parameters)[1:]
    assert set(events) == set(EVENT_TABLE)
    for name, params in events.items():
        if any(p.endswith("id") for p in params):
            assert EVENT_TABLE[name] is not None, f"{name} takes an id but has no attack"


@pytest.fixture(scope="module", params=["local", "clerk"])
def a_world(request, tmp_path_factory) -> Iterator[World]:
    """A's side, built once per auth mode and shared by every attack: each attack's snapshot
    check proves it changed nothing of A's, so the next attack meets the same world."""
    from tests.conftest import fresh_env, running_stack

    tmp = tmp_path_factory.mktemp(f"world-{request.param}")
    with (
        pytest.MonkeyPatch.context() as mp,
        fresh_env(tmp / "data", mp) as env,
        running_stack(env, tmp, mp) as stack,
    ):
        if request.param == "clerk":
            mp.setenv("IMAGEGEN_AUTH", "clerk")
            mp.setenv("CLERK_JWT_KEY", PUBLIC)
            mp.setenv("CLERK_AUTHORIZED_PARTIES", APP_ORIGIN)
            reset_caches()
        yield _build_a_side(request.param, stack["url"])


@pytest.fixture
def world(a_world: World) -> World:
    """The shared world with a new B for each attack, so no attack sees what another left."""
    import dataclasses
    import uuid

    b, b_token = _new_user(a_world.mode, a_world.url, f"b-{uuid.uuid4().hex[:10]}")
    if a_world.mode == "clerk":  # B's HTTP attacks go through B's API key: it acts as B only
        key = b.post("/api/keys", json={"name": "B's script"}).json()["key"]
        b = httpx.Client(
            base_url=a_world.url, timeout=30, headers={"Authorization": f"Bearer {key}"}
        )
    return dataclasses.replace(a_world, b=b, b_token=b_token)


def _new_user(mode: str, url: str, name: str) -> tuple[httpx.Client, str]:
    if mode == "clerk":
        token = session_token(PRIVATE, f"user_{name}", expires_in=600)
        client = httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        return client, token
    client = signup(url, f"{name}@example.com")
    return client, client.headers["Authorization"].split()[1]


def _build_a_side(mode: str, url: str) -> World:
    a, _ = _new_user(mode, url, "a")
    gid = a.post(
        "/api/images/generate",
        json={"prompt": "A's private prompt", "width": 512, "height": 512, "numImages": 2},
    ).json()["generation"]["id"]
    a_gen = wait_status(a, gid)
    assert a.put(f"/api/images/{a_gen['images'][0]['id']}/favorite").status_code == 200
    a_gen = a.get(f"/api/generations/{gid}").json()["generation"]
    assert [i["favorite"] for i in a_gen["images"]] == [True, False]
    album = a.post("/api/albums", json={"name": "A's album"}).json()["album"]["id"]
    a.post(f"/api/albums/{album}/images", json={"imageIds": [a_gen["images"][0]["id"]]})
    share = a.post("/api/shares", json={"generationId": gid}).json()["share"]["token"]
    failed = insert_generation(
        a.get("/api/auth/me").json()["id"], "A's failed prompt", status="FAILED", error="boom"
    )
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buf, "PNG")
    upload = a.post("/api/uploads", files={"file": ("a.png", buf.getvalue())}).json()["id"]
    made = a.post("/api/keys", json={"name": "A's script"}).json()
    return World(
        url, a, None, "", a_gen, album, share, failed, mode, upload, made["id"], made["key"]
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("door", [k for k, v in HTTP_TABLE.items() if v], ids=" ".join)
def test_b_gets_404_for_a_s_ids_over_http(world, door):
    before = _snapshot(world)
    r = HTTP_TABLE[door](world)
    assert r.status_code == 404, (door, r.status_code, r.text)
    assert "A's private prompt" not in r.text
    assert _snapshot(world) == before


@pytest.mark.parametrize("event", [k for k, v in EVENT_TABLE.items() if v])
async def test_b_gets_nothing_for_a_s_ids_over_reflex_events(world, event):
    before = _snapshot(world)
    await EVENT_TABLE[event](world)
    assert _snapshot(world) == before


async def test_password_events_in_clerk_mode_answer_clearly(app_env, monkeypatch):
    from imagegen.state.session import SessionState

    monkeypatch.setenv("IMAGEGEN_AUTH", "clerk")
    monkeypatch.setenv("CLERK_JWT_KEY", PUBLIC)
    reset_caches()
    state = _state_for(SessionState, "")
    assert await SessionState.sign_in.fn(state, {"email": ["x"], "password": 1}) is None
    assert "handled by clerk" in state.auth_error and state._session_token() == ""


async def test_odd_form_values_get_a_clear_message(app_env):
    from imagegen.state.session import SessionState

    state = _state_for(SessionState, "")
    assert await SessionState.sign_in.fn(state, {"email": ["x"], "password": None}) is None
    assert state.auth_error == "Wrong email or password." and state._session_token() == ""
