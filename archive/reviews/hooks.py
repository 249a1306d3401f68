"""What the reviews package plugs in (called by archive.register).

- the committee scope (below);
- the owner of a review's batch-print job (core.wiring.JOB_OWNER): only who may still see the
  review sees its job, and the job page leads back to the review;
- the merged batch PDF as a true copy of each integrity file in it (core.wiring.DOCUMENT_BATCH).

The committee scope (docs/rules.md §2): a committee member sees the candidates of the open
reviews they sit on; when the review closes (closing date passed or closed by HR) the
access ends at once, on every page, download and API call that uses the person scope.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from archive.reviews import printing, services
from archive.reviews.models import Review, ReviewCandidate, ReviewMember
from core import clock, wiring
from core.accounts.permissions import register_person_scope
from core.extensions import db
from core.job_views import JobOwner
from core.jobs import Job


def committee_person_ids(user):
    """A SELECT of the people ids ``user`` may see as a committee member (open reviews only)."""
    return (sa.select(ReviewCandidate.person_id)
            .join(Review, Review.id == ReviewCandidate.review_id)
            .join(ReviewMember, ReviewMember.review_id == Review.id)
            .where(ReviewMember.user_id == user.id, Review.open_clause(clock.today())))


def review_job_owner(job: Job, user: Any) -> JobOwner | None:
    """A batch print of a review: seen while the user may see the review (a committee member's
    access ends with the review), titled 批量打印, under the review in the breadcrumb."""
    review = db.session.get(Review, job.owner_id)
    if review is None or not services.can_view_review(user, review):
        return None
    return JobOwner(title=_("批量打印") if job.kind == "review_print" else None,
                    breadcrumb=[(_("考察评审"), url_for("reviews.reviews")),
                                (review.name, url_for("reviews.review", review_id=review.id))])


def register() -> None:
    register_person_scope("committee", committee_person_ids)
    wiring.register(wiring.JOB_OWNER, Review.__tablename__, review_job_owner)
    wiring.register(wiring.DOCUMENT_BATCH, printing.KIND, printing.batch_holding)
