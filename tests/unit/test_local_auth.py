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


def test_the_default_cost_is_pwdlibs_recommended_and_production_refuses_a_weak_one(monkeypatch):
    from imagegen.settings.app import AppSettings

    for k in ("IMAGEGEN_ARGON2_MEMORY_KIB", "IMAGEGEN_ARGON2_TIME_COST"):
        monkeypatch.delenv(k, raising=False)
    s = AppSettings()
    assert (s.argon2_memory_kib, s.argon2_time_cost) == (65536, 3)
    assert not any("ARGON2" in p for p in s.production_problems())
    weak = AppSettings(IMAGEGEN_ARGON2_MEMORY_KIB=1024, IMAGEGEN_ARGON2_TIME_COST=1)
    assert any("below OWASP's floor" in p for p in weak.production_problems())


def test_a_hash_made_at_another_cost_is_remade_at_todays_on_sign_in(app_env, monkeypatch):
    from imagegen.settings.app import get_app_settings

    auth = LocalAuth(3600)
    auth.signup("r@example.com", "long enough pw")
    monkeypatch.setenv("IMAGEGEN_ARGON2_MEMORY_KIB", "2048")
    monkeypatch.setenv("IMAGEGEN_ARGON2_TIME_COST", "2")
    get_app_settings.cache_clear()
    with session_scope() as db:
        before = db.exec(select(User)).one().password_hash
    assert "m=1024,t=1" in before
    with pytest.raises(Unauthorized):  # a wrong password changes nothing
        auth.login("r@example.com", "wrong password")
    with session_scope() as db:
        assert db.exec(select(User)).one().password_hash == before
    auth.login("r@example.com", "long enough pw")
    with session_scope() as db:
        after = db.exec(select(User)).one().password_hash
    assert "m=2048,t=2" in after
    auth.login("r@example.com", "long enough pw")  # the new hash verifies
    get_app_settings.cache_clear()


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
