"""Enrolment (one person, a SELECT of people), completion, absence, failure, attendance, and
completions registered directly (API, the external training platform's imports)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from flask_babel import gettext as _

from core import clock
from core.audit.services import record_event
from core.changes import TRAINING, changed
from core.enums import PersonStatus
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.notify.services import notify, notify_many
from core.registry.models import Person
from training.catalogue import session_taken
from training.enums import EnrolmentSource, EnrolmentStatus
from training.models import (
    Course,
    CourseSession,
    Enrolment,
)
from training.rules import (
    format_hours,
)
from training.status import refresh_training_status
from training.values import check_completed_on, notification_link, parse_date, parse_hours, parse_score, today_or

ENROLLED, COMPLETED = EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED

# ---- enrolment ------------------------------------------------------------------------------

def department_people(department, *, leading: bool | None = None, new_recruits_since: date | None = None):
    """SELECT of active people ids in ``department``'s subtree (filters: leading post, entered since)."""
    from core.accounts.permissions import subtree_clause
    sel = sa.select(Person.id).where(subtree_clause(Person.department_path, department.path),
                                     Person.status == PersonStatus.ACTIVE)
    if leading is not None:
        sel = sel.where(Person.leading.is_(True) if leading else Person.leading.is_(False))
    if new_recruits_since is not None:
        sel = sel.where(Person.entry_date >= new_recruits_since)
    return sel


def _blocking_enrolment(course: Course, year: int):
    """EXISTS an open enrolment, or a completion this year, of the outer person in ``course``."""
    return sa.exists(sa.select(Enrolment.id).where(
        Enrolment.person_id == Person.id, Enrolment.course_id == course.id,
        sa.or_(Enrolment.status == ENROLLED,
               sa.and_(Enrolment.status == COMPLETED, Enrolment.completed_on >= date(year, 1, 1)))))


def enrolment_preview(course: Course, people, *, today: date | None = None) -> tuple[int, int]:
    """What :func:`enrol` would do for people (a SELECT of ids, Person objects or ids), without doing it: ``(enrol, skip)``
    (capacity of a session aside). The bulk actions' confirmation step shows it."""
    year = today_or(today).year
    if not isinstance(people, sa.Select):
        people = sa.select(Person.id).where(Person.id.in_(sorted({int(getattr(p, "id", p)) for p in people})))
    wanted = people.subquery()
    total = db.session.execute(sa.select(sa.func.count()).select_from(wanted)).scalar_one()
    will = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(
        Person.id.in_(sa.select(wanted.c[0])), Person.status == PersonStatus.ACTIVE,
        ~_blocking_enrolment(course, year))).scalar_one()
    return will, total - will


def complete_enrolment_rows(rows: list[dict]) -> None:
    """Give bulk enrolment rows every column (None for the optional ones, version and times)."""
    now = clock.utcnow()
    for row in rows:
        for key in ("session_id", "due_on", "hours_credited", "score", "completed_on", "certificate_no",
                    "enrolled_by_id"):
            row.setdefault(key, None)
        row.update(version=1, created_at=now, updated_at=now)


def insert_enrolments(rows: list[dict], chunk: int = 10_000) -> None:
    """Bulk insert of enrolment rows as plain executemany batches (every column given, so no
    per-row defaults or RETURNING): bulk enrolment, imports, the demo loader."""
    complete_enrolment_rows(rows)
    for start in range(0, len(rows), chunk):
        db.session.execute(Enrolment.__table__.insert(), rows[start:start + chunk])
    changed([r["person_id"] for r in rows], TRAINING)


def _chunks(items: list, size: int = 1000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def enrol(course: Course, people, session: CourseSession | None = None, *, due_on: date | None = None,
          by=None, today: date | None = None) -> tuple[int, int]:
    """Enrol ``people`` (Person objects, ids, or a SELECT of ids) in ``course``: ``(enrolled, skipped)``.

    Skipped: people not active, already enrolled in the course, who completed it this calendar
    year, or beyond the session's capacity (first come in department order).
    """
    today = today_or(today)
    if not course.active:
        raise Conflict("course_inactive", _("该课程已停用，不能报名"))
    if session is not None and session.course_id != course.id:
        raise ValidationFailed({"session_id": _("班次不属于该课程")})
    if session is not None and session.ends_on < today:
        raise Conflict("session_over", _("该班次已结束，不能再报名"))
    if due_on is not None and due_on < today:
        raise ValidationFailed({"due_on": _("完成期限不能早于今天")})
    due_on = due_on or (session.ends_on if session else date(today.year, 12, 31))
    order = (Person.department_path, Person.id)
    blocking = _blocking_enrolment(course, today.year)
    if isinstance(people, sa.Select):
        wanted = people.subquery()
        total = db.session.execute(sa.select(sa.func.count()).select_from(wanted)).scalar_one()
        eligible = db.session.execute(
            sa.select(Person.id).where(Person.id.in_(sa.select(wanted.c[0])), Person.status == PersonStatus.ACTIVE,
                                       ~blocking).order_by(*order)).scalars().all()
    else:
        ids = list(dict.fromkeys(int(getattr(p, "id", p)) for p in people))
        total = len(ids)
        found = [row for chunk in _chunks(ids) for row in db.session.execute(sa.select(Person.id, *order).where(
            Person.id.in_(chunk), Person.status == PersonStatus.ACTIVE, ~blocking)).all()]
        eligible = [row.id for row in sorted(found, key=lambda r: (r.department_path, r.id))]
    if session is not None:
        db.session.execute(sa.select(CourseSession.id).where(CourseSession.id == session.id).with_for_update())
        taken = db.session.execute(sa.select(Enrolment.person_id).where(
            Enrolment.session_id == session.id)).scalars().all()
        free = max(0, session.capacity - session_taken(session))
        already = set(taken)
        eligible = [pid for pid in eligible if pid not in already][:free]
    if eligible:
        rows = [{"person_id": pid, "course_id": course.id, "session_id": getattr(session, "id", None),
                 "status": ENROLLED, "source": EnrolmentSource.ENROLMENT, "enrolled_on": today, "due_on": due_on,
                 "enrolled_by_id": getattr(by, "id", None)} for pid in eligible]
        insert_enrolments(rows)
        where = f"，班次：{session.label}" if session else ""
        link = notification_link("training.study", course_id=course.id)
        notify_many([{"kind": "course_enrolled", "person_id": pid, "link": link,
                      "title": f"培训报名：{course.title}",
                      "body": f"您已报名《{course.title}》（{format_hours(course.hours)} 学时{where}），"
                              f"请于 {due_on:%Y-%m-%d} 前完成。"} for pid in eligible])
    skipped = total - len(eligible)
    record_event("training_enrol", course, f"{course.code} 报名 {len(eligible)} 人，跳过 {skipped} 人"
                 + (f"（班次 {session.title}）" if session else ""))
    return len(eligible), skipped


def _require_open(enrolment: Enrolment) -> None:
    if enrolment.status is not ENROLLED:
        raise Conflict("illegal_state", _("该报名记录状态为“%(status)s”，不能再登记", status=enrolment.status.label))


def certificate_number(course: Course, person_id: int, completed_on: date) -> str:
    """结业证书编号: unique because (person, course, completed_on) is."""
    return f"{course.code}-{completed_on:%Y%m%d}-{person_id:07d}"


def _check_no_duplicate(person_id: int, course_id: int, completed_on: date, exclude_id: int | None = None) -> None:
    sel = sa.select(Enrolment.id).where(Enrolment.person_id == person_id, Enrolment.course_id == course_id,
                                        Enrolment.completed_on == completed_on)
    if exclude_id:
        sel = sel.where(Enrolment.id != exclude_id)
    if db.session.execute(sel).first():
        raise Conflict("duplicate_completion", _("该人员在同一日期已有本课程的结业记录"),
                       {"completed_on": _("该日期已登记过本课程的结业")})


def complete(enrolment: Enrolment, *, hours=None, score=None, completed_on=None, today: date | None = None,
             notify_person: bool = True) -> Enrolment:
    """Completion: credit the hours (default the course's), score, date, certificate number."""
    today = today_or(today)
    _require_open(enrolment)
    fields = {}
    course = enrolment.course
    try:
        hours = parse_hours(hours, required=False)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        score = parse_score(score)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        completed_on = parse_date(completed_on or today, field="completed_on", label="完成日期")
        check_completed_on(completed_on, today)
        if enrolment.session is not None and completed_on < enrolment.session.starts_on:
            raise ValidationFailed({"completed_on": _("完成日期不能早于班次开班日期")})
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields)
    if score is not None and course.has_quiz and score < course.pass_mark:
        raise ValidationFailed({"score": _("成绩低于及格分 %(pass_mark)s，请登记为“未通过”", pass_mark=course.pass_mark)})
    _check_no_duplicate(enrolment.person_id, course.id, completed_on, enrolment.id)
    enrolment.status = COMPLETED
    enrolment.hours_credited = course.hours if hours is None else hours
    enrolment.score = score
    enrolment.completed_on = completed_on
    enrolment.certificate_no = certificate_number(course, enrolment.person_id, completed_on)
    db.session.flush()
    record_event("training_complete", enrolment,
                 f"{course.code} 结业 {format_hours(enrolment.hours_credited)} 学时"
                 + (f"，成绩 {score}" if score is not None else ""))
    if notify_person:
        notify(kind="course_completed", title=f"培训结业：{course.title}", person=enrolment.person,
               body=f"已登记 {format_hours(enrolment.hours_credited)} 学时，结业证书编号 {enrolment.certificate_no}。",
               link=notification_link("training.my_training"))
    refresh_training_status([enrolment.person_id], completed_on.year, today)
    return enrolment


def mark_absent(enrolment: Enrolment) -> Enrolment:
    _require_open(enrolment)
    enrolment.status = EnrolmentStatus.ABSENT
    db.session.flush()
    record_event("training_absent", enrolment, f"{enrolment.course.code} 缺勤")
    changed([enrolment.person_id], TRAINING)
    return enrolment


def mark_failed(enrolment: Enrolment, *, score=None) -> Enrolment:
    _require_open(enrolment)
    enrolment.score = parse_score(score)
    enrolment.status = EnrolmentStatus.FAILED
    db.session.flush()
    changed([enrolment.person_id], TRAINING)
    record_event("training_failed", enrolment, f"{enrolment.course.code} 未通过"
                 + (f"，成绩 {enrolment.score}" if enrolment.score is not None else ""))
    return enrolment


@dataclass
class AttendanceRow:
    enrolment_id: int
    outcome: str                 # completed / absent / failed / "" (leave open)
    hours: str | None = None
    score: str | None = None


def record_attendance(session: CourseSession, rows: Iterable[AttendanceRow], *, completed_on=None,
                      today: date | None = None) -> int:
    """Mark the outcome of a session for several people at once; every row is checked first."""
    today = today_or(today)
    completed_on = completed_on or min(session.ends_on, today)
    by_id = {e.id: e for e in db.session.execute(sa.select(Enrolment).where(
        Enrolment.session_id == session.id, Enrolment.status == ENROLLED)).scalars()}
    fields: dict[str, str] = {}
    todo = []
    for row in rows:
        if not row.outcome:
            continue
        enrolment = by_id.get(row.enrolment_id)
        if enrolment is None or row.outcome not in ("completed", "absent", "failed"):
            fields[f"row_{row.enrolment_id}"] = _("该报名记录不存在或已登记")
            continue
        try:
            parse_hours(row.hours, required=False, field=f"hours_{row.enrolment_id}")
            parse_score(row.score, field=f"score_{row.enrolment_id}")
        except ValidationFailed as exc:
            fields.update(exc.fields)
            continue
        todo.append((enrolment, row))
    if fields:
        raise ValidationFailed(fields)
    for enrolment, row in todo:
        if row.outcome == "completed":
            complete(enrolment, hours=row.hours, score=row.score, completed_on=completed_on, today=today)
        elif row.outcome == "absent":
            mark_absent(enrolment)
        else:
            mark_failed(enrolment, score=row.score)
    return len(todo)


# ---- completions recorded directly (API, external platform imports) ---------------------------

def record_completion(person: Person, course: Course, *, completed_on, hours=None, score=None,
                      source: EnrolmentSource = EnrolmentSource.API, today: date | None = None
                      ) -> tuple[Enrolment, bool]:
    """Register a completion: ``(enrolment, created)``. The person's open enrolment in the course
    is completed if there is one; an identical (person, course, completed_on) completion is
    returned unchanged with ``created`` False (re-imports are idempotent)."""
    today = today_or(today)
    completed_on = parse_date(completed_on, field="completed_on", label="完成日期")
    check_completed_on(completed_on, today)
    existing = db.session.execute(sa.select(Enrolment).where(
        Enrolment.person_id == person.id, Enrolment.course_id == course.id,
        Enrolment.completed_on == completed_on)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    enrolment = db.session.execute(sa.select(Enrolment).where(
        Enrolment.person_id == person.id, Enrolment.course_id == course.id, Enrolment.status == ENROLLED)
    ).scalar_one_or_none()
    if enrolment is None:
        enrolment = Enrolment(person=person, course=course, status=ENROLLED, source=source,
                              enrolled_on=completed_on)
        db.session.add(enrolment)
        db.session.flush()
    complete(enrolment, hours=hours, score=score, completed_on=completed_on, today=today)
    return enrolment, True


@dataclass(frozen=True)
class CompletionRow:
    """One validated completion of an import (ids resolved by the importer, values checked)."""

    person_id: int
    course_id: int
    completed_on: date
    hours: Decimal | None = None
    score: int | None = None


def import_completions(rows: Iterable[CompletionRow], *, today: date | None = None) -> tuple[int, int]:
    """Bulk-register completions from the external platform: ``(imported, unchanged)``.

    Idempotent on (person, course, completed_on); open enrolments are completed; everything else
    is one bulk insert; the training_status summary is refreshed set-based for the people touched.
    """
    today = today_or(today)
    unique: dict[tuple[int, int, date], CompletionRow] = {}
    for row in rows:
        unique.setdefault((row.person_id, row.course_id, row.completed_on), row)
    if not unique:
        return 0, 0
    courses = {c.id: c for c in db.session.execute(sa.select(Course).where(
        Course.id.in_({k[1] for k in unique}))).scalars()}
    person_ids = sorted({k[0] for k in unique})
    existing: set[tuple[int, int, date]] = set()
    open_ids: dict[tuple[int, int], int] = {}
    for chunk in _chunks(person_ids):
        for pid, cid, on, status, eid in db.session.execute(sa.select(
                Enrolment.person_id, Enrolment.course_id, Enrolment.completed_on, Enrolment.status, Enrolment.id
        ).where(Enrolment.person_id.in_(chunk), Enrolment.course_id.in_(list(courses)))):
            if on is not None:
                existing.add((pid, cid, on))
            if status is ENROLLED:
                open_ids[(pid, cid)] = eid
    new_rows: list[dict[str, object]] = []
    imported = 0
    for key, row in sorted(unique.items()):
        if key in existing:
            continue
        course = courses[row.course_id]
        hours = course.hours if row.hours is None else row.hours
        open_id = open_ids.pop((row.person_id, row.course_id), None)
        if open_id is not None:
            complete(db.session.get_one(Enrolment, open_id), hours=hours, score=row.score,
                     completed_on=row.completed_on, today=today, notify_person=False)
        else:
            new_rows.append({"person_id": row.person_id, "course_id": row.course_id, "session_id": None,
                             "status": COMPLETED, "source": EnrolmentSource.IMPORT, "enrolled_on": row.completed_on,
                             "hours_credited": hours, "score": row.score, "completed_on": row.completed_on,
                             "certificate_no": certificate_number(course, row.person_id, row.completed_on)})
        imported += 1
    insert_enrolments(new_rows)
    for year in sorted({k[2].year for k in unique}):
        refresh_training_status({k[0] for k in unique if k[2].year == year}, year, today)
    record_event("training_import", None, f"导入培训结业记录 {imported} 条，已存在 {len(unique) - imported} 条")
    return imported, len(unique) - imported


def remind_due(*, days: int = 7, today: date | None = None) -> int:
    """Notify people whose open enrolment is due in ``days`` days, or became overdue yesterday
    (one reminder each, so a daily cron never repeats itself). Set-based: one SELECT, one INSERT."""
    today = today_or(today)
    rows = db.session.execute(
        sa.select(Enrolment.person_id, Enrolment.course_id, Enrolment.due_on, Course.title)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.status == ENROLLED,
               Enrolment.due_on.in_([today + timedelta(days=days), today - timedelta(days=1)]))).all()
    notes = []
    for pid, cid, due_on, title in rows:
        overdue = cast(date, due_on) < today    # not None: the IN above matches dates only
        notes.append({"kind": "course_overdue" if overdue else "course_due", "person_id": pid,
                      "link": notification_link("training.study", course_id=cid),
                      "title": f"培训{'已逾期' if overdue else '即将到期'}：{title}",
                      "body": f"《{title}》的完成期限为 {due_on:%Y-%m-%d}，请尽快完成学习。"})
    notify_many(notes)
    if notes:
        record_event("training_remind", None, f"培训到期提醒 {len(notes)} 条")
    return len(notes)
