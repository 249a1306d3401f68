"""The request bodies and query strings of the file API (pydantic models; API.md "The file")."""
from __future__ import annotations

from datetime import date
from typing import Literal

import pydantic

from archive.enums import AwardKind, Category, Grade, JudgmentKind, MatterResult, RecordStatus, Sanction, Severity
from core.api import Body, PageQuery, Query


class FileQuery(Query):
    as_of: date | None = None


class AppraisalIn(Body):
    year: int = pydantic.Field(ge=1950, le=2200)
    grade: Grade
    document_no: str | None = pydantic.Field(None, max_length=100)
    notes: str | None = pydantic.Field(None, max_length=1000)
    correct: bool = False
    reason: str | None = pydantic.Field(None, max_length=500)
    override_reason: str | None = pydantic.Field(None, max_length=500)


class AwardIn(Body):
    kind: AwardKind
    title: str = pydantic.Field(min_length=1, max_length=200)
    awarded_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)


class MatterCheckIn(Body):
    year: int = pydantic.Field(ge=1950, le=2200)
    result: MatterResult
    notes: str | None = pydantic.Field(None, max_length=1000)


class RecordIn(Body):
    category: Category
    sanction: Sanction | None = None
    severity: Severity = Severity.GENERAL
    decided_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)
    facts: str = pydantic.Field(min_length=1, max_length=10000)
    item: str | None = pydantic.Field(None, max_length=50)
    restricted_until: date | None = None
    restricted_until_reason: str | None = pydantic.Field(None, max_length=500)
    permanent: bool | None = None
    disclosable: bool = False
    facts_private: bool = False
    judgment_kind: JudgmentKind | None = None
    probation_months: int | None = pydantic.Field(None, ge=1, le=120)


class RecordPatch(Body):
    version: int = pydantic.Field(ge=1)
    reason: str | None = pydantic.Field(None, max_length=1000)
    category: Category | None = None
    sanction: Sanction | None = None
    severity: Severity | None = None
    decided_on: date | None = None
    authority: str | None = pydantic.Field(None, min_length=1, max_length=200)
    document_no: str | None = pydantic.Field(None, max_length=100)
    facts: str | None = pydantic.Field(None, min_length=1, max_length=10000)
    item: str | None = pydantic.Field(None, max_length=50)
    restricted_until: date | None = None
    permanent: bool | None = None
    disclosable: bool | None = None
    facts_private: bool | None = None
    judgment_kind: JudgmentKind | None = None
    probation_months: int | None = pydantic.Field(None, ge=1, le=120)


class BasisIn(Body):
    basis: str = pydantic.Field(min_length=1, max_length=1000)
    version: int | None = pydantic.Field(None, ge=1)


class ReasonIn(Body):
    reason: str = pydantic.Field(min_length=1, max_length=1000)
    version: int | None = pydantic.Field(None, ge=1)


class ObjectionIn(Body):
    reasons: str = pydantic.Field(min_length=1, max_length=5000)
    late_reason: str | None = pydantic.Field(None, max_length=1000)


class DecisionIn(Body):
    decision: Literal["upheld", "rejected"]
    reason: str = pydantic.Field(min_length=1, max_length=5000)
    version: int | None = pydantic.Field(None, ge=1)


class ComplaintIn(Body):
    subject_type: Literal["objection", "repair"]
    subject_id: int = pydantic.Field(ge=1)
    text: str = pydantic.Field(min_length=1, max_length=5000)


class AnswerIn(Body):
    answer: str = pydantic.Field(min_length=1, max_length=5000)
    version: int | None = pydantic.Field(None, ge=1)


class CaseIn(Body):
    started_on: date
    authority: str = pydantic.Field(min_length=1, max_length=200)
    notes: str | None = pydantic.Field(None, max_length=1000)


class CaseEndIn(Body):
    ended_on: date
    version: int | None = pydantic.Field(None, ge=1)


class RecordsQuery(PageQuery):
    status: RecordStatus | None = None
    category: Category | None = None
    person_id: int | None = pydantic.Field(None, ge=1)


class ObjectionsQuery(PageQuery):
    pending: bool = True
