"""Pure training rules (docs/rules.md §6), by concept: ``requirements`` (the training a person
must have: initial, appointment, yearly and integrity hours, the leaders' five-year hours; what
completions count), ``settings`` (their configurable thresholds and the hours and months value
helpers) and ``quiz`` (grading online quizzes, attempts a day, when wrong answers are shown,
question order). Their public names are re-exported here: callers import from ``training.rules``.
"""
from __future__ import annotations

from training.rules.quiz import (
    QuizQuestionFacts,
    attempts_left,
    question_correct,
    quiz_score,
    reveal_wrong_answers,
    shuffled,
)
from training.rules.requirements import (
    LEADER_RULE_YEARS,
    REQ_ANNUAL_HOURS,
    REQ_APPOINTMENT,
    REQ_INITIAL,
    REQ_INTEGRITY_HOURS,
    REQ_LEADER_FIVE_YEAR,
    REQUIREMENT_CODES,
    CompletionFacts,
    PersonTrainingFacts,
    RequirementResult,
    TrainingEvaluation,
    evaluate,
    hours_between,
    hours_in_year,
)
from training.rules.settings import (
    TrainingSettings,
    add_months,
    format_hours,
    to_hours,
)

__all__ = [
    "CompletionFacts",
    "LEADER_RULE_YEARS",
    "PersonTrainingFacts",
    "QuizQuestionFacts",
    "REQUIREMENT_CODES",
    "REQ_ANNUAL_HOURS",
    "REQ_APPOINTMENT",
    "REQ_INITIAL",
    "REQ_INTEGRITY_HOURS",
    "REQ_LEADER_FIVE_YEAR",
    "RequirementResult",
    "TrainingEvaluation",
    "TrainingSettings",
    "add_months",
    "attempts_left",
    "evaluate",
    "format_hours",
    "hours_between",
    "hours_in_year",
    "question_correct",
    "quiz_score",
    "reveal_wrong_answers",
    "shuffled",
    "to_hours",
]
