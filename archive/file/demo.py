"""Demo data of the file: appraisals, awards, matter checks, records in every state with
objections, established files (bulk inserts; deterministic for the seed)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from flask import current_app

from archive import rules
from archive.enums import SANCTIONS_BY_CATEGORY, Category, Grade, RecordStatus, Sanction, Severity
from archive.file.models import (
    Appraisal,
    ArchiveFile,
    Award,
    MatterCheck,
    Objection,
    Record,
    RecordVersion,
)
from archive.file.services import DEFAULT_RECORD_ITEMS
from core import changes, clock
from core.demo import bulk_insert, demo_step, indexes_deferred, reset_sequence
from core.extensions import db
from core.notify.models import Notification
from core.registry.models import Person

BATCH = 5000
CATEGORY_WEIGHTS = [(Category.DISCIPLINE_GOV, 30), (Category.DISCIPLINE_PARTY, 14), (Category.ACCOUNTABILITY, 26),
                    (Category.ADMIN_PENALTY, 8), (Category.JUDICIAL, 4), (Category.PLEDGE_BREACH, 6),
                    (Category.REPORT_OMISSION, 8), (Category.OTHER, 4)]
SANCTION_WEIGHTS = {Sanction.WARNING: 40, Sanction.DEMERIT: 30, Sanction.MAJOR_DEMERIT: 14, Sanction.DEMOTION: 7,
                    Sanction.REMOVAL: 5, Sanction.EXPULSION: 2, Sanction.PARTY_WARNING: 45,
                    Sanction.PARTY_SERIOUS_WARNING: 30, Sanction.PARTY_POST_REMOVAL: 10, Sanction.PARTY_PROBATION: 10,
                    Sanction.PARTY_EXPULSION: 3, Sanction.CIRCULATED: 30, Sanction.ADMONITION: 40,
                    Sanction.SUSPENSION: 5, Sanction.POST_ADJUSTMENT: 10, Sanction.ORDERED_RESIGNATION: 3,
                    Sanction.DISMISSAL_FROM_POST: 7, Sanction.DOWNGRADE: 5, Sanction.NONE: 1}
SERIOUS = {Sanction.DEMOTION, Sanction.REMOVAL, Sanction.EXPULSION, Sanction.PARTY_POST_REMOVAL,
           Sanction.PARTY_PROBATION, Sanction.PARTY_EXPULSION, Sanction.DOWNGRADE}
STATUS_WEIGHTS = [("draft", 7), ("notified", 8), ("under_objection", 6), ("effective", 38), ("rejected", 5),
                  ("revoked", 5), ("upheld", 4), ("exempted", 6), ("expired", 21)]
AUTHORITIES = {Category.DISCIPLINE_GOV: "纪委监委", Category.DISCIPLINE_PARTY: "纪律检查委员会",
               Category.ACCOUNTABILITY: "党委组织部", Category.ADMIN_PENALTY: "市场监督管理局",
               Category.JUDICIAL: "人民法院", Category.PLEDGE_BREACH: "人力资源和社会保障局",
               Category.REPORT_OMISSION: "党委组织部", Category.OTHER: "人力资源和社会保障局"}
FACTS = {Category.DISCIPLINE_GOV: "违反工作纪律，在{y}年专项检查中履职不力，造成不良影响。",
         Category.DISCIPLINE_PARTY: "违反中央八项规定精神，{y}年违规接受宴请。",
         Category.ACCOUNTABILITY: "{y}年安全生产监管工作落实不到位，被问责。",
         Category.ADMIN_PENALTY: "{y}年因违反交通运输管理规定受到行政处罚。",
         Category.JUDICIAL: "{y}年因民间借贷纠纷被人民法院判决，未按期履行。",
         Category.PLEDGE_BREACH: "未履行{y}年度岗位服务承诺中的办结时限承诺。",
         Category.REPORT_OMISSION: "{y}年度个人有关事项报告漏报房产一处。",
         Category.OTHER: "{y}年在统计报表中弄虚作假。"}
GRADES = [(Grade.EXCELLENT, 15), (Grade.COMPETENT, 77), (Grade.BASICALLY_COMPETENT, 6), (Grade.INCOMPETENT, 2)]
AWARDS = [("commendation", "嘉奖", 70), ("merit_3", "记三等功", 20), ("merit_2", "记二等功", 4),
          ("merit_1", "记一等功", 1), ("honorary_title", "优秀公务员", 2), ("other", "年度先进工作者", 3)]


# cumulative weights computed once (random.choices draws exactly as with weights=)
_CATEGORIES, _CATEGORY_CUM = [c for c, _ in CATEGORY_WEIGHTS], list(accumulate(w for _, w in CATEGORY_WEIGHTS))
_STATUSES, _STATUS_CUM = [s for s, _ in STATUS_WEIGHTS], list(accumulate(w for _, w in STATUS_WEIGHTS))
_GRADES, _GRADE_CUM = [g for g, _ in GRADES], list(accumulate(w for _, w in GRADES))
_AWARD_CUM = list(accumulate(w for *_, w in AWARDS))
#: people per round of generated rows written (bounded memory at 1,000,000 people)
PEOPLE_PER_WRITE = 50_000


def _next_id(model) -> int:
    return (db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0) + 1


def _insert(model, rows: list[dict]) -> None:
    """Set-based write (COPY on PostgreSQL, executemany batches elsewhere: every row has the
    same keys), then the id sequence continues after the explicit ids."""
    if bulk_insert(model, rows) and "id" in model.__table__.c:
        reset_sequence(model.__tablename__)


def _group(path: str) -> str:
    parts = path.strip("/").split("/")
    return parts[2] if len(parts) > 2 else parts[-1]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class _Builder:
    """Accumulates rows with explicit ids so records, versions and objections link up."""

    def __init__(self, ctx, settings):
        self.ctx, self.settings, self.today = ctx, settings, ctx.today
        self.rng = ctx.rng_for("file")
        self.record_id, self.objection_id = _next_id(Record), _next_id(Objection)
        self.records: list[dict] = []
        self.versions: list[dict] = []
        self.objections: list[dict] = []
        self.notifications: list[dict] = []
        self.facts: dict[int, list[rules.RecordFacts]] = {}

    def _period_end(self, category, sanction, severity, decided, probation_months=None):
        until, permanent = rules.default_restricted_until(category, sanction, severity, decided, self.settings,
                                                          probation_months)
        period = rules.restriction_period(category, sanction, severity, self.settings)
        if until is None and not permanent and period.kind == rules.SET_BY_HR:
            until = rules.add_months(decided, 24 if category is Category.JUDICIAL else 12)
        return until, permanent

    def record(self, person_id: int, *, category, sanction, severity, decided: date, status: str,
               entered_by=None, notified_on=None, item=None, facts=None, authority=None,
               probation_months=None, repaired_on=None) -> int:
        rid = self.record_id
        self.record_id += 1
        if sanction is Sanction.PARTY_PROBATION:
            probation_months = probation_months or 12
        until, permanent = self._period_end(category, sanction, severity, decided, probation_months)
        stored = {"rejected": "effective", "upheld": "revoked"}.get(status, status)
        if stored not in ("draft", "exempted") and notified_on is None:
            notified_on = min(decided + timedelta(days=self.rng.randint(2, 10)), self.today)
        row = {"id": rid, "person_id": person_id, "category": category.value, "sanction": sanction.value,
               "item": item, "severity": severity.value, "decided_on": decided, "restricted_until": None if permanent
               else until, "permanent": permanent, "authority": authority or AUTHORITIES[category],
               "document_no": f"东纪发〔{decided.year}〕{self.rng.randint(1, 199)}号",
               "facts": facts or FACTS[category].format(y=decided.year), "facts_private": self.rng.random() < 0.1,
               "disclosable": self.rng.random() < 0.3, "status": stored,
               "notified_on": notified_on if stored not in ("draft", "exempted") else None, "entered_by_id": entered_by,
               "revoked_reason": None, "exempt_basis": None, "source": "demo", "version": 1,
               "created_at": _at(decided), "updated_at": _at(notified_on or decided),
               "judgment_kind": ("judgment_debtor" if item == "失信被执行人" else "other")
               if category is Category.JUDICIAL else None,
               "probation_months": probation_months, "restricts_until": None if permanent else until,
               "objected_on": None, "objection_closed_on": None, "revoked_on": None, "exempted_on": None,
               "repaired_on": None, "repair_review": False}
        snap = {"status": "draft"}
        if stored not in ("draft", "exempted"):
            self._version(row, "notify", snap, notified_on, None)
            snap = {"status": "notified"}
        if status in ("under_objection", "rejected", "upheld"):
            filed = min(notified_on + timedelta(days=self.rng.randint(1, 20)), self.today)
            self._version(row, "object", snap, filed, "本人提出异议")
            row["objected_on"] = filed
            snap = {"status": "under_objection"}
            decided_on = None if status == "under_objection" else min(filed + timedelta(days=self.rng.randint(5, 25)),
                                                                       self.today)
            reason = {"rejected": "经复核，事实清楚、证据确凿，维持原记录。",
                      "upheld": "经复核，原记录认定事实有误，予以撤销。"}.get(status)
            self.objections.append({
                "id": self.objection_id, "record_id": rid, "person_id": person_id, "filed_by_id": None,
                "reasons": "对记录认定的事实有异议：相关工作已按规定完成，请予复核。", "filed_on": filed,
                "due_on": rules.objection_due(filed, self.settings),
                "status": {"under_objection": "pending"}.get(status, status), "decided_by_id": None,
                "decided_on": decided_on, "decision_reason": reason, "corrected": False, "version": 1})
            self.objection_id += 1
            if decided_on:
                row["objection_closed_on"] = decided_on
                if status == "upheld":
                    row["revoked_on"] = decided_on
                self._version(row, "uphold" if status == "upheld" else "reject", snap, decided_on, reason)
                if status == "upheld":
                    row["revoked_reason"] = f"异议成立：{reason}"
        elif stored == "repaired":
            row["repaired_on"] = repaired_on or self.today
            self._version(row, "repair", {"status": "effective"}, row["repaired_on"], "信用修复申请经审核通过")
        elif stored == "revoked":
            row["revoked_on"] = min(notified_on + timedelta(days=15), self.today)
            self._version(row, "revoke", snap, row["revoked_on"], "决定机关撤销原决定")
            row["revoked_reason"] = "决定机关撤销原决定"
        elif stored == "exempted":
            basis = "属于容错免责情形：在改革创新中先行先试出现失误，未谋取私利"
            row["exempted_on"] = min(decided + timedelta(days=5), self.today)
            self._version(row, "exempt", snap, row["exempted_on"], basis)
            row["exempt_basis"] = basis
        elif stored == "expired" and until:
            self._version(row, "time", {"status": "effective"}, until + timedelta(days=1), "影响期届满，自动解除")
        self.records.append(row)
        self.facts.setdefault(person_id, []).append(rules.RecordFacts(
            rid, category, sanction, severity, RecordStatus(stored), decided, row["restricted_until"], permanent,
            probation_months=probation_months))
        if stored in ("notified", "under_objection", "effective"):
            self.notifications.append({"person_id": person_id, "user_id": None, "kind": "record_notified",
                                       "title": f"失信记录告知：{category.zh}", "link": "/my/file",
                                       "body": "您的诚信档案新增一条记录，如有异议请在“我的档案”中提出。",
                                       "created_at": _at(row["notified_on"] or decided)})
        return rid

    def _version(self, row: dict, action: str, snapshot: dict, when: date, reason):
        self.versions.append({"record_id": row["id"], "person_id": row["person_id"], "version": row["version"],
                              "action": action, "snapshot": snapshot, "changed_by_id": row["entered_by_id"],
                              "changed_at": _at(when, 15), "reason": reason})
        row["version"] += 1


def _random_record(b: _Builder, person_id: int, entered_by=None) -> None:
    rng, today = b.rng, b.today
    category = rng.choices(_CATEGORIES, cum_weights=_CATEGORY_CUM)[0]
    allowed = SANCTIONS_BY_CATEGORY[category]
    sanction = rng.choices(allowed, [SANCTION_WEIGHTS[s] for s in allowed])[0]
    severity = Severity.SERIOUS if sanction in SERIOUS or rng.random() < 0.1 else Severity.GENERAL
    status = rng.choices(_STATUSES, cum_weights=_STATUS_CUM)[0]
    until0, permanent = b._period_end(category, sanction, severity, today)
    months = 12 if until0 is None else max(1, (until0.year - today.year) * 12 + until0.month - today.month)
    if status == "expired" and (permanent or until0 is None):
        status = "effective"
    if status == "draft":
        days = rng.randint(5, 40)
    elif status == "notified":
        days = rng.randint(5, 25)
    elif status == "under_objection":
        days = rng.randint(15, 70)
    elif status in ("effective", "rejected"):
        days = rng.randint(45, max(46, months * 30 - 15))
    elif status == "expired":
        days = rng.randint(months * 31 + 5, months * 31 + 700)
    else:
        days = rng.randint(30, 1000)
    decided = today - timedelta(days=days)
    notified = None
    if status == "notified":
        notified = today - timedelta(days=rng.randint(0, min(days, 25)))
    elif status == "under_objection":
        notified = decided + timedelta(days=rng.randint(2, 6))
    item = None
    if category in (Category.JUDICIAL, Category.OTHER, Category.ADMIN_PENALTY) or rng.random() < 0.2:
        item = "失信被执行人" if category is Category.JUDICIAL else rng.choice(DEFAULT_RECORD_ITEMS[:6])
    b.record(person_id, category=category, sanction=sanction, severity=severity, decided=decided, status=status,
             notified_on=notified, item=item, entered_by=entered_by)


def _law_examples(b: _Builder, local: list[int], today: date, hr_city) -> dict[str, int]:
    """One person per rule of docs/rules.md (issue 15), in 东营区 so the demo HR sees them:
    a sanction chain, a 留党察看, a pending case, a statutory record past its release, a
    repaired 行政处罚. -> {example: person_id}."""
    picks = [p for p in local[10:] if p not in b.facts][:5]
    if len(picks) < 5:
        return {}
    chain, probation, case, released, repaired = picks
    gov = dict(category=Category.DISCIPLINE_GOV, severity=Severity.GENERAL, entered_by=hr_city,
               authority="东营区纪委监委")
    first = rules.add_months(today, -14)   # 记过: own end two months ago
    b.record(chain, sanction=Sanction.DEMERIT, decided=first, status="effective",
             notified_on=first + timedelta(days=2), facts="违规发放津贴补贴，给予记过处分。", **gov)
    second = rules.add_months(today, -8)   # 警告 inside it: rest + new (处分条例 art. 10)
    b.record(chain, sanction=Sanction.WARNING, decided=second, status="effective",
             notified_on=second + timedelta(days=2), facts="处分期间再次违反工作纪律，给予警告处分。", **gov)
    decided = rules.add_months(today, -10)
    b.record(probation, category=Category.DISCIPLINE_PARTY, sanction=Sanction.PARTY_PROBATION,
             severity=Severity.SERIOUS, decided=decided, status="effective", entered_by=hr_city,
             notified_on=decided + timedelta(days=3), probation_months=24, authority="东营区纪律检查委员会",
             facts="违反组织纪律，给予留党察看二年处分。")
    decided = rules.add_months(today, -20)   # 警告 (6 months) released 14 months ago
    b.record(released, sanction=Sanction.WARNING, decided=decided, status="expired",
             notified_on=decided + timedelta(days=2), facts="工作作风漂浮，给予警告处分，期满已解除。", **gov)
    decided = rules.add_months(today, -7)
    b.record(repaired, category=Category.ADMIN_PENALTY, sanction=Sanction.NONE, severity=Severity.GENERAL,
             decided=decided, status="repaired", entered_by=hr_city, notified_on=decided + timedelta(days=3),
             repaired_on=rules.add_months(today, -1), authority="东营市市场监督管理局",
             facts="经营活动中未按规定明码标价，受到行政处罚；已纠正并完成信用修复。")
    return {"chain": chain, "probation": probation, "case": case, "released": released, "repaired": repaired}


def _law_cases(law_people: dict[str, int], today: date, hr_city) -> None:
    """The pending case of the demo (立案审查中) and the chain ends of the examples."""
    if not law_people:
        return
    from archive.file.chains import refresh_chains
    from archive.file.models import CaseFlag
    db.session.add(CaseFlag(person_id=law_people["case"], started_on=today - timedelta(days=40),
                            authority="东营区监察委员会", notes="涉嫌违反廉洁纪律，立案审查中", entered_by_id=hr_city))
    refresh_chains([law_people["chain"]])
    db.session.flush()


@demo_step(10)
def demo_file(ctx) -> None:
    """Records, appraisals, checks, awards and files of everyone, written set-based (the
    tables' secondary indexes and foreign keys built once at the end on PostgreSQL)."""
    for what in (changes.RECORD, changes.FILE, changes.APPRAISAL):
        changes.changed(None, what)     # everyone's file (core.changes)
    with indexes_deferred(Record, RecordVersion, Objection, Notification, Appraisal, MatterCheck, Award,
                          ArchiveFile):
        _demo_file(ctx)


def _demo_file(ctx) -> None:
    settings = rules.RuleSettings.from_mapping(current_app.config)
    today = ctx.today
    first = min(ctx.person_ids) if ctx.person_ids else 1
    people = db.session.execute(sa.select(Person.id, Person.department_id, Person.department_path, Person.status,
                                          Person.entry_date, Person.leading).where(Person.id >= first)
                                .order_by(Person.id)).all()
    if not people:
        return
    b = _Builder(ctx, settings)
    rng = b.rng
    hr, hr_city = ctx.accounts.get("hr"), ctx.accounts.get("hr_city")
    servant = ctx.account_people.get("servant")
    special = set(ctx.account_people.values())
    dongying = ctx.department_paths.get(ctx.county_ids.get("东营区"), "/none/")

    # ---- misconduct records: ~4% of people, every state ------------------------------------
    for p in people:
        if p.id not in special and rng.random() < 0.04:
            _random_record(b, p.id)
    if servant:   # the repair journey: a 行政处罚 (a credit record) decided ~4 months ago, effective
        decided = rules.add_months(today, -4)
        b.record(servant, category=Category.ADMIN_PENALTY, sanction=Sanction.NONE, severity=Severity.GENERAL,
                 decided=decided, status="effective", entered_by=hr_city, notified_on=decided + timedelta(days=3),
                 facts="驾驶公务车辆违反交通运输管理规定，受到罚款的行政处罚。", authority="东营市交通运输局")
    local = [p.id for p in people if p.department_path.startswith(dongying) and p.id not in special]
    for i, status in enumerate(("draft", "draft", "under_objection", "under_objection", "notified")):
        if i < len(local):
            pid = local[(i * 7919) % len(local)]
            days = 10 if status != "under_objection" else 35 + i * 8
            decided = today - timedelta(days=days)
            b.record(pid, category=Category.ACCOUNTABILITY if i % 2 else Category.DISCIPLINE_GOV,
                     sanction=Sanction.ADMONITION if i % 2 else Sanction.WARNING, severity=Severity.GENERAL,
                     decided=decided, status=status, entered_by=hr if status == "draft" else hr_city,
                     notified_on=None if status == "draft" else decided + timedelta(days=2))

    law_people = _law_examples(b, local, today, hr_city)

    # ---- appraisals: last three years; last year's coverage 85-97% per county -----------------
    groups = sorted({_group(p.department_path) for p in people})
    app_rate = {g: 0.85 + 0.12 * rng.random() for g in groups}
    est_rate = {g: 0.80 + 0.15 * rng.random() for g in groups}
    last = today.year - 1
    _insert(Record, b.records)
    _insert(RecordVersion, b.versions)
    _insert(Objection, b.objections)
    if b.notifications:
        _insert(Notification, b.notifications)
    _law_cases(law_people, today, hr_city)
    appraisals: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    awards: list[dict[str, Any]] = []
    next_app, next_check, next_award = _next_id(Appraisal), _next_id(MatterCheck), _next_id(Award)
    incompetent_pair = set(local[1:3]) if len(local) > 3 else set()
    now = clock.utcnow()
    stamps = {year: _at(date(year + 1, 1, 20)) for year in (last - 2, last - 1, last)}
    group_of: dict[str, str] = {}
    no_facts: list = []

    def write() -> None:
        for model, rows in ((Appraisal, appraisals), (MatterCheck, checks), (Award, awards),
                            (ArchiveFile, files)):
            bulk_insert(model, rows)
            rows.clear()

    for n, p in enumerate(people, 1):
        if n % PEOPLE_PER_WRITE == 0:
            write()
        path = p.department_path
        g = group_of.get(path)
        if g is None:
            g = group_of[path] = _group(path)
        latest = None
        facts = b.facts.get(p.id, no_facts)
        for year in (last - 2, last - 1, last):
            if p.entry_date.year > year:
                continue
            if year == last and p.id not in special and rng.random() > app_rate[g]:
                continue
            if year < last and rng.random() > 0.985:
                continue
            grade = Grade.UNGRADED if p.entry_date.year == year else rng.choices(_GRADES, cum_weights=_GRADE_CUM)[0]
            if p.id in incompetent_pair and year >= last - 1:
                grade = Grade.INCOMPETENT
            if p.id == servant and grade in (Grade.INCOMPETENT, Grade.BASICALLY_COMPETENT):
                grade = Grade.COMPETENT
            if facts:
                for w in rules.appraisal_warnings(year, grade, facts, settings):
                    grade = {rules.MUST_BE_UNGRADED: Grade.UNGRADED,
                             rules.MUST_BE_INCOMPETENT: Grade.INCOMPETENT}.get(w.code, Grade.COMPETENT)
            appraisals.append({"id": next_app, "person_id": p.id, "year": year, "grade": grade.value,
                               "document_no": f"{year}年度考核结果通知", "entered_by_id": None, "version": 1,
                               "created_at": stamps[year], "updated_at": stamps[year]})
            next_app += 1
            latest = year
        has_check = False
        if p.leading or rng.random() < 0.08:
            for year in (last - 1, last):
                if p.entry_date.year <= year and rng.random() < 0.95:
                    r = rng.random()
                    result = "truthful" if r < 0.93 else "omission" if r < 0.985 else "concealment"
                    checks.append({"id": next_check, "person_id": p.id, "year": year, "result": result,
                                   "notes": None if result == "truthful" else "漏报房产或投资情况",
                                   "record_id": None, "entered_by_id": None})
                    next_check += 1
                    has_check = True
        if rng.random() < 0.12:
            kind, title, _ = rng.choices(AWARDS, cum_weights=_AWARD_CUM)[0]
            day = today - timedelta(days=rng.randint(30, 1800))
            if day >= p.entry_date:
                awards.append({"id": next_award, "person_id": p.id, "kind": kind, "title": f"{day.year}年度{title}",
                               "awarded_on": day, "authority": "东营市人民政府" if kind != "commendation" else "区委组织部",
                               "document_no": f"东政发〔{day.year}〕{rng.randint(1, 99)}号", "entered_by_id": None})
                next_award += 1
        complete = (latest == last or p.entry_date.year > last) and (has_check or not p.leading)
        established = complete and (p.id in special or rng.random() < min(1.0, est_rate[g] / app_rate[g]))
        files.append({"person_id": p.id, "established": established, "last_appraisal_year": latest,
                      "established_at": now - timedelta(days=rng.randint(1, 300)) if established else None,
                      "established_by_id": hr_city if established else None, "version": 1})

    write()
    for table in ("appraisals", "matter_checks", "awards"):
        reset_sequence(table)
