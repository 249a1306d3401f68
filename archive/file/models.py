"""Models of the integrity file (docs/rules.md §4.1-4.5, §4.7).

Every table carries ``person_id`` (whose file it belongs to) and is ``@audited``: rows are
never deleted and never bulk-updated. Records change state only through the guarded
transitions on :class:`Record` (called by archive/file/records.py, which also keeps a
:class:`RecordVersion` of the previous state for every change).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from archive import rules
from archive.enums import AwardKind, Category, Grade, JudgmentKind, MatterResult, RecordStatus, Sanction, Severity
from core import clock
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.enums import LabelledEnum
from core.errors import Conflict
from core.extensions import db
from core.guards import audited

__all__ = ["ArchiveFile", "Appraisal", "AppraisalVersion", "Award", "MatterCheck", "Record", "RecordVersion",
           "Objection", "ObjectionStatus", "Complaint", "ComplaintStatus", "CaseFlag"]


class ObjectionStatus(LabelledEnum):
    PENDING = "pending", "待处理"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"


class ComplaintStatus(LabelledEnum):
    PENDING = "pending", "待答复"
    ANSWERED = "answered", "已答复"


def _person_fk():
    return mapped_column(sa.ForeignKey("people.id"), index=True)


@audited
class ArchiveFile(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """One row per person whose file has been touched: 档案已建立 (who, when) and the year of
    the latest recorded appraisal. Coverage counts these flags over one table by subtree."""

    __tablename__ = "archive_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), unique=True)
    established: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    established_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    established_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_appraisal_year: Mapped[int | None] = mapped_column(sa.Integer)


@audited
class Appraisal(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """年度考核: one result per person and year; a correction keeps the old one in AppraisalVersion."""

    __tablename__ = "appraisals"
    __table_args__ = (sa.UniqueConstraint("person_id", "year"),
                      sa.CheckConstraint("year BETWEEN 1950 AND 2200", name="year_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    year: Mapped[int] = mapped_column(sa.Integer, index=True)
    grade: Mapped[Grade] = enum_column(Grade)
    document_no: Mapped[str | None] = mapped_column(sa.String(100))
    notes: Mapped[str | None] = mapped_column(sa.String(1000))
    override_reason: Mapped[str | None] = mapped_column(sa.String(500))   # entry-check warnings overridden
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


@audited
class AppraisalVersion(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """The previous value of a corrected appraisal: old grade, who corrected it, when, why."""

    __tablename__ = "appraisal_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    appraisal_id: Mapped[int] = mapped_column(sa.ForeignKey("appraisals.id"), index=True)
    person_id: Mapped[int] = _person_fk()
    year: Mapped[int] = mapped_column(sa.Integer)
    old_grade: Mapped[Grade] = enum_column(Grade)
    old_document_no: Mapped[str | None] = mapped_column(sa.String(100))
    new_grade: Mapped[Grade] = enum_column(Grade)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    reason: Mapped[str | None] = mapped_column(sa.String(500))


@audited
class Award(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """奖励、荣誉称号 (公务员法 art. 53)."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    kind: Mapped[AwardKind] = enum_column(AwardKind)
    title: Mapped[str] = mapped_column(sa.String(200))
    awarded_on: Mapped[date] = mapped_column(sa.Date)
    authority: Mapped[str] = mapped_column(sa.String(200))
    document_no: Mapped[str | None] = mapped_column(sa.String(100))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


@audited
class MatterCheck(TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """个人有关事项报告查核, one per person and year; 漏报/瞒报 may become a record."""

    __tablename__ = "matter_checks"
    __table_args__ = (sa.UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    year: Mapped[int] = mapped_column(sa.Integer)
    result: Mapped[MatterResult] = enum_column(MatterResult)
    notes: Mapped[str | None] = mapped_column(sa.String(1000))
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("records.id"))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


# --------------------------------------------------------------------------- records

SNAPSHOT_FIELDS = ("category", "sanction", "item", "severity", "decided_on", "restricted_until", "permanent",
                   "restricted_until_reason", "authority", "document_no", "facts", "facts_private", "disclosable",
                   "status", "notified_on", "acknowledged_on", "revoked_reason", "exempt_basis", "judgment_kind",
                   "probation_months")


def _illegal(record: Record, act: str) -> Conflict:
    return Conflict("illegal_state", f"记录当前状态为“{record.status.zh}”，不能{act}")


@audited
class Record(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """政务失信记录 (docs/rules.md §4.4). ``status`` is the stored state; the state at a date is
    ``rules.status_at`` (notified → effective after the objection window, → expired after
    the restriction end, without anyone pressing a button)."""

    __tablename__ = "records"
    __table_args__ = (sa.Index("ix_records_status_person", "status", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    category: Mapped[Category] = enum_column(Category)
    sanction: Mapped[Sanction] = enum_column(Sanction)
    item: Mapped[str | None] = mapped_column(sa.String(50))
    severity: Mapped[Severity] = enum_column(Severity, default=Severity.GENERAL)
    decided_on: Mapped[date] = mapped_column(sa.Date)
    restricted_until: Mapped[date | None] = mapped_column(sa.Date)     # last restricting day, inclusive
    permanent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    restricted_until_reason: Mapped[str | None] = mapped_column(sa.String(500))
    authority: Mapped[str] = mapped_column(sa.String(200))
    document_no: Mapped[str | None] = mapped_column(sa.String(100))
    facts: Mapped[str] = mapped_column(sa.Text)
    facts_private: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    disclosable: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[RecordStatus] = enum_column(RecordStatus, default=RecordStatus.DRAFT, index=True)
    notified_on: Mapped[date | None] = mapped_column(sa.Date)
    acknowledged_on: Mapped[date | None] = mapped_column(sa.Date)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    exempt_basis: Mapped[str | None] = mapped_column(sa.String(1000))
    source: Mapped[str | None] = mapped_column(sa.String(60))          # "matter_check:3", "pledge:12", "import"
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    judgment_kind: Mapped[JudgmentKind | None] = enum_column(JudgmentKind, nullable=True)  # 司法判决
    probation_months: Mapped[int | None] = mapped_column(sa.Integer)   # 留党察看: 12 or 24
    # the end of the chain the record belongs to (docs/rules.md §4.4), stored for SQL readers;
    # always rules.combined_ends over the person's records (archive.file.chains.refresh_chains)
    restricts_until: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # the date of every state change (exact as-of, docs/rules.md §4.7)
    objected_on: Mapped[date | None] = mapped_column(sa.Date)
    objection_closed_on: Mapped[date | None] = mapped_column(sa.Date)
    revoked_on: Mapped[date | None] = mapped_column(sa.Date)
    exempted_on: Mapped[date | None] = mapped_column(sa.Date)
    repaired_on: Mapped[date | None] = mapped_column(sa.Date)
    # a statutory record repaired before issue 15: kept as it is, listed for HR's review
    repair_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    # ---- facts for the pure rules --------------------------------------------------------
    def facts_for_rules(self) -> rules.RecordFacts:
        return rules.RecordFacts(id=self.id, category=self.category, sanction=self.sanction, severity=self.severity,
                                 status=self.status, decided_on=self.decided_on,
                                 restricted_until=self.restricted_until, permanent=self.permanent, item=self.item,
                                 notified_on=self.notified_on, disclosable=self.disclosable,
                                 judgment_kind=self.judgment_kind, probation_months=self.probation_months,
                                 acknowledged_on=self.acknowledged_on, objected_on=self.objected_on,
                                 objection_closed_on=self.objection_closed_on, revoked_on=self.revoked_on,
                                 exempted_on=self.exempted_on, repaired_on=self.repaired_on)

    def chain_end(self) -> date | None:
        """``restricts_until``: the end of the record's chain (its own end when not chained)."""
        if self.permanent:
            return None
        return self.restricts_until or self.restricted_until

    def status_on(self, day: date, settings: rules.RuleSettings) -> RecordStatus:
        """Status at ``day`` with the end of the record's chain (docs/rules.md §4.4)."""
        return rules.status_at(self.facts_for_rules(), day, settings, self.chain_end())

    def snapshot(self) -> dict:
        out = {}
        for name in SNAPSHOT_FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else getattr(value, "value", value)
        return out

    # ---- guarded transitions (docs/rules.md §4.4 diagram) --------------------------------------------
    def notify(self, on: date) -> None:
        """draft → notified (告知); the objection window starts ``on``."""
        if self.status is not RecordStatus.DRAFT:
            raise _illegal(self, "告知")
        self.status, self.notified_on = RecordStatus.NOTIFIED, on

    def exempt(self, basis: str, on: date | None = None) -> None:
        """draft → exempted (容错免责): kept, never counts."""
        if self.status is not RecordStatus.DRAFT:
            raise _illegal(self, "认定容错免责（只有草稿可以）")
        self.status, self.exempt_basis, self.exempted_on = RecordStatus.EXEMPTED, basis, on

    def revoke(self, reason: str, on: date | None = None) -> None:
        """any state but revoked → revoked (a wrong record is revoked, never deleted)."""
        if self.status is RecordStatus.REVOKED:
            raise _illegal(self, "撤销")
        self.status, self.revoked_reason, self.revoked_on = RecordStatus.REVOKED, reason, on

    def acknowledge(self, on: date, settings: rules.RuleSettings) -> None:
        """notified → effective when the person acknowledges (waives the objection window)."""
        if self.status_on(on, settings) is not RecordStatus.NOTIFIED:
            raise _illegal(self, "确认（只有已告知、尚在异议期内的记录可以确认）")
        self.status, self.acknowledged_on = RecordStatus.EFFECTIVE, on

    def open_objection(self, on: date, settings: rules.RuleSettings) -> None:
        """notified / effective → under_objection."""
        if self.status_on(on, settings) not in (RecordStatus.NOTIFIED, RecordStatus.EFFECTIVE):
            current = self.status_on(on, settings)
            raise Conflict("illegal_state", f"记录当前状态为“{current.zh}”，不能提出异议"
                                            "（只有已告知或生效的记录可以）")
        self.status, self.objected_on, self.objection_closed_on = RecordStatus.UNDER_OBJECTION, on, None

    def close_objection(self, upheld: bool, on: date, settings: rules.RuleSettings, reason: str = "",
                        corrected: bool = False) -> None:
        """under_objection → revoked (upheld) / back to notified or effective (rejected or corrected)."""
        if self.status is not RecordStatus.UNDER_OBJECTION:
            raise _illegal(self, "处理异议")
        self.objection_closed_on = on
        if upheld and not corrected:
            self.status, self.revoked_reason, self.revoked_on = RecordStatus.REVOKED, reason, on
            return
        in_window = (self.notified_on is not None and self.acknowledged_on is None
                     and on <= rules.objection_window_ends(self.notified_on, settings))
        self.status = RecordStatus.NOTIFIED if in_window else RecordStatus.EFFECTIVE

    def repair(self, on: date, settings: rules.RuleSettings) -> None:
        """effective → repaired (信用修复 approved)."""
        if self.status_on(on, settings) is not RecordStatus.EFFECTIVE:
            current = self.status_on(on, settings)
            raise Conflict("illegal_state", f"记录当前状态为“{current.zh}”，不能修复（只有生效的记录可以）")
        self.status, self.repaired_on = RecordStatus.REPAIRED, on

    def persist_time(self, on: date, settings: rules.RuleSettings, combined_end: date | None = None) -> bool:
        """Store the status the passage of time gave the record (records release); True if changed."""
        now = rules.status_at(self.facts_for_rules(), on, settings,
                              combined_end if combined_end is not None else self.chain_end())
        if now is self.status or self.status in (RecordStatus.DRAFT, RecordStatus.REVOKED,
                                                 RecordStatus.EXEMPTED, RecordStatus.REPAIRED):
            return False
        self.status = now
        return True


@audited
class RecordVersion(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """The state of a record before one change: who, when, why, which act."""

    __tablename__ = "record_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("records.id"), index=True)
    person_id: Mapped[int] = _person_fk()
    version: Mapped[int] = mapped_column(sa.Integer)            # the record's version before the change
    action: Mapped[str] = mapped_column(sa.String(20))
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    reason: Mapped[str | None] = mapped_column(sa.String(1000))


@audited
class Objection(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """异议 (docs/rules.md §4.5): filed by the person or HR for them; decided by HR in scope."""

    __tablename__ = "objections"
    __table_args__ = (sa.Index("ix_objections_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("records.id"), index=True)
    person_id: Mapped[int] = _person_fk()
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    filed_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[ObjectionStatus] = enum_column(ObjectionStatus, default=ObjectionStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    corrected: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    late_reason: Mapped[str | None] = mapped_column(sa.String(1000))   # HR registered it after the window

    def overdue(self, on: date) -> bool:
        return self.status is ObjectionStatus.PENDING and on > self.due_on


@audited
class Complaint(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """投诉 about the handling of an objection or a repair; answered by HR of the parent
    department of the person's department (``handler_path`` = that department's path)."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    subject_type: Mapped[str] = mapped_column(sa.String(20))       # objection / repair
    subject_id: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)
    filed_on: Mapped[date] = mapped_column(sa.Date)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handler_department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    handler_path: Mapped[str] = mapped_column(sa.String(255), index=True)
    status: Mapped[ComplaintStatus] = enum_column(ComplaintStatus, default=ComplaintStatus.PENDING)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_on: Mapped[date | None] = mapped_column(sa.Date)


@audited
class CaseFlag(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """立案审查中 (政务处分法 art. 52): blocks promotion and awards until ``ended_on``."""

    __tablename__ = "case_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = _person_fk()
    started_on: Mapped[date] = mapped_column(sa.Date)
    authority: Mapped[str] = mapped_column(sa.String(200))
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(sa.String(1000))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def facts_for_rules(self) -> rules.CasePending:
        return rules.CasePending(self.started_on, self.authority, self.ended_on)
