"""Tests of the pure training-requirement rules (training/rules/).

Legal basis (LAW-NOTES §7.2, §7.4):
* 公务员法 art. 67 — 初任培训 for new recruits during probation (here: within 12 months of
  entry, with integrity content); 任职培训 "before taking up the post or within 1 year after".
* 公务员法 art. 68 — training is registered and counts in 考核.
* "十三五"行政机关公务员培训纲要 — ≥ 12 days or 90 学时 a year; 县处级 leaders ≥ 550 学时
  every 5 years (configurable, off by default).
* INTEGRITY_HOURS_PER_YEAR (default 6) — the system's integrity-education policy (docs/rules.md §6).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from training.enums import CourseCategory
from training.rules import (
    REQUIREMENT_CODES,
    CompletionFacts,
    PersonTrainingFacts,
    QuizQuestionFacts,
    TrainingSettings,
    add_months,
    evaluate,
    hours_in_year,
    quiz_score,
)

C = CourseCategory
AS_OF = date(2026, 6, 30)
YEAR = 2026


def done(
    category: CourseCategory, integrity: bool, hours: float | str, on: date
) -> CompletionFacts:
    """A completion; ``hours`` given as float or string."""
    return CompletionFacts(category, integrity, Decimal(str(hours)), on)


def person(
    *completions: CompletionFacts,
    entry: date | None = date(2015, 3, 1),
    appointed: date | None = None,
    leading: bool = False,
) -> PersonTrainingFacts:
    """A civil servant (by default an old hand, not leading)."""
    return PersonTrainingFacts(entry, appointed, leading, tuple(completions))


# An old hand's integrity hours for 2026, enough for integrity_hours.
SIX_INTEGRITY = done(C.INTEGRITY, True, 6, date(2026, 3, 10))


# ------------------------------------------------------------------ acceptance scenario


def test_acceptance_four_of_six_integrity_hours_then_topped_up():
    """docs/rules.md §6 req. 3: 4 of 6 integrity hours → gap saying 2 missing; +2 hours → meets."""
    four = done(C.INTEGRITY, True, 4, date(2026, 4, 1))
    ev = evaluate(person(four), YEAR, AS_OF, TrainingSettings())
    r = ev.get("integrity_hours")
    assert r is not None
    assert (r.applies, r.met, r.overdue) == (True, False, False)
    assert r.required_hours == Decimal(6)
    assert r.done_hours == Decimal(4)
    assert r.due_on == date(2026, 12, 31)
    assert r.message == "本年度诚信教育学时 4/6，还差 2 学时"
    assert ev.meets is False
    assert [g.code for g in ev.gaps] == ["integrity_hours"]
    assert ev.integrity_hours == Decimal(4)

    two = done(C.IN_SERVICE, True, 2, date(2026, 6, 1))
    ev = evaluate(person(four, two), YEAR, AS_OF, TrainingSettings())
    r = ev.get("integrity_hours")
    assert r is not None
    assert (r.met, r.done_hours) == (True, Decimal(6))
    assert r.message == "本年度诚信教育学时 6/6，已达标"
    assert ev.meets is True
    assert ev.gaps == []
    assert (ev.hours, ev.integrity_hours) == (Decimal(6), Decimal(6))


def test_requirements_listed_in_contract_order():
    ev = evaluate(person(SIX_INTEGRITY), YEAR, AS_OF, TrainingSettings())
    assert [r.code for r in ev.requirements] == list(REQUIREMENT_CODES)
    assert REQUIREMENT_CODES == (
        "initial",
        "appointment",
        "integrity_hours",
        "annual_hours",
        "leader_five_year",
    )
    assert ev.year == YEAR


# ------------------------------------------------------------------ initial training

# 公务员法 art. 67: 初任培训 for new recruits; docs/rules.md §6 req. 1: a course of category
# "initial" WITH integrity content within 12 months of entry.
INITIAL_CASES = [
    # id, entry, completions, as_of, (applies, met, overdue), due_on, message
    (
        "met-within-window",
        date(2026, 2, 1),
        [done(C.INITIAL, True, 24, date(2026, 5, 20))],
        AS_OF,
        (True, True, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）已于2026年5月20日完成",
    ),
    (
        "pending-not-yet-due-is-still-a-gap",
        date(2026, 2, 1),
        [],
        AS_OF,
        (True, False, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）未完成，应于2027年2月1日前完成",
    ),
    (
        "overdue-window-ended-this-year",
        date(2025, 3, 15),
        [],
        AS_OF,
        (True, False, True),
        date(2026, 3, 15),
        "初任培训（含诚信教育内容）未完成，已逾期（应于2026年3月15日前完成）",
    ),
    (
        "initial-course-without-integrity-content-does-not-count",
        date(2026, 2, 1),
        [done(C.INITIAL, False, 24, date(2026, 5, 20))],
        AS_OF,
        (True, False, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）未完成，应于2027年2月1日前完成",
    ),
    (
        "integrity-course-of-other-category-does-not-count",
        date(2026, 2, 1),
        [done(C.INTEGRITY, True, 24, date(2026, 5, 20))],
        AS_OF,
        (True, False, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）未完成，应于2027年2月1日前完成",
    ),
    (
        "completed-late-after-window-does-not-count",
        date(2025, 3, 15),
        [done(C.INITIAL, True, 24, date(2026, 4, 1))],
        AS_OF,
        (True, False, True),
        date(2026, 3, 15),
        "初任培训（含诚信教育内容）未完成，已逾期（应于2026年3月15日前完成）",
    ),
    (
        "completed-before-entry-does-not-count",
        date(2026, 2, 1),
        [done(C.INITIAL, True, 24, date(2026, 1, 20))],
        AS_OF,
        (True, False, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）未完成，应于2027年2月1日前完成",
    ),
    (
        "completed-on-due-date-counts",
        date(2025, 3, 15),
        [done(C.INITIAL, True, 24, date(2026, 3, 15))],
        AS_OF,
        (True, True, False),
        date(2026, 3, 15),
        "初任培训（含诚信教育内容）已于2026年3月15日完成",
    ),
    (
        "window-ended-before-the-year-not-applicable",
        date(2024, 9, 1),
        [],
        AS_OF,
        (False, True, False),
        None,
        "初任培训（含诚信教育内容）：2026年度不适用",
    ),
    (
        "entry-after-as-of-not-applicable",
        date(2026, 9, 1),
        [],
        AS_OF,
        (False, True, False),
        None,
        "初任培训（含诚信教育内容）：2026年度不适用",
    ),
    (
        "no-entry-date-not-applicable",
        None,
        [],
        AS_OF,
        (False, True, False),
        None,
        "初任培训：无录用日期，不适用",
    ),
    (
        "completion-after-as-of-does-not-count",
        date(2026, 2, 1),
        [done(C.INITIAL, True, 24, date(2026, 7, 1))],
        AS_OF,
        (True, False, False),
        date(2027, 2, 1),
        "初任培训（含诚信教育内容）未完成，应于2027年2月1日前完成",
    ),
]


@pytest.mark.parametrize(
    ("entry", "completions", "as_of", "flags", "due_on", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in INITIAL_CASES],
)
def test_initial_training(entry, completions, as_of, flags, due_on, message):
    facts = person(SIX_INTEGRITY, *completions, entry=entry)
    ev = evaluate(facts, YEAR, as_of, TrainingSettings())
    r = ev.get("initial")
    assert r is not None
    assert (r.applies, r.met, r.overdue) == flags
    assert r.due_on == due_on
    assert r.required_hours is None
    assert r.message == message
    # The other requirements are met, so the overall verdict follows this one.
    assert ev.meets is (not r.applies or r.met)


def test_initial_training_months_configurable():
    settings = TrainingSettings.from_mapping({"INITIAL_TRAINING_MONTHS": 6})
    ev = evaluate(
        person(SIX_INTEGRITY, entry=date(2025, 11, 30)), YEAR, AS_OF, settings
    )
    r = ev.get("initial")
    assert r is not None
    assert (r.applies, r.met, r.overdue, r.due_on) == (
        True,
        False,
        True,
        date(2026, 5, 30),
    )


# ------------------------------------------------------------------ appointment training

# 公务员法 art. 67: 任职培训 "before taking up the post or within 1 year after";
# accepted from 12 months before to 12 months after the appointment.
APPOINTMENT_CASES = [
    # id, leading, appointed, completions, (applies, met, overdue), due_on
    (
        "completed-before-taking-up-post",
        True,
        date(2026, 3, 1),
        [done(C.APPOINTMENT, False, 40, date(2025, 11, 10))],
        (True, True, False),
        date(2027, 3, 1),
    ),
    (
        "completed-after-taking-up-post",
        True,
        date(2025, 9, 1),
        [done(C.APPOINTMENT, False, 40, date(2026, 5, 10))],
        (True, True, False),
        date(2026, 9, 1),
    ),
    (
        "completed-more-than-12-months-before-does-not-count",
        True,
        date(2026, 3, 1),
        [done(C.APPOINTMENT, False, 40, date(2025, 2, 28))],
        (True, False, False),
        date(2027, 3, 1),
    ),
    (
        "completed-exactly-12-months-before-counts",
        True,
        date(2026, 3, 1),
        [done(C.APPOINTMENT, False, 40, date(2025, 3, 1))],
        (True, True, False),
        date(2027, 3, 1),
    ),
    (
        "leadership-course-is-not-appointment-training",
        True,
        date(2026, 3, 1),
        [done(C.LEADERSHIP, False, 40, date(2026, 4, 1))],
        (True, False, False),
        date(2027, 3, 1),
    ),
    (
        "overdue",
        True,
        date(2025, 5, 31),
        [],
        (True, False, True),
        date(2026, 5, 31),
    ),
    (
        "appointment-window-ended-before-the-year",
        True,
        date(2024, 6, 1),
        [],
        (False, True, False),
        None,
    ),
    (
        "non-leading-not-applicable",
        False,
        date(2026, 3, 1),
        [],
        (False, True, False),
        None,
    ),
    (
        "leading-without-appointment-date-not-applicable",
        True,
        None,
        [],
        (False, True, False),
        None,
    ),
]


@pytest.mark.parametrize(
    ("leading", "appointed", "completions", "flags", "due_on"),
    [pytest.param(*row[1:], id=row[0]) for row in APPOINTMENT_CASES],
)
def test_appointment_training(leading, appointed, completions, flags, due_on):
    facts = person(SIX_INTEGRITY, *completions, appointed=appointed, leading=leading)
    ev = evaluate(facts, YEAR, AS_OF, TrainingSettings())
    r = ev.get("appointment")
    assert r is not None
    assert (r.applies, r.met, r.overdue) == flags
    assert r.due_on == due_on
    assert ev.meets is (not r.applies or r.met)


def test_appointment_messages():
    pending = evaluate(
        person(SIX_INTEGRITY, appointed=date(2026, 3, 1), leading=True), YEAR, AS_OF
    ).get("appointment")
    overdue = evaluate(
        person(SIX_INTEGRITY, appointed=date(2025, 5, 31), leading=True), YEAR, AS_OF
    ).get("appointment")
    outsider = evaluate(person(SIX_INTEGRITY), YEAR, AS_OF).get("appointment")
    assert pending is not None and overdue is not None and outsider is not None
    assert pending.message == "任职培训未完成，应于2027年3月1日前完成"
    assert overdue.message == "任职培训未完成，已逾期（应于2026年5月31日前完成）"
    assert outsider.message == "任职培训：未担任领导职务，不适用"


# ------------------------------------------------------------------ hours requirements

# Integrity hours (docs/rules.md §6 req. 3) and the outline's 90 学时 a year (req. 4).
HOURS_CASES = [
    # id, settings mapping, completions, code, (applies, met), done_hours, message
    (
        "integrity-other-years-do-not-count",
        {},
        [
            done(C.INTEGRITY, True, 6, date(2025, 12, 31)),
            done(C.INTEGRITY, True, 6, date(2027, 1, 1)),
            done(C.INTEGRITY, True, 1.5, date(2026, 1, 1)),
        ],
        "integrity_hours",
        (True, False),
        Decimal("1.5"),
        "本年度诚信教育学时 1.5/6，还差 4.5 学时",
    ),
    (
        "integrity-after-as-of-does-not-count",
        {},
        [
            done(C.INTEGRITY, True, 3, date(2026, 6, 30)),
            done(C.INTEGRITY, True, 3, date(2026, 7, 1)),
        ],
        "integrity_hours",
        (True, False),
        Decimal(3),
        "本年度诚信教育学时 3/6，还差 3 学时",
    ),
    (
        "integrity-only-courses-with-integrity-content",
        {},
        [
            done(C.IN_SERVICE, False, 20, date(2026, 2, 1)),
            done(C.IN_SERVICE, True, 2, date(2026, 2, 2)),
        ],
        "integrity_hours",
        (True, False),
        Decimal(2),
        "本年度诚信教育学时 2/6，还差 4 学时",
    ),
    (
        "integrity-threshold-configurable",
        {"INTEGRITY_HOURS_PER_YEAR": "8"},
        [done(C.INTEGRITY, True, 6, date(2026, 2, 1))],
        "integrity_hours",
        (True, False),
        Decimal(6),
        "本年度诚信教育学时 6/8，还差 2 学时",
    ),
    (
        "annual-hours-off-by-default",
        {},
        [done(C.INTEGRITY, True, 6, date(2026, 2, 1))],
        "annual_hours",
        (False, True),
        Decimal(0),
        "年度培训总学时要求未启用",
    ),
    (
        "annual-hours-90-enforced-when-set",
        {"ANNUAL_TRAINING_HOURS": 90},
        [
            done(C.INTEGRITY, True, 6, date(2026, 2, 1)),
            done(C.IN_SERVICE, False, 40, date(2026, 3, 1)),
            done(C.IN_SERVICE, False, 50, date(2025, 11, 1)),
        ],
        "annual_hours",
        (True, False),
        Decimal(46),
        "本年度培训总学时 46/90，还差 44 学时",
    ),
    (
        "annual-hours-90-met",
        {"ANNUAL_TRAINING_HOURS": 90},
        [
            done(C.INTEGRITY, True, 6, date(2026, 2, 1)),
            done(C.IN_SERVICE, False, 84, date(2026, 3, 1)),
        ],
        "annual_hours",
        (True, True),
        Decimal(90),
        "本年度培训总学时 90/90，已达标",
    ),
]


@pytest.mark.parametrize(
    ("config", "completions", "code", "flags", "done_hours", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in HOURS_CASES],
)
def test_hours_requirements(config, completions, code, flags, done_hours, message):
    ev = evaluate(
        person(*completions), YEAR, AS_OF, TrainingSettings.from_mapping(config)
    )
    r = ev.get(code)
    assert r is not None
    assert (r.applies, r.met) == flags
    assert r.done_hours == done_hours
    assert r.message == message
    assert r.overdue is False


def test_hours_gap_in_past_year_is_overdue_and_labelled_with_year():
    ev = evaluate(person(done(C.INTEGRITY, True, 4, date(2025, 5, 1))), 2025, AS_OF)
    r = ev.get("integrity_hours")
    assert r is not None
    assert (r.met, r.overdue, r.due_on) == (False, True, date(2025, 12, 31))
    assert r.message == "2025年度诚信教育学时 4/6，还差 2 学时（已逾期）"


# ------------------------------------------------------------------ leader five-year rule

# LAW-NOTES §7.4: 县处级 leaders ≥ 3 months or 550 学时 every 5 years (off by default).
LEADER_CASES = [
    # id, config, leading, completions, (applies, met), done_hours
    ("off-by-default", {}, True, [], (False, True), Decimal(0)),
    (
        "non-leading-not-applicable",
        {"LEADER_FIVE_YEAR_HOURS": 550},
        False,
        [],
        (False, True),
        Decimal(0),
    ),
    (
        "five-calendar-years-ending-with-year",
        {"LEADER_FIVE_YEAR_HOURS": 550},
        True,
        [
            done(C.LEADERSHIP, False, 100, date(2021, 12, 31)),  # outside 2022-2026
            done(C.LEADERSHIP, False, 300, date(2022, 1, 1)),
            done(C.LEADERSHIP, False, 200, date(2025, 6, 1)),
            done(C.LEADERSHIP, False, 50, date(2026, 7, 1)),  # after as_of
        ],
        (True, False),
        Decimal(506),  # 300 + 200 + SIX_INTEGRITY
    ),
    (
        "met",
        {"LEADER_FIVE_YEAR_HOURS": 550},
        True,
        [done(C.LEADERSHIP, False, 544, date(2024, 6, 1))],
        (True, True),
        Decimal(550),
    ),
]


@pytest.mark.parametrize(
    ("config", "leading", "completions", "flags", "done_hours"),
    [pytest.param(*row[1:], id=row[0]) for row in LEADER_CASES],
)
def test_leader_five_year(config, leading, completions, flags, done_hours):
    facts = person(
        SIX_INTEGRITY,
        done(C.APPOINTMENT, False, 0, date(2020, 1, 1)),
        *completions,
        appointed=date(2018, 1, 1),
        leading=leading,
    )
    ev = evaluate(facts, YEAR, AS_OF, TrainingSettings.from_mapping(config))
    r = ev.get("leader_five_year")
    assert r is not None
    assert (r.applies, r.met) == flags
    assert r.done_hours == done_hours
    assert ev.meets is flags[1]


def test_leader_five_year_message():
    settings = TrainingSettings.from_mapping({"LEADER_FIVE_YEAR_HOURS": "550"})
    facts = person(SIX_INTEGRITY, appointed=date(2018, 1, 1), leading=True)
    r = evaluate(facts, YEAR, AS_OF, settings).get("leader_five_year")
    assert r is not None
    assert r.message == "2022—2026年度累计培训学时 6/550，还差 544 学时"


# ------------------------------------------------------------------ settings and helpers


def test_settings_defaults_and_mapping():
    default = TrainingSettings.from_mapping({})
    assert default == TrainingSettings()
    assert default.integrity_hours_per_year == Decimal(6)
    assert default.annual_training_hours == Decimal(0)
    assert default.initial_training_months == 12
    assert default.appointment_training_months == 12
    assert default.leader_five_year_hours == Decimal(0)
    custom = TrainingSettings.from_mapping(
        {
            "INTEGRITY_HOURS_PER_YEAR": 4.5,
            "ANNUAL_TRAINING_HOURS": "90",
            "INITIAL_TRAINING_MONTHS": "6",
            "APPOINTMENT_TRAINING_MONTHS": None,
            "LEADER_FIVE_YEAR_HOURS": 550,
        }
    )
    assert custom.integrity_hours_per_year == Decimal("4.5")
    assert custom.annual_training_hours == Decimal(90)
    assert custom.initial_training_months == 6
    assert custom.appointment_training_months == 12
    assert custom.leader_five_year_hours == Decimal(550)


@pytest.mark.parametrize(
    "config",
    [
        {"INTEGRITY_HOURS_PER_YEAR": -1},
        {"ANNUAL_TRAINING_HOURS": "many"},
        {"INITIAL_TRAINING_MONTHS": 0},
        {"APPOINTMENT_TRAINING_MONTHS": "1.5"},
    ],
)
def test_settings_reject_invalid(config):
    with pytest.raises(ValueError):
        TrainingSettings.from_mapping(config)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # month-end clamping
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day + 12 months
        (date(2025, 3, 31), -1, date(2025, 2, 28)),  # backwards
        (date(2026, 3, 1), -12, date(2025, 3, 1)),
        (date(2025, 11, 15), 3, date(2026, 2, 15)),  # across the year
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_hours_in_year_and_float_hours():
    completions = [
        CompletionFacts(C.INTEGRITY, True, 1.1, date(2026, 1, 1)),
        CompletionFacts(C.IN_SERVICE, False, 2.2, date(2026, 12, 31)),
        CompletionFacts(C.IN_SERVICE, True, 5, date(2025, 12, 31)),
    ]
    assert completions[0].hours == Decimal("1.1")
    assert hours_in_year(completions, 2026, date(2026, 12, 31)) == Decimal("3.3")
    assert hours_in_year(
        completions, 2026, date(2026, 12, 31), integrity_only=True
    ) == Decimal("1.1")
    assert hours_in_year(completions, 2026, date(2026, 12, 30)) == Decimal("1.1")
    assert hours_in_year(completions, 2025, date(2026, 12, 31)) == Decimal(5)


def test_past_evaluation_ignores_later_completions():
    """Evaluating 2026 as of 31 March: April's course did not yet exist."""
    facts = person(
        done(C.INTEGRITY, True, 4, date(2026, 3, 1)),
        done(C.INTEGRITY, True, 2, date(2026, 4, 1)),
    )
    early = evaluate(facts, YEAR, date(2026, 3, 31))
    late = evaluate(facts, YEAR, date(2026, 4, 1))
    assert (early.meets, early.integrity_hours) == (False, Decimal(4))
    assert (late.meets, late.integrity_hours) == (True, Decimal(6))


def test_negative_hours_rejected():
    with pytest.raises(ValueError):
        CompletionFacts(C.INTEGRITY, True, -1, date(2026, 1, 1))


# ------------------------------------------------------------------ quiz


def q(
    qid: str, multiple: bool, correct: set[str], points: int = 1
) -> QuizQuestionFacts:
    """A quiz question."""
    return QuizQuestionFacts(qid, multiple, frozenset(correct), points)


QUIZ = [
    q("q1", False, {"A"}),
    q("q2", True, {"A", "C"}),
    q("q3", False, {"B"}, 2),
]

QUIZ_CASES = [
    # id, answers, pass_mark, (score, passed)
    ("all-correct", {"q1": {"A"}, "q2": {"A", "C"}, "q3": {"B"}}, 60, (100, True)),
    ("single-wrong", {"q1": {"B"}, "q2": {"A", "C"}, "q3": {"B"}}, 60, (75, True)),
    (
        "single-two-options-chosen",
        {"q1": {"A", "B"}, "q2": {"A", "C"}, "q3": {"B"}},
        60,
        (75, True),
    ),
    (
        "multiple-subset-scores-nothing",
        {"q1": {"A"}, "q2": {"A"}, "q3": {"B"}},
        60,
        (75, True),
    ),
    (
        "multiple-superset-scores-nothing",
        {"q1": {"A"}, "q2": {"A", "B", "C"}, "q3": {"B"}},
        60,
        (75, True),
    ),
    ("unanswered-score-zero", {"q3": {"B"}}, 60, (50, False)),
    ("nothing-answered", {}, 60, (0, False)),
    ("empty-choice-scores-zero", {"q1": set(), "q3": {"B"}}, 60, (50, False)),
    ("unknown-ids-ignored", {"q9": {"A"}, "q1": {"A"}, "q3": {"B"}}, 60, (75, True)),
    ("pass-mark-boundary-equal-passes", {"q1": {"A"}, "q3": {"B"}}, 75, (75, True)),
    ("pass-mark-boundary-one-above-fails", {"q1": {"A"}, "q3": {"B"}}, 76, (75, False)),
]


@pytest.mark.parametrize(
    ("answers", "pass_mark", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in QUIZ_CASES],
)
def test_quiz_score(answers, pass_mark, expected):
    assert quiz_score(QUIZ, answers, pass_mark=pass_mark) == expected


def test_quiz_rounding_and_default_pass_mark():
    three = [q("a", False, {"A"}), q("b", False, {"A"}), q("c", False, {"A"})]
    # 2/3 → 66.67 → 67; 1/3 → 33.33 → 33
    assert quiz_score(three, {"a": {"A"}, "b": {"A"}}) == (67, True)
    assert quiz_score(three, {"a": {"A"}}) == (33, False)
    eight = [q(str(i), False, {"A"}) for i in range(8)]
    # 5/8 = 62.5 → 63 (四舍五入), above the default pass mark 60
    assert quiz_score(eight, {str(i): {"A"} for i in range(5)}) == (63, True)
    # 1/8 = 12.5 → 13
    assert quiz_score(eight, {"0": {"A"}}) == (13, False)


def test_quiz_without_points_does_not_pass():
    assert quiz_score([], {}) == (0, False)
    assert quiz_score([q("z", False, {"A"}, 0)], {"z": {"A"}}) == (0, False)
