"""The demo's misconduct records: random records in every state (with their objections,
versions and notifications) and one person per rule of docs/rules.md (a sanction chain, a
留党察看, a pending case, a released record, a repaired one); rows get explicit ids so records,
versions and objections link up."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

import sqlalchemy as sa

from archive import rules
from archive.enums import SANCTIONS_BY_CATEGORY, Category, RecordStatus, Sanction, Severity
from archive.file.models import Objection, Record
from archive.file.records import DEFAULT_RECORD_ITEMS
from core.extensions import db

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


# cumulative weights computed once (random.choices draws exactly as with weights=)
_CATEGORIES, _CATEGORY_CUM = [c for c, _ in CATEGORY_WEIGHTS], list(accumulate(w for _, w in CATEGORY_WEIGHTS))
_STATUSES, _STATUS_CUM = [s for s, _ in STATUS_WEIGHTS], list(accumulate(w for _, w in STATUS_WEIGHTS))


def _next_id(model) -> int:
    return (db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0) + 1


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
