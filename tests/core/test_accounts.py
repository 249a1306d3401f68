"""core.accounts.totp and the password policy as units (the flows are in tests/security/test_auth.py)."""
from __future__ import annotations

import time

import pyotp

from core.accounts import totp
from core.accounts.passwords import is_common, policy_problems
from tests import factories as f


def test_provisioning_uri_and_qr(app, db):
    user = f.user("qr", roles=("servant",))
    secret = totp.new_secret()
    uri = totp.provisioning_uri(user, secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "qr" in uri
    assert totp.qr_data_uri(uri).startswith("data:image/png;base64,")
    assert len(secret) == 32


def test_codes_outside_the_window_or_malformed_are_refused(app, db):
    user = f.user("win", roles=("servant",))
    user.totp_secret = secret = totp.new_secret()
    now = time.time()
    for code in ("", "12345", "1234567", "abcdef", None, pyotp.TOTP(secret).at(now + 90)):
        assert not totp.verify_code(user, code, now=now)
    assert totp.verify_code(user, " " + pyotp.TOTP(secret).at(now)[:3] + " " + pyotp.TOTP(secret).at(now)[3:],
                            now=now)


def test_recovery_codes_are_random_hashed_and_single_use(app, db):
    user = f.user("rc", roles=("servant",))
    codes = totp.new_recovery_codes(user)
    assert len(codes) == 10 and len(set(codes)) == 10 and all(len(c) == 11 and c[5] == "-" for c in codes)
    assert not any(c in user.recovery_codes for c in codes)
    assert totp.use_recovery_code(user, codes[3].upper().replace("-", " "))     # forgiving input
    assert not totp.use_recovery_code(user, codes[3])
    assert totp.recovery_codes_left(user) == 9
    old = codes
    totp.new_recovery_codes(user)
    assert not totp.use_recovery_code(user, old[0])                            # regenerated: old ones die


def test_enable_needs_a_pending_secret_and_a_valid_code(app, db):
    user = f.user("en", roles=("servant",))
    assert totp.enable(user, "123456") is None
    user.totp_secret = totp.new_secret()
    assert totp.enable(user, "000000") is None or user.totp_enabled
    user.totp_enabled = False
    user.totp_last_step = None
    codes = totp.enable(user, pyotp.TOTP(user.totp_secret).now())
    assert codes and user.totp_enabled
    totp.disable(user)
    assert not user.totp_enabled and user.totp_secret is None and user.recovery_codes is None


def test_required_roles_follow_the_configuration(app, db):
    hr, servant = f.user("hq", roles=("hr",)), f.user("sq", roles=("servant",))
    assert totp.required_for(hr) and not totp.required_for(servant)
    app.config["TOTP_ENFORCE"] = False
    try:
        assert not totp.required_for(hr)
    finally:
        app.config["TOTP_ENFORCE"] = True


def test_decorated_common_words_are_common():
    assert is_common("P@ssw0rd2026!") and is_common("woaini1314") and is_common("Admin123!")
    assert not is_common("Test@Pass2026") and not is_common("诚信档案Ab1!")


def test_policy_messages_are_chinese(app):
    problems = policy_problems("abc", "abc")
    assert problems and all(any("\u4e00" <= ch <= "\u9fff" for ch in p) for p in problems)
