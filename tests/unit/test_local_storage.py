"""Local storage: atomic writes, no path escapes, URLs that expire."""

import pytest

from imagegen.services.storage.local import LocalStorage


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "files", b"s" * 32)


def test_put_get_size_exists_delete(store):
    store.put("generations/g1/0.png", b"abc", "image/png")
    assert store.get("generations/g1/0.png") == b"abc"
    assert store.size("generations/g1/0.png") == 3 and store.exists("generations/g1/0.png")
    store.delete("generations/g1/0.png")
    assert not store.exists("generations/g1/0.png")
    store.delete("generations/g1/0.png")  # deleting twice is fine
    with pytest.raises(KeyError):
        store.get("generations/g1/0.png")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "a//b", "a\\b", ""])
def test_keys_that_could_escape_the_root_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x", "image/png")


def test_url_is_signed_and_verifiable(store):
    url = store.url("generations/g1/0.png", 60, base_url="http://app")
    assert url.startswith("http://app/api/files/generations/g1/0.png?exp=")
    q = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    assert store.verify("generations/g1/0.png", int(q["exp"]), q["sig"], download=False)
    assert not store.verify("generations/g1/1.png", int(q["exp"]), q["sig"], download=False)
