"""The pure rules of activation and SSO (core/accounts/rules.py), table-driven."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts import rules

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
AMR = ("mfa", "otp", "hwk")


@pytest.mark.parametrize("claims, trust, acr_values, expected", [
    ({"amr": ["pwd", "otp"]}, True, (), True),
    ({"amr": ["pwd"]}, True, (), False),
    ({"amr": "mfa"}, True, (), True),
    ({"amr": ["otp"]}, False, (), False),                        # trust turned off
    ({"acr": "urn:loa:3"}, True, ("urn:loa:3",), True),
    ({"acr": "urn:loa:2"}, True, ("urn:loa:3",), False),
    ({}, True, ("urn:loa:3",), False),
    ({"amr": [1, None, {"x": 1}], "acr": 3}, True, ("3",), False),    # junk from a provider is no MFA
])
def test_provider_asserted_mfa(claims, trust, acr_values, expected):
    assert rules.provider_asserted_mfa(claims, trust=trust, amr_values=AMR, acr_values=acr_values) is expected


@pytest.mark.parametrize("used, revoked, expires, live", [
    (None, None, NOW + timedelta(days=1), True),
    (NOW, None, NOW + timedelta(days=1), False),
    (None, NOW, NOW + timedelta(days=1), False),
    (None, None, NOW, False),
    (None, None, NOW - timedelta(seconds=1), False),
])
def test_code_is_live(used, revoked, expires, live):
    assert rules.code_is_live(used_at=used, revoked_at=revoked, expires_at=expires, now=NOW) is live


@pytest.mark.parametrize("status, left", [("active", False), ("transferred", True), ("retired", True),
                                          ("resigned", True), ("dismissed", True)])
def test_person_has_left(status, left):
    assert rules.person_has_left(status) is left


@pytest.mark.parametrize("preferred, expected", [("zhangwei", "zhangwei"), ("zhang.wei_2", "zhang.wei_2"),
                                                 ("张伟", "p7"), ("ab", "p7"), (None, "p7"), ("a b", "p7"),
                                                 ("x" * 65, "p7")])
def test_sso_username(preferred, expected):
    assert rules.sso_username(preferred, 7) == expected


def test_codes_use_the_unambiguous_alphabet_and_length():
    code = rules.code_from_digest("f" * 64)
    assert len(code) == rules.CODE_LENGTH and set(code) <= set(rules.CODE_ALPHABET)
    assert rules.code_from_digest("0" * 64) == "2" * rules.CODE_LENGTH
    assert not set("01IO") & set(rules.CODE_ALPHABET)


@pytest.mark.parametrize("typed, expected", [("abcd-efgh-jklm", "ABCDEFGHJKLM"), (" AB CD\u3000", "ABCD"),
                                             ("", ""), (None, "")])
def test_normalise_code(typed, expected):
    assert rules.normalise_code(typed) == expected


@pytest.mark.parametrize("a, b, same", [("王芳", " 王 芳 ", True), ("王芳", "王\u3000芳", True),
                                        ("阿依古丽•买买提", "阿依古丽·买买提", True), ("王芳", "王方", False)])
def test_normalise_name(a, b, same):
    assert (rules.normalise_name(a) == rules.normalise_name(b)) is same


def test_fill_template_replaces_in_every_string_and_keeps_json_safe():
    template = {"to": "{phone}", "body": {"text": "{message}", "tags": ["{phone}", 1]}, "n": 2}
    out = rules.fill_template(template, {"phone": "139", "message": 'a "quoted" 码'})
    assert out == {"to": "139", "body": {"text": 'a "quoted" 码', "tags": ["139", 1]}, "n": 2}
