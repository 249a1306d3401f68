"""What the reviews package plugs in (called by archive.register).

The committee scope (docs/rules.md §2): a committee member sees the candidates of the open
reviews they sit on; when the review closes (closing date passed or closed by HR) the
access ends at once, on every page, download and API call that uses the person scope.
"""
from __future__ import annotations

import sqlalchemy as sa

from archive.reviews.models import Review, ReviewCandidate, ReviewMember
from core import clock
from core.accounts.permissions import register_person_scope


def committee_person_ids(user):
    """A SELECT of the people ids ``user`` may see as a committee member (open reviews only)."""
    return (sa.select(ReviewCandidate.person_id)
            .join(Review, Review.id == ReviewCandidate.review_id)
            .join(ReviewMember, ReviewMember.review_id == Review.id)
            .where(ReviewMember.user_id == user.id, Review.open_clause(clock.today())))



def register() -> None:
    register_person_scope("committee", committee_person_ids)
