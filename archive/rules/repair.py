"""Credit repair conditions and deadlines (docs/rules.md §4.5, §4.6)."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from archive.enums import (
    RecordStatus,
    Severity,
)
from archive.rules.facts import RecordFacts, record_label
from archive.rules.periods import add_months
from archive.rules.status import status_at
from core.text import N_, Text

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


def repair_conditions(record: RecordFacts, as_of: date, repair_course_dates: Iterable[date],
                      repair_pledge_dates: Iterable[date], last_rejected_on: date | None,
                      settings: RuleSettings, combined_end: date | None = None) -> list[Condition]:
    """Conditions of a credit-repair application (SPEC §4.6), in API order: ``status``,
    ``category``, ``waiting_period``, ``repair_training``, ``repair_pledge``, plus
    ``reapply_wait`` only while a rejection is less than REPAIR_REAPPLY_DAYS old.
    Course and pledge dates count when on or after the decision and not after ``as_of``."""
    decided = record.decided_on
    status = status_at(record, as_of, settings, combined_end)
    excluded = record.permanent or record.sanction in settings.non_repairable_sanctions
    months = settings.repair_min_months(record.severity)
    earliest = add_months(decided, months)
    trained = any(decided <= d <= as_of for d in repair_course_dates)
    pledged = any(decided <= d <= as_of for d in repair_pledge_dates)
    wait = {"months": months, "severity": Severity(record.severity), "day": earliest}
    conditions = [
        Condition("status", status is RecordStatus.EFFECTIVE,
                  N_("记录已生效") if status is RecordStatus.EFFECTIVE else _STATUS_PROBLEMS[status]),
        Condition("category", not excluded,
                  N_("该类记录可以申请修复") if not excluded
                  else N_("%(record)s属开除或永久影响，不适用信用修复", record=record_label(record))),
        Condition("waiting_period", as_of >= earliest,
                  N_("自决定之日起须满%(months)s个月（%(severity)s），%(day)s起可申请，已满足", **wait)
                  if as_of >= earliest else
                  N_("自决定之日起须满%(months)s个月（%(severity)s），%(day)s起可申请，尚未届满", **wait)),
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


def is_working_day(day: date, holidays: Collection[date] = (),
                   workdays: Collection[date] = ()) -> bool:
    """Mon-Fri except ``holidays``; ``workdays`` are make-up working days (调休) on weekends."""
    return day in workdays or (day.weekday() < 5 and day not in holidays)


def repair_due(filed_on: date, settings: RuleSettings, holidays: Iterable[date] = (),
               workdays: Iterable[date] = ()) -> date:
    """Decision deadline of a repair: the REPAIR_DECISION_WORKING_DAYS-th working day after
    filing (SPEC §4.6), skipping weekends and ``holidays``."""
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    day, counted = filed_on, 0
    while counted < settings.repair_decision_working_days:
        day += timedelta(days=1)
        counted += is_working_day(day, holidays, workdays)
    return day
