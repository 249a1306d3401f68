"""Reminders with time travel: the service and `flask pledges remind --today` follow the schedule."""
from datetime import date, timedelta

import sqlalchemy as sa

from archive.pledges import services
from archive.pledges.models import Pledge
from core import clock
from core.enums import PersonStatus
from core.extensions import db
from core.notify.models import Notification
from core.registry import services as registry
from tests.archive.pledges.conftest import sign

D = date(2026, 3, 2)


def reminders(person_id):
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification).filter_by(
        person_id=person_id, kind="pledge_reminder")).scalar_one()


def assigned_on_d(region, pre_tpl, person=None):
    result = services.assign(pre_tpl, [person or region.person], today=D, due_on=D + timedelta(days=15))
    db.session.commit()
    return db.session.execute(sa.select(Pledge).filter_by(batch=result.batch)).scalar_one()


def test_the_schedule_day_by_day(region, pre_tpl):
    p = assigned_on_d(region, pre_tpl)
    sent_on = []
    for n in range(0, 40):
        today = D + timedelta(days=n)
        if services.send_reminders(today):
            sent_on.append(n)
        db.session.commit()
    assert sent_on == list(range(5, 30, 2))
    db.session.expire_all()
    p = db.session.get(Pledge, p.id)
    assert p.reminders_sent == 13 and p.last_reminded_on == D + timedelta(days=29)
    assert reminders(region.person.id) == 13
    n = db.session.execute(sa.select(Notification).filter_by(kind="pledge_reminder").order_by(
        Notification.id.desc()).limit(1)).scalar_one()
    assert "已超过签署截止日期" in n.body and _opens_its_pledge(n)


def test_running_twice_a_day_reminds_once(region, pre_tpl):
    assigned_on_d(region, pre_tpl)
    assert services.send_reminders(D + timedelta(days=5)) == 1
    assert services.send_reminders(D + timedelta(days=5)) == 0


def test_signed_cancelled_and_inactive_people_are_not_reminded(region, pre_tpl):
    from tests import factories as f
    today = clock.today()
    services.assign(pre_tpl, [region.person])
    sign(db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id)).scalar_one(), region.servant)
    qian = f.person("钱进", department=region.shikou)     # auto-assigned on registration, today
    sun = f.person("孙丽", department=region.shikou)
    zhou = f.person("周强", department=region.shikou)
    services.cancel_pledge(db.session.execute(sa.select(Pledge).filter_by(person_id=qian.id)).scalar_one(), "重复分配")
    registry.change_status(sun, PersonStatus.RETIRED)
    db.session.commit()
    assert services.send_reminders(today + timedelta(days=5)) == 1
    assert [reminders(p.id) for p in (region.person, qian, sun, zhou)] == [0, 0, 0, 1]


def test_the_cli_with_a_given_today(app, region, pre_tpl):
    assigned_on_d(region, pre_tpl)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["pledges", "remind", "--today", (D + timedelta(days=4)).isoformat()])
    assert out.exit_code == 0 and "0 条" in out.output
    out = runner.invoke(args=["pledges", "remind", "--today", (D + timedelta(days=5)).isoformat()])
    assert out.exit_code == 0 and "1 条" in out.output
    db.session.expire_all()
    assert reminders(region.person.id) == 1
    out = runner.invoke(args=["pledges", "remind", "--today", "2026-13-01"])
    assert out.exit_code != 0


def _opens_its_pledge(n) -> bool:
    """A notice about a pledge opens that pledge's sign page (issue 19 item 8)."""
    from archive.pledges.models import Pledge as _Pledge
    ids = db.session.execute(sa.select(_Pledge.id).filter_by(person_id=n.person_id)).scalars().all()
    return n.link in {f"/my/pledges/{i}/sign" for i in ids}
