"""API of coverage (API.md "Coverage"): GET /coverage and GET /coverage/gaps."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Literal

import pydantic
from flask_babel import gettext as _
from flask_login import current_user

from archive.coverage import facts, services
from core.accounts.permissions import require_department
from core.api import PageQuery, Query, api_blueprint, api_route
from core.errors import NotFound
from core.registry.models import Person

bp = api_blueprint("coverage_api")

Metric = Literal["archive", "pledge", "appraisal", "training", "overall"]


class CoverageQuery(Query):
    department_id: int | None = pydantic.Field(None, ge=1)
    as_of: date | None = None


class GapsQuery(PageQuery):
    metric: Metric
    department_id: int | None = pydantic.Field(None, ge=1)
    q: str | None = pydantic.Field(None, max_length=100)


_METRIC = {"type": "object", "required": ["count", "rate"],
           "properties": {"count": {"type": "integer"}, "rate": {"type": "number", "minimum": 0, "maximum": 1}}}
_COUNTS = {"active": {"type": "integer"}, **{m: _METRIC for m in services.ALL_METRICS}}
COVERAGE_SCHEMA = {
    "type": "object",
    "required": ["department_id", "as_of", "active", *services.ALL_METRICS, "children"],
    "properties": {
        "department_id": {"type": "integer"}, "as_of": {"type": "string", "format": "date"}, **_COUNTS,
        "children": {"type": "array", "items": {
            "type": "object", "required": ["department_id", "name", "active", *services.ALL_METRICS],
            "properties": {"department_id": {"type": "integer"}, "name": {"type": "string"}, **_COUNTS}}},
        "direct": {"type": "object", "description": "people attached to the department itself",
                   "properties": _COUNTS},
        "source": {"type": "string", "enum": ["facts", "snapshot", "current_facts"],
                   "description": "facts: current; snapshot: the monthly snapshot of as_of's month; "
                                  "current_facts: a past month without a snapshot, computed from today's facts"},
        "snapshot_month": {"type": "string", "description": "YYYY-MM, when source is snapshot"},
    },
}
GAPS_SCHEMA = {
    "type": "object", "required": ["items", "page", "per_page", "total"],
    "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
        "person_id": {"type": "integer"}, "name": {"type": "string"}, "id_number": {"type": "string"},
        "department_id": {"type": "integer"}, "department": {"type": "string"}, "post": {"type": ["string", "null"]},
        "missing": {"type": "array", "items": {"type": "string", "enum": list(services.METRICS)}},
        "missing_labels": {"type": "array", "items": {"type": "string"}}}}},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}},
}


def scoped_department(department_id: int | None):
    """The department asked for (default: the user's own), within the user's scope, else 404."""
    if department_id is None:
        if current_user.department_id is None:
            raise NotFound(_("单位不存在"))
        department_id = current_user.department_id
    return require_department(department_id)


def gap_json(person: Person, missing: list[str]) -> dict:
    return {"person_id": person.id, "name": person.name, "id_number": person.id_masked,
            "department_id": person.department_id, "department": person.department.name,
            "post": person.post, "missing": missing,
            "missing_labels": [str(services.GAP_LABELS[m]) for m in missing]}


@api_route(bp, "/coverage", summary="覆盖率：所选单位及其下级单位的五项覆盖率", query=CoverageQuery,
           roles=("hr",), response=COVERAGE_SCHEMA)
def coverage(query: CoverageQuery):
    department = scoped_department(query.department_id)
    as_of = services.check_as_of(query.as_of)
    facts.ensure_current()
    return services.coverage(department, as_of).to_json()


@api_route(bp, "/coverage/gaps", summary="覆盖缺口：缺少某项指标的在职人员（分页）", query=GapsQuery,
           roles=("hr",), response=GAPS_SCHEMA)
def gaps(query: GapsQuery):
    department = scoped_department(query.department_id)
    facts.ensure_current()
    order = SimpleNamespace(sort="department", dir="asc", page=query.page, per_page=query.per_page,
                            order=lambda sel: sel.order_by(Person.department_path, Person.id))
    page = services.gap_page(department, query.metric, order, q=query.q)
    missing = services.missing_by_person([p.id for p in page.items])
    return {"items": [gap_json(p, missing.get(p.id, [])) for p in page.items], "page": query.page,
            "per_page": query.per_page, "total": page.total, "metric": query.metric,
            "department_id": department.id}
