"""Coverage test helpers: people with or without each fact, built through the owners' services."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from archive.enums import Grade, PledgeKind
from core import clock
from core.extensions import db as _db
from tests import factories as f

PRE_BODY = ("本人郑重承诺：任职期间严格遵守宪法和法律法规，忠实履行职责，廉洁自律，诚实守信，"
            "不弄虚作假，不以权谋私，自觉接受组织和群众监督。如有违反，愿承担相应责任。")


def last_year() -> int:
    return clock.today().year - 1


def pre_template():
    from archive.pledges import services
    from archive.pledges.models import PledgeTemplate, TemplateStatus
    tpl = _db.session.execute(sa.select(PledgeTemplate).where(
        PledgeTemplate.kind == PledgeKind.PRE_APPOINTMENT, PledgeTemplate.status == TemplateStatus.PUBLISHED)
    ).scalars().first()
    return tpl or services.create_template(kind=PledgeKind.PRE_APPOINTMENT, title="任职前信用承诺书",
                                           body=PRE_BODY, publish=True)


def user_of(person):
    from core.accounts.models import User
    user = _db.session.execute(sa.select(User).filter_by(person_id=person.id)).scalar_one_or_none()
    return user or f.user(roles=("servant",), person=person)


def pending_pledge(person):
    from archive.pledges.models import Pledge, PledgeStatus
    return _db.session.execute(sa.select(Pledge).where(
        Pledge.person_id == person.id, Pledge.kind == PledgeKind.PRE_APPOINTMENT,
        Pledge.status == PledgeStatus.ASSIGNED)).scalars().first()


def sign_pre_pledge(person):
    """The person signs a pre-appointment pledge (assigned first when none is pending)."""
    from archive.pledges import services
    pledge = pending_pledge(person)
    if pledge is None:
        services.assign(pre_template(), [person.id])
        pledge = pending_pledge(person)
    return services.sign_pledge(pledge, user_of(person), password=f.PASSWORD, typed_name=person.name, agree=True,
                                ip="10.0.0.1", user_agent="pytest")


def appraise(person, year: int | None = None, grade=Grade.COMPETENT):
    from archive.file.services import add_appraisal
    return add_appraisal(person, year or last_year(), grade)


def establish(person):
    """Complete the registration items (last year's appraisal) and confirm the file."""
    from archive.file.models import Appraisal
    from archive.file.services import establish_file
    has = _db.session.execute(sa.select(Appraisal.id).filter_by(person_id=person.id, year=last_year())).first()
    if not has and person.entry_date.year <= last_year():
        appraise(person)
    return establish_file(person)


def integrity_course(code="CX-COV", hours="6"):
    from training import services
    from training.enums import CourseCategory, CourseMode
    from training.models import Course
    course = _db.session.execute(sa.select(Course).filter_by(code=code)).scalar_one_or_none()
    return course or services.create_course(services.CourseInput(
        code=code, title="诚信专题：政务诚信与公务员守信践诺", category=CourseCategory.INTEGRITY, integrity=True,
        hours=hours, mode=CourseMode.ONLINE))


def train(person, course=None, on: date | None = None):
    from training.services import record_completion
    return record_completion(person, course or integrity_course(), completed_on=on or clock.today())


def give(person, *metrics):
    """Give ``person`` the facts of ``metrics`` (archive, pledge, appraisal, training)."""
    for m in metrics:
        if m == "appraisal":
            from archive.file.models import Appraisal
            if not _db.session.execute(sa.select(Appraisal.id).filter_by(person_id=person.id,
                                                                          year=last_year())).first():
                appraise(person)
        elif m == "archive":
            establish(person)
        elif m == "pledge":
            sign_pre_pledge(person)
        elif m == "training":
            train(person)
    return person


def full(person):
    return give(person, "appraisal", "archive", "pledge", "training")
