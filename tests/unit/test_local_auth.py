"""Local accounts: argon2 hashes, sessions that end on sign-out and on expiry."""

from datetime import timedelta

import pytest
from sqlmodel import select

from imagegen.db import session_scope
from imagegen.models import AuthSession, User
from imagegen.services.auth.local import LocalAuth
from imagegen.services.errors import Conflict, InvalidInput, Unauthorized


def test_signup_login_authenticate_logout(app_env):
    auth = LocalAuth(3600)
    t1 = auth.signup("Ada@Example.com", "long enough pw")
    p = auth.authenticate(t1)
    assert p is not None and p.email == "ada@example.com"
    t2 = auth.login("ada@example.com", "long enough pw")
    assert auth.authenticate(t2) == p
    auth.logout(t1)
    assert auth.authenticate(t1) is None
    assert auth.authenticate(t2) == p  # other sessions live on


def test_passwords_are_stored_as_argon2_and_tokens_only_as_hashes(app_env):
    token = LocalAuth(3600).signup("b@example.com", "long enough pw")
    with session_scope() as db:
        user = db.exec(select(User)).one()
        sess = db.exec(select(AuthSession)).one()
    assert user.password_hash.startswith("$argon2")
    assert token not in sess.token_hash and len(sess.token_hash) == 64


def test_wrong_password_unknown_email_duplicate_and_weak_password(app_env):
    auth = LocalAuth(3600)
    auth.signup("c@example.com", "long enough pw")
    with pytest.raises(Unauthorized, match="Wrong email or password"):
        auth.login("c@example.com", "wrong password")
    with pytest.raises(Unauthorized, match="Wrong email or password"):
        auth.login("nobody@example.com", "long enough pw")
    with pytest.raises(Conflict):
        auth.signup("C@example.com", "another long pw")
    with pytest.raises(InvalidInput, match="at least 8"):
        auth.signup("d@example.com", "short")
    with pytest.raises(InvalidInput, match="valid email"):
        auth.signup("not-an-email", "long enough pw")


def test_expired_session_is_refused(app_env):
    auth = LocalAuth(3600)
    token = auth.signup("e@example.com", "long enough pw")
    with session_scope() as db:
        sess = db.exec(select(AuthSession)).one()
        sess.expires_at = sess.expires_at - timedelta(hours=2)
        db.add(sess)
    assert auth.authenticate(token) is None


def test_missing_or_garbage_token_is_refused(app_env):
    auth = LocalAuth(3600)
    assert auth.authenticate(None) is None
    assert auth.authenticate("garbage") is None
