"""Activation codes: HR hands out single-use codes, a person activates their own account.

- ``create_batch``: one code per active person of a department subtree (or chosen people)
  who has no enabled account; older live codes of those people are revoked. A code goes by
  e-mail or SMS when that is configured and the person has the address, else on a slip.
- codes are never stored: ``code_for`` derives each from the hash key, the batch salt and the
  row id; the row keeps the keyed hash only (a database copy alone reveals no code).
- ``activate``: id number + name + code, one answer for every mismatch; wrong answers for a
  person count towards a lockout (ACTIVATION_MAX_FAILURES in ACTIVATION_LOCK_MINUTES).
- ``person_left``: a person who leaves loses their account at once (sessions and tokens too).

Services flush, never commit.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock, crypto
from core.accounts import delivery
from core.accounts.models import ActivationBatch, ActivationCode, ApiToken, User
from core.accounts.passwords import DUMMY_HASH, hash_password, policy_problems, verify_password
from core.accounts.rules import code_from_digest, display_code, normalise_code, normalise_name, person_has_left
from core.audit.services import record_event
from core.enums import PersonStatus
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.registry.models import Department, Person
from core.registry.services import id_lookup_hash

ACTIVATION_FAILED = _l("身份信息或激活码不正确，或激活码已失效。请核对后重试，或联系所在单位人事部门。")


def activation_failed() -> DomainError:
    return DomainError("activation_failed", str(ACTIVATION_FAILED), status=422)


# ---- codes -------------------------------------------------------------------------------------

def code_for(batch: ActivationBatch, row_id: int) -> str:
    return code_from_digest(crypto.keyed_hash(f"activation-code:{batch.salt}:{row_id}"))


def code_hash(code: str) -> str:
    return crypto.keyed_hash(f"activation:{normalise_code(code)}")


def activation_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/activate"


def _live(q):
    now = clock.utcnow()
    return q.where(ActivationCode.used_at.is_(None), ActivationCode.revoked_at.is_(None),
                   ActivationCode.expires_at > now)


# ---- batches -----------------------------------------------------------------------------------

@dataclass
class BatchResult:
    batch: ActivationBatch
    codes: list[tuple[ActivationCode, str]]     # the row and its code (never stored)


def _enabled_account_people(person_ids) -> set[int]:
    if not person_ids:
        return set()
    return set(db.session.execute(db.select(User.person_id).where(
        User.person_id.in_(person_ids), User.is_enabled.is_(True))).scalars())


def create_batch(*, actor, department: Department | None = None, person_ids: list[int] | None = None,
                 in_scope=None) -> BatchResult:
    """Codes for the active people of ``department``'s subtree or of ``person_ids``.

    ``in_scope(select)`` narrows a select of Person to the actor's scope (None: the operator)."""
    if department is None and not person_ids:
        raise ValidationFailed({"department_id": _("请选择单位或人员")})
    q = db.select(Person)
    if department is not None:
        q = q.where(Person.department_path.startswith(department.path, autoescape=True))
    if person_ids:
        q = q.where(Person.id.in_(person_ids))
    if in_scope is not None:
        q = in_scope(q)
    people = db.session.execute(q.order_by(Person.department_path, Person.name, Person.id)).scalars().all()
    if person_ids and len(people) != len(set(person_ids)):
        raise NotFound()                 # someone out of scope or unknown: say nothing about them
    have_account = _enabled_account_people([p.id for p in people])
    wanted = [p for p in people if p.status == PersonStatus.ACTIVE and p.id not in have_account]
    now = clock.utcnow()
    batch = ActivationBatch(created_by_id=getattr(actor, "id", None),
                            department_id=department.id if department is not None else getattr(actor, "department_id", None),
                            salt=secrets.token_hex(16),
                            expires_at=now + timedelta(days=current_app.config["ACTIVATION_DAYS"]),
                            created=len(wanted), skipped=len(people) - len(wanted))
    db.session.add(batch)
    db.session.flush()
    if wanted:
        _revoke_live_codes([p.id for p in wanted])
    codes = []
    for person in wanted:
        row = ActivationCode(batch_id=batch.id, person_id=person.id, expires_at=batch.expires_at)
        db.session.add(row)
        db.session.flush()
        code = code_for(batch, row.id)
        row.code_hash = code_hash(code)
        row.delivered_via = _deliver_code(person, code, batch)
        codes.append((row, code))
    batch.sent_email = sum(1 for r, _c in codes if r.delivered_via == "email")
    batch.sent_sms = sum(1 for r, _c in codes if r.delivered_via == "sms")
    record_event("activation_batch", batch, f"激活码 {batch.created} 个，跳过 {batch.skipped} 人"
                 + (f"，单位 {department.name}" if department is not None else ""))
    db.session.flush()
    return BatchResult(batch, codes)


def _revoke_live_codes(person_ids) -> None:
    rows = db.session.execute(_live(db.select(ActivationCode).where(ActivationCode.person_id.in_(person_ids)))
                              ).scalars().all()
    for row in rows:
        row.revoked_at = clock.utcnow()


def _deliver_code(person: Person, code: str, batch: ActivationBatch) -> str:
    expiry = clock.local_date(batch.expires_at).isoformat()
    text = _("%(name)s：您的诚信档案系统激活码为 %(code)s，%(expiry)s 前有效。请访问 %(url)s 激活账户。"
             "激活码仅限本人使用，请勿转告他人。", name=person.name, code=display_code(code), expiry=expiry,
             url=activation_url())
    email: str | None = getattr(person, "email", None)
    if delivery.email_configured() and email:
        if delivery.send_email(email, _("诚信档案系统账户激活码"), text):
            return "email"
    if delivery.sms_configured() and person.phone:
        if delivery.send_sms(person.phone, text):
            return "sms"
    return "slip"


def batches_in_scope(user):
    """The batches an HR officer may see: those of a department in their subtree."""
    from core.accounts.permissions import department_scope_clause
    return (db.select(ActivationBatch).join(Department, Department.id == ActivationBatch.department_id)
            .where(department_scope_clause(user)).order_by(ActivationBatch.id.desc()))


def batch_for(user, batch_id: int) -> ActivationBatch:
    """One batch in the user's scope, or 404 (the operator's CLI passes user None)."""
    if user is None:
        batch = db.session.get(ActivationBatch, batch_id)
    else:
        batch = db.session.execute(batches_in_scope(user).where(ActivationBatch.id == batch_id)).scalars().first()
    if batch is None:
        raise NotFound()
    return batch


def slips(batch: ActivationBatch) -> list[dict]:
    """The live codes of a batch that go on paper (not those sent by e-mail or SMS)."""
    rows = db.session.execute(_live(db.select(ActivationCode).where(
        ActivationCode.batch_id == batch.id, ActivationCode.delivered_via == "slip"))
        .order_by(ActivationCode.id)).scalars().all()
    url = activation_url()
    return [{"name": r.person.name, "department": r.person.department.name, "code": display_code(code_for(batch, r.id)),
             "expires": clock.local_date(r.expires_at).isoformat(), "url": url} for r in rows]


def slips_pdf(batch: ActivationBatch) -> bytes:
    from core.pdf import render_pdf
    record_event("activation_slips", batch, "打印激活码")
    return render_pdf("pdf/activation_slips.html", stylesheet="pdf/activation_slips.css", slips=slips(batch),
                      batch=batch)


# ---- activation --------------------------------------------------------------------------------

def _count_failure(rows: Sequence[ActivationCode]) -> None:
    cfg = current_app.config
    until = clock.utcnow() + timedelta(minutes=cfg["ACTIVATION_LOCK_MINUTES"])
    for row in rows:
        row.failures = (row.failures or 0) + 1
        if row.failures >= cfg["ACTIVATION_MAX_FAILURES"]:
            row.locked_until, row.failures = until, 0


def _fail(summary: str, person: Person | None = None) -> DomainError:
    record_event("activation_failed", person, summary, outcome="failure", actor=None)
    db.session.commit()            # the failure and its count survive the refusal
    return activation_failed()


def activate(*, id_number: str, name: str, code: str, username: str, password: str) -> User:
    """A person activates their own servant account. Every mismatch gets the same answer."""
    verify_password(DUMMY_HASH, code or "")         # every attempt costs the same (no timing oracle)
    digest = id_lookup_hash(id_number or "")
    person = db.session.execute(db.select(Person).filter_by(id_hash=digest)).scalar_one_or_none() if digest else None
    if person is None:
        raise _fail("unknown id number")
    live = db.session.execute(_live(db.select(ActivationCode).where(ActivationCode.person_id == person.id))
                              ).scalars().all()
    now = clock.utcnow()
    if any(r.locked_until and r.locked_until > now for r in live):
        raise _fail("locked", person)
    wanted = code_hash(code or "")
    match = next((r for r in live if r.code_hash and hmac.compare_digest(r.code_hash, wanted)), None)
    name_ok = normalise_name(name) == normalise_name(person.name)
    if match is None or not name_ok or person.status != PersonStatus.ACTIVE:
        _count_failure(live)
        raise _fail("wrong code" if match is None else ("wrong name" if not name_ok else "person not active"),
                    person)
    existing = db.session.execute(db.select(User).where(User.person_id == person.id)).scalars().first()
    if existing is not None and existing.is_enabled:
        _count_failure(live)
        raise _fail("account exists", person)
    user = _create_or_reactivate(person, existing, username, password)
    match.used_at, match.user_id = now, user.id
    for row in live:
        if row is not match:
            row.revoked_at = now
    record_event("account_activated", user, f"{person.name} 激活账户 {user.username}", actor=user)
    tell_person_activated(person, user)
    db.session.flush()
    return user


def _create_or_reactivate(person: Person, existing: User | None, username: str, password: str) -> User:
    username = (username or "").strip()
    fields = {}
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum() \
            or not username.isascii():
        fields["username"] = _("用户名只能包含字母、数字、下划线和点")
    else:
        taken = db.session.execute(db.select(User.id).where(User.username == username)).scalar()
        if taken is not None and (existing is None or taken != existing.id):
            fields["username"] = _("该用户名已存在")
    problems = policy_problems(password or "", username)
    if problems:
        fields["password"] = "；".join(problems)
    if fields:
        raise ValidationFailed(fields)
    if existing is None:
        from core.accounts.services import create_user
        user = create_user(username=username, display_name=person.name, roles=("servant",), password=password,
                           person_id=person.id, email=person.email,
                           one_time=False)      # the person chose this password themselves
        return user
    # re-activation (back after a transfer): the same account and its file, servant rights only
    from core.accounts.auth import end_session
    if existing.display_name != person.name:
        from core.changes import SHARED, changed
        changed(None, SHARED)       # files show user names
    existing.username, existing.display_name = username, person.name
    existing.password_hash, existing.password_changed_at = hash_password(password), clock.utcnow()
    existing.set_roles(("servant",))
    existing.is_enabled = True
    existing.failed_logins, existing.locked_until = 0, None
    existing.must_change_password = False       # the person chose this password themselves
    end_session(existing, "re-activated")
    record_event("user_update", existing, "重新激活（角色：servant）", actor=existing)
    return existing


def tell_person_activated(person: Person, user: User) -> None:
    """Every contact on file hears of it: an attacker who activates someone else is noticed."""
    from core.notify.services import notify
    when = clock.now().strftime("%Y-%m-%d %H:%M")
    text = _("%(name)s：您的诚信档案系统账户（用户名 %(username)s）已于 %(when)s 激活。"
             "如非本人操作，请立即联系所在单位人事部门。", name=person.name, username=user.username, when=when)
    notify(kind="account_activated", title=_("账户已激活"), body=text, user=user)
    email: str | None = getattr(person, "email", None)
    if email:
        delivery.send_email(email, _("诚信档案系统账户已激活"), text)
    if person.phone:
        delivery.send_sms(person.phone, text)


# ---- lifecycle ---------------------------------------------------------------------------------

def person_left(person: Person) -> int:
    """A person transferred out, retired, resigned or was dismissed: their account is disabled
    now, every session and API token ended, their live codes revoked. Returns accounts disabled."""
    if not person_has_left(person.status.value):
        return 0
    from core.accounts.auth import end_session
    users = db.session.execute(db.select(User).where(User.person_id == person.id, User.is_enabled.is_(True))
                               ).scalars().all()
    now = clock.utcnow()
    for user in users:
        user.is_enabled = False
        end_session(user, f"person {person.status.value}")
        for token in db.session.execute(db.select(ApiToken).where(ApiToken.user_id == user.id,
                                                                  ApiToken.revoked_at.is_(None))).scalars():
            token.revoked_at = now
        record_event("user_disable", user, f"人员状态改为 {person.status.zh}：账户停用，会话和令牌失效")
    _revoke_live_codes([person.id])
    db.session.flush()
    return len(users)


def people_who_can_sign_in() -> int:
    """Active people with an enabled account (the report of the demo)."""
    return db.session.execute(db.select(sa.func.count(sa.distinct(User.person_id))).join(
        Person, Person.id == User.person_id).where(User.is_enabled.is_(True),
                                                    Person.status == PersonStatus.ACTIVE)).scalar_one()


def demo_activation_text() -> str:
    """`flask demo accounts`: one fresh activation code for a demo person without an account,
    so a new user can try /activate (the earlier demo code of that person is revoked)."""
    has_account = db.select(User.person_id).where(User.person_id.is_not(None))
    person = db.session.execute(db.select(Person).where(Person.status == PersonStatus.ACTIVE,
                                                        Person.id.not_in(has_account))
                                .order_by(Person.id).limit(1)).scalar_one_or_none()
    active = db.session.execute(db.select(sa.func.count()).select_from(Person)
                                .where(Person.status == PersonStatus.ACTIVE)).scalar_one()
    lines = [f"People who can sign in: {people_who_can_sign_in()} of {active} active people have an account; "
             f"with activation codes (or SSO) all {active} can."]
    if person is None:
        return "\n".join(lines)
    result = create_batch(actor=None, person_ids=[person.id])
    code = result.codes[0][1]
    lines += ["Try account activation at " + activation_url() + " with:",
              f"  公民身份号码 {crypto.decrypt(person.id_cipher)}   姓名 {person.name}   激活码 {display_code(code)}"
              f"   (valid until {clock.local_date(result.batch.expires_at).isoformat()})"]
    return "\n".join(lines)
