"""Pure training-requirement rules (docs/rules.md §6; LAW-NOTES §7.2 art. 67-68 and §7.4).

Everything here is a pure function of plain values: no Flask application context,
no database. Views, the coverage worklists and the API turn rows into the ``*Facts``
dataclasses below and call :func:`evaluate` (the quiz rules are in training/rules/quiz.py).

Legal basis of the requirements:

* 《公务员法》art. 67: 初任培训 for new recruits during probation; 任职培训 for those
  promoted to a leading post "before taking up the post or within 1 year after".
* 《公务员法》art. 68: training is registered and is part of 考核.
* 《"十三五"行政机关公务员培训纲要》: at least 12 days or 90 学时 of training a year;
  县处级 leaders at least 3 months or 550 学时 every 5 years (LAW-NOTES §7.4, not
  confirmed as text of the 2019 规定, hence off by default and configurable).
* The integrity-education hours per year are this system's own policy
  (``INTEGRITY_HOURS_PER_YEAR``, default 6).

Requirement codes (a contract shared with other modules and the API):
``initial``, ``appointment``, ``integrity_hours``, ``annual_hours``, ``leader_five_year``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.text import N_, Text
from training.enums import CourseCategory
from training.rules.settings import TrainingSettings, add_months, format_hours, to_hours

REQ_INITIAL = "initial"
REQ_APPOINTMENT = "appointment"
REQ_INTEGRITY_HOURS = "integrity_hours"
REQ_ANNUAL_HOURS = "annual_hours"
REQ_LEADER_FIVE_YEAR = "leader_five_year"

#: All requirement codes, in the order :func:`evaluate` reports them.
REQUIREMENT_CODES: tuple[str, ...] = (
    REQ_INITIAL,
    REQ_APPOINTMENT,
    REQ_INTEGRITY_HOURS,
    REQ_ANNUAL_HOURS,
    REQ_LEADER_FIVE_YEAR,
)

#: Number of calendar years (ending with the evaluated year) of the leader rule.
LEADER_RULE_YEARS = 5

_ZERO = Decimal(0)



# --------------------------------------------------------------------------- years


def _year_bounds(year: int) -> tuple[date, date]:
    """First and last day of calendar year ``year``."""
    return date(year, 1, 1), date(year, 12, 31)


def _overlaps(start: date, end: date, year: int) -> bool:
    """Whether the closed interval [start, end] shares at least one day with ``year``."""
    first, last = _year_bounds(year)
    return start <= last and end >= first


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, init=False)
class CompletionFacts:
    """One completed enrolment (status ``completed``) as the rules see it.

    ``integrity`` is the course's "integrity content" flag; ``hours`` the credited 学时
    (stored as :class:`~decimal.Decimal`; floats and ints are converted).
    """

    course_category: CourseCategory
    integrity: bool
    hours: Decimal
    completed_on: date

    def __init__(
        self,
        course_category: CourseCategory | str,
        integrity: bool,
        hours: Decimal | float,
        completed_on: date,
    ) -> None:
        """Convert ``hours`` to Decimal and the category code to the enum."""
        object.__setattr__(self, "hours", to_hours(hours))
        object.__setattr__(self, "course_category", CourseCategory(course_category))
        object.__setattr__(self, "integrity", integrity)
        object.__setattr__(self, "completed_on", completed_on)


@dataclass(frozen=True)
class PersonTrainingFacts:
    """What the rules need to know about one person.

    ``entry_date``: date of entering the civil service (录用), or None if unknown.
    ``appointed_on``: date of appointment to the current leading post, or None.
    ``leading``: whether the person holds a leading post (领导职务).
    ``completions``: the person's completed courses (any dates; the rules filter).
    """

    entry_date: date | None
    appointed_on: date | None
    leading: bool
    completions: tuple[CompletionFacts, ...] = ()

    def __post_init__(self) -> None:
        """Accept any iterable of completions and store it as a tuple."""
        object.__setattr__(self, "completions", tuple(self.completions))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RequirementResult:
    """The outcome of one requirement for one person and year.

    ``required_hours`` is None for the course-based requirements (``initial``,
    ``appointment``), which need one qualifying course rather than a number of hours;
    ``done_hours`` is then the hours of the qualifying courses found. ``due_on`` is the
    last day to comply; ``overdue`` is True when the requirement applies, is not met and
    ``as_of`` is past ``due_on``. ``message`` (Chinese) says what is missing.
    A requirement that does not apply has ``met`` True and ``overdue`` False.
    """

    code: str
    applies: bool
    met: bool
    required_hours: Decimal | None
    done_hours: Decimal
    due_on: date | None
    overdue: bool
    message: Text

    @property
    def is_gap(self) -> bool:
        """True when the requirement applies and is not met."""
        return self.applies and not self.met


@dataclass(frozen=True)
class TrainingEvaluation:
    """All requirements of one person for one calendar year.

    ``hours`` and ``integrity_hours`` are the 学时 completed in the year up to ``as_of``;
    ``meets`` is True when every requirement that applies is met.
    """

    year: int
    meets: bool
    hours: Decimal
    integrity_hours: Decimal
    requirements: list[RequirementResult] = field(default_factory=list)

    @property
    def gaps(self) -> list[RequirementResult]:
        """The requirements that apply and are not met, in report order."""
        return [r for r in self.requirements if r.is_gap]

    def get(self, code: str) -> RequirementResult | None:
        """The result of requirement ``code``, or None if it was not evaluated."""
        for result in self.requirements:
            if result.code == code:
                return result
        return None


# --------------------------------------------------------------------------- hours


def hours_between(
    completions: Iterable[CompletionFacts],
    start: date,
    end: date,
    as_of: date,
    integrity_only: bool = False,
) -> Decimal:
    """Sum of hours completed in [start, end] and on or before ``as_of``.

    With ``integrity_only`` only completions of courses with integrity content count.
    """
    last = min(end, as_of)
    total = _ZERO
    for c in completions:
        if integrity_only and not c.integrity:
            continue
        if start <= c.completed_on <= last:
            total += c.hours
    return total


def hours_in_year(
    completions: Iterable[CompletionFacts],
    year: int,
    as_of: date,
    integrity_only: bool = False,
) -> Decimal:
    """Hours completed in calendar year ``year`` on or before ``as_of``.

    With ``integrity_only`` only completions of courses with integrity content count.
    """
    first, last = _year_bounds(year)
    return hours_between(completions, first, last, as_of, integrity_only)


# --------------------------------------------------------------------------- rules


def _year_label(year: int, as_of: date) -> Text:
    """The year label of messages: 本年度 for the year of ``as_of``, else e.g. 2025年度."""
    return N_("本年度") if year == as_of.year else N_("%(year)s年度", year=year)


def _not_applicable(code: str, message: Text) -> RequirementResult:
    """A result for a requirement that does not apply."""
    return RequirementResult(
        code=code,
        applies=False,
        met=True,
        required_hours=None,
        done_hours=_ZERO,
        due_on=None,
        overdue=False,
        message=message,
    )


def _course_rule(
    code: str,
    name: Text,
    facts: PersonTrainingFacts,
    start: date,
    window_from: date,
    due_on: date,
    year: int,
    as_of: date,
    qualifies: Callable[[CompletionFacts], bool],
) -> RequirementResult:
    """A "complete one qualifying course within a window" requirement.

    Applies when [start, due_on] overlaps ``year`` and ``start`` is on or before
    ``as_of``; met by a completion satisfying ``qualifies`` dated within
    [window_from, due_on] and on or before ``as_of``.
    """
    if start > as_of or not _overlaps(start, due_on, year):
        return _not_applicable(code, N_("%(name)s：%(year)s年度不适用", name=name, year=year))
    last = min(due_on, as_of)
    found = sorted(
        (
            c
            for c in facts.completions
            if qualifies(c) and window_from <= c.completed_on <= last
        ),
        key=lambda c: c.completed_on,
    )
    done = sum((c.hours for c in found), _ZERO)
    if found:
        message = N_("%(name)s已于%(day)s完成", name=name, day=found[0].completed_on)
        return RequirementResult(code, True, True, None, done, due_on, False, message)
    overdue = as_of > due_on
    if overdue:
        message = N_("%(name)s未完成，已逾期（应于%(day)s前完成）", name=name, day=due_on)
    else:
        message = N_("%(name)s未完成，应于%(day)s前完成", name=name, day=due_on)
    return RequirementResult(code, True, False, None, done, due_on, overdue, message)


def _hours_rule(
    code: str,
    label: Text,
    required: Decimal,
    done: Decimal,
    due_on: date,
    as_of: date,
) -> RequirementResult:
    """An "at least ``required`` hours" requirement with ``done`` hours completed."""
    met = done >= required
    hours = {"label": label, "done": format_hours(done), "required": format_hours(required)}
    if met:
        message = N_("%(label)s %(done)s/%(required)s，已达标", **hours)
        overdue = False
    else:
        overdue = as_of > due_on
        missing = format_hours(required - done)
        message = (N_("%(label)s %(done)s/%(required)s，还差 %(missing)s 学时（已逾期）", missing=missing, **hours)
                   if overdue else N_("%(label)s %(done)s/%(required)s，还差 %(missing)s 学时", missing=missing, **hours))
    return RequirementResult(code, True, met, required, done, due_on, overdue, message)


def evaluate(
    facts: PersonTrainingFacts,
    year: int,
    as_of: date,
    settings: TrainingSettings | None = None,
) -> TrainingEvaluation:
    """Evaluate the training requirements of one person for calendar year ``year``.

    Only completions dated on or before ``as_of`` count, so evaluating the past is
    honest. The requirements, by code:

    ``initial``
        Applies to a new recruit: the window [entry_date, entry_date +
        ``initial_training_months``] overlaps ``year`` and entry_date ≤ ``as_of``. Met
        by a course of category ``initial`` with integrity content completed within the
        window. ``due_on`` is the end of the window. Not met until done, even before it
        is due (a coverage gap); ``overdue`` distinguishes late from pending.
    ``appointment``
        Applies to a person in a leading post with an appointment date whose window
        [appointed_on, appointed_on + ``appointment_training_months``] overlaps
        ``year`` and appointed_on ≤ ``as_of``. Met by a course of category
        ``appointment`` completed from ``appointment_training_months`` before the
        appointment up to the end of the window (art. 67: before taking up the post or
        within 1 year after).
    ``integrity_hours``
        Applies to everyone: hours of courses with integrity content completed in
        ``year`` ≥ ``integrity_hours_per_year``. Due on 31 December.
    ``annual_hours``
        Only when ``annual_training_hours`` > 0: total hours in ``year`` ≥ it.
    ``leader_five_year``
        Only when ``leader_five_year_hours`` > 0 and the person is leading: total
        hours in the 5 calendar years ending with ``year`` ≥ it. Due on 31 December.
    """
    settings = settings or TrainingSettings()
    completions = facts.completions
    year_last = _year_bounds(year)[1]
    label = _year_label(year, as_of)
    total = hours_in_year(completions, year, as_of)
    integrity = hours_in_year(completions, year, as_of, integrity_only=True)
    results: list[RequirementResult] = []

    # 1. 初任培训 (公务员法 art. 67): new recruits, with integrity content.
    if facts.entry_date is None:
        results.append(_not_applicable(REQ_INITIAL, N_("初任培训：无录用日期，不适用")))
    else:
        due = add_months(facts.entry_date, settings.initial_training_months)
        results.append(
            _course_rule(
                REQ_INITIAL,
                N_("初任培训（含诚信教育内容）"),
                facts,
                facts.entry_date,
                facts.entry_date,
                due,
                year,
                as_of,
                lambda c: c.course_category is CourseCategory.INITIAL and c.integrity,
            )
        )

    # 2. 任职培训 (公务员法 art. 67): before taking up the post or within 1 year after.
    if not facts.leading or facts.appointed_on is None:
        results.append(
            _not_applicable(REQ_APPOINTMENT, N_("任职培训：未担任领导职务，不适用"))
        )
    else:
        months = settings.appointment_training_months
        results.append(
            _course_rule(
                REQ_APPOINTMENT,
                N_("任职培训"),
                facts,
                facts.appointed_on,
                add_months(facts.appointed_on, -months),
                add_months(facts.appointed_on, months),
                year,
                as_of,
                lambda c: c.course_category is CourseCategory.APPOINTMENT,
            )
        )

    # 3. Integrity-education hours in the calendar year (everyone).
    results.append(
        _hours_rule(
            REQ_INTEGRITY_HOURS,
            N_("%(period)s诚信教育学时", period=label),
            settings.integrity_hours_per_year,
            integrity,
            year_last,
            as_of,
        )
    )

    # 4. 12 days or 90 学时 a year (training outline), when configured.
    if settings.annual_training_hours > 0:
        results.append(
            _hours_rule(
                REQ_ANNUAL_HOURS,
                N_("%(period)s培训总学时", period=label),
                settings.annual_training_hours,
                total,
                year_last,
                as_of,
            )
        )
    else:
        results.append(_not_applicable(REQ_ANNUAL_HOURS, N_("年度培训总学时要求未启用")))

    # 5. Leaders: 3 months or 550 学时 every 5 years (LAW-NOTES §7.4), when configured.
    if settings.leader_five_year_hours > 0 and facts.leading:
        first_year = year - LEADER_RULE_YEARS + 1
        done = hours_between(completions, date(first_year, 1, 1), year_last, as_of)
        results.append(
            _hours_rule(
                REQ_LEADER_FIVE_YEAR,
                N_("%(first)s—%(year)s年度累计培训学时", first=first_year, year=year),
                settings.leader_five_year_hours,
                done,
                year_last,
                as_of,
            )
        )
    elif settings.leader_five_year_hours > 0:
        results.append(
            _not_applicable(
                REQ_LEADER_FIVE_YEAR, N_("五年累计培训学时：未担任领导职务，不适用")
            )
        )
    else:
        results.append(
            _not_applicable(REQ_LEADER_FIVE_YEAR, N_("领导干部五年累计学时要求未启用"))
        )

    meets = all(r.met for r in results if r.applies)
    return TrainingEvaluation(
        year=year,
        meets=meets,
        hours=total,
        integrity_hours=integrity,
        requirements=results,
    )
