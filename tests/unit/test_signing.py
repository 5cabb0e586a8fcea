"""Signed file URLs: valid only as minted, only until they expire."""

from imagegen.services import signing

KEY = b"k" * 32


def test_valid_signature_verifies():
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60)
    assert signing.verify(KEY, "generations/a/0.png", exp, sig)


def test_expired_tampered_or_foreign_signatures_fail():
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60, now=1000)
    assert not signing.verify(KEY, "generations/a/0.png", exp, sig, now=1061)
    exp, sig = signing.sign(KEY, "generations/a/0.png", 60)
    assert not signing.verify(KEY, "generations/b/0.png", exp, sig)
    assert not signing.verify(KEY, "generations/a/0.png", exp + 1, sig)
    assert not signing.verify(b"x" * 32, "generations/a/0.png", exp, sig)
    # A view URL cannot be turned into a download URL and vice versa.
    assert not signing.verify(KEY, "generations/a/0.png", exp, sig, download=True)
