"""Signed file URLs: valid only as minted, only until they expire."""

from imagegen.services import signing

KEY = b"k" * 32


def test_valid_signature_verifies():
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60)
    assert signing.verify(KEY, "generations/a/0.png", exp, sig)


def test_expired_tampered_or_foreign_signatures_fail():
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60, now=1000)
    # valid for the ttl, rounded up to a tenth of it (6 s here), and not a second more
    assert 1060 <= exp <= 1066 and signing.verify(KEY, "generations/a/0.png", exp, sig, now=1060)
    assert not signing.verify(KEY, "generations/a/0.png", exp, sig, now=1067)
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60)
    assert not signing.verify(KEY, "generations/b/0.png", exp, sig)
    assert not signing.verify(KEY, "generations/a/0.png", exp + 1, sig)
    assert not signing.verify(b"x" * 32, "generations/a/0.png", exp, sig)
    # A view URL cannot be turned into a download URL and vice versa.
    assert not signing.verify(KEY, "generations/a/0.png", exp, sig, download=True)


def test_a_page_minted_twice_in_a_window_links_the_same_files():
    """Same links on a reload: the browser's cache serves the images again."""
    first = signing.sign(KEY, "generations/a/0.png", 21600, now=1000)
    assert signing.sign(KEY, "generations/a/0.png", 21600, now=1100) == first
    assert signing.sign(KEY, "generations/a/0.png", 21600, now=1400) != first  # next window
