"""Reviews (考察评审, docs/rules.md §8): create, edit, close; who may see a review; verdicts per candidate.

Plain functions: they check rules, change state, flush and record audit events; they never
commit and never touch the request. Callers load candidates through the person scope
(``require_person(id, manage=True)``) before handing them over.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _

from archive.enums import IntegrityStatus, ReviewPurpose, Verdict
from archive.reviews.models import Review, ReviewCandidate, ReviewMember
from core import clock
from core.accounts.models import User, UserRole
from core.audit.services import record_event
from core.enums import Role
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.registry.models import Person
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.file.loader import FileData

NAME_MAX = 200
MAX_CANDIDATES = 2000



# ---- who may see what -------------------------------------------------------------------

def _hr_path(user) -> str | None:
    if not user.has_role("hr") or user.department is None:
        return None
    return user.department.path


def can_manage_review(user, review: Review) -> bool:
    """HR of the review's department subtree (the creator's department or above)."""
    path = _hr_path(user)
    return bool(path and review.department_path.startswith(path))


def is_member(user, review: Review) -> bool:
    return user.has_role("committee") and any(m.user_id == user.id for m in review.members)


def can_view_review(user, review: Review, today: date | None = None) -> bool:
    if can_manage_review(user, review):
        return True
    return is_member(user, review) and review.is_open(today or clock.today())


def visible_reviews(user, *, today: date | None = None, open_only: bool = False):
    """SELECT of the reviews ``user`` may see (HR: its subtree; committee: open reviews it sits on)."""
    today = today or clock.today()
    conditions = []
    path = _hr_path(user)
    if path:
        hr = Review.department_path.startswith(path, autoescape=True)
        conditions.append(sa.and_(hr, Review.open_clause(today)) if open_only else hr)
    if user.has_role("committee"):
        conditions.append(sa.and_(Review.open_clause(today), Review.id.in_(
            sa.select(ReviewMember.review_id).where(ReviewMember.user_id == user.id))))
    return db.select(Review).where(sa.or_(*conditions) if conditions else sa.false())


def get_review(user, review_id, *, manage: bool = False) -> Review:
    """A review ``user`` may see (``manage``: may change), else 404."""
    from core.safe_args import safe_int
    rid = safe_int(review_id)
    if rid is None:
        raise NotFound(_("考察评审不存在"))
    review = db.session.get(Review, rid)
    if review is None:
        raise NotFound(_("考察评审不存在"))
    allowed = can_manage_review(user, review) if manage else can_view_review(user, review)
    if not allowed:
        raise NotFound(_("考察评审不存在"))
    return review


def candidate_of(review: Review, person_id: int) -> ReviewCandidate | None:
    return next((c for c in review.candidates if c.person_id == person_id), None)


# ---- committee members ------------------------------------------------------------------

def committee_users():
    """SELECT of enabled accounts holding the committee role (who may sit on a review)."""
    return (db.select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COMMITTEE, User.is_enabled.is_(True)).order_by(User.display_name, User.id))


def load_members(user_ids: Iterable[int], field_name: str = "member_ids") -> list[User]:
    """Committee accounts by id; any id that is not an enabled committee account is a field error."""
    ids = list(dict.fromkeys(int(i) for i in user_ids))
    if not ids:
        return []
    users = db.session.execute(committee_users().where(User.id.in_(ids))).scalars().all()
    found = {u.id for u in users}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed({field_name: _("评审委员须为具有考察评审角色的有效账户：") + "、".join(map(str, missing))})
    by_id = {u.id: u for u in users}
    return [by_id[i] for i in ids]


# ---- acts ---------------------------------------------------------------------------------

def _check(name: str, closes_on: date | None, today: date, *, creating: bool) -> dict:
    fields = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = _("请填写评审名称")
    elif len(name) > NAME_MAX:
        fields["name"] = _("长度不能超过 %(NAME_MAX)s 个字符", NAME_MAX=NAME_MAX)
    if closes_on is None:
        fields["closes_on"] = _("请填写截止日期")
    elif closes_on < today and creating:
        fields["closes_on"] = _("截止日期不得早于今天")
    return fields


def create_review(*, name: str, purpose: ReviewPurpose | str, closes_on: date, candidates: Iterable,
                  members: Iterable[User], created_by: User, today: date | None = None) -> Review:
    today = today or clock.today()
    fields = _check(name, closes_on, today, creating=True)
    candidates, members = list(dict.fromkeys(candidates)), list(dict.fromkeys(members))
    if len(candidates) > MAX_CANDIDATES:
        fields["candidate_ids"] = _("候选人不能超过 %(MAX_CANDIDATES)s 人", MAX_CANDIDATES=MAX_CANDIDATES)
    if created_by.department is None:
        fields["name"] = _("创建人未关联单位")
    if fields:
        raise ValidationFailed(fields)
    review = Review(name=name.strip(), purpose=ReviewPurpose(purpose), closes_on=closes_on,
                    department_id=created_by.department.id, department_path=created_by.department.path,
                    created_by_id=created_by.id)
    db.session.add(review)
    review.candidates = [ReviewCandidate(person_id=p.id, added_by_id=created_by.id) for p in candidates]
    review.members = [ReviewMember(user_id=u.id) for u in members]
    db.session.flush()
    record_event("review_create", review, f"新建考察评审「{review.name}」（{review.purpose.zh}），"
                                         f"候选人 {len(candidates)} 人，评审委员 {len(members)} 人")
    _invite(review, members)
    return review


def update_review(review: Review, *, name: str, purpose, closes_on: date, members: Iterable[User] | None = None,
                  version: int | None = None, today: date | None = None) -> Review:
    today = today or clock.today()
    if version is not None and version != review.version:
        raise Conflict("stale_version", _("该考察评审已被他人修改，请刷新后重试"))
    if review.closed_at is not None:
        raise Conflict("illegal_state", _("考察评审已结束，不能修改"))
    fields = _check(name, closes_on, today, creating=False)
    if closes_on is not None and closes_on < today and closes_on != review.closes_on:
        fields["closes_on"] = _("截止日期不得早于今天（结束评审请使用“结束评审”）")
    if fields:
        raise ValidationFailed(fields)
    changes = []
    if review.name != name.strip():
        changes.append(f"名称 {review.name} → {name.strip()}")
        review.name = name.strip()
    if review.purpose != ReviewPurpose(purpose):
        changes.append(f"用途 {review.purpose.zh} → {ReviewPurpose(purpose).zh}")
        review.purpose = ReviewPurpose(purpose)
    if review.closes_on != closes_on:
        changes.append(f"截止日期 {review.closes_on.isoformat()} → {closes_on.isoformat()}")
        review.closes_on = closes_on
    invited: list[User] = []
    if members is not None:
        wanted = {u.id: u for u in members}
        have = {m.user_id for m in review.members}
        removed = [m for m in review.members if m.user_id not in wanted]
        for m in removed:
            review.members.remove(m)
        invited = [u for uid, u in wanted.items() if uid not in have]
        review.members.extend(ReviewMember(user_id=u.id) for u in invited)
        if removed or invited:
            changes.append(f"评审委员 +{len(invited)} -{len(removed)}")
    db.session.flush()
    if changes:
        record_event("review_update", review, "；".join(changes))
    _invite(review, invited)
    return review


def add_candidates(review: Review, people: Iterable, *, by: User) -> int:
    if review.closed_at is not None:
        raise Conflict("illegal_state", _("考察评审已结束，不能添加候选人"))
    have = {c.person_id for c in review.candidates}
    new = [p for p in dict.fromkeys(people) if p.id not in have]
    if len(have) + len(new) > MAX_CANDIDATES:
        raise ValidationFailed({"candidate_ids": _("候选人不能超过 %(MAX_CANDIDATES)s 人", MAX_CANDIDATES=MAX_CANDIDATES)})
    review.candidates.extend(ReviewCandidate(person_id=p.id, added_by_id=by.id) for p in new)
    db.session.flush()
    if new:
        record_event("review_candidates_add", review,
                     f"添加候选人 {len(new)} 人：" + "、".join(p.name for p in new[:20]) + ("等" if len(new) > 20 else ""))
    return len(new)


def remove_candidate(review: Review, person) -> None:
    if review.closed_at is not None:
        raise Conflict("illegal_state", _("考察评审已结束，不能移除候选人"))
    cand = candidate_of(review, person.id)
    if cand is None:
        raise NotFound(_("该人员不是本次评审的候选人"))
    review.candidates.remove(cand)
    db.session.flush()
    record_event("review_candidate_remove", review, f"移除候选人 {person.name}", person_id=person.id)


def set_candidates(review: Review, people: Iterable, *, by: User) -> None:
    """Make the candidate list exactly ``people`` (API PATCH)."""
    people = list(dict.fromkeys(people))
    wanted = {p.id for p in people}
    for cand in [c for c in review.candidates if c.person_id not in wanted]:
        remove_candidate(review, cand.person)
    add_candidates(review, people, by=by)


def close_review(review: Review, *, by: User) -> Review:
    if review.closed_at is not None:
        raise Conflict("illegal_state", _("考察评审已经结束"))
    review.closed_at = clock.utcnow()
    review.closed_by_id = by.id
    db.session.flush()
    record_event("review_close", review, f"结束考察评审「{review.name}」，评审委员的查阅权限随之终止")
    return review


def _invite(review: Review, members: Iterable[User]) -> None:
    from core.notify.services import notify
    for user in members:
        notify(kind="review_invitation", title=f"您被邀请参加考察评审「{review.name}」",
               body=f"用途：{review.purpose.zh}；截止日期：{review.closes_on.isoformat()}。截止后查阅权限自动终止。",
               link=f"/reviews/{review.id}", user=user)


# ---- verdicts -------------------------------------------------------------------------------

@dataclass
class Assessment:
    """A candidate's integrity status and eligibility verdict for a review's purpose."""
    person: Person
    status: IntegrityStatus
    verdict: Verdict
    reasons: list[Text] = field(default_factory=list)
    file: FileData | None = None      # the whole file, when it was loaded (printing)


def rule_settings():
    from archive.file.services import rule_settings as settings
    return settings()


def load_file(person, as_of: date):
    """The whole integrity file (archive.file.services.FileData) at ``as_of``, without drafts (HR's
    work in progress is neither shown to committees nor printed)."""
    from archive.file.services import load_file as load
    return load(person, as_of=as_of, include_drafts=False)


def assess(person, purpose: ReviewPurpose, as_of: date | None = None, *, data=None) -> Assessment:
    """Integrity status and verdict (符合 / 不符合 with reasons / 需关注 with notes), docs/rules.md §8 with §4.7,
    from the whole file (``data``: a FileData, loaded when not given; kept for printing).

    The notes of the rules (repaired, exempted, recently expired records, records under
    objection, weak appraisals...) are joined by pending objections the record status does not
    show yet; any note turns 符合 into 需关注."""
    as_of = as_of or clock.today()
    data = data if data is not None else load_file(person, as_of)
    pending = [(o, r) for o in data.objections if o.status.value == "pending"
               for r in data.records if r.id == o.record_id]
    return _assessment(person, purpose, as_of, data.facts, data.evaluation, data.settings, pending, data)


def _assessment(person, purpose, as_of: date, facts, evaluation, settings, pending, data=None) -> Assessment:
    from archive.rules import verdict
    result, reasons = verdict(ReviewPurpose(purpose), evaluation, facts, as_of, settings)
    reasons = list(reasons) + [n for n in _objection_notes(pending, evaluation) if n not in reasons]
    if reasons and result is Verdict.ELIGIBLE:
        result = Verdict.ATTENTION
    return Assessment(person, evaluation.status, result, reasons, data)


def _objection_notes(pending, evaluation) -> list[Text]:
    """Pending objections ``(objection, record)`` whose record does not read 异议处理中 at the date
    (the rules note those already)."""
    from archive.enums import RecordStatus
    from archive.reviews.sections import record_kind
    return [N_("%(record)s（%(day)s决定）有待处理的异议", record=record_kind(r), day=r.decided_on) for _o, r in pending
            if evaluation.record_status.get(r.id, r.status) is not RecordStatus.UNDER_OBJECTION]


def visible_candidates(user, review: Review) -> list:
    """The candidates ``user`` may see now (HR: those still in its scope; a member: all, while the
    review is open), ordered by department and name (the order of the page, export and print)."""
    from core.accounts.permissions import person_scope_clause
    ids = [c.person_id for c in review.candidates]
    if not ids:
        return []
    return list(db.session.execute(db.select(Person).where(Person.id.in_(ids), person_scope_clause(user))
                                   .order_by(Person.department_path, Person.name, Person.id)).scalars())


def assess_review(review: Review, user, as_of: date | None = None) -> list[Assessment]:
    """Status and verdict of every candidate ``user`` may see, in a fixed number of queries
    (archive.file.services.facts_of_people + one for pending objections), whatever the size."""
    from archive.file.models import Objection, ObjectionStatus, Record
    from archive.file.services import facts_of_people
    from archive.rules import evaluate
    as_of = as_of or clock.today()
    people = visible_candidates(user, review)
    ids = [p.id for p in people]
    facts, settings = facts_of_people(ids), rule_settings()
    pending: dict[int, list] = {}
    for chunk in range(0, len(ids), 1000):
        for obj, rec in db.session.execute(
                db.select(Objection, Record).join(Record, Record.id == Objection.record_id).where(
                    Objection.person_id.in_(ids[chunk:chunk + 1000]), Objection.status == ObjectionStatus.PENDING)):
            pending.setdefault(obj.person_id, []).append((obj, rec))
    out = []
    for p in people:
        evaluation = evaluate(facts[p.id], as_of, settings)
        out.append(_assessment(p, review.purpose, as_of, facts[p.id], evaluation, settings, pending.get(p.id, [])))
    return out


def assessment_json(a: Assessment) -> dict:
    p = a.person
    return {"person_id": p.id, "name": p.name, "department": p.department.name, "post": p.post,
            "integrity_status": a.status.value, "verdict": a.verdict.value, "reasons": list(a.reasons)}


def review_json(review: Review, *, user=None, with_candidates: bool = False, today: date | None = None) -> dict:
    today = today or clock.today()
    data = {"id": review.id, "name": review.name, "purpose": review.purpose.value,
            "closes_on": review.closes_on.isoformat(), "open": review.is_open(today),
            "closed_at": review.closed_at.isoformat() if review.closed_at else None,
            "department_id": review.department_id, "candidate_count": len(review.candidates),
            "member_ids": [m.user_id for m in review.members], "version": review.version}
    if with_candidates:
        data["candidates"] = [assessment_json(a) for a in assess_review(review, user, today)]
    return data


def people_by_id_numbers(user, text: str, field_name: str = "id_numbers"):
    """People in ``user``'s managed scope from full id numbers (one a line). A line that is not a
    valid number of someone in scope is a field error (the same message whether or not the person
    exists elsewhere: nothing is revealed)."""
    from core.accounts.permissions import person_scope_clause
    from core.registry.models import Person
    from core.registry.services import id_lookup_hash
    people, problems = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        value = line.strip().upper()
        if not value:
            continue
        digest = id_lookup_hash(value) if len(value) == 18 else None
        person = db.session.execute(db.select(Person).where(
            Person.id_hash == digest, person_scope_clause(user, manage=True))).scalar_one_or_none() if digest else None
        if person is None:
            problems.append(f"第 {n} 行")
        else:
            people.append(person)
    if problems:
        raise ValidationFailed({field_name: "、".join(problems[:20]) + "：公民身份号码有误，或该人员不在您的管理范围内"})
    return list(dict.fromkeys(people))
