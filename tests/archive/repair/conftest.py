"""Fixtures of the credit-repair tests: records of a given age, the repair course and the
repair pledge done through the training and pledges services, small evidence files."""
from __future__ import annotations

import io

import pytest

from archive.enums import PledgeKind
from archive.rules import add_months
from core.extensions import db as _db
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(data: bytes = PNG, name: str = "receipt.png"):
    """A (stream, filename) pair for the test client's multipart data."""
    return io.BytesIO(data), name


class Repair:
    """Helpers bound to the test region (see tests/conftest.py ``region``)."""

    def __init__(self, region, today):
        self.r, self.today = region, today
        self._course = None

    def record(self, person=None, *, months=4, severity="general", category="admin_penalty",
               sanction="none", notify=True, **kw):
        """A record decided ``months`` ago, notified on its decision date (effective after the
        objection window), entered by the county HR officer."""
        from archive.file import services as file_services
        person = person or self.r.person
        decided = add_months(self.today, -months)
        rec = file_services.record_misconduct(
            person, category=category, sanction=sanction, severity=severity, decided_on=decided,
            authority="东营区监察委员会", facts="违反工作纪律，造成不良影响。", by=self.r.hr, **kw)
        if notify:
            file_services.notify_record(rec, person, by=self.r.hr, on=decided)
        _db.session.commit()
        return rec

    def course(self):
        if self._course is None:
            from training import services as training
            from training.enums import CourseCategory, CourseMode
            self._course = training.create_course(training.CourseInput(
                code="XYXF-01", title="信用修复专题培训", category=CourseCategory.REPAIR, integrity=True,
                hours="2", mode=CourseMode.ONLINE))
            _db.session.commit()
        return self._course

    def complete_course(self, person=None):
        """The person studies the online repair course to the end (training services)."""
        from training import services as training
        training.finish_study(person or self.r.person, self.course())
        _db.session.commit()

    def sign_pledge(self, user=None):
        """HR assigns the repair pledge and the person signs it online (pledges services)."""
        from archive.pledges import services as pledges
        from archive.pledges.models import Pledge, PledgeStatus
        user = user or self.r.servant
        template = pledges.latest_published(PledgeKind.REPAIR) or pledges.create_template(
            kind=PledgeKind.REPAIR, title="信用修复承诺书",
            body="本人郑重承诺：已纠正失信行为、履行相关义务，所提交材料真实有效。", publish=True)
        pledges.assign(template, [user.person_id])
        pledge = _db.session.execute(_db.select(Pledge).where(
            Pledge.person_id == user.person_id, Pledge.kind == PledgeKind.REPAIR,
            Pledge.status == PledgeStatus.ASSIGNED)).scalars().first()
        pledges.sign_pledge(pledge, user, password=f.PASSWORD, typed_name=user.person.name, agree=True,
                            ip="127.0.0.1", user_agent="pytest")
        _db.session.commit()
        return pledge

    def eligible_record(self, person=None, user=None, **kw):
        rec = self.record(person, **kw)
        self.complete_course(person)
        self.sign_pledge(user)
        return rec


@pytest.fixture
def repair(region):
    from core import clock
    return Repair(region, clock.today())
