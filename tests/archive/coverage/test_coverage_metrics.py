"""Coverage counts against a slow person-by-person reference; sums; gaps; inactive people."""
from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa

from archive.coverage import facts, services
from archive.coverage.models import CoverageFacts
from core import changes, clock
from core.enums import PersonStatus
from core.extensions import db
from core.registry import services as registry
from core.registry.models import Person
from tests import factories as f
from tests.archive.coverage.coverage_helpers import give

METRICS = ("archive", "pledge", "appraisal", "training")


def reference(person: Person, today: date) -> dict[str, bool]:
    """The slow way: each fact asked of its owner, one person at a time, in Python."""
    from archive.file.models import Appraisal, ArchiveFile
    from archive.pledges.queries import has_valid_pre_appointment_pledge
    from training.services import training_status
    established = bool(db.session.execute(sa.select(ArchiveFile.id).filter_by(
        person_id=person.id, established=True)).first())
    appraisal = bool(db.session.execute(sa.select(Appraisal.id).filter_by(
        person_id=person.id, year=today.year - 1)).first())
    out = {"archive": established, "pledge": has_valid_pre_appointment_pledge(person),
           "appraisal": appraisal, "training": training_status(person, today.year, today).meets}
    out["overall"] = all(out.values())
    return out


def reference_counts(department, today: date) -> dict:
    """{child id or 'direct' or 'total': {active, metric: count}} computed person by person."""
    people = db.session.execute(sa.select(Person).where(Person.department_path.startswith(department.path))
                                ).scalars().all()
    children = {d.id: d for d in services.children_of(department)}
    out: dict = {}
    for p in people:
        if p.status is not PersonStatus.ACTIVE:
            continue
        rest = p.department_path[len(department.path):]
        key = int(rest.split("/")[0]) if rest else "direct"
        assert key == "direct" or key in children
        flags = reference(p, today)
        for bucket in (key, "total"):
            row = out.setdefault(bucket, dict.fromkeys(("active", *METRICS, "overall"), 0))
            row["active"] += 1
            for m, ok in flags.items():
                row[m] += ok
    return out


def _as_counts(node: dict) -> dict:
    return {"active": node["active"], **{m: node[m]["count"] for m in (*METRICS, "overall")}}


def _zero() -> dict:
    return dict.fromkeys(("active", *METRICS, "overall"), 0)


@pytest.fixture
def mixed_region(region, template, course):
    """~30 people in 东营区 (two towns and the district itself) and 河口区 with random facts,
    new recruits and leaders (training rules that apply to them), and some who left."""
    rng = random.Random(7)
    places = [region.wenhui, region.shikou, region.dongying, region.liuhe]
    today = clock.today()
    people = [region.person, region.other]
    for i in range(28):
        kw = {}
        if i % 7 == 0:      # a new recruit of this year: initial training applies
            kw["entry_date"] = date(today.year, 1, 5)
        elif i % 5 == 1:    # a leader appointed last year: appointment training applies
            kw.update(leading=True, appointed_on=date(today.year - 1, 6, 1))
        people.append(f.person(f"人员{i:02d}", department=places[i % 4], **kw))
    db.session.commit()
    for p in people:
        chosen = [m for m in ("appraisal", "archive", "pledge", "training") if rng.random() < 0.6]
        if p.leading and "archive" in chosen:
            chosen.remove("archive")    # a leader's file needs the matter check too: left incomplete
        give(p, *chosen)
    for p in people[3::6]:
        registry.change_status(p, PersonStatus.RETIRED)
    db.session.commit()
    return people


def test_counts_equal_the_slow_reference(mixed_region, region, api):
    today = clock.today()
    for user, dept in ((region.hr, region.dongying), (region.hr_city, region.city), (region.hr, region.wenhui)):
        body = api(user).get(f"/api/v1/coverage?department_id={dept.id}").json
        ref = reference_counts(dept, today)
        assert _as_counts(body) == ref.get("total", _zero()), dept.name
        for child in body["children"]:
            assert _as_counts(child) == ref.get(child["department_id"], _zero()), child["name"]
        assert _as_counts(body["direct"]) == ref.get("direct", _zero())
    # the region has real variety: not everything zero or everything full
    total = reference_counts(region.city, today)["total"]
    assert all(0 < total[m] < total["active"] for m in METRICS)


def test_parent_is_the_sum_of_children_plus_direct(mixed_region, region):
    for dept in (region.city, region.dongying):
        report = services.coverage(dept)
        summed = sum((c for _, c in report.children), report.direct)
        assert summed == report.totals
        for metric in (*METRICS, "overall"):
            assert report.totals.count(metric) == sum(c.count(metric) for _, c in report.children) + \
                report.direct.count(metric)


def test_gap_lists_are_active_minus_covered(mixed_region, region, api):
    today = clock.today()
    people = db.session.execute(sa.select(Person).where(
        Person.department_path.startswith(region.dongying.path))).scalars().all()
    client = api(region.hr)
    for metric in (*METRICS, "overall"):
        active = {p.id for p in people if p.status is PersonStatus.ACTIVE}
        covered = {p.id for p in people if p.status is PersonStatus.ACTIVE and reference(p, today)[metric]}
        body = client.get(f"/api/v1/coverage/gaps?metric={metric}&per_page=500").json
        assert {item["person_id"] for item in body["items"]} == active - covered, metric
        assert body["total"] == len(active - covered)
        for item in body["items"]:
            person = db.session.get(Person, item["person_id"])
            assert item["id_number"] == person.id_masked and "*" in item["id_number"]
            assert set(item["missing"]) == {m for m in METRICS if not reference(person, today)[m]}
            if metric != "overall":
                assert metric in item["missing"]


def test_inactive_people_are_not_counted(region, template):
    give(region.person, "pledge")
    db.session.commit()
    before = services.coverage(region.dongying).totals
    assert (before.active, before.pledge) == (1, 1)
    registry.change_status(region.person, PersonStatus.RETIRED)
    db.session.commit()
    after = services.coverage(region.dongying).totals
    assert (after.active, after.pledge, after.overall) == (0, 0, 0)
    assert after.rate("pledge") == 0.0
    ids = db.session.execute(services.gap_ids_select(region.dongying, "pledge")).scalars().all()
    assert ids == []


def test_facts_follow_writes_immediately(region, template, course):
    """Signing a pledge counts at once; a transfer moves the person between children."""
    report = services.coverage(region.dongying)
    assert dict((d.name, c.pledge) for d, c in report.children) == {"文汇街道": 0, "史口镇": 0}
    give(region.person, "pledge")
    db.session.commit()
    report = services.coverage(region.dongying)
    assert dict((d.name, c.pledge) for d, c in report.children) == {"文汇街道": 1, "史口镇": 0}
    registry.transfer_person(region.person, region.shikou, on=clock.today())
    db.session.commit()
    report = services.coverage(region.dongying)
    assert dict((d.name, (c.active, c.pledge)) for d, c in report.children) == {"文汇街道": (0, 0),
                                                                             "史口镇": (1, 1)}
    # training and the file too, without a commit in between: read in the same transaction
    give(region.person, "training", "archive")
    t = services.coverage(region.dongying).totals
    assert (t.training, t.archive, t.appraisal) == (1, 1, 1)
    db.session.rollback()
    t = services.coverage(region.dongying).totals
    assert (t.training, t.archive, t.appraisal) == (0, 0, 0)


def test_bulk_inserts_are_seen_and_refresh_all_rebuilds(region):
    """A bulk insert through the importers' helper notes the people of its rows; refresh_all_facts
    rebuilds the table from the sources (after SQL that bypassed the session)."""
    from archive.exchange.importing import insert_rows
    from archive.file.models import Appraisal
    insert_rows(Appraisal.__table__, [
        {"person_id": region.person.id, "year": clock.today().year - 1, "grade": "competent", "version": 1}])
    db.session.commit()
    assert services.coverage(region.dongying).totals.appraisal == 1
    with db.engine.begin() as conn:   # behind the session's back
        conn.execute(sa.delete(CoverageFacts))
    assert services.coverage(region.dongying).totals.active == 0
    assert facts.refresh_all_facts() == 2
    db.session.commit()
    assert services.coverage(region.dongying).totals.appraisal == 1


def test_the_year_turning_over_rebuilds_the_facts(region, template):
    give(region.person, "pledge")
    db.session.commit()
    facts.refresh_all_facts(date(clock.today().year - 1, 12, 31))    # as if last refreshed last year
    db.session.commit()
    row = db.session.get(CoverageFacts, region.person.id)
    assert row.training_year == clock.today().year - 1
    assert facts.ensure_current() is True
    db.session.commit()
    db.session.refresh(row)
    assert row.training_year == clock.today().year
    assert facts.ensure_current() is False


def _full_refreshes() -> int:
    from archive.coverage.models import CoverageRefresh
    return db.session.execute(sa.select(sa.func.count()).select_from(CoverageRefresh)).scalar_one()


def _tamper(person) -> None:
    db.session.execute(sa.update(CoverageFacts).where(CoverageFacts.person_id == person.id).values(pledge_ok=False))
    db.session.commit()


def _pledge_ok(person) -> bool:
    return db.session.execute(sa.select(CoverageFacts.pledge_ok).where(
        CoverageFacts.person_id == person.id)).scalar_one()


def _refreshed_at(person):
    return db.session.execute(sa.select(CoverageFacts.refreshed_at).where(
        CoverageFacts.person_id == person.id)).scalar_one()


def test_the_unit_of_work_refreshes_only_whom_a_change_concerns(region, template, course):
    """Per-person refreshes for the changes services note (a completion notes TRAINING for its
    person); changes no fact depends on are skipped; a change noted for everyone rebuilds
    everything once at commit, however many statements it covers."""
    from archive.pledges.models import Pledge
    from core.guards import allow_bulk
    facts.refresh_all_facts()
    db.session.commit()
    base = _full_refreshes()
    give(region.person, "training", "pledge")       # services: TRAINING and PLEDGE for region.person
    db.session.commit()
    assert _full_refreshes() == base
    assert services.coverage(region.dongying).totals.training == 1
    assert _refreshed_at(region.person) > _refreshed_at(region.other)     # only the person was recomputed
    _tamper(region.person)                          # a probe: recomputing the person would undo it
    for what in (changes.RECORD, changes.SHARED):   # a record, a department name: no fact moves
        changes.changed(None, what)
    db.session.commit()
    assert _full_refreshes() == base and not _pledge_ok(region.person)
    changes.changed([region.other.id], changes.PLEDGE)      # somebody else's pledge
    db.session.commit()
    assert not _pledge_ok(region.person)
    changes.changed([region.person.id], changes.PLEDGE)
    db.session.commit()
    assert _full_refreshes() == base and _pledge_ok(region.person)
    with allow_bulk("test: a bulk status change"):  # everyone's pledges: everything, once
        db.session.execute(sa.update(Pledge).values(status="cancelled"))
        db.session.execute(sa.update(Pledge).values(status="cancelled"))
    changes.changed(None, changes.PLEDGE)
    db.session.commit()
    assert _full_refreshes() == base + 1
    assert services.coverage(region.dongying).totals.pledge == 0


def test_the_sources_are_the_tables_the_unit_of_work_holds_to_their_own_change():
    from archive.coverage import sources
    assert set(sources.SOURCES) == changes.FACT_TABLES
    assert all(changes.TABLE_WHAT[t] == what for t, what in sources.SOURCES.items())
    assert set(sources.SOURCES.values()) <= facts.FACT_CHANGES


def test_a_source_write_nobody_noted_fails_the_tests_verifier(region, monkeypatch):
    """Without a listener a raw write would leave the facts stale: the suite's verifier refuses
    the commit, naming the table, the person and the change that should have been noted."""
    from archive.file.models import ArchiveFile
    from tests.changes_verifier import UnnotedWrite
    monkeypatch.setenv("CHANGES_VERIFIER", "raise")
    db.session.add(ArchiveFile(person_id=region.person.id, established=True))
    with pytest.raises(UnnotedWrite, match=rf"archive_files .* people \[{region.person.id}\].*'file'"):
        db.session.commit()
    db.session.rollback()
    db.session.add(ArchiveFile(person_id=region.person.id, established=True))
    changes.changed([region.person.id], changes.RECORD)  # the wrong change: coverage would skip it
    with pytest.raises(UnnotedWrite):
        db.session.commit()
    db.session.rollback()
    db.session.add(ArchiveFile(person_id=region.person.id, established=True))
    changes.changed([region.person.id], changes.FILE)
    db.session.commit()
    assert services.coverage(region.dongying).totals.archive == 1


def test_people_bulk_inserted_without_ids_get_facts_without_a_full_refresh(region):
    """As the Excel import does: Core executemany into people, ids generated (RETURNING) and
    noted by the importers' helper."""
    from core import crypto
    facts.refresh_all_facts()
    db.session.commit()
    base = _full_refreshes()
    rows = []
    for i in range(3):
        idn = f.id_number()
        rows.append({"name": f"导入{i}", "id_hash": crypto.keyed_hash(idn), "id_cipher": crypto.encrypt(idn),
                     "id_masked": idn[:6] + "********" + idn[-4:], "gender": "male", "birth_date": date(1990, 1, 1),
                     "department_id": region.shikou.id, "department_path": region.shikou.path, "post": "科员",
                     "rank": "一级科员", "leading": False, "entry_date": date(2015, 1, 1), "status": "active",
                     "version": 1})
    from archive.exchange.importing import insert_rows
    ids = [r[0] for r in insert_rows(Person.__table__, rows, returning=(Person.__table__.c.id,))]
    db.session.commit()
    assert _full_refreshes() == base
    assert {r.person_id for r in db.session.execute(sa.select(CoverageFacts)).scalars()} >= set(ids)
    assert dict((d.name, c.active) for d, c in services.coverage(region.dongying).children)["史口镇"] == 3
