"""Random integrity files for the differential tests (tests/archive/test_differential.py,
tests/training/test_differential_training.py; docs/rules-sql.md "Rules and their SQL twins").

:func:`build_files` writes ``len(seeds)`` people with random files to the real database:
records with random categories, sanctions, severities, periods (HR-edited ends, permanent
ones, 留党察看 probations) whose lives are played through the model's own transitions
(notify, acknowledge, object, decide the objection, repair, revoke, exempt) on random days,
interleaved with runs of the release job (``persist_time``) and with the stored chain end
(``restricts_until``) kept current after every step as the services do; pre-appointment and
other pledges, signed or not, around the start of the post; appraisals; pending cases;
files established or not; completions of training courses. Each person comes from one
seed (the Hypothesis example draws the seeds), so a failure is reproduced by its seeds.

Every state change of a record happens on or before ``as_of``: the SQL twins read the
stored status, which is the status of the day the last change was made, so they are
defined for "today" at or after the last change (the worklists, coverage and the exports
always ask about today).
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from archive import rules
from archive.enums import SANCTIONS_BY_CATEGORY, Category, Grade, PledgeKind, RecordStatus, Sanction, Severity
from archive.file.models import Appraisal, ArchiveFile, CaseFlag, Record
from archive.pledges.models import Pledge, PledgeStatus, PledgeTemplate, TemplateStatus
from core.enums import PersonStatus
from core.errors import DomainError
from core.extensions import db
from core.registry.models import Department, Person
from training.enums import CourseCategory, EnrolmentStatus
from training.models import Course, Enrolment

#: (code, category, integrity, hours) of the courses the completions are drawn from
COURSES = (
    ("DX-INT2", CourseCategory.INTEGRITY, True, "2"),
    ("DX-INT15", CourseCategory.INTEGRITY, True, "1.5"),
    ("DX-INT01", CourseCategory.INTEGRITY, True, "0.1"),
    ("DX-SRV8", CourseCategory.IN_SERVICE, False, "8"),
    ("DX-LEAD", CourseCategory.LEADERSHIP, True, "16"),
    ("DX-INI", CourseCategory.INITIAL, True, "24"),
    ("DX-INIP", CourseCategory.INITIAL, False, "24"),
    ("DX-APP", CourseCategory.APPOINTMENT, False, "40"),
)

CATEGORY_WEIGHTS = {Category.DISCIPLINE_GOV: 6, Category.DISCIPLINE_PARTY: 2}


@dataclass
class Files:
    """What one call wrote: the people (ids in seed order) and the day they are asked about."""
    as_of: date
    people: list[Person]
    records: dict[int, list[Record]] = field(default_factory=dict)     # person id -> records

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.people]


def fixtures() -> tuple[Department, PledgeTemplate, dict[str, Course]]:
    """The department, a pre-appointment template and the courses (created once per test)."""
    dept = db.session.execute(sa.select(Department).where(Department.name == "差分测试单位")).scalar()
    if dept is None:
        dept = Department(name="差分测试单位", path="", depth=0)
        db.session.add(dept)
        db.session.flush()
        dept.path = f"/{dept.id}/"
    template = db.session.execute(sa.select(PledgeTemplate).where(PledgeTemplate.template_key == "diff")).scalar()
    if template is None:
        template = PledgeTemplate(template_key="diff", kind=PledgeKind.PRE_APPOINTMENT, title="任职前廉洁承诺",
                                  body="本人承诺……", status=TemplateStatus.PUBLISHED)
        db.session.add(template)
    courses = {c.code: c for c in db.session.execute(sa.select(Course).where(Course.code.like("DX-%"))).scalars()}
    for code, category, integrity, hours in COURSES:
        if code not in courses:
            courses[code] = Course(code=code, title=f"差分测试课程 {code}", category=category, integrity=integrity,
                                   hours=Decimal(hours))
            db.session.add(courses[code])
    db.session.flush()
    return dept, template, courses


def _day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _record(rng: random.Random, person_id: int, decided_on: date, settings: rules.RuleSettings) -> Record:
    category = rng.choices(list(Category), [CATEGORY_WEIGHTS.get(c, 1) for c in Category])[0]
    sanction = rng.choice(list(SANCTIONS_BY_CATEGORY[category]))
    severity = rng.choice([Severity.GENERAL, Severity.GENERAL, Severity.SERIOUS])
    probation = rng.choice(settings.party_probation_months) if sanction is Sanction.PARTY_PROBATION else None
    until, permanent = rules.default_restricted_until(category, sanction, severity, decided_on, settings, probation)
    period = rules.restriction_period(category, sanction, severity, settings, decided_on)
    roll = rng.random()
    if period.kind == rules.SET_BY_HR and until is None and not permanent:
        permanent = roll < 0.15
        until = None if permanent or roll < 0.25 else decided_on + timedelta(days=rng.randint(0, 1500))
    elif not permanent and sanction is not Sanction.PARTY_PROBATION and roll < 0.1:
        until = decided_on + timedelta(days=rng.randint(0, 1500))        # HR edited the end
    return Record(person_id=person_id, category=category, sanction=sanction, severity=severity,
                  decided_on=decided_on, restricted_until=until, permanent=permanent, probation_months=probation,
                  authority="差分测试机关", facts="随机生成", status=RecordStatus.DRAFT,
                  disclosable=rng.random() < 0.5, item=rng.choice([None, None, "失信被执行人"]))


def _life(rng: random.Random, record_no: int, entered: date, as_of: date) -> list[tuple[date, int, str]]:
    """The actions tried on one record, dated from its entry on."""
    out = [(entered, record_no, "enter")]
    day = entered
    first = rng.random()
    if first < 0.1:
        pass
    elif first < 0.17:
        out.append((day + timedelta(days=rng.randint(0, 20)), record_no, "exempt"))
    elif first < 0.22:
        out.append((day + timedelta(days=rng.randint(0, 20)), record_no, "revoke"))
    else:
        day += timedelta(days=rng.randint(0, 30))
        out.append((day, record_no, "notify"))
        for _ in range(rng.randint(0, 4)):
            day += timedelta(days=rng.choice([0, 1, 5, 29, 30, 31, 45, 200, 700]))
            out.append((day, record_no, rng.choice(["acknowledge", "acknowledge", "object", "object", "uphold",
                                                    "reject", "reject", "correct", "repair", "repair",
                                                    "revoke"])))
    return [a for a in out if a[0] <= as_of]


def _apply(record: Record, action: str, on: date, settings: rules.RuleSettings) -> None:
    try:
        if action == "notify":
            record.notify(on)
        elif action == "exempt":
            record.exempt("容错免责", on)
        elif action == "revoke":
            record.revoke("撤销", on)
        elif action == "acknowledge":
            record.acknowledge(on, settings)
        elif action == "object":
            record.open_objection(on, settings)
        elif action in ("uphold", "reject", "correct"):
            record.close_objection(action == "uphold", on, settings, "处理", corrected=action == "correct")
        elif action == "repair":
            record.repair(on, settings)
    except DomainError:
        pass                        # not allowed in the state it is in: the action is not taken


def _refresh_chain(records: list[Record], settings: rules.RuleSettings) -> None:
    """``restricts_until`` as archive.file.chains.refresh_chains stores it after every change."""
    ends = rules.combined_ends([r.facts_for_rules() for r in records], settings)
    for r in records:
        r.restricts_until = None if r.permanent else ends.get(r.id, r.restricted_until)


def _records(rng: random.Random, person: Person, as_of: date, settings: rules.RuleSettings) -> list[Record]:
    n = rng.choices([0, 1, 2, 3, 4, 6], [2, 3, 3, 2, 1, 1])[0]
    base = _day(rng, as_of - timedelta(days=rng.choice([90, 3 * 365, 6 * 365])), as_of)
    drafts, actions = [], []
    for i in range(n):
        offset = rng.choice([0, 0, rng.randint(-400, 600), rng.randint(-60, 200)])
        decided = min(as_of, base + timedelta(days=offset))
        drafts.append(_record(rng, person.id, decided, settings))
        entered = decided + timedelta(days=rng.choice([0, 1, 10, 40, 90, 400]))
        if entered <= as_of:
            actions += _life(rng, i, entered, as_of)
    releases = [(_day(rng, base, as_of), -1, "release") for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.5:
        releases.append((as_of, -1, "release"))
    live: list[Record] = []
    for on, i, action in sorted(actions + releases, key=lambda a: (a[0], a[1] >= 0, a[1])):
        if action == "release":
            for r in live:
                r.persist_time(on, settings, r.chain_end())
        elif action == "enter":
            record = drafts[i]
            record.id = next(_record_ids)
            live.append(record)
        else:
            _apply(drafts[i], action, on, settings)
        _refresh_chain(live, settings)
    return live


_record_ids = iter(())


def _next_ids(table) -> int:
    return (db.session.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1


def build_files(seeds: list[int], as_of: date, settings: rules.RuleSettings, *,
                records: bool = True, training: bool = True) -> Files:
    """Write one person per seed with a random file (see the module docstring)."""
    global _record_ids
    import itertools
    dept, template, courses = fixtures()
    course_list = list(courses.values())
    people = []
    for seed in seeds:
        rng = random.Random(seed)
        recent = as_of - timedelta(days=rng.randint(-100, 500))        # a recruit / a new post: the windows apply
        entry = recent if rng.random() < 0.35 else _day(rng, date(2000, 1, 1), as_of + timedelta(days=200))
        appointed = (None if rng.random() < 0.3 else max(entry, recent) if rng.random() < 0.4
                     else _day(rng, entry, as_of + timedelta(days=400)))
        people.append(Person(
            name="差分", id_hash=uuid.uuid4().hex, id_cipher="x", id_masked="37**************01", gender="男",
            birth_date=date(1980, 1, 1), department_id=dept.id, department_path=dept.path, entry_date=entry,
            appointed_on=appointed, leading=rng.random() < 0.4,
            status=rng.choice([PersonStatus.ACTIVE] * 5 + [PersonStatus.RETIRED, PersonStatus.TRANSFERRED])))
    db.session.add_all(people)
    db.session.flush()
    files = Files(as_of, people)
    _record_ids = itertools.count(_next_ids(Record.__table__))
    rows: list = []
    for seed, person in zip(seeds, people):
        rng = random.Random(seed * 7 + 1)
        if records:
            files.records[person.id] = _records(rng, person, as_of, settings)
            rows += files.records[person.id]
        for year in rng.sample(range(as_of.year - 4, as_of.year + 2), rng.randint(0, 5)):
            rows.append(Appraisal(person_id=person.id, year=year, grade=rng.choice(list(Grade))))
        if rng.random() < 0.2:
            started = _day(rng, as_of - timedelta(days=900), as_of)
            ended = None if rng.random() < 0.5 else started + timedelta(days=rng.randint(1, 400))
            rows.append(CaseFlag(person_id=person.id, started_on=started, authority="纪委监委", ended_on=ended))
        if rng.random() < 0.8:
            rows.append(ArchiveFile(person_id=person.id, established=rng.random() < 0.7))
        since = person.appointed_on or person.entry_date
        for _ in range(rng.choices([0, 1, 2, 3], [3, 4, 2, 1])[0]):
            status = rng.choice([PledgeStatus.SIGNED, PledgeStatus.SIGNED, PledgeStatus.ASSIGNED,
                                 PledgeStatus.CANCELLED])
            signed = since + timedelta(days=rng.choice([-400, -1, 0, 0, 1, 30, 900]))
            kind = rng.choice([PledgeKind.PRE_APPOINTMENT] * 3 + [PledgeKind.ANNUAL, PledgeKind.SERVICE])
            rows.append(Pledge(person_id=person.id, template_id=template.id, kind=kind, assigned_on=signed,
                               due_on=signed + timedelta(days=30), status=status,
                               signed_on=signed if status is PledgeStatus.SIGNED else None))
        if training:
            used: set = set()
            for _ in range(rng.choices([0, 1, 2, 3, 5, 8], [1, 2, 2, 2, 2, 2])[0]):
                course = rng.choice(course_list + [courses["DX-INI"], courses["DX-APP"], courses["DX-INT2"]])
                done = _day(rng, date(as_of.year - rng.choice([0, 0, 1, 5]), 1, 1), as_of + timedelta(days=60))
                if rng.random() < 0.6 and course.category in (CourseCategory.INITIAL, CourseCategory.APPOINTMENT):
                    anchor = (person.entry_date if course.category is CourseCategory.INITIAL
                              else person.appointed_on or person.entry_date)
                    done = anchor + timedelta(days=rng.choice([-366, -365, -1, 0, 1, 30, 200, 364, 365, 366]))
                if (course.id, done) in used:
                    continue
                used.add((course.id, done))
                completed = rng.random() < 0.85
                hours = course.hours if rng.random() < 0.7 else Decimal(rng.randint(0, 80)) / 10
                rows.append(Enrolment(person_id=person.id, course_id=course.id, enrolled_on=done,
                                      status=EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.ABSENT,
                                      completed_on=done if completed else None,
                                      hours_credited=hours if completed else None))
    db.session.add_all(rows)
    db.session.flush()
    return files
