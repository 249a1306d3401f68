"""Pure training-requirement rules (docs/rules.md §6; LAW-NOTES §7.2 art. 67-68 and §7.4).

Everything here is a pure function of plain values: no Flask application context,
no database. Views, the coverage worklists and the API turn rows into the ``*Facts``
dataclasses below and call :func:`evaluate` or :func:`quiz_score`.

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

import calendar
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

from core.text import N_, Text
from training.enums import CourseCategory

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


# --------------------------------------------------------------------------- helpers


def to_hours(value: Decimal | float | str) -> Decimal:
    """``value`` as a non-negative :class:`~decimal.Decimal` number of 学时.

    Floats go through ``str`` so that ``1.5`` becomes ``Decimal("1.5")`` and not its
    binary expansion. Raises :class:`ValueError` for negative or non-numeric values.
    """
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"invalid hours: {value!r}") from exc
    if not hours.is_finite() or hours < 0:
        raise ValueError(f"invalid hours: {value!r}")
    return hours


def format_hours(hours: Decimal) -> str:
    """Hours for a message: ``Decimal("4.00")`` → ``"4"``, ``Decimal("1.50")`` → ``"1.5"``."""
    return format(hours.normalize(), "f")


def add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` calendar months (``n`` may be negative).

    The day is clamped to the end of the target month:
    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _year_bounds(year: int) -> tuple[date, date]:
    """First and last day of calendar year ``year``."""
    return date(year, 1, 1), date(year, 12, 31)


def _overlaps(start: date, end: date, year: int) -> bool:
    """Whether the closed interval [start, end] shares at least one day with ``year``."""
    first, last = _year_bounds(year)
    return start <= last and end >= first


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class TrainingSettings:
    """Configurable thresholds of the training requirements (docs/rules.md §6).

    Build it from the Flask config (or any mapping) with :meth:`from_mapping`; the
    mapping keys are the upper-case names documented on each field.
    """

    integrity_hours_per_year: Decimal = Decimal(6)
    """``INTEGRITY_HOURS_PER_YEAR`` (default 6): 学时 of courses with integrity content
    everyone must complete in each calendar year (requirement ``integrity_hours``)."""

    annual_training_hours: Decimal = _ZERO
    """``ANNUAL_TRAINING_HOURS`` (default 0 = off): total 学时 of all courses required per
    calendar year (requirement ``annual_hours``). 90 enforces the "12 days or 90 学时 a
    year" rule of the civil-service training outline (LAW-NOTES §7.4)."""

    initial_training_months: int = 12
    """``INITIAL_TRAINING_MONTHS`` (default 12): months after the entry date within which
    a new recruit must complete an initial-training course with integrity content
    (公务员法 art. 67: 初任培训 during probation; requirement ``initial``)."""

    appointment_training_months: int = 12
    """``APPOINTMENT_TRAINING_MONTHS`` (default 12): months around the appointment date
    within which a person appointed to a leading post must complete an
    appointment-training course (公务员法 art. 67: before taking up the post or within
    1 year after). The same number of months is accepted before the appointment
    (requirement ``appointment``)."""

    leader_five_year_hours: Decimal = _ZERO
    """``LEADER_FIVE_YEAR_HOURS`` (default 0 = off): total 学时 a person in a leading post
    must complete in the 5 calendar years ending with the evaluated year (requirement
    ``leader_five_year``). 550 enforces the "3 months or 550 学时 every 5 years" rule for
    县处级 leaders (LAW-NOTES §7.4)."""

    def __post_init__(self) -> None:
        """Normalise hours to Decimal and reject negative or zero-month windows."""
        for name in (
            "integrity_hours_per_year",
            "annual_training_hours",
            "leader_five_year_hours",
        ):
            object.__setattr__(self, name, to_hours(getattr(self, name)))
        for name in ("initial_training_months", "appointment_training_months"):
            months = getattr(self, name)
            if isinstance(months, bool) or int(months) != months or months < 1:
                raise ValueError(
                    f"{name} must be a positive whole number of months: {months!r}"
                )
            object.__setattr__(self, name, int(months))

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> TrainingSettings:
        """Settings read from ``config`` (e.g. ``app.config``).

        Keys: ``INTEGRITY_HOURS_PER_YEAR``, ``ANNUAL_TRAINING_HOURS``,
        ``INITIAL_TRAINING_MONTHS``, ``APPOINTMENT_TRAINING_MONTHS``,
        ``LEADER_FIVE_YEAR_HOURS``. Missing keys, ``None`` and empty strings take the
        default. Values may be numbers or numeric strings (environment variables).
        Raises :class:`ValueError` for invalid values.
        """
        defaults = cls()

        def pick(key: str, default: Any) -> Any:
            value = config.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                return default
            return value

        def months(key: str, default: int) -> int:
            value = pick(key, default)
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise ValueError(
                    f"{key} must be a whole number of months: {value!r}"
                ) from exc
            if not number.is_finite() or number != number.to_integral_value():
                raise ValueError(f"{key} must be a whole number of months: {value!r}")
            return int(number)

        return cls(
            integrity_hours_per_year=to_hours(
                pick("INTEGRITY_HOURS_PER_YEAR", defaults.integrity_hours_per_year)
            ),
            annual_training_hours=to_hours(
                pick("ANNUAL_TRAINING_HOURS", defaults.annual_training_hours)
            ),
            initial_training_months=months(
                "INITIAL_TRAINING_MONTHS", defaults.initial_training_months
            ),
            appointment_training_months=months(
                "APPOINTMENT_TRAINING_MONTHS", defaults.appointment_training_months
            ),
            leader_five_year_hours=to_hours(
                pick("LEADER_FIVE_YEAR_HOURS", defaults.leader_five_year_hours)
            ),
        )


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


# --------------------------------------------------------------------------- quiz


@dataclass(frozen=True)
class QuizQuestionFacts:
    """One quiz question as the grader sees it.

    ``correct`` is the set of correct option keys; ``points`` its weight (≥ 0).
    A single-choice question (``multiple`` False) scores when exactly one option is
    chosen and it is correct; a multiple-choice one only when the chosen set equals
    ``correct`` exactly.
    """

    id: Hashable
    multiple: bool
    correct: frozenset[str]
    points: int = 1

    def __post_init__(self) -> None:
        """Store ``correct`` as a frozenset and reject negative points."""
        object.__setattr__(self, "correct", frozenset(self.correct))
        if (
            isinstance(self.points, bool)
            or int(self.points) != self.points
            or self.points < 0
        ):
            raise ValueError(
                f"points must be a non-negative whole number: {self.points!r}"
            )


def _chosen(value: Collection[str] | str | None) -> frozenset[str]:
    """The chosen option keys; a bare string is one key, None is nothing."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def question_correct(
    question: QuizQuestionFacts, chosen: Collection[str] | str | None
) -> bool:
    """Whether ``chosen`` answers ``question`` correctly (see :class:`QuizQuestionFacts`)."""
    keys = _chosen(chosen)
    if not keys:
        return False
    if question.multiple:
        return keys == question.correct
    return len(keys) == 1 and keys <= question.correct


def quiz_score(
    questions: Sequence[QuizQuestionFacts],
    answers: Mapping[Any, Collection[str] | str | None],   # keyed by question id (Mapping's key is invariant)
    pass_mark: int = 60,
) -> tuple[int, bool]:
    """Grade a quiz: ``(score 0-100, passed)``.

    ``answers`` maps question id → chosen option keys. Unanswered questions score 0;
    answers to unknown question ids are ignored. ``score = round(100 * earned / total)``
    with halves rounded up (四舍五入); ``passed`` when ``score >= pass_mark``. A quiz whose
    questions are worth 0 points in total scores 0 and does not pass.
    """
    total = sum(q.points for q in questions)
    if total <= 0:
        return 0, False
    earned = sum(q.points for q in questions if question_correct(q, answers.get(q.id)))
    score = int(
        (Decimal(100 * earned) / Decimal(total)).quantize(Decimal(1), ROUND_HALF_UP)
    )
    return score, score >= pass_mark


# --------------------------------------------------------------------------- quiz attempts (issue 19)


def attempts_left(used_today: int, per_day: int) -> int | None:
    """Quiz attempts still open today: ``per_day - used_today`` (never negative); None when
    ``per_day`` is 0 or less (no limit)."""
    if per_day <= 0:
        return None
    return max(0, per_day - used_today)


_K = TypeVar("_K", bound=Hashable)


def reveal_wrong_answers(passed: bool, left: int | None) -> bool:
    """Which questions were answered wrong is shown once the quiz is passed or today's attempts
    are used up; before that, only the score (so attempts are not a way to find the answers)."""
    return passed or left == 0


def shuffled(keys: Sequence[_K], seed: str) -> list[_K]:
    """``keys`` in an order fixed by ``seed``: the same attempt (same seed) always shows the same
    order (a reload, a refused submission), the next attempt another one."""
    import random
    out = list(keys)
    random.Random(seed).shuffle(out)   # noqa: S311 - presentation order, not a secret
    return out
