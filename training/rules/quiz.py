"""Pure quiz rules of online study (docs/rules.md §6): grading a quiz, the attempts a day, when
the wrong answers are shown, and the order the questions appear in.

Pure functions of plain values: study.py turns questions and answers into
:class:`QuizQuestionFacts` and calls :func:`quiz_score`.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

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
