"""Eligibility verdicts of a review purpose (docs/rules.md §8 with §4.7)."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from archive.enums import (
    RestrictionKind,
    ReviewPurpose,
    Verdict,
)
from archive.rules.facts import PersonFacts, record_label
from archive.rules.status import Evaluation, restricts
from core.text import N_, Text

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


_PURPOSE_KIND = {ReviewPurpose.PROMOTION: RestrictionKind.PROMOTION,
                 ReviewPurpose.AWARD: RestrictionKind.AWARD,
                 ReviewPurpose.HIRING: RestrictionKind.HIRING}

def verdict(purpose: ReviewPurpose, evaluation: Evaluation, person: PersonFacts, as_of: date,
            settings: RuleSettings) -> tuple[Verdict, list[Text]]:
    """Eligibility for a review purpose (docs/rules.md §8 with §4.7).

    ``ineligible`` with the reasons of the purpose's restrictions; else ``attention`` with
    what a committee must weigh (evaluation notes, restricting records that do not bar
    this purpose); else ``eligible``. A pending case bars every purpose (§4.7), so it is
    always among the restrictions of ``evaluation`` (from :func:`evaluate` at ``as_of``).
    """
    kind = _PURPOSE_KIND[ReviewPurpose(purpose)]
    barring = evaluation.of_kind(kind)
    if barring:
        return Verdict.INELIGIBLE, list(dict.fromkeys(r.reason for r in barring))
    reasons = list(evaluation.notes)
    ends = evaluation.record_ends
    for r in person.records:
        if restricts(r, as_of, settings, ends.get(r.id)):   # restricts() is False before the decision
            reasons.append(N_("%(record)s为有效失信记录（不直接限制%(purpose)s，需综合考虑）",
                              record=record_label(r), purpose=ReviewPurpose(purpose)))
    if reasons:
        return Verdict.ATTENTION, list(dict.fromkeys(reasons))
    return Verdict.ELIGIBLE, []
