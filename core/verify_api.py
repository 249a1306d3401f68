"""API of verification (API.md "Reviews and printing"): ``GET /api/v1/verify/{serial}``, no
login; the answer is the one of the page /verify/<serial> asked for JSON (core/verify_views.py)."""
from __future__ import annotations

from typing import Any

from core.api import api_blueprint, api_route
from core.documents import find_document
from core.verify_views import verification_json

bp = api_blueprint("verify_api")


@api_route(bp, "/verify/<serial>", summary="核验打印文件的编号（无需登录）", public=True,
           response={"type": "object", "required": ["valid", "kind", "issued_at", "issued_by_department", "sha256"],
                     "properties": {"valid": {"type": "boolean"}, "serial": {"type": "string"},
                                    "kind": {"type": ["string", "null"]}, "kind_label": {"type": ["string", "null"]},
                                    "issued_at": {"type": ["string", "null"], "format": "date-time"},
                                    "issued_by_department": {"type": ["string", "null"]},
                                    "sha256": {"type": ["string", "null"]},
                                    "subject": {"type": ["object", "null"], "description": "文件所属人（姓名脱敏）",
                                                "properties": {"name_masked": {"type": "string"},
                                                               "department": {"type": ["string", "null"]}}}}})
def verify(serial: str) -> dict[str, Any]:
    return verification_json(serial, find_document(serial))
