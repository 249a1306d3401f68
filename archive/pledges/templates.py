"""Pledge templates (docs/rules.md §5): a template is a family of versions (``template_key``);
a draft is edited in place, a published version never changes (editing it makes the next
version, a draft), publishing retires the previously published version, and
``latest_published`` gives the version assignments use. Re-exported by archive/pledges/services.py."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import gettext as _

from archive.enums import PledgeKind
from archive.pledges.common import BODY_MAX, TITLE_MAX, text_sha256
from archive.pledges.models import PledgeTemplate, PledgeText, TemplateStatus
from core import clock
from core.audit.services import record_event
from core.changes import SHARED, changed
from core.errors import Conflict, ValidationFailed
from core.extensions import db

# ---- templates --------------------------------------------------------------------------

def _check_template(kind, title: str, body: str) -> tuple[PledgeKind, str, str]:
    fields = {}
    try:
        kind = PledgeKind(kind)
    except ValueError:
        fields["kind"] = _("请选择承诺类型")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        fields["title"] = _("请填写标题")
    elif len(title) > TITLE_MAX:
        fields["title"] = _("标题不能超过 %(TITLE_MAX)s 个字符", TITLE_MAX=TITLE_MAX)
    if not body:
        fields["body"] = _("请填写承诺内容")
    elif len(body) < 20:
        fields["body"] = _("承诺内容过短（至少 20 个字符）")
    elif len(body) > BODY_MAX:
        fields["body"] = _("承诺内容不能超过 %(BODY_MAX)s 个字符", BODY_MAX=BODY_MAX)
    if fields:
        raise ValidationFailed(fields)
    return kind, title, body


def create_template(*, kind, title: str, body: str, created_by=None, publish: bool = False) -> PledgeTemplate:
    """Version 1 of a new template (a draft unless ``publish``)."""
    kind, title, body = _check_template(kind, title, body)
    tpl = PledgeTemplate(template_key=uuid.uuid4().hex, version=1, kind=kind, title=title, body=body,
                         status=TemplateStatus.DRAFT, created_by_id=getattr(created_by, "id", None),
                         owner_department_id=getattr(created_by, "department_id", None))
    db.session.add(tpl)
    db.session.flush()
    record_event("pledge_template_create", tpl, f"《{title}》第1版（{kind.zh}）")
    if publish:
        publish_template(tpl)
    return tpl


def update_draft(tpl: PledgeTemplate, *, title: str, body: str, row_version: int | None = None) -> PledgeTemplate:
    """Edit a draft in place (a published version is never edited: see :func:`new_version`)."""
    if not tpl.editable:
        raise Conflict("immutable", _("已发布的承诺书模板不可修改，请创建新版本"))
    if row_version is not None and row_version != tpl.row_version:
        raise Conflict("stale_version", _("该模板已被他人修改，请刷新后重试"))
    _kind, title, body = _check_template(tpl.kind, title, body)
    tpl.title, tpl.body = title, body
    db.session.flush()
    record_event("pledge_template_update", tpl, f"《{title}》第{tpl.version}版草稿")
    changed(None, SHARED)
    return tpl


def versions_of(tpl: PledgeTemplate) -> list[PledgeTemplate]:
    return list(db.session.execute(sa.select(PledgeTemplate).filter_by(template_key=tpl.template_key)
                                   .order_by(PledgeTemplate.version.desc())).scalars())


def draft_of(tpl: PledgeTemplate) -> PledgeTemplate | None:
    return db.session.execute(sa.select(PledgeTemplate).filter_by(
        template_key=tpl.template_key, status=TemplateStatus.DRAFT)).scalars().first()


def edit_template(tpl: PledgeTemplate, *, title: str, body: str, created_by=None,
                  row_version: int | None = None) -> PledgeTemplate:
    """"Save" on the editor: a draft changes in place; a published version gets a new version."""
    if tpl.editable:
        return update_draft(tpl, title=title, body=body, row_version=row_version)
    return new_version(tpl, title=title, body=body, created_by=created_by)


def new_version(tpl: PledgeTemplate, *, title: str, body: str, created_by=None) -> PledgeTemplate:
    """The next version (a draft) of ``tpl``'s template; refused while another draft exists."""
    _kind, title, body = _check_template(tpl.kind, title, body)
    if (title, body) == (tpl.title, tpl.body):
        raise ValidationFailed({"body": _("内容与当前版本相同，无需生成新版本")})
    if draft_of(tpl) is not None:
        raise Conflict("draft_exists", _("该模板已有未发布的草稿版本，请编辑该草稿"))
    latest = max(v.version for v in versions_of(tpl))
    new = PledgeTemplate(template_key=tpl.template_key, version=latest + 1, kind=tpl.kind, title=title,
                         body=body, status=TemplateStatus.DRAFT, created_by_id=getattr(created_by, "id", None),
                         owner_department_id=tpl.owner_department_id)
    db.session.add(new)
    db.session.flush()
    record_event("pledge_template_version", new, f"《{title}》第{new.version}版草稿")
    return new


def publish_template(tpl: PledgeTemplate) -> PledgeTemplate:
    """Publish a draft: it becomes immutable and assignable; the previously published version
    of the same template is retired (pledges already assigned keep their exact version)."""
    if tpl.status is not TemplateStatus.DRAFT:
        raise Conflict("illegal_state", _("只有草稿可以发布"))
    now = clock.utcnow()
    for other in versions_of(tpl):
        if other.id != tpl.id and other.status is TemplateStatus.PUBLISHED:
            other.status, other.retired_at = TemplateStatus.RETIRED, now
    tpl.status, tpl.published_at = TemplateStatus.PUBLISHED, now
    text = tpl.text
    digest = text_sha256(text)
    if db.session.get(PledgeText, digest) is None:
        db.session.add(PledgeText(sha256=digest, text=text))
    db.session.flush()
    record_event("pledge_template_publish", tpl, f"发布《{tpl.title}》第{tpl.version}版")
    changed(None, SHARED)     # every file shows the template of its pledges
    return tpl


def retire_template(tpl: PledgeTemplate) -> PledgeTemplate:
    if tpl.status is not TemplateStatus.PUBLISHED:
        raise Conflict("illegal_state", _("只有已发布的模板可以停用"))
    tpl.status, tpl.retired_at = TemplateStatus.RETIRED, clock.utcnow()
    db.session.flush()
    record_event("pledge_template_retire", tpl, f"停用《{tpl.title}》第{tpl.version}版")
    changed(None, SHARED)
    return tpl


def latest_published(kind: PledgeKind | str) -> PledgeTemplate | None:
    return db.session.execute(
        sa.select(PledgeTemplate).where(PledgeTemplate.kind == PledgeKind(kind),
                                        PledgeTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(PledgeTemplate.published_at.desc(), PledgeTemplate.id.desc()).limit(1)).scalar_one_or_none()
