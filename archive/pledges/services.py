"""Domain acts on pledges (docs/rules.md §5). They check, change state, flush and audit; never commit.

Templates: :func:`create_template`, :func:`update_draft`, :func:`new_version`,
:func:`publish_template`, :func:`retire_template`.
Assignment: :func:`assign` (set-based, INSERT ... SELECT), :func:`auto_assign_pre_appointment`
(registered on the registry hooks by archive/pledges/hooks.py).
Signing: :func:`sign_pledge`, :func:`open_pledge`, :func:`note_failed_signature`.
Reading and the rest (re-exported from queries, summary, reminders, printing): :func:`people_with_valid_pledge_select`,
:func:`valid_pre_appointment_pledge_clause`, :func:`has_valid_pre_appointment_pledge`,
:func:`signed_pledge_dates`, :func:`pledges_for_person`, :func:`file_section`.
Afterwards: :func:`publish_pledge` / :func:`unpublish_pledge` (承诺公示),
:func:`record_fulfilment` (践诺), :func:`cancel_pledge`, :func:`send_reminders`,
:func:`print_pledge` (PDF with evidence page).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from archive.enums import PledgeKind
from archive.pledges import queries
from archive.pledges.common import (  # noqa: F401 - re-exported
    due_days,
    my_pledges_link,
    sign_link_parts,
    text_sha256,
)
from archive.pledges.models import (
    Pledge,
    PledgeFulfilment,
    PledgeStatus,
    PledgeTemplate,
    PledgeText,
    TemplateStatus,
)
from archive.pledges.printing import first_opened_at, print_pledge, timeline  # noqa: F401 - re-exported
from archive.pledges.queries import (  # noqa: F401 - re-exported: the reading API for coverage, repair, file
    has_valid_pre_appointment_pledge,
    people_with_valid_pledge_select,
    signed_pledge_dates,
    valid_pre_appointment_pledge_clause,
)
from archive.pledges.reminders import send_reminders  # noqa: F401 - re-exported
from archive.pledges.summary import file_section, pledge_json, pledges_for_person, todo_items  # noqa: F401 - re-exported
from core import clock, wiring
from core.accounts.passwords import verify_password
from core.accounts.permissions import person_scope_clause
from core.audit.services import record_event
from core.changes import PLEDGE, SHARED, changed
from core.db import UTCDateTime
from core.enums import PersonStatus
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.notify.models import Notification
from core.registry.models import Person

#: Called with the pledge after it is signed (coverage keeps its per-person facts fresh).
PLEDGE_SIGNED: list[Callable] = wiring.hooks(wiring.PLEDGE_SIGNED)   # core.wiring

TITLE_MAX, BODY_MAX, FACTS_MAX = 100, 20_000, 5_000
WRONG_PASSWORD = "密码不正确"  # noqa: S105 - the message of a wrong password (counts toward the lockout)
PERIOD_RE = re.compile(r"^(19|20)\d{2}(-(上半年|下半年|[一二三四]季度|0[1-9]|1[0-2]))?$")


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


# ---- assignment -------------------------------------------------------------------------

@dataclass(frozen=True)
class AssignResult:
    assigned: int
    skipped: int
    batch: str | None = None

    def __iter__(self):
        return iter((self.assigned, self.skipped))


def _people_condition(people):
    """A WHERE condition on ``people`` for ``people`` given as a ``select(Person.id)``, Person
    objects or ids. A plain select on the people table contributes its WHERE clause itself
    (no self-join: the planner never has to guess the size of an IN over people)."""
    if isinstance(people, sa.Select):
        froms = people.get_final_froms()
        if (len(froms) == 1 and froms[0] is Person.__table__ and len(people.selected_columns) == 1
                and people.whereclause is not None and not people._group_by_clauses and people._limit_clause is None):
            return people.whereclause
        return Person.id.in_(sa.select(people.subquery().c[0]))
    return Person.id.in_(sorted({p if isinstance(p, int) else p.id for p in people}))


def _sign_link_sql():
    """Each assignment notice opens its own pledge's sign page (issue 19): prefix || id || suffix."""
    prefix, suffix = sign_link_parts()
    return sa.literal(prefix, sa.String) + sa.cast(Pledge.id, sa.String) + sa.literal(suffix, sa.String)
def assign_preview(template: PledgeTemplate, people, *, due_on: date | None = None, assigned_by=None,
                   today: date | None = None) -> AssignResult:
    """What :func:`assign` would do, without doing it (the confirmation step of bulk actions):
    the same checks and the same conditions, counted. ``batch`` is None."""
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        raise ValidationFailed({"template_id": _("只能分配已发布的承诺书模板")})
    today = today or clock.today()
    if due_on is not None and due_on < today:
        raise ValidationFailed({"due_on": _("签署截止日期不能早于今天")})
    asked, eligible = _assignment_conditions(template, people, assigned_by, today)
    will = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(*eligible)).scalar_one()
    return AssignResult(will, asked - will, None)


def _assignment_conditions(template: PledgeTemplate, people, assigned_by, today: date) -> tuple[int, list]:
    """(people asked for, the WHERE conditions of those who get the pledge): active, in
    ``assigned_by``'s manage scope (when given), not already holding one. One definition for
    :func:`assign` and its preview."""
    wanted = _people_condition(people)
    asked = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(wanted)).scalar_one()
    eligible = [wanted, Person.status == PersonStatus.ACTIVE, ~queries.holding_clause(template.kind, today)]
    if assigned_by is not None:
        eligible.append(person_scope_clause(assigned_by, manage=True))
    return asked, eligible


def assign(template: PledgeTemplate, people, *, due_on: date | None = None, assigned_by=None,
           today: date | None = None, notify: bool = True) -> AssignResult:
    """Assign ``template`` to ``people`` (a ``select(Person.id)``, Person objects or ids).

    Set-based: one INSERT ... SELECT for the people who are active, in ``assigned_by``'s
    manage scope (when given) and not already holding one (:func:`queries.holding_clause`);
    one INSERT ... SELECT of their inbox notifications; one audit event. Returns
    (assigned, skipped): skipped = people asked for - assigned.
    """
    if template is None or template.status is not TemplateStatus.PUBLISHED:
        raise ValidationFailed({"template_id": _("只能分配已发布的承诺书模板")})
    today = today or clock.today()
    due_on = due_on or today + timedelta(days=due_days())
    if due_on < today:
        raise ValidationFailed({"due_on": _("签署截止日期不能早于今天")})
    asked, eligible = _assignment_conditions(template, people, assigned_by, today)
    batch, now = uuid.uuid4().hex, clock.utcnow()
    source = sa.select(
        Person.id, sa.literal(template.id), sa.literal(template.kind.value), sa.literal(batch),
        sa.literal(now, UTCDateTime()), sa.literal(today, sa.Date()),
        sa.literal(getattr(assigned_by, "id", None), sa.Integer()), sa.literal(due_on, sa.Date()),
        Person.post, sa.func.coalesce(Person.appointed_on, Person.entry_date),
        sa.literal(PledgeStatus.ASSIGNED.value), sa.literal(0), sa.false(), sa.literal(1),
        sa.literal(now, UTCDateTime()), sa.literal(now, UTCDateTime()),
    ).where(*eligible)
    db.session.execute(sa.insert(Pledge).from_select(
        ["person_id", "template_id", "kind", "batch", "assigned_at", "assigned_on", "assigned_by_id", "due_on",
         "post_at_assignment", "post_since", "status", "reminders_sent", "published", "version",
         "created_at", "updated_at"], source))
    assigned = db.session.execute(sa.select(sa.func.count()).select_from(Pledge)
                                  .where(Pledge.batch == batch)).scalar_one()
    if assigned and notify:
        body = f"请于{due_on.year}年{due_on.month}月{due_on.day}日前阅读并在线签署《{template.title}》。"
        db.session.execute(sa.insert(Notification).from_select(
            ["kind", "title", "body", "link", "person_id", "created_at"],
            sa.select(sa.literal("pledge_assigned"), sa.literal(f"待签署承诺：{template.title}"[:200]),
                      sa.literal(body), _sign_link_sql(), Pledge.person_id,
                      sa.literal(now, UTCDateTime())).where(Pledge.batch == batch)))
    changed(db.session.execute(sa.select(Pledge.person_id).where(Pledge.batch == batch)).scalars(), PLEDGE)
    single = None
    if assigned == 1 and asked == 1:
        single = db.session.execute(sa.select(Pledge.person_id).where(Pledge.batch == batch)).scalar_one()
    record_event("pledge_assign", template,
                 f"分配《{template.title}》第{template.version}版：已分配 {assigned} 人，跳过 {asked - assigned} 人，"
                 f"截止 {due_on.isoformat()}", person_id=single)
    return AssignResult(assigned, asked - assigned, batch if assigned else None)


def auto_assign_pre_appointment(person: Person) -> AssignResult | None:
    """Registry hook (registration, appointment to a new post): assign the current
    pre-appointment template unless the person already holds one for this post."""
    template = latest_published(PledgeKind.PRE_APPOINTMENT)
    if template is None or person is None or person.id is None:
        return None
    db.session.flush()
    return assign(template, [person.id])


# ---- signing ----------------------------------------------------------------------------

def _require_own(pledge: Pledge | None, user) -> Pledge:
    if pledge is None or not getattr(user, "person_id", None) or pledge.person_id != user.person_id:
        raise NotFound(_("承诺书不存在"))
    return pledge


def open_pledge(pledge: Pledge, user) -> Pledge:
    """The person opened the signing page: the first opening is an audit event (a GET
    writes no business row), copied onto the pledge as ``opened_at`` when it is signed."""
    _require_own(pledge, user)
    if pledge.status is PledgeStatus.ASSIGNED and first_opened_at(pledge) is None:
        record_event("pledge_open", pledge, f"本人打开《{pledge.template.title}》")
    return pledge


def sign_pledge(pledge: Pledge, user, *, password: str, typed_name: str, agree: bool, ip: str | None,
                user_agent: str | None, text_sha256_seen: str | None = None,
                reauthenticated: bool = False) -> Pledge:
    """The person signs their own pledge (anyone else: 404). Re-entered password, typed
    full name equal to the person's name, agreement ticked (422 with the fields otherwise);
    a signed or cancelled pledge is refused (409). Stores the exact text (by its SHA-256),
    time, IP and user agent; from then on the pledge's evidence never changes.
    ``reauthenticated``: the caller (the web view of an SSO session only) saw a fresh
    re-authentication at the identity provider; then no password is asked. The audit event
    names the method used."""
    _require_own(pledge, user)
    if pledge.status is PledgeStatus.SIGNED:
        raise Conflict("already_signed", _("该承诺书已签署，不能重复签署"))
    if pledge.status is not PledgeStatus.ASSIGNED:
        raise Conflict("illegal_state", _("该承诺书已撤销，无需签署"))
    fields = {}
    if reauthenticated is True:
        pass
    elif user.locked_until is not None and user.locked_until > clock.utcnow():
        fields["password"] = _("密码错误次数过多，账户已临时锁定，请稍后再试")  # noqa: S105 - a message
    elif not password:
        fields["password"] = _("请输入登录密码")  # noqa: S105 - a message
    elif not verify_password(user.password_hash, password):
        fields["password"] = WRONG_PASSWORD
    name = (typed_name or "").strip()
    if not name:
        fields["typed_name"] = _("请输入您的完整姓名")
    elif name != pledge.person.name:
        fields["typed_name"] = _("签名须与您登记的姓名完全一致")
    if agree is not True:
        fields["agree"] = _("请勾选“我已阅读并承诺遵守”")
    if fields:
        raise ValidationFailed(fields, message=_("签署未完成，请检查标注的字段"))
    text = pledge.template.text
    digest = text_sha256(text)
    if text_sha256_seen and text_sha256_seen != digest:
        raise Conflict("text_changed", _("承诺内容与您阅读的版本不一致，请刷新后重新阅读"))
    if db.session.get(PledgeText, digest) is None:
        db.session.add(PledgeText(sha256=digest, text=text))
    now = clock.utcnow()
    pledge.opened_at = first_opened_at(pledge)
    pledge.status = PledgeStatus.SIGNED
    pledge.signed_at, pledge.signed_on = now, clock.local_date(now)
    pledge.sha256, pledge.typed_name = digest, name
    pledge.ip, pledge.user_agent = (ip or "")[:45] or None, (user_agent or "")[:500] or None
    db.session.flush()
    method = "统一身份认证重新验证" if reauthenticated is True else "密码"
    record_event("pledge_sign", pledge, f"签署《{pledge.template.title}》 SHA-256 {digest[:16]}…（身份确认：{method}）")
    changed([pledge.person_id], PLEDGE)
    for hook in PLEDGE_SIGNED:
        hook(pledge)
    return pledge


def note_failed_signature(pledge: Pledge, user) -> None:
    """A wrong password while signing counts like a failed login (lockout) and is audited.
    Called by the views after the failed attempt was rolled back; they commit it."""
    cfg = current_app.config
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = clock.utcnow() + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
    record_event("pledge_sign_failed", pledge, "签署承诺时密码错误", outcome="failure")


# ---- after signing ----------------------------------------------------------------------

def _require_signed(pledge: Pledge, message: str) -> None:
    if pledge.status is not PledgeStatus.SIGNED:
        raise Conflict("illegal_state", message)


def publish_pledge(pledge: Pledge) -> Pledge:
    """Show a signed pledge on the public page (承诺公示)."""
    _require_signed(pledge, "只有已签署的承诺可以公示")
    if not pledge.published:
        pledge.published, pledge.published_at = True, clock.utcnow()
        db.session.flush()
        record_event("pledge_publish", pledge, f"公示《{pledge.template.title}》")
        changed([pledge.person_id], PLEDGE)
    return pledge


def unpublish_pledge(pledge: Pledge) -> Pledge:
    if pledge.published:
        pledge.published = False
        db.session.flush()
        record_event("pledge_unpublish", pledge, f"取消公示《{pledge.template.title}》")
        changed([pledge.person_id], PLEDGE)
    return pledge


def cancel_pledge(pledge: Pledge, reason: str) -> Pledge:
    """Withdraw an unsigned assignment (assigned by mistake); a signed pledge stays."""
    if pledge.status is not PledgeStatus.ASSIGNED:
        raise Conflict("illegal_state", _("只有待签署的承诺可以撤销"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("请填写撤销原因")})
    pledge.status, pledge.cancelled_at, pledge.cancel_reason = PledgeStatus.CANCELLED, clock.utcnow(), reason[:500]
    db.session.flush()
    record_event("pledge_cancel", pledge, f"撤销《{pledge.template.title}》：{reason}"[:500])
    changed([pledge.person_id], PLEDGE)
    return pledge


def record_fulfilment(pledge: Pledge, *, period: str, kept: bool, facts: str | None, recorded_by=None,
                      decided_on: date | None = None) -> PledgeFulfilment:
    """践诺: kept (履行) or not (未履行) for ``period`` ("2026", "2026-上半年", "2026-03" ...).
    Not kept needs the facts and creates a draft 承诺未履行 record in the file."""
    _require_signed(pledge, "尚未签署的承诺不能记录践诺情况")
    period = (period or "").strip()
    facts = (facts or "").strip() or None
    fields = {}
    if not PERIOD_RE.match(period):
        fields["period"] = _("期间格式须为 2026、2026-上半年、2026-一季度 或 2026-03")
    if kept is not True and kept is not False:
        fields["kept"] = _("请选择履行情况")
    elif not kept and not facts:
        fields["facts"] = _("未履行时须填写事实情况")
    if facts and len(facts) > FACTS_MAX:
        fields["facts"] = _("事实情况不能超过 %(FACTS_MAX)s 个字符", FACTS_MAX=FACTS_MAX)
    if fields:
        raise ValidationFailed(fields)
    exists = db.session.execute(sa.select(PledgeFulfilment.id).filter_by(pledge_id=pledge.id, period=period)).first()
    if exists:
        raise Conflict("duplicate", _("%(period)s 的践诺情况已记录", period=period), {"period": _("该期间已记录")})
    f = PledgeFulfilment(pledge_id=pledge.id, person_id=pledge.person_id, period=period, kept=kept, facts=facts,
                         recorded_by_id=getattr(recorded_by, "id", None))
    db.session.add(f)
    db.session.flush()
    if not kept:
        assert facts is not None            # not kept needs the facts (refused above otherwise)
        f.record_id = _breach_record(pledge, period, facts, recorded_by, decided_on or clock.today()).id
        db.session.flush()
    record_event("pledge_fulfilment", f, f"《{pledge.template.title}》{period}：{'履行' if kept else '未履行'}")
    changed([pledge.person_id], PLEDGE)
    return f


def _breach_record(pledge: Pledge, period: str, facts: str, recorded_by, decided_on: date):
    from archive.enums import Category, Sanction, Severity
    from archive.file.services import record_misconduct
    dept = getattr(recorded_by, "department", None) or pledge.person.department
    return record_misconduct(pledge.person, category=Category.PLEDGE_BREACH, sanction=Sanction.NONE,
                             severity=Severity.GENERAL, decided_on=decided_on, authority=dept.name,
                             facts=f"{facts}（《{pledge.template.title}》{period}未履行）", source=f"pledge:{pledge.id}",
                             by=recorded_by)


