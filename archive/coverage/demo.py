"""Demo data of coverage: fresh facts, then a year of monthly snapshots trending up to today.

Runs after every other demo step (order 90). The history is simulated per person, so the
past months are as consistent as the present (a parent is the sum of its children): a
person covered today was already covered k months ago unless their pseudo-random
"covered since" draw falls within the last k months. Each metric closes its gap at its
own pace, so the lines do not move in lock-step.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from archive.coverage import facts, services
from archive.rules import add_months
from core import wiring
from core.demo import DemoStep, indexes_deferred

HISTORY_MONTHS = 11
#: share of today's covered people not yet covered, per month back, per metric
CATCH_UP_PER_MONTH = {"archive": 0.012, "pledge": 0.014, "appraisal": 0.016, "training": 0.010}
SALT = {"archive": 17, "pledge": 43, "appraisal": 71, "training": 97}


def historical_conditions(as_of, months_back: int) -> dict:
    """The metric conditions of ``months_back`` months ago (simulated from today's facts)."""

    from archive.coverage.models import CoverageFacts
    f = CoverageFacts.__table__.c
    today = services.conditions(as_of)
    cond = {}
    for m in services.METRICS:
        not_yet = int(1000 * min(0.85, CATCH_UP_PER_MONTH[m] * months_back))
        # (id mod 1000) first: the same draw as (id * 7919 + salt) mod 1000, without overflowing
        # a 32-bit integer beyond ~271,000 people
        draw = ((f.person_id % 1000) * 7919 + SALT[m]) % 1000
        cond[m] = sa.and_(today[m], draw >= not_yet)
    cond["overall"] = sa.and_(*(cond[m] for m in services.METRICS))
    return cond


def write_history(as_of, months: int = HISTORY_MONTHS) -> int:
    """Snapshots for the ``months`` months before ``as_of``'s month, then this month's."""
    written = 0
    for back in range(months, 0, -1):
        month = add_months(as_of.replace(day=1), -back)
        month_end = add_months(month, 1) - timedelta(days=1)
        written += services.take_snapshot(month_end, month=month, cond=historical_conditions(as_of, back))
    written += services.take_snapshot(as_of)
    return written


def coverage_defer(ctx) -> None:
    """The other steps write in bulk: note their changes but rebuild the facts only once, at
    the end (refresh_all_facts resumes the per-commit refresh)."""
    facts.defer()


def coverage_demo(ctx) -> None:
    from archive.coverage.models import CoverageFacts
    # a fresh table: one plain INSERT … SELECT, its path index built once afterwards, then ANALYZE
    with indexes_deferred(CoverageFacts):
        facts.refresh_all_facts(ctx.today)
    write_history(ctx.today)


def register() -> None:
    """This package's demo step(s), in core.wiring (called from the package's register_cli)."""
    wiring.register(wiring.DEMO_STEP, "coverage_defer", DemoStep(1, coverage_defer))
    wiring.register(wiring.DEMO_STEP, "coverage_demo", DemoStep(90, coverage_demo))
