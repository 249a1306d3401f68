"""Search and sort keys of a person, derived from the name and the id number.

* ``id_tail4/5/6``: a keyed hash (HMAC, core.crypto) of the last 4, 5 and 6 characters of
  the id number, so HR can find "…1234" without the number being stored in clear. Each
  length has its own purpose prefix, so the three columns cannot be compared with each
  other or with ``id_hash``; without ID_HASH_KEY a tail's hash says nothing.
* ``name_key``: the name in pinyin with tone numbers ("zhang1 wei3"), the sort key of the
  people list where the database has no Chinese collation (SQLite; PostgreSQL without ICU
  uses it too). On PostgreSQL with ICU the list sorts by ``name COLLATE "zh-x-icu"``.

Every writer of ``people`` calls :func:`person_keys` (register/update in core.registry.services,
the people import, the demo loader); the migration fills them for existing rows.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from core import crypto

TAIL_LENGTHS = (4, 5, 6)
_TAIL_RE = re.compile(r"^\d{3,5}[\dXx]$")
ICU_COLLATION = "zh-x-icu"
_ICU: dict[str, bool] = {}
_READINGS: dict[str, str] = {}

#: surnames whose reading differs from the character's usual one (曾 zēng, not céng)
_SURNAMES = {"曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "朴": "piao2", "查": "zha1", "区": "ou1",
             "乐": "yue4", "盖": "ge3", "覃": "qin2", "翟": "zhai2", "缪": "miao4", "秘": "bi4", "万": "wan4",
             "尉": "yu4", "长": "chang2", "重": "chong2", "柏": "bai3", "种": "chong2"}


def tail_hash(tail: str) -> str:
    """The stored hash of an id number's last ``len(tail)`` characters (16 hex digits)."""
    tail = tail.upper()
    return crypto.keyed_hash(f"id-tail-{len(tail)}:{tail}")[:16]


def tail_hashes(id_number: str) -> dict[str, str]:
    value = id_number.strip().upper()
    return {f"id_tail{n}": tail_hash(value[-n:]) for n in TAIL_LENGTHS}


def _reading(char: str) -> str:
    """The pinyin of one character with its tone ("伟" -> "wei3"), cached: a name is read
    character by character (names are not phrases), so loading a province costs a dict
    lookup per character instead of a pypinyin call per name."""
    reading = _READINGS.get(char)
    if reading is None:
        from pypinyin import Style, lazy_pinyin
        reading = lazy_pinyin(char, style=Style.TONE3, neutral_tone_with_five=True,
                              errors=lambda chars: [c for c in chars.lower()],  # type: ignore[arg-type,return-value]  # pypinyin types errors= as returning str; a list is documented
                              )[0] if char.strip() else ""
        _READINGS[char] = reading
    return reading


def name_key(name: str) -> str:
    """"张伟" -> "zhang1 wei3"; characters without a reading are kept (lowercased)."""
    name = (name or "").strip()
    if not name:
        return ""
    first = _SURNAMES.get(name[0])
    parts = [first] if first else []
    parts += [r for r in (_reading(c) for c in (name[1:] if first else name)) if r]
    return " ".join(parts)[:200]


def person_keys(name: str, id_number: str | None = None) -> dict[str, str]:
    """The derived columns of a person row (the id tails only when the number is given)."""
    keys = {"name_key": name_key(name)}
    if id_number:
        keys.update(tail_hashes(id_number))
    return keys


def is_tail_query(q: str) -> bool:
    """4 to 6 trailing characters of an id number: digits, the last one may be X."""
    return bool(_TAIL_RE.match(q or ""))


def tail_clause(person_cls, q: str):
    q = q.strip().upper()
    return getattr(person_cls, f"id_tail{len(q)}") == tail_hash(q)


def has_icu(session) -> bool:
    """Whether the database sorts Chinese by pinyin itself (PostgreSQL with the ICU zh collation)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    key = bind.url.render_as_string(hide_password=True)
    if key not in _ICU:
        _ICU[key] = bool(session.execute(sa.text("SELECT 1 FROM pg_collation WHERE collname = :c"),
                                         {"c": ICU_COLLATION}).first())
    return _ICU[key]


def name_order(person_cls, session):
    """The column expression the people list sorts names by."""
    if has_icu(session):
        return person_cls.name.collate(ICU_COLLATION)
    return person_cls.name_key
