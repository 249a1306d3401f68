"""GB 11643 id numbers and GB 32100 credit codes, row by row."""
from datetime import date

import pytest

from core.registry.codes import CodeError, mask_id, parse_id_number, parse_uscc


@pytest.mark.parametrize("raw, birth, gender", [
    ("11010519491231002X", date(1949, 12, 31), "female"),      # GB 11643 standard example
    ("11010519491231002x", date(1949, 12, 31), "female"),      # lowercase x accepted and normalised
    ("440524188001010014", date(1880, 1, 1), None),            # born before 1900: refused below
])
def test_valid_and_normalised(raw, birth, gender):
    if birth.year < 1900:
        with pytest.raises(CodeError, match="出生日期"):
            parse_id_number(raw)
        return
    idn = parse_id_number(raw)
    assert idn.value == raw.upper()
    assert idn.birth_date == birth
    assert idn.gender == gender


@pytest.mark.parametrize("raw, message", [
    ("110105194912310021", "校验位错误"),                 # bad check character
    ("110105194913310026", "出生日期无效"),               # month 13
    ("110105194902300023", "出生日期无效"),               # 30 February
    ("11010519491231002", "18 位"),                       # 17 characters
    ("11010519491231002XX", "18 位"),                     # 19 characters
    ("1101051949123100AX", "前 17 位须为数字"),           # letter inside
    ("", "18 位"),
    ("110105299912310023", "出生日期无效"),               # born in the future
])
def test_invalid_id_numbers_name_the_problem(raw, message):
    with pytest.raises(CodeError, match=message):
        parse_id_number(raw, today=date(2026, 11, 21))


def test_mask_keeps_region_and_last_four():
    assert mask_id("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize("raw, ok", [
    ("91350100M000100Y43", True),          # a published valid code
    ("91350100M000100Y44", False),         # check character changed
    ("91350100M000100Y4", False),          # 17 characters
    ("91350100M000100I43", False),         # I is not in the alphabet
])
def test_uscc_check_character(raw, ok):
    if ok:
        assert parse_uscc(raw.lower()) == raw
    else:
        with pytest.raises(CodeError):
            parse_uscc(raw)
