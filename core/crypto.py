"""Secrets at rest: id numbers and TOTP seeds are Fernet-encrypted; id numbers are looked up by a keyed hash.

Keys come from ``ID_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first: add a
new key in front, run ``flask --app wsgi keys rotate``, then drop the old key) and
``ID_HASH_KEY``. The embedded default derives both from SECRET_KEY so that `make run`
needs no variables; Production refuses to start without real keys.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

_EXT = "integrity_crypto"


def _derive(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def init_keys(app) -> None:
    secret = app.config["SECRET_KEY"]
    keys = [k.strip() for k in (app.config.get("ID_ENCRYPTION_KEYS") or "").split(",") if k.strip()]
    if not keys:
        keys = [base64.urlsafe_b64encode(_derive(secret, "id-encryption")).decode()]
    hash_key = (app.config.get("ID_HASH_KEY") or "").encode() or _derive(secret, "id-hash")
    app.extensions[_EXT] = {"fernet": MultiFernet([Fernet(k) for k in keys]), "hash_key": hash_key}


def _state():
    return current_app.extensions[_EXT]


def encrypt(text: str) -> str:
    return _state()["fernet"].encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _state()["fernet"].decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was dropped before rotation finished
        raise RuntimeError("value cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (``keys rotate``)."""
    return _state()["fernet"].rotate(token.encode()).decode()


def keyed_hash(text: str) -> str:
    """HMAC-SHA256 of a normalised value: lookups and uniqueness without decrypting."""
    return hmac.new(_state()["hash_key"], text.encode(), hashlib.sha256).hexdigest()


def keyed_hash_many(texts) -> list[str]:
    """keyed_hash of many values at once (bulk imports: the key is looked up once)."""
    base = hmac.new(_state()["hash_key"], digestmod=hashlib.sha256)
    out = []
    for text in texts:
        h = base.copy()
        h.update(text.encode())
        out.append(h.hexdigest())
    return out


def token_hash(token: str) -> str:
    """API tokens are stored as a plain SHA-256: they are random, so no key is needed."""
    return hashlib.sha256(token.encode()).hexdigest()
