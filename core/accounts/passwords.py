"""Password hashing (argon2id) and policy (length, 等保 complexity, common passwords)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

_STRONG = PasswordHasher()                     # argon2id, library defaults (RFC 9106 low-memory)
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)   # tests only


def _hasher() -> PasswordHasher:
    try:
        return _FAST if current_app.config.get("PASSWORD_HASH_FAST") else _STRONG
    except RuntimeError:   # outside an application context
        return _STRONG
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# a constant hash to spend the same time on an unknown user as on a wrong password
DUMMY_HASH = _STRONG.hash("unknown-user-timing-equaliser")


# Words that stay guessable however they are decorated ("Password2026!", "Woaini@520"):
# a password that is one of them once leading/trailing digits and symbols are removed
# and l33t spelling is undone is refused like an entry of the list.
COMMON_BASES = frozenset({
    "password", "passwd", "admin", "administrator", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm",
    "iloveyou", "woaini", "welcome", "changeme", "letmein", "root", "test", "guest", "user", "huawei", "abc",
    "abcd", "abcdef", "qazwsx", "zaqxsw", "monkey", "dragon", "master", "superman", "sunshine", "princess",
    "shadow", "football", "baseball", "trustno", "nihao", "zhongguo", "china", "beijing", "shanghai", "aini",
    "mima", "gongwuyuan", "renshi", "dangan",
})
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "3": "e", "$": "s", "5": "s", "7": "t", "!": "i"})


def _undecorated(password: str) -> str:
    core = re.sub(r"^[^A-Za-z]+|[^A-Za-z]+$", "", password)
    return core.lower().translate(_LEET)


def is_common(password: str) -> bool:
    low = password.lower()
    return low in common_passwords() or _undecorated(password) in COMMON_BASES


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    if not COMMON_FILE.exists():
        return frozenset()
    return frozenset(line.strip().lower() for line in COMMON_FILE.read_text().splitlines() if line.strip())


def policy_problems(password: str, username: str | None = None) -> list[str]:
    """Chinese messages for every rule the password breaks (empty when it is acceptable)."""
    cfg = current_app.config
    problems = []
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        problems.append(_("密码至少 %(n)s 个字符", n=cfg["PASSWORD_MIN_LENGTH"]))
    if len(password) > 256:
        problems.append(_("密码不能超过 256 个字符"))
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < cfg["PASSWORD_REQUIRE_CLASSES"]:
        problems.append(_("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)s 类", n=cfg["PASSWORD_REQUIRE_CLASSES"]))
    if is_common(password):
        problems.append(_("该密码过于常见，请换一个"))
    if username and username.lower() in password.lower():
        problems.append(_("密码不能包含用户名"))
    return problems
