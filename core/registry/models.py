"""Departments (a tree with a materialized path) and people (公务员)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import TimestampMixin, UTCDateTime, VersionedMixin, enum_column
from core.enums import DepartmentKind, PersonStatus
from core.extensions import db
from core.guards import audited


@audited
class Department(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """单位/部门. ``path`` is '/1/7/23/': a subtree is ``path LIKE '/1/7/%'`` on one index."""

    __tablename__ = "departments"
    __table_args__ = (
        sa.Index("ix_departments_path_prefix", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    kind: Mapped[DepartmentKind] = enum_column(DepartmentKind, default=DepartmentKind.AGENCY)
    path: Mapped[str] = mapped_column(sa.String(255), default="")
    depth: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")

    parent: Mapped[Department | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False,
                                                      join_depth=1)

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name}>"


@audited
class Person(VersionedMixin, TimestampMixin, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """公务员. The id number is stored encrypted, with a keyed hash for lookups and a mask for display."""

    __tablename__ = "people"
    __table_args__ = (
        sa.Index("ix_people_department_path_prefix", "department_path",
                 postgresql_ops={"department_path": "varchar_pattern_ops"}),
        sa.Index("ix_people_status_path", "status", "department_path"),
        # the people list in name order: page ids by an index-only scan (core.listing.CappedPagination)
        sa.Index("ix_people_name_order", "name", "id", postgresql_include=["status", "department_path"]),
        sa.Index("ix_people_name_key_order", "name_key", "id"),
        # PostgreSQL with ICU: the same list in pinyin order by the database's own collation
        # (the collation is written as the column's "ops": PostgreSQL does not report an index
        # column's collation back, so the model and the migrated database compare equal).
        # Elsewhere the index is a plain (name, id) one that the migration creates too.
        sa.Index("ix_people_name_icu", "name", "id", postgresql_ops={"name": 'COLLATE "zh-x-icu"'}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_cipher: Mapped[str] = mapped_column(sa.Text)
    id_masked: Mapped[str] = mapped_column(sa.String(18))
    gender: Mapped[str] = mapped_column(sa.String(6))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    department_path: Mapped[str] = mapped_column(sa.String(255))
    post: Mapped[str | None] = mapped_column(sa.String(100))
    rank: Mapped[str | None] = mapped_column(sa.String(50))
    leading: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    entry_date: Mapped[date] = mapped_column(sa.Date)
    appointed_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[PersonStatus] = enum_column(PersonStatus, default=PersonStatus.ACTIVE)
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))    # activation codes and notices go here
    # search and sort keys (core/registry/search_keys.py): keyed hashes of the id number's last
    # 4/5/6 characters, and the name in pinyin
    id_tail4: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    id_tail5: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    id_tail6: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    name_key: Mapped[str | None] = mapped_column(sa.String(200))

    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def gender_label(self) -> str:
        return "男" if self.gender == "male" else "女"

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


@audited
class PersonChange(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """History of a person's registry data: every create, edit, transfer and status change."""

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(20))     # create / update / transfer / status
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)   # field -> [old, new]
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    changed_by = relationship("User", lazy="joined")


@audited
class DepartmentAssignment(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy: no static Model
    """Which department a person belonged to, when: transfers keep the file and its history."""

    __tablename__ = "department_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)

    department: Mapped[Department] = relationship(lazy="joined")
