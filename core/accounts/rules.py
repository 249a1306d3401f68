"""Pure rules of account activation and single sign-on (no database, no request)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"    # 32 symbols: no 0/O, 1/I
CODE_LENGTH = 12                                      # 60 bits
LEAVING_STATUSES = frozenset({"transferred", "retired", "resigned", "dismissed"})


def code_from_digest(hex_digest: str, length: int = CODE_LENGTH) -> str:
    """A code of ``length`` symbols of CODE_ALPHABET from a hex digest (uniformly: 32 = 2**5)."""
    n = int(hex_digest, 16)
    out = []
    for _ in range(length):
        n, r = divmod(n, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[r])
    return "".join(out)


def normalise_code(text: str | None) -> str:
    """What the person typed: case, spaces and dashes do not matter."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())[:64]


def display_code(code: str) -> str:
    """XXXX-XXXX-XXXX, for the slip and the message."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_name(text: str | None) -> str:
    """Names compare without spaces (全角 or ASCII) and the middle dot variants."""
    return re.sub(r"[\s\u3000]", "", (text or "")).replace("•", "·").replace("・", "·")[:50]


def code_is_live(*, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime,
                 now: datetime) -> bool:
    return used_at is None and revoked_at is None and expires_at > now


def person_has_left(status: str) -> bool:
    return status in LEAVING_STATUSES


def provider_asserted_mfa(claims: dict, *, trust: bool, amr_values: Iterable[str], acr_values: Iterable[str]
                          ) -> bool:
    """The provider says the person passed more than one factor (``amr`` or ``acr``, RFC 8176)."""
    if not trust:
        return False
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if any(str(v) in set(amr_values) for v in amr if isinstance(v, str)):
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in set(acr_values)


def sso_username(preferred: str | None, person_id: int) -> str:
    """The username of an account created by the first SSO login: the provider's preferred
    username when it is a plain one, else ``p<person id>``."""
    if preferred and re.fullmatch(r"[A-Za-z0-9_.]{3,64}", preferred):
        return preferred
    return f"p{person_id}"


def fill_template(template, values: dict):
    """Replace ``{name}`` in every string of a parsed JSON template (the SMS gateway body)."""
    if isinstance(template, str):
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", str(value))
        return out
    if isinstance(template, list):
        return [fill_template(v, values) for v in template]
    if isinstance(template, dict):
        return {k: fill_template(v, values) for k, v in template.items()}
    return template
