"""Fixtures of the pledge tests: published templates and a helper to sign."""
from __future__ import annotations

import pytest

from archive.enums import PledgeKind
from archive.pledges import services
from core.extensions import db

PRE_BODY = ("本人郑重承诺：任职期间严格遵守宪法和法律法规，忠实履行职责，廉洁自律，诚实守信，"
            "不弄虚作假，不以权谋私，自觉接受组织和群众监督。如有违反，愿承担相应责任。")


def make_template(kind=PledgeKind.PRE_APPOINTMENT, title="任职前信用承诺书", body=PRE_BODY, publish=True, by=None):
    return services.create_template(kind=kind, title=title, body=body, created_by=by, publish=publish)


@pytest.fixture
def pre_tpl(region):
    tpl = make_template(by=region.hr)
    db.session.commit()
    return tpl


@pytest.fixture
def pledge(region, pre_tpl):
    """An unsigned pre-appointment pledge of the servant 张伟."""
    result = services.assign(pre_tpl, [region.person], assigned_by=region.hr)
    assert result.assigned == 1
    db.session.commit()
    from archive.pledges.models import Pledge
    return db.session.execute(db.select(Pledge).filter_by(person_id=region.person.id)).scalar_one()


def sign(p, user, name=None, password=None):
    from tests.factories import PASSWORD
    return services.sign_pledge(p, user, password=password or PASSWORD, typed_name=name or p.person.name,
                                agree=True, ip="10.1.2.3", user_agent="pytest-agent")
