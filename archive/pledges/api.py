"""API of pledges (API.md "Pledges")."""
from __future__ import annotations

from datetime import date

import pydantic
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import PledgeKind
from archive.pledges import queries, services
from archive.pledges.models import Pledge, PledgeFulfilment, PledgeTemplate, TemplateStatus
from core.accounts.permissions import (
    can_manage_person,
    require_catalogue_change,
    require_department,
    require_not_self,
    require_person,
)
from core.api import Body, PageQuery, api_blueprint, api_route, page_of
from core.errors import NotFound, ValidationFailed
from core.extensions import db

bp = api_blueprint("pledges_api")


def template_json(t: PledgeTemplate) -> dict:
    return {"id": t.id, "template_key": t.template_key, "version": t.version, "kind": t.kind.value,
            "title": t.title, "body": t.body, "status": t.status.value,
            "published_at": t.published_at.isoformat() if t.published_at else None,
            "sha256": services.text_sha256(t.text)}


def fulfilment_json(f: PledgeFulfilment) -> dict:
    return {"id": f.id, "pledge_id": f.pledge_id, "person_id": f.person_id, "period": f.period, "kept": f.kept,
            "facts": f.facts, "record_id": f.record_id, "recorded_at": f.recorded_at.isoformat()}


class TemplateQuery(PageQuery):
    kind: PledgeKind | None = None
    status: TemplateStatus | None = None


class TemplateIn(Body):
    kind: PledgeKind
    title: str = pydantic.Field(min_length=1, max_length=100)
    body: str = pydantic.Field(min_length=1, max_length=20000)
    publish: bool = True


class VersionIn(Body):
    title: str = pydantic.Field(min_length=1, max_length=100)
    body: str = pydantic.Field(min_length=1, max_length=20000)
    publish: bool = True


class AssignIn(Body):
    template_id: int = pydantic.Field(ge=1)
    person_ids: list[int] | None = pydantic.Field(None, max_length=10_000)
    department_id: int | None = pydantic.Field(None, ge=1)
    include_children: bool = True
    leading_only: bool = False
    missing_only: bool = False
    due_on: date | None = None


class SignIn(Body):
    password: str = pydantic.Field(max_length=256)
    typed_name: str = pydantic.Field(max_length=50)
    agree: bool
    text_sha256: str | None = pydantic.Field(None, max_length=64)


class FulfilmentIn(Body):
    period: str = pydantic.Field(min_length=1, max_length=20)
    kept: bool
    facts: str | None = pydantic.Field(None, max_length=5000)


class PublishIn(Body):
    published: bool


class CancelIn(Body):
    reason: str = pydantic.Field(max_length=500)   # required: checked by the service (422, field reason)


def _template(template_id: int, *, change: bool = False) -> PledgeTemplate:
    """A template version; ``change``: the current HR's department owns it (or is above), else 403."""
    tpl = db.session.get(PledgeTemplate, template_id)
    if tpl is None:
        raise NotFound(_("承诺书模板不存在"))
    if change:
        require_catalogue_change(tpl)
    return tpl


def _pledge(pledge_id: int, *, manage: bool = False) -> Pledge:
    p = db.session.execute(queries.pledges_in_scope(current_user).where(Pledge.id == pledge_id)).scalar_one_or_none()
    if p is not None and manage:
        require_not_self(p.person)
    if p is None or (manage and not can_manage_person(current_user, p.person)):
        raise NotFound(_("承诺书不存在"))
    return p


# ---- templates ----------------------------------------------------------------------------

@api_route(bp, "/pledge-templates", summary="承诺书模板列表（各版本）", query=TemplateQuery, roles=("hr",))
def list_templates(query: TemplateQuery):
    sel = sa.select(PledgeTemplate).order_by(PledgeTemplate.kind, PledgeTemplate.template_key,
                                             PledgeTemplate.version.desc())
    if query.kind:
        sel = sel.where(PledgeTemplate.kind == query.kind)
    if query.status:
        sel = sel.where(PledgeTemplate.status == query.status)
    return page_of(sel, query.page, query.per_page, template_json)


@api_route(bp, "/pledge-templates", ["POST"], summary="新建承诺书模板（第 1 版，默认同时发布）", body=TemplateIn,
           roles=("hr",), status=201)
def create_template(body: TemplateIn):
    tpl = services.create_template(kind=body.kind, title=body.title, body=body.body, created_by=current_user,
                                   publish=body.publish)
    return template_json(tpl)


@api_route(bp, "/pledge-templates/<int:pledge_template_id>", summary="承诺书模板（一个版本）", roles=("hr",))
def get_template(pledge_template_id: int):
    return template_json(_template(pledge_template_id))


@api_route(bp, "/pledge-templates/<int:pledge_template_id>/versions", ["POST"], body=VersionIn, roles=("hr",), status=201,
           summary="修改模板：生成新版本（已发布版本不可修改），默认同时发布")
def create_version(pledge_template_id: int, body: VersionIn):
    tpl = services.new_version(_template(pledge_template_id, change=True), title=body.title, body=body.body,
                               created_by=current_user)
    if body.publish:
        services.publish_template(tpl)
    return template_json(tpl)


@api_route(bp, "/pledge-templates/<int:pledge_template_id>/publish", ["POST"], roles=("hr",), summary="发布草稿版本")
def publish_template(pledge_template_id: int):
    return template_json(services.publish_template(_template(pledge_template_id, change=True)))


# ---- assignment -----------------------------------------------------------------------------

@api_route(bp, "/pledges", ["POST"], summary="分配承诺：人员列表或单位（含下级）；跳过已持有者", body=AssignIn,
           roles=("hr",), response={"type": "object", "properties": {"assigned": {"type": "integer"},
                                                                        "skipped": {"type": "integer"}}})
def assign(body: AssignIn):
    tpl = db.session.get(PledgeTemplate, body.template_id)
    if tpl is None:
        raise ValidationFailed({"template_id": _("承诺书模板不存在")})
    if not body.person_ids and not body.department_id and not body.missing_only:
        raise ValidationFailed({"person_ids": _("请指定人员（person_ids）或单位（department_id）")})
    if body.missing_only and tpl.kind is not PledgeKind.PRE_APPOINTMENT:
        raise ValidationFailed({"missing_only": _("只能对任职前承诺使用")})
    ids = None
    if body.person_ids:
        ids = sorted(set(body.person_ids))
        if current_user.person_id in ids:      # named explicitly: refused, not skipped
            from core.registry.models import Person
            require_not_self(db.session.get(Person, current_user.person_id))
        found = set(db.session.execute(queries.select_people(person_ids=ids, status=None, within=current_user)
                                       ).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(_("人员不存在：%(n)s", n=missing[0]))
    dept = require_department(body.department_id) if body.department_id else None
    people = queries.select_people(person_ids=ids, department=dept, include_children=body.include_children,
                                   leading_only=body.leading_only, status=None if ids else "active",
                                   missing_pre_appointment=body.missing_only, within=current_user)
    result = services.assign(tpl, people, due_on=body.due_on, assigned_by=current_user)
    return {"assigned": result.assigned, "skipped": result.skipped}


@api_route(bp, "/people/<int:person_id>/pledges", summary="某人的承诺（含签署存证摘要）", query=PageQuery,
           roles=("hr", "servant", "committee"))
def person_pledges(person_id: int, query: PageQuery):
    person = require_person(person_id)
    return page_of(queries.pledges_of_person(person.id), query.page, query.per_page, services.pledge_json)


@api_route(bp, "/pledges/<int:pledge_id>", summary="一份承诺", roles=("hr", "servant", "committee"))
def get_pledge(pledge_id: int):
    p = _pledge(pledge_id)
    data = services.pledge_json(p)
    data["text"] = p.signed_text if p.is_signed else p.template.text
    data["fulfilments"] = [fulfilment_json(f) for f in p.fulfilments]
    return data


# ---- signing and afterwards -------------------------------------------------------------------

@api_route(bp, "/pledges/<int:pledge_id>/sign", ["POST"], body=SignIn, summary="本人签署承诺（重新输入密码、签名）",
           roles=("servant", "hr", "committee"),
           response={"type": "object", "properties": {"signed_at": {"type": "string"}, "sha256": {"type": "string"}}})
def sign(pledge_id: int, body: SignIn):
    from flask import request
    p = db.session.get(Pledge, pledge_id)
    if p is None:
        raise NotFound(_("承诺书不存在"))        # the answer sign_pledge gives for anyone else's pledge
    try:
        services.sign_pledge(p, current_user, password=body.password, typed_name=body.typed_name, agree=body.agree,
                             ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
                             text_sha256_seen=body.text_sha256)
    except ValidationFailed as exc:
        db.session.rollback()
        if exc.fields.get("password") == services.WRONG_PASSWORD:
            services.note_failed_signature(p, current_user)      # expired by the rollback: reloaded
            db.session.commit()
        raise
    return services.pledge_json(p)


@api_route(bp, "/pledges/<int:pledge_id>/fulfilment", ["POST"], body=FulfilmentIn, roles=("hr",), status=201,
           summary="记录践诺情况（未履行生成“承诺未履行”失信记录草稿）")
def fulfilment(pledge_id: int, body: FulfilmentIn):
    f = services.record_fulfilment(_pledge(pledge_id, manage=True), period=body.period, kept=body.kept,
                                   facts=body.facts, recorded_by=current_user)
    return fulfilment_json(f)


@api_route(bp, "/pledges/<int:pledge_id>/publicity", ["POST"], body=PublishIn, roles=("hr",),
           summary="承诺公示：公开或取消公开已签署的承诺")
def publicity(pledge_id: int, body: PublishIn):
    p = _pledge(pledge_id, manage=True)
    (services.publish_pledge if body.published else services.unpublish_pledge)(p)
    return services.pledge_json(p)


@api_route(bp, "/pledges/<int:pledge_id>/cancel", ["POST"], body=CancelIn, roles=("hr",),
           summary="撤销待签署的承诺")
def cancel(pledge_id: int, body: CancelIn):
    p = services.cancel_pledge(_pledge(pledge_id, manage=True), body.reason)
    return services.pledge_json(p)
