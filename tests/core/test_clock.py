"""One clock: the same answers whatever the server's time zone (core.clock, TIME_ZONE).

The moment is 2026-12-31 17:00 UTC: already 2027-01-01 01:00 in Beijing, still 2026-12-31 in UTC
and 2026-12-31 05:00 on a server set to UTC-12. On such a night a server that read its own clock
would say a record restricted until 2026-12-31 still restricts, that last year's appraisal is the
one of 2025 and that a pledge assigned on 2026-12-27 is not yet due for a reminder.
"""
from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from archive.enums import ReviewPurpose
from core import clock
from core.extensions import db

MOMENT = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
BEIJING = date(2027, 1, 1)            # Beijing's date at MOMENT
UTC_DAY = date(2026, 12, 31)          # the UTC date (and UTC-12's) at MOMENT
ZONES = ["Etc/GMT+12", "Etc/GMT-14"]  # POSIX signs: UTC-12 and UTC+14


@pytest.fixture(params=ZONES)
def process_tz(request):
    """Run the test with the process (the "server") set to another zone; restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_moment_is_a_night_when_the_dates_differ(process_tz):
    with clock.freeze(MOMENT):
        assert clock.today() == BEIJING and clock.now().hour == 1
        assert clock.utcnow().date() == UTC_DAY and clock.utcnow().tzinfo is not None
        assert clock.local_date(datetime(2026, 12, 31, 17, 0)) == BEIJING       # noqa: DTZ001 - naive = UTC
        assert clock.start_of_day(BEIJING) == MOMENT - timedelta(hours=1)


def _restricted_until_new_year(region):
    from archive.file import services as file_services
    person = region.person
    record = file_services.record_misconduct(person, category="other", sanction="none", severity="general",
                                             decided_on=date(2026, 6, 1), authority="区信用办",
                                             facts="统计数据弄虚作假", restricted_until=UTC_DAY)
    file_services.notify_record(record, person, on=date(2026, 6, 2))
    db.session.commit()
    return person


def test_file_json_status_is_beijings(process_tz, region, api):
    person = _restricted_until_new_year(region)
    client = api(region.hr)
    at = {d: client.get(f"/api/v1/people/{person.id}/file?as_of={d.isoformat()}").get_json()["integrity_status"]
          for d in (UTC_DAY, BEIJING)}
    assert at[UTC_DAY] != at[BEIJING]                     # the moment tells the two days apart
    with clock.freeze(MOMENT):
        body = client.get(f"/api/v1/people/{person.id}/file").get_json()
    assert body["integrity_status"] == at[BEIJING]


def test_review_verdict_and_pdf_are_beijings(process_tz, region):
    from archive.reviews import printing, services
    person = _restricted_until_new_year(region)
    beijing = services.assess(person, ReviewPurpose.PROMOTION, BEIJING)
    utc = services.assess(person, ReviewPurpose.PROMOTION, UTC_DAY)
    assert (beijing.verdict, beijing.status) != (utc.verdict, utc.status)
    with clock.freeze(MOMENT):
        now = services.assess(person, ReviewPurpose.PROMOTION)
        context = printing.file_context(person, review=None, printed_by=region.hr)
    assert (now.verdict, now.status) == (beijing.verdict, beijing.status)
    assert context["as_of"] == BEIJING
    assert context["assessment"].verdict == beijing.verdict
    assert "2027" in context["printed_at"] and "2026" not in context["printed_at"]


def test_coverage_counts_beijings_last_year(process_tz, region):
    from archive.coverage import services
    from archive.file.models import Grade
    from archive.file.services import add_appraisal
    with clock.freeze(MOMENT):
        add_appraisal(region.person, 2025, Grade.COMPETENT)     # "last year" only while it is still 2026
        db.session.commit()
        report = services.coverage(region.dongying)
    assert report.as_of == BEIJING
    assert report.totals.appraisal == 0       # Beijing's last year is 2026: 2025's appraisal does not count


def test_pledge_reminders_follow_beijings_day(process_tz, region, app):
    from archive.pledges import services
    from archive.pledges.models import Pledge
    from core.notify.models import Notification
    from tests.archive.pledges.conftest import make_template
    tpl = make_template(by=region.hr)
    assigned = BEIJING - timedelta(days=5)      # the first reminder is due on the fifth day
    result = services.assign(tpl, [region.person], today=assigned, due_on=assigned + timedelta(days=15))
    db.session.commit()
    with clock.freeze(MOMENT):
        out = app.test_cli_runner().invoke(args=["pledges", "remind"])
    assert out.exit_code == 0 and "1 条" in out.output, out.output
    pledge = db.session.execute(sa.select(Pledge).filter_by(batch=result.batch)).scalar_one()
    db.session.refresh(pledge)
    assert pledge.last_reminded_on == BEIJING
    assert db.session.execute(sa.select(sa.func.count()).select_from(Notification).filter_by(
        kind="pledge_reminder")).scalar_one() == 1


def test_time_zone_config_is_honoured(monkeypatch, app):
    from config import load_config
    from core.app import create_app
    monkeypatch.setenv("TIME_ZONE", "America/New_York")
    assert load_config("test")["TIME_ZONE"] == "America/New_York"
    other = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=app.config["INSTANCE_DIR"])
    assert other.config["BABEL_DEFAULT_TIMEZONE"] == "America/New_York"
    with other.app_context(), clock.freeze(MOMENT):
        assert clock.today() == UTC_DAY and clock.now().hour == 12
    with clock.freeze(MOMENT):
        assert clock.today() == BEIJING                         # the suite's app: the default zone
    monkeypatch.delenv("TIME_ZONE")
    with pytest.raises(RuntimeError, match="TIME_ZONE"):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=app.config["INSTANCE_DIR"],
                   TIME_ZONE="Mars/Olympus_Mons")


def test_audit_date_filters_are_days_in_the_configured_zone(process_tz, region, login_as, client):
    from core.audit.services import record_event
    with clock.freeze(MOMENT):
        record_event("person_view", region.person, "新年凌晨一点查看", actor=region.hr)
        db.session.commit()
    login_as(region.auditor)
    new_year = client.get("/audit/?from=2027-01-01&to=2027-01-01").get_data(as_text=True)
    old_year = client.get("/audit/?from=2026-12-31&to=2026-12-31").get_data(as_text=True)
    assert "新年凌晨一点查看" in new_year and "新年凌晨一点查看" not in old_year
