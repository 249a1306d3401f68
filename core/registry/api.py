"""API.md "Registry": departments and people."""
from __future__ import annotations

from datetime import date

import pydantic
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import (
    can_manage_department,
    departments_in_scope,
    people_in_scope,
    require_department,
    require_person,
)
from core.api import Body, PageQuery, api_blueprint, api_route, page_of
from core.enums import DepartmentKind, PersonStatus
from core.errors import ValidationFailed
from core.extensions import db
from core.registry import services
from core.registry.models import Department, Person

bp = api_blueprint("registry_api")


def department_json(d: Department) -> dict:
    return {"id": d.id, "name": d.name, "code": d.code, "parent_id": d.parent_id, "kind": d.kind.value,
            "path": d.path, "version": d.version}


def person_json(p: Person) -> dict:
    return {"id": p.id, "name": p.name, "id_number": p.id_masked, "gender": p.gender,
            # the birth year only: with the full date the masked number could be rebuilt (issue 17 item 2)
            "birth_year": p.birth_date.year, "department_id": p.department_id,
            "department": p.department.name, "post": p.post, "rank": p.rank, "leading": p.leading,
            "entry_date": p.entry_date.isoformat(),
            "appointed_on": p.appointed_on.isoformat() if p.appointed_on else None,
            "status": p.status.value, "phone": _mask_phone(p.phone), "version": p.version}


def _mask_phone(phone):
    from core.templating import mask_phone
    return mask_phone(phone) if phone else None


class DepartmentIn(Body):
    name: str = pydantic.Field(min_length=1, max_length=100)
    code: str | None = pydantic.Field(None, max_length=18)
    parent_id: int | None = pydantic.Field(None, ge=1)
    kind: DepartmentKind = DepartmentKind.AGENCY


class PeopleQuery(PageQuery):
    department_id: int | None = pydantic.Field(None, ge=1)
    status: PersonStatus | None = None
    q: str | None = pydantic.Field(None, max_length=100)


class PersonIn(Body):
    name: str = pydantic.Field(min_length=1, max_length=50)
    id_number: str = pydantic.Field(min_length=1, max_length=18)
    department_id: int = pydantic.Field(ge=1)
    post: str | None = pydantic.Field(None, max_length=100)
    rank: str | None = pydantic.Field(None, max_length=50)
    leading: bool = False
    entry_date: date
    appointed_on: date | None = None
    phone: str | None = pydantic.Field(None, max_length=20)
    email: str | None = pydantic.Field(None, max_length=254)


class PersonPatch(Body):
    version: int = pydantic.Field(ge=1)
    name: str | None = pydantic.Field(None, min_length=1, max_length=50)
    post: str | None = pydantic.Field(None, max_length=100)
    rank: str | None = pydantic.Field(None, max_length=50)
    leading: bool | None = None
    entry_date: date | None = None
    appointed_on: date | None = None
    phone: str | None = pydantic.Field(None, max_length=20)
    email: str | None = pydantic.Field(None, max_length=254)
    department_id: int | None = pydantic.Field(None, ge=1)
    status: PersonStatus | None = None


@api_route(bp, "/departments", summary="单位列表（当前用户可管理的单位）", query=PageQuery,
           roles=("hr", "sysadmin"))
def list_departments(query):
    return page_of(departments_in_scope(current_user), query.page, query.per_page, department_json)


@api_route(bp, "/departments", ["POST"], summary="新建单位", body=DepartmentIn, roles=("hr", "sysadmin"),
           status=201)
def create_department(body):
    parent = require_department(body.parent_id) if body.parent_id else None
    if parent is None and not current_user.has_role("sysadmin"):
        raise ValidationFailed({"parent_id": _("请指定上级单位")})
    dept = services.create_department(name=body.name, parent=parent, code=body.code, kind=body.kind)
    return department_json(dept)


@api_route(bp, "/people", summary="人员列表（q 匹配姓名或完整公民身份号码）", query=PeopleQuery,
           roles=("hr", "servant", "committee"))
def list_people(query):
    sel = people_in_scope(current_user).where(services.search_clause(query.q or ""))
    if query.department_id:
        dept = db.session.get(Department, query.department_id)
        sel = sel.where(Person.department_path.startswith(dept.path, autoescape=True)) if dept else sel.where(
            Person.id.is_(None))
    if query.status:
        sel = sel.where(Person.status == query.status)
    return page_of(sel.order_by(Person.id), query.page, query.per_page, person_json)


@api_route(bp, "/people", ["POST"], summary="登记人员", body=PersonIn, roles=("hr",), status=201)
def create_person(body):
    dept = db.session.get(Department, body.department_id)
    data = services.PersonInput(name=body.name, id_number=body.id_number, department=dept,
                                entry_date=body.entry_date, post=body.post, rank=body.rank, leading=body.leading,
                                appointed_on=body.appointed_on, phone=body.phone, email=body.email)
    person = services.register_person(data, in_scope=lambda d: can_manage_department(current_user, d))
    return person_json(person)


@api_route(bp, "/people/<int:person_id>", summary="人员详情（身份号码脱敏）", roles=("hr", "servant", "committee"))
def get_person(person_id: int):
    from core.audit.services import record_event
    person = require_person(person_id)
    record_event("person_view", person, "API 查看人员")
    return person_json(person)


@api_route(bp, "/people/<int:person_id>", ["PATCH"], summary="修改人员（须带 version）", body=PersonPatch,
           roles=("hr",))
def patch_person(person_id: int, body):
    person = require_person(person_id, manage=True)
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    dept_id = data.pop("department_id", None)
    status = data.pop("status", None)
    if data:
        services.update_person(person, data, version=version)
        version = None
    if dept_id and dept_id != person.department_id:
        services.transfer_person(person, require_department(dept_id), on=clock.today(), version=version)
        version = None
    if status:
        services.change_status(person, status, version=version)
    db.session.flush()
    return person_json(person)


