"""Boundaries of the training rules' helpers that the mutation run found untested (make mutation)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from training import rules
from training.enums import CourseCategory
from training.rules.requirements import _overlaps


@pytest.mark.parametrize(("start", "end", "year", "expected"), [
    (date(2026, 12, 31), date(2027, 3, 1), 2026, True),     # starts on the year's last day
    (date(2025, 6, 1), date(2026, 1, 1), 2026, True),       # ends on the year's first day
    (date(2027, 1, 1), date(2027, 3, 1), 2026, False),
    (date(2025, 1, 1), date(2025, 12, 31), 2026, False),
    (date(2026, 3, 1), date(2026, 3, 1), 2026, True),
])
def test_a_window_overlaps_a_year_by_one_day(start, end, year, expected):
    assert _overlaps(start, end, year) is expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.5"), Decimal("1.5")), (1.5, Decimal("1.5")), (" 2 ", Decimal("2")), (0, Decimal("0")),
])
def test_to_hours(value, expected):
    assert rules.to_hours(value) == expected


@pytest.mark.parametrize("value", ["abc", "-1", Decimal("-0.5"), "NaN", "Infinity", ""])
def test_bad_hours_name_the_value(value):
    with pytest.raises(ValueError, match="invalid hours"):
        rules.to_hours(value)


# ------------------------------------------------------------------ quiz (SPEC §6: questions with choices, pass mark)

@pytest.mark.parametrize("points", [-1, True, 1.5])
def test_question_points_are_a_non_negative_whole_number(points):
    with pytest.raises(ValueError, match=r"^points must be a non-negative whole number: "):
        rules.QuizQuestionFacts("q", False, frozenset({"A"}), points)


@pytest.mark.parametrize(("multiple", "correct", "chosen", "right"), [
    pytest.param(True, ["A", "C"], ["C", "A"], True, id="correct keys stored as a list (JSON): same set"),
    pytest.param(True, ["A", "C"], ["A"], False, id="a subset of a multiple choice is wrong"),
    pytest.param(False, ["B"], "B", True, id="a single choice given as a bare key"),
    pytest.param(False, ["B"], "A", False, id="a wrong bare key"),
    pytest.param(False, ["B"], None, False, id="unanswered"),
])
def test_question_correct(multiple, correct, chosen, right):
    question = rules.QuizQuestionFacts("q", multiple, correct)
    assert rules.question_correct(question, chosen) is right


@pytest.mark.parametrize(("questions", "answers", "expected"), [
    pytest.param([("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1)], {"a": "A", "b": "A", "c": "A"}, (60, True),
                 id="3 of 5 = 60: the default pass mark (60) passes"),
    pytest.param([("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1)], {"a": "A", "b": "A"}, (40, False),
                 id="2 of 5 = 40 fails"),
    pytest.param([("a", 1)], {"a": "A"}, (100, True), id="a quiz of one 1-point question, answered"),
    pytest.param([("a", 1)], {"a": "B"}, (0, False), id="a quiz of one 1-point question, wrong"),
    pytest.param([("a", 1), ("b", 2)], {"b": ["A"]}, (67, True), id="2 of 3 points = 66.7 → 67"),
])
def test_quiz_score_default_pass_mark(questions, answers, expected):
    quiz = [rules.QuizQuestionFacts(qid, False, frozenset({"A"}), points) for qid, points in questions]
    assert rules.quiz_score(quiz, answers) == expected


# ------------------------------------------------------------------ quiz attempts (docs/rules.md §6: QUIZ_ATTEMPTS_PER_DAY)

@pytest.mark.parametrize(("used", "per_day", "left"), [
    pytest.param(0, 3, 3, id="none used: all 3 left"),
    pytest.param(2, 3, 1, id="two used: one left"),
    pytest.param(3, 3, 0, id="all used"),
    pytest.param(5, 3, 0, id="never negative (the limit was lowered)"),
    pytest.param(0, 1, 1, id="one a day"),
    pytest.param(7, 0, None, id="0: no limit"),
    pytest.param(7, -1, None, id="below 0: no limit"),
])
def test_attempts_left(used, per_day, left):
    assert rules.attempts_left(used, per_day) == left


@pytest.mark.parametrize(("passed", "left", "reveal"), [
    pytest.param(True, 2, True, id="passed: show the wrong answers"),
    pytest.param(True, None, True, id="passed, no limit"),
    pytest.param(False, 0, True, id="failed and today's attempts used up"),
    pytest.param(False, 1, False, id="failed with an attempt left: score only"),
    pytest.param(False, None, False, id="failed, no limit: score only"),
])
def test_reveal_wrong_answers(passed, left, reveal):
    assert rules.reveal_wrong_answers(passed, left) is reveal


def test_shuffled_is_a_fixed_permutation_per_seed():
    keys = list(range(12))
    first = rules.shuffled(keys, "quiz:1:2:1")
    assert first == rules.shuffled(keys, "quiz:1:2:1")           # a reload shows the same paper
    assert sorted(first) == keys and keys == list(range(12))      # every question once, input untouched
    orders = {tuple(rules.shuffled(keys, f"quiz:1:2:{n}")) for n in range(1, 6)}
    assert len(orders) > 1                                         # the next attempt another order


# ------------------------------------------------------------------ facts and settings (docs/rules.md §6)

def test_a_completion_given_by_category_code_counts():
    """Rows come from the database and imports as codes ("initial"): the category is the enum."""
    completion = rules.CompletionFacts("initial", True, "2", date(2026, 3, 1))
    assert completion.course_category is CourseCategory.INITIAL
    facts = rules.PersonTrainingFacts(date(2026, 1, 10), None, False, (completion,))
    initial = rules.evaluate(facts, 2026, date(2026, 6, 30)).get("initial")
    assert initial is not None and (initial.applies, initial.met) == (True, True)


def test_an_unknown_requirement_code_has_no_result():
    evaluation = rules.evaluate(rules.PersonTrainingFacts(None, None, False), 2026, date(2026, 6, 30))
    assert evaluation.get("leader_five_year") is not None and evaluation.get("no_such_code") is None


@pytest.mark.parametrize(("config", "message"), [
    ({"INITIAL_TRAINING_MONTHS": "twelve"}, "INITIAL_TRAINING_MONTHS must be a whole number of months: 'twelve'"),
    ({"APPOINTMENT_TRAINING_MONTHS": "1.5"}, "APPOINTMENT_TRAINING_MONTHS must be a whole number of months: '1.5'"),
    ({"INITIAL_TRAINING_MONTHS": "Infinity"}, "INITIAL_TRAINING_MONTHS must be a whole number of months: 'Infinity'"),
    ({"INITIAL_TRAINING_MONTHS": 0}, "initial_training_months must be a positive whole number of months: 0"),
])
def test_bad_training_months_say_so(config, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        rules.TrainingSettings.from_mapping(config)


# ------------------------------------------------------------------ requirement boundaries (docs/rules.md §6)

def _facts(*completions, entry=date(2015, 3, 1), appointed=None, leading=False):
    return rules.PersonTrainingFacts(entry, appointed, leading, completions)


def _done(category, hours, on, integrity=True):
    return rules.CompletionFacts(category, integrity, hours, on)


def test_the_first_qualifying_course_is_named_and_all_are_counted():
    """req. 1: met by a course within the window; the message names the first one."""
    facts = _facts(_done(CourseCategory.INITIAL, 8, date(2026, 5, 20)), _done(CourseCategory.INITIAL, 16, date(2026, 3, 2)),
                   entry=date(2026, 2, 1))
    r = rules.evaluate(facts, 2026, date(2026, 6, 30)).get("initial")
    assert r is not None
    assert (r.met, r.done_hours, str(r.message)) == (True, Decimal(24), "初任培训（含诚信教育内容）已于2026年3月2日完成")


@pytest.mark.parametrize(("entry", "as_of", "flags", "message"), [
    pytest.param(date(2026, 6, 30), date(2026, 6, 30), (True, False, False),
                 "初任培训（含诚信教育内容）未完成，应于2027年6月30日前完成", id="applies from the entry day"),
    pytest.param(date(2025, 6, 30), date(2026, 6, 30), (True, False, False),
                 "初任培训（含诚信教育内容）未完成，应于2026年6月30日前完成", id="on the due day: not yet overdue"),
    pytest.param(date(2025, 6, 30), date(2026, 7, 1), (True, False, True),
                 "初任培训（含诚信教育内容）未完成，已逾期（应于2026年6月30日前完成）", id="the day after: overdue"),
])
def test_initial_training_days(entry, as_of, flags, message):
    r = rules.evaluate(_facts(entry=entry), 2026, as_of).get("initial")
    assert r is not None
    assert ((r.applies, r.met, r.overdue), str(r.message)) == (flags, message)


@pytest.mark.parametrize(("as_of", "overdue", "message"), [
    pytest.param(date(2026, 12, 31), False, "本年度诚信教育学时 0/6，还差 6 学时", id="31 December: still due"),
    pytest.param(date(2027, 1, 1), True, "2026年度诚信教育学时 0/6，还差 6 学时（已逾期）", id="1 January: overdue"),
])
def test_hours_are_due_on_31_december(as_of, overdue, message):
    r = rules.evaluate(_facts(), 2026, as_of).get("integrity_hours")
    assert r is not None
    assert (r.overdue, str(r.message)) == (overdue, message)


@pytest.mark.parametrize(("config", "leading", "message"), [
    pytest.param({}, True, "领导干部五年累计学时要求未启用", id="off by default"),
    pytest.param({"LEADER_FIVE_YEAR_HOURS": 550}, False, "五年累计培训学时：未担任领导职务，不适用", id="not leading"),
    pytest.param({"LEADER_FIVE_YEAR_HOURS": "0.5"}, False, "五年累计培训学时：未担任领导职务，不适用",
                 id="a small threshold is on too: not leading"),
])
def test_leader_rule_not_applicable_says_why(config, leading, message):
    facts = _facts(appointed=date(2018, 1, 1), leading=leading)
    r = rules.evaluate(facts, 2026, date(2026, 6, 30), rules.TrainingSettings.from_mapping(config)).get(
        "leader_five_year")
    assert r is not None
    assert (r.applies, r.met, r.overdue, r.due_on, r.required_hours, str(r.message)) == (
        False, True, False, None, None, message)


def test_a_blank_setting_takes_the_default():
    """Environment variables arrive as strings: a blank one means the default (docs/rules.md §6)."""
    settings = rules.TrainingSettings.from_mapping({"INTEGRITY_HOURS_PER_YEAR": "  ", "INITIAL_TRAINING_MONTHS": ""})
    assert (settings.integrity_hours_per_year, settings.initial_training_months) == (Decimal(6), 12)


@pytest.mark.parametrize("months", [True, 1.5, 0, -1])
def test_training_windows_are_whole_positive_months(months):
    with pytest.raises(ValueError, match="must be a positive whole number of months"):
        rules.TrainingSettings(appointment_training_months=months)


def test_a_one_month_window_is_allowed():
    settings = rules.TrainingSettings(initial_training_months=1, appointment_training_months=1)
    assert (settings.initial_training_months, settings.appointment_training_months) == (1, 1)


@pytest.mark.parametrize(("config", "code"), [
    pytest.param({"ANNUAL_TRAINING_HOURS": "1"}, "annual_hours", id="ANNUAL_TRAINING_HOURS: any positive number turns it on"),
    pytest.param({"LEADER_FIVE_YEAR_HOURS": "1"}, "leader_five_year",
                 id="LEADER_FIVE_YEAR_HOURS: any positive number turns it on"),
])
def test_a_small_positive_threshold_applies(config, code):
    facts = _facts(_done(CourseCategory.IN_SERVICE, "0.5", date(2026, 3, 1), integrity=False),
                   appointed=date(2018, 1, 1), leading=True)
    r = rules.evaluate(facts, 2026, date(2026, 6, 30), rules.TrainingSettings.from_mapping(config)).get(code)
    assert r is not None
    assert (r.applies, r.met, r.required_hours, r.done_hours) == (True, False, Decimal(1), Decimal("0.5"))


def test_completions_given_once_are_all_counted():
    """The facts keep the completions (any iterable, e.g. rows streamed from a query) for every requirement."""
    rows = (_done(CourseCategory.INTEGRITY, 3, date(2026, d, 1)) for d in (2, 3))
    evaluation = rules.evaluate(rules.PersonTrainingFacts(date(2015, 3, 1), None, False, rows),
                                2026, date(2026, 6, 30))
    assert (evaluation.hours, evaluation.integrity_hours, evaluation.meets) == (Decimal(6), Decimal(6), True)


def test_an_unmet_course_requirement_has_no_hours():
    r = rules.evaluate(_facts(entry=date(2026, 2, 1)), 2026, date(2026, 6, 30)).get("initial")
    assert r is not None
    assert (r.met, r.done_hours, r.required_hours) == (False, Decimal(0), None)
