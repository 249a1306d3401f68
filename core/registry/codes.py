"""National code formats: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import clock

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class CodeError(ValueError):
    """Raised with a Chinese message saying what is wrong with the code."""


@dataclass(frozen=True)
class IdNumber:
    value: str          # normalised: 18 characters, upper-case X
    birth_date: date
    gender: str         # "male" / "female"

    @property
    def masked(self) -> str:
        return mask_id(self.value)


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character id number: digits, a real birth date, the check character."""
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise CodeError("公民身份号码须为 18 位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise CodeError("公民身份号码前 17 位须为数字，最后一位为数字或 X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise CodeError("公民身份号码中的出生日期无效") from None
    today = today or clock.today()
    if born.year < 1900 or born > today:
        raise CodeError("公民身份号码中的出生日期无效")
    if id_check_char(value[:17]) != value[17]:
        raise CodeError("公民身份号码校验位错误")
    return IdNumber(value, born, "male" if int(value[16]) % 2 else "female")


def mask_id(value: str) -> str:
    """110101********123X: region code and the last four characters only."""
    return value[:6] + "*" * 8 + value[14:] if len(value) == 18 else "*" * len(value or "")


def mask_name(value: str | None) -> str:
    """张*, 王*明, 欧阳**锋: the first and (from three characters) the last character only."""
    name = (value or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def parse_uscc(raw: str) -> str:
    """Validate a 统一社会信用代码 (18 characters, GB 32100 check character)."""
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise CodeError("统一社会信用代码须为 18 位")
    if any(c not in _USCC_CHARS for c in value):
        raise CodeError("统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）")
    if uscc_check_char(value[:17]) != value[17]:
        raise CodeError("统一社会信用代码校验位错误")
    return value
