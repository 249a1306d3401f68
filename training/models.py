"""Models of training (docs/rules.md §6): Course (+ materials, quiz), CourseSession 班次, Enrolment, QuizAttempt,
and the per-person-per-year summary TrainingStatus.

Design: one register of training, ``enrolments``. An enrolment starts ``enrolled`` and ends
``completed`` (hours credited, score, completion date, certificate number), ``absent`` or
``failed``. A completion IS a completed enrolment, whatever its origin: classroom attendance,
online study with a quiz, the external training platform's export (``source = import``, no
session, no prior enrolment) or the API. Hence:

* the requirement rules read one table (completed enrolments joined to their course);
* re-importing the same completion is idempotent on (person, course, completed_on), which is a
  unique index (NULL ``completed_on`` of open enrolments never collides);
* at most one OPEN enrolment per person and course (partial unique index), and a person sits
  in a given session once (unique person, course, session; a NULL session never collides).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import nh3
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.extensions import db
from core.guards import audited
from training.enums import CourseCategory, CourseMode, EnrolmentSource, EnrolmentStatus, MaterialKind

HOURS = sa.Numeric(5, 1)

#: Tags kept in course materials written as HTML (everything else is stripped by nh3).
MATERIAL_TAGS = {"p", "br", "h3", "h4", "h5", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote",
                 "table", "thead", "tbody", "tr", "th", "td", "span", "hr"}


def sanitise_html(text: str) -> str:
    """Course text as safe HTML: nh3 keeps basic formatting tags only, no attributes, no scripts."""
    return nh3.clean(text or "", tags=MATERIAL_TAGS, attributes={}, link_rel=None)


_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?\s*>")


def looks_like_html(text: str) -> bool:
    """Whether ``text`` contains an HTML tag (``<第二段>`` is not one)."""
    return bool(_TAG.search(text or ""))


def _paragraphs(text: str) -> str:
    paragraphs = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in paragraphs)


def to_safe_html(text: str) -> str:
    """Material text as stored: sanitised HTML as is, plain text as escaped paragraphs."""
    return sanitise_html(text) if looks_like_html(text) else _paragraphs(text)


def text_as_html(text: str) -> Markup:
    """Material body for display (sanitised again: defence in depth)."""
    return Markup(sanitise_html(to_safe_html(text)))  # noqa: S704 - sanitised by nh3


class Course(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A course of the catalogue. ``hours`` are the credit hours (学时) a completion earns by default."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
        sa.CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[CourseCategory] = enum_column(CourseCategory, index=True)
    integrity: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    hours: Mapped[Decimal] = mapped_column(HOURS)
    mode: Mapped[CourseMode] = enum_column(CourseMode, default=CourseMode.CLASSROOM)
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    pass_mark: Mapped[int] = mapped_column(default=60, server_default="60")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # the department whose HR (or HR above it) may change the course; others only use it
    owner_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)

    materials: Mapped[list[CourseMaterial]] = relationship(
        back_populates="course", order_by="(CourseMaterial.order, CourseMaterial.id)",
        cascade="all, delete-orphan")
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="course", order_by="(QuizQuestion.order, QuizQuestion.id)", cascade="all, delete-orphan")
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", order_by="(CourseSession.starts_on, CourseSession.id)")

    @property
    def has_quiz(self) -> bool:
        return bool(self.questions)

    @property
    def online(self) -> bool:
        return self.mode is CourseMode.ONLINE

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class CourseMaterial(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """A chapter of the integrity handbook, a case study or other study text of a course."""

    __tablename__ = "course_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[MaterialKind] = enum_column(MaterialKind, default=MaterialKind.TEXT)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    order: Mapped[int] = mapped_column(default=0, server_default="0")

    course: Mapped[Course] = relationship(back_populates="materials")

    @property
    def html(self) -> Markup:
        return text_as_html(self.body)


class QuizQuestion(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One question of a course quiz. ``options`` = [{"key": "A", "text": ...}], ``correct`` = ["A"]."""

    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    multiple: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    correct: Mapped[list] = mapped_column(sa.JSON, default=list)
    points: Mapped[int] = mapped_column(default=1, server_default="1")
    order: Mapped[int] = mapped_column(default=0, server_default="0")

    course: Mapped[Course] = relationship(back_populates="questions")

    @property
    def option_keys(self) -> list[str]:
        return [o["key"] for o in self.options or []]


class CourseSession(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """班次: one run of a classroom course (dates, place, capacity, organiser)."""

    __tablename__ = "course_sessions"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int] = mapped_column(sa.Integer)
    organiser: Mapped[str] = mapped_column(sa.String(100), default="")

    course: Mapped[Course] = relationship(back_populates="sessions")

    @property
    def label(self) -> str:
        name = self.title or f"{self.starts_on:%Y-%m-%d}"
        return f"{name}（{self.starts_on:%m-%d}—{self.ends_on:%m-%d}，{self.place}）" if self.place else name


@audited
class Enrolment(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """The training register (培训登记, 公务员法 art. 68): enrolled → completed | absent | failed."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "course_id", "session_id"),
        sa.Index("ux_enrolments_completion", "person_id", "course_id", "completed_on", unique=True),
        sa.Index("ux_enrolments_open", "person_id", "course_id", unique=True,
                 sqlite_where=sa.text("status = 'enrolled'"), postgresql_where=sa.text("status = 'enrolled'")),
        sa.Index("ix_enrolments_status_completed_on", "status", "completed_on"),
        sa.Index("ix_enrolments_course_status", "course_id", "status", "completed_on"),
        sa.CheckConstraint("hours_credited IS NULL OR hours_credited >= 0", name="hours_not_negative"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        sa.CheckConstraint("status <> 'completed' OR (completed_on IS NOT NULL AND hours_credited IS NOT NULL)",
                           name="completed_has_date_and_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_sessions.id"), index=True)
    status: Mapped[EnrolmentStatus] = enum_column(EnrolmentStatus, default=EnrolmentStatus.ENROLLED)
    source: Mapped[EnrolmentSource] = enum_column(EnrolmentSource, default=EnrolmentSource.ENROLMENT)
    enrolled_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    hours_credited: Mapped[Decimal | None] = mapped_column(HOURS)
    score: Mapped[int | None] = mapped_column(sa.Integer)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    certificate_no: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person = relationship("Person", lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")
    session: Mapped[CourseSession | None] = relationship(lazy="joined")

    @property
    def credited_hours(self) -> Decimal:
        """The hours credited by a completion (a completed enrolment always has them: CHECK
        completed_has_date_and_hours); ValueError for an enrolment that has none."""
        if self.hours_credited is None:
            raise ValueError(f"enrolment {self.id} ({self.status.value}) has no hours credited")
        return self.hours_credited


@audited
class QuizAttempt(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One submitted quiz. A failed attempt leaves the enrolment open, so the person may retry."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (sa.Index("ix_quiz_attempts_person_course", "person_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"))
    enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolments.id"))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)     # question id (str) -> [keys]
    score: Mapped[int] = mapped_column(sa.Integer)
    passed: Mapped[bool] = mapped_column(default=False)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    enrolment: Mapped[Enrolment | None] = relationship(lazy="joined")


class TrainingStatus(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Per person and calendar year: hours done and whether every requirement is met.

    ``integrity_hours`` / ``total_hours`` are kept current by every service that changes
    completions (``services.refresh_training_status``), so the set-based evaluation reads a
    region's hours here instead of summing the register (see training/queries.py). ``meets`` is
    a cache of the whole evaluation at ``updated_at``, refreshed with the hours and nightly by
    ``flask --app wsgi training refresh`` (requirement windows move with the calendar). A person
    without a row for a year has no completion in that year.
    """

    __tablename__ = "training_status"
    __table_args__ = (sa.Index("ix_training_status_year_meets", "year", "meets"),)

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    integrity_hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 1), default=0)
    total_hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 1), default=0)
    meets: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
