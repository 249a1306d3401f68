"""DomainError and how it maps to the UI (flash) and the API (JSON error shape of API.md)."""
from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A rule or state refused an act. ``status`` is the HTTP status the API answers with."""

    status = 422

    def __init__(self, code: str, message: str, fields: dict | None = None, status: int | None = None,
                 details: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        self.details = details
        if status is not None:
            self.status = status

    def to_json(self) -> dict:
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class Conflict(DomainError):
    """Duplicate natural key, stale version, illegal state change (HTTP 409)."""

    status = 409


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str | None = None, code: str = "not_found"):
        super().__init__(code, message or _("对象不存在"))


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str | None = None, code: str = "forbidden"):
        super().__init__(code, message or _("无权执行此操作"))


class ValidationFailed(DomainError):
    status = 422

    def __init__(self, fields: dict, message: str | None = None, code: str = "invalid"):
        super().__init__(code, message or _("输入有误，请检查标注的字段"), fields)
