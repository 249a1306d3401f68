"""Differential property-based tests: each rule's Python definition and its SQL twin agree
(docs/rules-sql.md, "Rules and their SQL twins"; issue 16 "One evaluation").

Hypothesis draws the day and the seeds of PEOPLE random files (tests/differential_files.py)
per example; they are written to the real database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and every question is asked of both: a record's status and whether it
restricts at that day, the end of its chain, a person's integrity status, pledge validity,
every coverage flag and membership of the records worklist and of the coverage gap lists.
EXAMPLES × PEOPLE ≥ 500 files per property.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from archive import rules
from archive.coverage import facts as coverage_facts
from archive.coverage import services as coverage
from archive.coverage.models import CoverageFacts
from archive.enums import Category, RecordStatus, Sanction, Severity
from archive.exchange.disclosure import visible_clause
from archive.file.chains import refresh_chains
from archive.file.loader import rule_settings
from archive.file.models import Appraisal, ArchiveFile, CaseFlag, Record
from archive.file.services import release_records
from archive.file.worklists import status_clause
from archive.pledges.models import Pledge, PledgeStatus
from archive.pledges.queries import people_with_valid_pledge_select
from archive.rules import sql as rules_sql
from core.enums import PersonStatus
from core.extensions import db
from core.registry.models import Person
from tests.differential_files import build_files
from training import queries as training_queries
from training.services import training_status

PEOPLE = 50
EXAMPLES = 11
DAYS = st.dates(date(2019, 1, 1), date(2027, 12, 31))
SEEDS = st.lists(st.integers(0, 2**32 - 1), min_size=PEOPLE, max_size=PEOPLE)
# no shrinking: the examples are seeds (shrinking them says nothing); the failing seeds are printed
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _ids(select) -> set[int]:
    return set(db.session.execute(select).scalars())


def _person_facts(person_id: int) -> rules.PersonFacts:
    records = db.session.execute(sa.select(Record).where(Record.person_id == person_id)).scalars().all()
    appraisals = db.session.execute(sa.select(Appraisal).where(Appraisal.person_id == person_id)).scalars().all()
    cases = db.session.execute(sa.select(CaseFlag).where(CaseFlag.person_id == person_id)).scalars().all()
    return rules.PersonFacts(records=tuple(r.facts_for_rules() for r in records),
                             appraisals=tuple(rules.AppraisalFacts(a.year, a.grade) for a in appraisals),
                             cases=tuple(c.facts_for_rules() for c in cases))


@PROPERTY
@given(as_of=DAYS, seeds=SEEDS)
def test_record_status_restriction_and_chain_end(db, as_of, seeds):
    """status_at / restricts / combined_ends / evaluate(...).status against status_clause,
    restricting_clause, chain_end (the stored restricts_until) and integrity_status_case."""
    cfg = rule_settings()
    files = build_files(seeds, as_of, cfg, training=False)
    refresh_chains(files.ids, cfg)          # what the services store (one rule: combined_ends)
    ids = files.ids
    in_files = Record.person_id.in_(ids)
    sql_status = {s: _ids(sa.select(Record.id).where(in_files, status_clause(s, as_of, cfg))) for s in RecordStatus}
    sql_restricting = _ids(sa.select(Record.id).where(in_files, rules_sql.restricting_clause(as_of, cfg)))
    sql_end = dict(db.session.execute(sa.select(Record.id, rules_sql.chain_end()).where(in_files)).all())
    sql_person = dict(db.session.execute(
        sa.select(Person.id, rules_sql.integrity_status_case(as_of, cfg)).where(Person.id.in_(ids))).all())
    # the public disclosure page's SQL is deliberately narrower (own end, not under objection);
    # the page re-checks its rows with rules.disclosure_visible: never more than the rule
    sql_disclosed = _ids(sa.select(Record.id).where(in_files, visible_clause(as_of, cfg)))
    for person_id in ids:
        person = _person_facts(person_id)
        ev = rules.evaluate(person, as_of, cfg)
        for r in person.records:
            if r.id in sql_disclosed:
                assert rules.disclosure_visible(r, as_of, cfg, ev.record_ends.get(r.id)), (as_of, r)
        assert sql_person[person_id] == ev.status.value, (person_id, as_of, person)
        for r in person.records:
            end = ev.record_ends.get(r.id)
            status = rules.status_at(r, as_of, cfg, end)
            assert status is ev.record_status[r.id]
            where = {s for s, found in sql_status.items() if r.id in found}
            assert where == {status}, (as_of, r, end, where, status)
            assert (r.id in sql_restricting) is rules.restricts(r, as_of, cfg, end), (as_of, r, end)
            assert sql_end[r.id] == rules.record_end(r, end), (as_of, r, end, sql_end[r.id])


@PROPERTY
@given(as_of=DAYS, seeds=SEEDS)
def test_pledge_validity(db, as_of, seeds):
    """has_valid_pre_appointment_pledge against valid_pre_appointment_pledge_clause and
    people_with_valid_pledge_select."""
    files = build_files(seeds, as_of, rule_settings(), records=False, training=False)
    ids = files.ids
    by_clause = _ids(sa.select(Person.id).where(Person.id.in_(ids), rules_sql.valid_pre_appointment_pledge_clause()))
    by_select = _ids(people_with_valid_pledge_select()) & set(ids)
    for person in files.people:
        signed = db.session.execute(sa.select(Pledge.signed_on).where(
            Pledge.person_id == person.id, Pledge.kind == "pre_appointment",
            Pledge.status == PledgeStatus.SIGNED)).scalars().all()
        expected = rules.has_valid_pre_appointment_pledge(signed, person.appointed_on, person.entry_date)
        assert (person.id in by_clause) is expected, (person.id, signed, person.appointed_on, person.entry_date)
        assert (person.id in by_select) is expected


@PROPERTY
@given(as_of=DAYS, seeds=SEEDS)
def test_coverage_flags_and_gap_lists(db, as_of, seeds):
    """Every coverage fact (established, pledge, appraisal, training) and the gap lists of
    each metric against the owners' Python rules, person by person."""
    files = build_files(seeds, as_of, rule_settings(), records=False)
    ids = files.ids
    training_queries.refresh(ids, as_of.year, as_of)            # the training package's summary
    coverage_facts.refresh_facts(ids, as_of)
    rows = {r.person_id: r for r in db.session.execute(
        sa.select(CoverageFacts).where(CoverageFacts.person_id.in_(ids))).scalars()}
    gaps = {m: _ids(sa.select(CoverageFacts.person_id).where(CoverageFacts.person_id.in_(ids),
                                                              coverage.gap_clause(m, as_of)))
            for m in (*coverage.METRICS, "overall")}
    expected_year = rules.appraisal_year_for_coverage(as_of)
    for person in files.people:
        established = bool(db.session.execute(sa.select(ArchiveFile.established).where(
            ArchiveFile.person_id == person.id)).scalar())
        signed = db.session.execute(sa.select(Pledge.signed_on).where(
            Pledge.person_id == person.id, Pledge.kind == "pre_appointment",
            Pledge.status == PledgeStatus.SIGNED)).scalars().all()
        pledge = rules.has_valid_pre_appointment_pledge(signed, person.appointed_on, person.entry_date)
        years = [y for y in db.session.execute(sa.select(Appraisal.year).where(
            Appraisal.person_id == person.id)).scalars() if y <= expected_year]
        met = training_status(person, as_of.year, as_of).meets
        row = rows[person.id]
        assert row.active is (person.status is PersonStatus.ACTIVE)
        assert row.established is established
        assert row.pledge_ok is pledge, (person.id, signed, person.appointed_on, person.entry_date)
        assert row.last_appraisal_year == max(years, default=None)
        assert row.training_year == as_of.year
        assert row.training_met is met, (person.id, as_of)
        flags = {"archive": established, "pledge": pledge, "appraisal": expected_year in years, "training": met}
        flags["overall"] = all(flags.values())
        for metric, ok in flags.items():
            missing = person.status is PersonStatus.ACTIVE and not ok
            assert (person.id in gaps[metric]) is missing, (metric, person.id, as_of)


# ---------------------------------------------------------------------------- regression rows

@pytest.mark.parametrize("acknowledged", [False, True])
def test_expired_record_brought_back_by_a_backdated_chain(db, acknowledged):
    """Found by the differential test: a record the release job stored as ``expired`` joins a
    chain when a sanction decided inside its period is entered later; until the next release
    run the stored status still says expired while rules.status_at (and the file page) says
    effective. status_clause now reads a stored expired inside its chain's end as effective."""
    cfg = rule_settings()
    files = build_files([1], date(2024, 1, 1), cfg, records=False, training=False)
    person_id = files.ids[0]

    def record(sanction, decided, notified):
        until, _ = rules.default_restricted_until(Category.DISCIPLINE_GOV, sanction, Severity.GENERAL, decided, cfg)
        r = Record(person_id=person_id, category=Category.DISCIPLINE_GOV, sanction=sanction, severity=Severity.GENERAL,
                   decided_on=decided, restricted_until=until, authority="监察委", facts="事实",
                   status=RecordStatus.DRAFT)
        db.session.add(r)
        r.notify(notified)
        db.session.flush()
        refresh_chains([person_id], cfg)
        return r

    first = record(Sanction.DEMERIT, date(2024, 1, 10), date(2024, 1, 10))
    if acknowledged:
        first.acknowledge(date(2024, 1, 11), cfg)
    release_records(date(2025, 2, 1))
    assert first.status is RecordStatus.EXPIRED
    second = record(Sanction.WARNING, date(2024, 12, 20), date(2025, 2, 10))     # entered late, inside the period
    assert first.restricts_until == second.restricts_until > date(2025, 3, 1)
    as_of = date(2025, 3, 1)
    assert first.status_on(as_of, cfg) is RecordStatus.EFFECTIVE
    for status in RecordStatus:
        found = db.session.execute(sa.select(Record.id).where(Record.id == first.id,
                                                              status_clause(status, as_of, cfg))).first()
        assert (found is not None) is (status is RecordStatus.EFFECTIVE), status
    assert db.session.execute(sa.select(Record.id).where(
        Record.id == first.id, rules_sql.restricting_clause(as_of, cfg))).first() is not None
    # the next release run stores what the rule says
    release_records(as_of)
    assert first.status is RecordStatus.EFFECTIVE


@pytest.mark.parametrize("status, expected", [
    (RecordStatus.NOTIFIED, RecordStatus.NOTIFIED),
    (RecordStatus.EFFECTIVE, RecordStatus.EFFECTIVE),
    (RecordStatus.UNDER_OBJECTION, RecordStatus.UNDER_OBJECTION),
])
def test_legacy_record_without_notification_date(db, status, expected):
    """Found while writing the twin: a legacy row (imported) in status notified without a
    notified_on was in no status at all in SQL (NULL < date is NULL); rules.status_at keeps
    its stored status, so does status_clause now."""
    cfg = rule_settings()
    files = build_files([2], date(2024, 1, 1), cfg, records=False, training=False)
    record = Record(person_id=files.ids[0], category=Category.DISCIPLINE_GOV, sanction=Sanction.DEMERIT,
                    severity=Severity.GENERAL, decided_on=date(2026, 1, 15), restricted_until=date(2027, 1, 15),
                    authority="监察委", facts="事实", status=status, source="import")
    db.session.add(record)
    db.session.flush()
    as_of = date(2026, 9, 1)
    assert rules.status_at(record.facts_for_rules(), as_of, cfg) is expected
    found = {s for s in RecordStatus if db.session.execute(
        sa.select(Record.id).where(Record.id == record.id, status_clause(s, as_of, cfg))).first()}
    assert found == {expected}
    assert db.session.execute(sa.select(Record.id).where(
        Record.id == record.id, rules_sql.restricting_clause(as_of, cfg))).first() is not None
