"""For the file, coverage and repair: the pledges section, validity as a set and for one person."""
from datetime import timedelta

import sqlalchemy as sa

from archive.enums import PledgeKind
from archive.pledges import queries, services
from archive.pledges.models import Pledge
from core import clock
from core.accounts.permissions import subtree_clause
from core.changes import PERSON, changed
from core.extensions import db
from core.guards import allow_bulk
from core.registry.models import Person
from tests import factories as f
from tests.archive.pledges.conftest import make_template, sign


def _signed(region, pre_tpl):
    services.assign(pre_tpl, [region.person])
    p = db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id)).scalar_one()
    sign(p, region.servant)
    db.session.commit()
    return p


def test_people_with_valid_pledge_select_counts_a_subtree(region, pre_tpl):
    _signed(region, pre_tpl)
    wang = f.person("王芳", department=region.shikou)            # auto-assigned, unsigned
    li_user = f.user("lina", person=region.other)
    services.assign(pre_tpl, [region.other])
    sign(db.session.execute(sa.select(Pledge).filter_by(person_id=region.other.id)).scalar_one(), li_user)
    with allow_bulk("test: signed before the current appointment"):
        db.session.execute(sa.update(Pledge).where(Pledge.person_id == region.other.id)
                           .values(signed_on=clock.today() - timedelta(days=30)))
    region.other.appointed_on = clock.today() - timedelta(days=10)
    changed([region.other.id], PERSON)      # written directly: noted (core.changes)
    db.session.commit()
    ids = set(db.session.execute(queries.people_with_valid_pledge_select()).scalars())
    assert ids == {region.person.id}
    covered = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(
        Person.status == "active", subtree_clause(Person.department_path, region.dongying.path),
        Person.id.in_(queries.people_with_valid_pledge_select()))).scalar_one()
    assert covered == 1
    missing = db.session.execute(sa.select(Person.id).where(~queries.valid_pre_appointment_pledge_clause())
                                 .order_by(Person.id)).scalars().all()
    assert missing == [region.other.id, wang.id]
    assert queries.has_valid_pre_appointment_pledge(region.person)
    assert not queries.has_valid_pre_appointment_pledge(region.other)
    assert not queries.has_valid_pre_appointment_pledge(wang)


def test_other_kinds_do_not_count_as_pre_appointment(region):
    annual = make_template(PledgeKind.ANNUAL, "年度诚信承诺书")
    services.assign(annual, [region.person])
    sign(db.session.execute(sa.select(Pledge)).scalar_one(), region.servant)
    db.session.commit()
    assert list(db.session.execute(queries.people_with_valid_pledge_select()).scalars()) == []
    assert queries.signed_pledge_dates(region.person, PledgeKind.ANNUAL) == [clock.today()]


def test_the_file_section_shows_the_pledge_with_its_hash(api, region, pre_tpl):
    p = _signed(region, pre_tpl)
    [row] = services.file_section(region.person, clock.today())
    assert row["sha256"] == p.sha256 and row["valid_for_current_post"] is True and row["status"] == "signed"
    assert services.file_section(region.person, clock.today() - timedelta(days=1)) == []
    from archive.file.services import FILE_SECTIONS
    assert FILE_SECTIONS["pledges"] is services.file_section
    resp = api(region.hr).get(f"/api/v1/people/{region.person.id}/file")
    if resp.status_code == 200:    # the file API (archive/file) embeds the section
        assert resp.get_json()["pledges"][0]["sha256"] == p.sha256


def test_api_lists_a_persons_pledges_in_scope(api, region, pre_tpl):
    p = _signed(region, pre_tpl)
    data = api(region.hr).get(f"/api/v1/people/{region.person.id}/pledges").get_json()
    assert data["total"] == 1 and data["items"][0]["sha256"] == p.sha256
    assert api(region.servant).get(f"/api/v1/people/{region.person.id}/pledges").status_code == 200
    assert api(region.hr_hekou).get(f"/api/v1/people/{region.person.id}/pledges").status_code == 404
    one = api(region.servant).get(f"/api/v1/pledges/{p.id}").get_json()
    assert one["text"] == p.signed_text
