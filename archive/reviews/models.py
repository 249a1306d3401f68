"""Models of reviews: a review (考察评审), its candidates and its committee members (docs/rules.md §8).

A review is *open* while it has not been closed by HR and its closing date (``closes_on``,
inclusive, Asia/Shanghai calendar day) has not passed. Committee members see the candidates
of open reviews they sit on, and nothing once the review is closed.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.enums import ReviewPurpose
from core import clock
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.extensions import db
from core.guards import audited


@audited
class Review(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[ReviewPurpose] = enum_column(ReviewPurpose)
    closes_on: Mapped[date] = mapped_column(sa.Date, index=True)
    # the creating HR officer's department: HR of that subtree manages the review
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    department_path: Mapped[str] = mapped_column(sa.String(255))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    department = relationship("Department", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")
    candidates: Mapped[list[ReviewCandidate]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewCandidate.id")
    members: Mapped[list[ReviewMember]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewMember.id")

    def is_open(self, today: date) -> bool:
        return self.closed_at is None and self.closes_on >= today

    @classmethod
    def open_clause(cls, today: date):
        """SQL condition: the review is open on ``today``."""
        return sa.and_(cls.closed_at.is_(None), cls.closes_on >= today)

    def __repr__(self) -> str:
        return f"<Review {self.id} {self.name}>"


class ReviewCandidate(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "review_candidates"
    __table_args__ = (sa.UniqueConstraint("review_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    review: Mapped[Review] = relationship(back_populates="candidates")
    person = relationship("Person", lazy="joined")


class ReviewMember(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "review_members"
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    review: Mapped[Review] = relationship(back_populates="members")
    user = relationship("User", lazy="joined")


__all__ = ["Review", "ReviewCandidate", "ReviewMember"]
