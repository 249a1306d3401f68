"""Domain acts on pledges (docs/rules.md §5). They check, change state, flush and audit; never commit.

This module holds signing and what follows it, and re-exports the acts of the modules that
define them: ``templates`` (template versions), ``assignment`` (assigning a template to people),
``queries``, ``summary``, ``reminders``, ``printing`` and ``common``.

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
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from archive.pledges.assignment import (  # noqa: F401 - re-exported: assigning templates to people
    AssignResult,
    assign,
    assign_preview,
    auto_assign_pre_appointment,
)
from archive.pledges.common import (  # noqa: F401 - re-exported
    FACTS_MAX,
    due_days,
    my_pledges_link,
    sign_link_parts,
    text_sha256,
)
from archive.pledges.models import Pledge, PledgeFulfilment, PledgeStatus, PledgeText
from archive.pledges.printing import first_opened_at, print_pledge, timeline  # noqa: F401 - re-exported
from archive.pledges.queries import (  # noqa: F401 - re-exported: the reading API for coverage, repair, file
    has_valid_pre_appointment_pledge,
    people_with_valid_pledge_select,
    signed_pledge_dates,
    valid_pre_appointment_pledge_clause,
)
from archive.pledges.reminders import send_reminders  # noqa: F401 - re-exported
from archive.pledges.summary import file_section, pledge_json, pledges_for_person, todo_items  # noqa: F401 - re-exported
from archive.pledges.templates import (  # noqa: F401 - re-exported: template versions
    create_template,
    draft_of,
    edit_template,
    latest_published,
    new_version,
    publish_template,
    retire_template,
    update_draft,
    versions_of,
)
from core import clock, wiring
from core.accounts.passwords import verify_password
from core.audit.services import record_event
from core.changes import PLEDGE, changed
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db

#: Called with the pledge after it is signed (coverage keeps its per-person facts fresh).
PLEDGE_SIGNED: list[Callable] = wiring.hooks(wiring.PLEDGE_SIGNED)   # core.wiring


WRONG_PASSWORD = "密码不正确"  # noqa: S105 - the message of a wrong password (counts toward the lockout)
PERIOD_RE = re.compile(r"^(19|20)\d{2}(-(上半年|下半年|[一二三四]季度|0[1-9]|1[0-2]))?$")


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
