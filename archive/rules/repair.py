"""Credit repair conditions and deadlines (docs/rules.md §4.5, §4.6)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from archive.enums import (
    Category,
    JudgmentKind,
    RecordStatus,
    Sanction,
    Severity,
)
from archive.rules.facts import RecordFacts, record_label
from archive.rules.periods import add_months
from archive.rules.status import status_at
from core.text import N_, Text
from core.workcal.arith import add_working_days, is_working_day  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


# --------------------------------------------------------------------------- credit repair


@dataclass(frozen=True)
class Condition:
    code: str
    met: bool
    message: Text


_STATUS_PROBLEMS = {
    RecordStatus.DRAFT: N_("记录尚未告知，不能申请修复"),
    RecordStatus.NOTIFIED: N_("记录尚在告知期，生效后方可申请修复"),
    RecordStatus.UNDER_OBJECTION: N_("记录异议处理中，异议处理完毕后方可申请修复"),
    RecordStatus.REVOKED: N_("记录已撤销，无需修复"),
    RecordStatus.EXEMPTED: N_("记录已容错免责，无需修复"),
    RecordStatus.EXPIRED: N_("记录影响期已届满解除，无需修复"),
    RecordStatus.REPAIRED: N_("记录已修复"),
}


@dataclass(frozen=True)
class RepairScope:
    """Whether a category can be repaired (docs/rules.md §4.6)."""
    category: Category
    repairable: bool
    citation: str
    note: str = ""


_STATUTORY = "公职人员政务处分法第19、26条；公务员法第65条；中国共产党纪律处分条例（2023）第12条"
REPAIR_SCOPE: tuple[RepairScope, ...] = (
    RepairScope(Category.DISCIPLINE_GOV, False, _STATUTORY, "法定期满自动解除，不得以信用修复提前结束"),
    RepairScope(Category.DISCIPLINE_PARTY, False, _STATUTORY, "法定期满自动解除，不得以信用修复提前结束"),
    RepairScope(Category.ACCOUNTABILITY, False, "中国共产党问责条例（2019）；党政领导干部选拔任用工作条例（2019）第63条",
                "影响期满自动解除，不得以信用修复提前结束"),
    RepairScope(Category.JUDICIAL, True, "国家发展改革委令第36号；公务员法第26条",
                "失信被执行人须已移出名单；刑事处罚不适用信用修复"),
    RepairScope(Category.ADMIN_PENALTY, True, "国家发展改革委令第58号（至2026-03-31）/第36号（2026-04-01起）",
                "按情节（轻微/一般/严重）适用最短公示期"),
    RepairScope(Category.PLEDGE_BREACH, True, "国家发展改革委令第36号（参照）"),
    RepairScope(Category.REPORT_OMISSION, True, "国家发展改革委令第36号（参照）"),
    RepairScope(Category.OTHER, True, "国家发展改革委令第36号（参照）"),
)
REPAIR_SCOPE_BY_CATEGORY = {row.category: row for row in REPAIR_SCOPE}
STATUTORY_CATEGORIES = frozenset(row.category for row in REPAIR_SCOPE if not row.repairable)


@dataclass(frozen=True)
class RepairVersion:
    """A version of the NDRC credit-repair rules, chosen by the application date."""
    name: str
    citation: str
    effective_from: date
    effective_to: date | None
    min_months: tuple[tuple[Severity, int], ...]
    sector_min_months: int | None = None     # 安全生产, 消防, 特种设备
    sector_words: tuple[str, ...] = ()

    def months(self, severity: Severity, item: str | None) -> int:
        if self.sector_min_months is not None and item and any(w in item for w in self.sector_words):
            return self.sector_min_months
        return dict(self.min_months)[Severity(severity)]


REPAIR_VERSIONS: tuple[RepairVersion, ...] = (
    RepairVersion("失信行为纠正后的信用信息修复管理办法（试行）", "国家发展改革委令第58号（2023）",
                  date(2023, 5, 1), date(2026, 3, 31),
                  ((Severity.MINOR, 3), (Severity.GENERAL, 3), (Severity.SERIOUS, 3)),
                  12, ("安全生产", "消防", "特种设备")),
    RepairVersion("信用修复管理办法", "国家发展改革委令第36号", date(2026, 4, 1), None,
                  ((Severity.MINOR, 0), (Severity.GENERAL, 3), (Severity.SERIOUS, 12))),
)


def repair_version(on: date) -> RepairVersion:
    """The credit-repair rule version in force on ``on`` (the application date)."""
    for version in REPAIR_VERSIONS:
        if version.effective_from <= on and (version.effective_to is None or on <= version.effective_to):
            return version
    return REPAIR_VERSIONS[0] if on < REPAIR_VERSIONS[0].effective_from else REPAIR_VERSIONS[-1]


def repairable(record: RecordFacts, settings: RuleSettings) -> bool:
    """Whether a record's category and kind allow credit repair (docs/rules.md §4.6)."""
    if Category(record.category) in STATUTORY_CATEGORIES or record.permanent:
        return False
    if record.judgment_kind == JudgmentKind.CRIMINAL:
        return False
    return Sanction(record.sanction) not in settings.non_repairable_sanctions


def _scope_message(record: RecordFacts, combined_end: date | None) -> Text:
    if Category(record.category) in STATUTORY_CATEGORIES:
        end = combined_end or record.restricted_until
        if record.permanent or end is None:
            return N_("%(record)s为法定处分或处理，不适用信用修复；如认为事实有误，可提出异议、申请复核或申诉（%(basis)s）",
                      record=record_label(record), basis=REPAIR_SCOPE_BY_CATEGORY[Category(record.category)].citation)
        return N_("%(record)s为法定处分或处理，影响期至%(day)s，期满自动解除，不适用信用修复；"
                  "如认为事实有误，可提出异议、申请复核或申诉（%(basis)s）",
                  record=record_label(record), day=end,
                  basis=REPAIR_SCOPE_BY_CATEGORY[Category(record.category)].citation)
    if record.judgment_kind == JudgmentKind.CRIMINAL:
        return N_("%(record)s为刑事处罚，不适用信用修复（公务员法第26条）", record=record_label(record))
    return N_("%(record)s属开除或永久影响，不适用信用修复", record=record_label(record))


def repair_conditions(record: RecordFacts, as_of: date, repair_course_dates: Iterable[date],
                      repair_pledge_dates: Iterable[date], last_rejected_on: date | None,
                      settings: RuleSettings, combined_end: date | None = None) -> list[Condition]:
    """Conditions of a credit-repair application (docs/rules.md §4.6), in API order:
    ``status``, ``category``, ``waiting_period``, ``repair_training``, ``repair_pledge``,
    plus ``reapply_wait`` only while a rejection is less than REPAIR_REAPPLY_DAYS old.
    The waiting period follows the rule version in force on ``as_of`` (the application
    date: 令第58号 until 2026-03-31, 令第36号 from 2026-04-01) unless configured.
    Course and pledge dates count when on or after the decision and not after ``as_of``."""
    decided = record.decided_on
    status = status_at(record, as_of, settings, combined_end)
    excluded = not repairable(record, settings)
    version = repair_version(as_of)
    months = repair_wait_months(record, as_of, settings)
    earliest = add_months(decided, months)
    trained = any(decided <= d <= as_of for d in repair_course_dates)
    pledged = any(decided <= d <= as_of for d in repair_pledge_dates)
    wait = {"months": months, "severity": Severity(record.severity), "day": earliest, "version": version.citation}
    conditions = [
        Condition("status", status is RecordStatus.EFFECTIVE,
                  N_("记录已生效") if status is RecordStatus.EFFECTIVE else _STATUS_PROBLEMS[status]),
        Condition("category", not excluded,
                  N_("该类记录可以申请修复") if not excluded
                  else _scope_message(record, combined_end)),
        Condition("waiting_period", as_of >= earliest,
                  N_("自决定之日起须满%(months)s个月（%(severity)s，%(version)s），%(day)s起可申请，已满足", **wait)
                  if as_of >= earliest else
                  N_("自决定之日起须满%(months)s个月（%(severity)s，%(version)s），%(day)s起可申请，尚未届满", **wait)),
        Condition("repair_training", trained,
                  N_("已完成信用修复培训") if trained
                  else N_("尚未完成信用修复培训：须在决定之日（%(day)s）或之后完成一门信用修复培训课程", day=decided)),
        Condition("repair_pledge", pledged,
                  N_("已签署信用修复承诺") if pledged
                  else N_("尚未签署信用修复承诺：须在决定之日（%(day)s）或之后签署信用修复承诺书", day=decided)),
    ]
    if last_rejected_on is not None:
        again = last_rejected_on + timedelta(days=settings.repair_reapply_days)
        if as_of < again:
            conditions.append(Condition(
                "reapply_wait", False,
                N_("上次申请于%(rejected)s被驳回，%(again)s起方可再次申请", rejected=last_rejected_on, again=again)))
    return conditions


def repair_eligible(conditions: Iterable[Condition]) -> bool:
    return all(c.met for c in conditions)


# --------------------------------------------------------------------------- deadlines


def objection_due(filed_on: date, settings: RuleSettings) -> date:
    """Decision deadline of an objection: OBJECTION_DEADLINE_DAYS calendar days (公务员法 art. 95)."""
    return filed_on + timedelta(days=settings.objection_deadline_days)


def repair_due(filed_on: date, settings: RuleSettings, holidays: Iterable[date] = (),
               workdays: Iterable[date] = ()) -> date:
    """Decision deadline of a repair: the REPAIR_DECISION_WORKING_DAYS-th working day after
    filing (docs/rules.md §4.6, §4.8), on the working-day calendar (core.workcal: weekends and
    ``holidays`` skipped, ``workdays`` 调休 counted)."""
    return add_working_days(filed_on, settings.repair_decision_working_days, frozenset(holidays),
                            frozenset(workdays))


def repair_wait_months(record: RecordFacts, on: date, settings: RuleSettings) -> int:
    """Months after the decision before a repair can be applied for on ``on``."""
    configured = settings.repair_min_months(record.severity)
    return configured if configured is not None else repair_version(on).months(record.severity, record.item)
