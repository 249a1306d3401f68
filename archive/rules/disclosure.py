"""Public disclosure (信用公示) and pledge validity (docs/rules.md §12, §5)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from archive.rules.facts import RecordFacts
from archive.rules.periods import add_months
from archive.rules.status import restricts

if TYPE_CHECKING:
    from archive.rules.settings import RuleSettings


# --------------------------------------------------------------------------- disclosure, pledges


def disclosure_visible(record: RecordFacts, as_of: date, settings: RuleSettings,
                       combined_end: date | None = None) -> bool:
    """Whether a record is on the public disclosure page (信用公示, docs/rules.md §12): disclosable,
    restricting, and within DISCLOSURE_MAX_MONTHS of the decision (一般 1 year, 严重 3)."""
    limit = add_months(record.decided_on, settings.disclosure_max_months(record.severity))
    return record.disclosable and as_of <= limit and restricts(record, as_of, settings, combined_end)


def has_valid_pre_appointment_pledge(signed_dates: Iterable[date], appointed_on: date | None,
                                     entry_date: date) -> bool:
    """A pre-appointment pledge signed on or after the appointment to the current post
    (or the entry date when there is no appointment date) (docs/rules.md §5)."""
    since = appointed_on or entry_date
    return any(d >= since for d in signed_dates)
