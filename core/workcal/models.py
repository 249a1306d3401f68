"""Years of the working-day calendar added after release (the shipped years are a data file).

A year loaded again gets a new version; the previous one is kept, inactive (nothing is deleted).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import UTCDateTime
from core.extensions import db


class WorkCalendarYear(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    __tablename__ = "work_calendar_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, index=True)
    source: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    days: Mapped[list[WorkCalendarDay]] = relationship(back_populates="calendar_year",
                                                       order_by="WorkCalendarDay.day")


class WorkCalendarDay(db.Model):  # type: ignore[name-defined]
    __tablename__ = "work_calendar_days"
    __table_args__ = (sa.UniqueConstraint("year_id", "day"),
                      sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(sa.ForeignKey("work_calendar_years.id"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(200))
    calendar_year: Mapped[WorkCalendarYear] = relationship(back_populates="days")
