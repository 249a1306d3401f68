"""LabelledEnum: string enums whose value is the API code and whose label is the Chinese name."""
from __future__ import annotations

import enum
from typing import Self

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a translatable display label.

    ``Member = "api_code", "中文名"``. ``member.label`` is lazily translated;
    ``member.zh`` is the Chinese source text (used to match Excel cells).
    """

    zh: str
    label: LazyString

    # Members are declared as ``Member = "code", "中文名"``. After the class is built, Enum swaps
    # this __new__ out, and ``Cls("code")`` is the value lookup; the default on ``zh`` lets the
    # type checker see that one-argument call. A member without its Chinese name is still refused.
    def __new__(cls, value: str, zh: str = "") -> Self:
        if not zh:
            raise TypeError(f"{cls.__name__} member {value!r} needs its Chinese name")
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.label = _l(zh)
        return obj

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]   # lazy: forms build choices at import time

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def from_zh(cls, text: str) -> Self | None:
        """The member whose Chinese name is ``text`` (Excel imports), or None."""
        text = (text or "").strip()
        for m in cls:
            if m.zh == text:
                return m
        return None


class PersonStatus(LabelledEnum):
    ACTIVE = "active", "在职"
    TRANSFERRED = "transferred", "调出"
    RETIRED = "retired", "退休"
    RESIGNED = "resigned", "辞职"
    DISMISSED = "dismissed", "辞退/开除"


class Role(LabelledEnum):
    SERVANT = "servant", "公务员"
    HR = "hr", "人事干部"
    COMMITTEE = "committee", "考察评审"
    SYSADMIN = "sysadmin", "系统管理员"
    AUDITOR = "auditor", "审计管理员"
    SECADMIN = "secadmin", "安全管理员"


class DepartmentKind(LabelledEnum):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县区"
    TOWN = "town", "乡镇街道"
    AGENCY = "agency", "政府部门"
