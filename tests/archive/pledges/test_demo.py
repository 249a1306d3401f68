"""The demo data of pledges: four published templates, 80-95 % signed per county, the demo servant."""
from collections import Counter
from datetime import date

import sqlalchemy as sa

from archive.enums import PledgeKind
from archive.pledges import queries
from archive.pledges.demo import demo_pledges
from archive.pledges.models import Pledge, PledgeFulfilment, PledgeStatus, PledgeTemplate, TemplateStatus
from core import demo
from core.extensions import db
from core.registry.models import Department, Person


def test_demo_pledges():
    demo.load_demo(people=3000, seed=7, echo=lambda *_: None, today=date(2026, 6, 15),
                   steps=[demo.DemoStep(30, demo_pledges)])
    tpls = db.session.execute(sa.select(PledgeTemplate)).scalars().all()
    published = {t.kind for t in tpls if t.status is TemplateStatus.PUBLISHED}
    assert published == set(PledgeKind) and len(tpls) == 5
    assert all(len(t.body) > 200 for t in tpls if t.status is TemplateStatus.PUBLISHED)
    counties = db.session.execute(sa.select(Department).filter_by(kind="county")).scalars().all()
    for county in counties:
        active = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(
            Person.status == "active", Person.department_path.startswith(county.path))).scalar_one()
        signed = db.session.execute(sa.select(sa.func.count()).select_from(Person).where(
            Person.status == "active", Person.department_path.startswith(county.path),
            Person.id.in_(queries.people_with_valid_pledge_select()))).scalar_one()
        assert 0.72 <= signed / active <= 0.97, (county.name, signed, active)
    statuses = Counter(db.session.execute(sa.select(Pledge.kind, Pledge.status)).all())
    assert statuses[(PledgeKind.ANNUAL, PledgeStatus.SIGNED)] > 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(Pledge).filter_by(published=True)).scalar_one() > 50
    assert db.session.execute(sa.select(sa.func.count()).select_from(PledgeFulfilment)).scalar_one() >= 300
    from core.accounts.models import User
    servant = db.session.execute(sa.select(User).filter_by(username="servant")).scalar_one()
    mine = db.session.execute(sa.select(Pledge).filter_by(person_id=servant.person_id)).scalars().all()
    assert {(p.kind, p.status) for p in mine} == {(PledgeKind.PRE_APPOINTMENT, PledgeStatus.ASSIGNED),
                                                 (PledgeKind.REPAIR, PledgeStatus.ASSIGNED)}
    pre = next(p for p in mine if p.kind is PledgeKind.PRE_APPOINTMENT)
    assert pre.reminders_sent == 1 and pre.template.status is TemplateStatus.PUBLISHED
    # every signed pledge's hash is the hash of its template's text
    from archive.pledges.services import text_sha256
    for tpl in tpls:
        hashes = set(db.session.execute(sa.select(Pledge.sha256).where(
            Pledge.template_id == tpl.id, Pledge.status == PledgeStatus.SIGNED)).scalars())
        assert hashes <= {text_sha256(tpl.text)}
