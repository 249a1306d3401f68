"""The working-day calendar: arithmetic (tables), the shipped schedules, loading a year (CLI and
the administrator's page), the repair deadline, and HR's warning in December."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from archive import rules
from core import clock
from core.extensions import db
from core.workcal import service
from core.workcal.arith import WorkCalendar, add_working_days
from core.workcal.models import WorkCalendarDay, WorkCalendarYear
from core.workcal.schedule import ScheduleInvalid, parse

NEXT_YEAR = """# a year added later
year,kind,from,to,name
2027,source,,,国务院办公厅关于2027年部分节假日安排的通知
2027,holiday,2027-01-01,,元旦
2027,holiday,2027-02-05,2027-02-11,春节
2027,workday,2027-02-13,,春节调休
"""


@pytest.fixture(scope="module")
def shipped_calendar() -> WorkCalendar:
    years = parse(service.DATA_FILE.read_text(encoding="utf-8"))
    return WorkCalendar.of((d for s in years.values() for d in s.holidays),
                           (d for s in years.values() for d in s.workdays), years)


@pytest.mark.parametrize(("start", "n", "expected"), [
    pytest.param(date(2025, 9, 26), 15, date(2025, 10, 23), id="repair filed before 国庆中秋 2025"),
    pytest.param(date(2025, 9, 26), 1, date(2025, 9, 28), id="a 调休 Sunday counts"),
    pytest.param(date(2025, 9, 26), 0, date(2025, 9, 26), id="zero days: the start"),
    pytest.param(date(2025, 9, 30), 1, date(2025, 10, 9), id="the whole 8-day break is skipped"),
    pytest.param(date(2025, 1, 24), 1, date(2025, 1, 26), id="春节 2025: 1/26 Sunday worked"),
    pytest.param(date(2025, 1, 27), 1, date(2025, 2, 5), id="春节 2025: 1/28-2/4 off"),
    pytest.param(date(2025, 4, 30), 1, date(2025, 5, 6), id="劳动节 2025"),
    pytest.param(date(2025, 5, 30), 1, date(2025, 6, 3), id="端午 2025: 5/31-6/2"),
    pytest.param(date(2025, 12, 31), 1, date(2026, 1, 4), id="across the year: 2026-01-04 Sunday worked"),
    pytest.param(date(2025, 10, 1), 1, date(2025, 10, 9), id="started on a holiday"),
    pytest.param(date(2024, 2, 8), 2, date(2024, 2, 18), id="春节 2024: 2/9 worked, 2/18 Sunday worked"),
    pytest.param(date(2020, 1, 23), 1, date(2020, 2, 3), id="2020: the extended 春节, 2/1 no longer worked"),
    pytest.param(date(2023, 12, 29), 1, date(2024, 1, 2), id="元旦 2024 Monday"),
    pytest.param(date(2026, 2, 13), 1, date(2026, 2, 14), id="春节 2026: 2/14 Saturday worked"),
    pytest.param(date(2026, 9, 30), 3, date(2026, 10, 10), id="国庆 2026: 10/8, 10/9, 10/10 Saturday"),
])
def test_working_days_after(shipped_calendar, start, n, expected):
    assert shipped_calendar.add_working_days(start, n) == expected
    # the repair rule and the calendar agree (archive.rules.repair_due is the 15-day deadline)
    settings = rules.RuleSettings.from_mapping({"REPAIR_DECISION_WORKING_DAYS": n})
    if n:
        assert rules.repair_due(start, settings, shipped_calendar.holidays, shipped_calendar.workdays) == expected


@pytest.mark.parametrize(("start", "n", "expected"), [
    (date(2025, 9, 26), 15, date(2025, 10, 17)),       # weekends only: what the old deadline said
    (date(2026, 3, 6), 1, date(2026, 3, 9)),
    (date(2026, 3, 5), 2, date(2026, 3, 9)),
])
def test_without_a_calendar_weekends_only(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize("n", [-1, 3661])
def test_absurd_counts_are_refused(n):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 1), n)


@pytest.mark.parametrize("year", range(2020, 2027))
def test_each_shipped_year_names_its_notice_and_only_weekends_are_worked(shipped_calendar, year):
    sched = service.shipped()[year]
    assert f"国务院办公厅关于{year}年部分节假日安排的通知" in sched.source
    assert all(d.weekday() >= 5 for d in sched.workdays)
    assert not set(sched.holidays) & set(sched.workdays)
    assert date(year, 1, 1) in sched.holidays and any(d.month == 10 and d.day == 1 for d in sched.holidays)


def test_2025_as_announced():
    s = service.shipped()[2025]
    assert sorted(s.workdays) == [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28),
                                  date(2025, 10, 11)]
    spans = {"春节": (date(2025, 1, 28), date(2025, 2, 4)), "清明节": (date(2025, 4, 4), date(2025, 4, 6)),
             "劳动节": (date(2025, 5, 1), date(2025, 5, 5)), "端午节": (date(2025, 5, 31), date(2025, 6, 2)),
             "国庆节、中秋节": (date(2025, 10, 1), date(2025, 10, 8))}
    for name, (a, b) in spans.items():
        assert sorted(d for d, n in s.holidays.items() if n == name) == [
            a + timedelta(days=i) for i in range((b - a).days + 1)]


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "文件为空"),
    ("date,kind\n2027-01-01,holiday\n", "表头"),
    ("year,kind,from,to,name\n2027,holiday,2027-01-01,,元旦\n", "来源通知"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2027-13-01,,元旦\n", "第 3 行"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2027-01-01,,元旦\n2027,workday,2027-01-04,,调休\n",
     "周六或周日"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2027-01-01,2027-03-01,元旦\n", "不超过"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2027-01-01,,元旦\n2027,holiday,2027-01-01,,又一个\n",
     "重复"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2029-01-01,,元旦\n", "相邻"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,rest,2027-01-01,,元旦\n", "类型"),
    ("year,kind,from,to,name\n1900,source,,,通知\n", "年度"),
    ("year,kind,from,to,name\n2027,source,,,通知\n2027,holiday,2027-01-01\n", "5 列"),
    ("year,kind,from,to,name\n2027,source,,,通知\n", "没有假日"),
])
def test_bad_schedules_name_the_line(app, text, fragment):
    with app.test_request_context(), pytest.raises(ScheduleInvalid) as err:
        parse(text)
    assert any(fragment in str(e) for e in err.value.errors), [str(e) for e in err.value.errors]


def test_cli_workdays_and_load(app, tmp_path):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["calendar", "workdays", "2025-09-26", "15"])
    assert out.exit_code == 0 and out.output.strip() == "2025-10-23"
    out = runner.invoke(args=["calendar", "workdays", "2026-12-30", "3"])
    assert out.exit_code == 0 and "no holiday schedule for 2027" in out.output
    assert runner.invoke(args=["calendar", "workdays", "2025-02-30", "3"]).exit_code != 0
    assert runner.invoke(args=["calendar", "workdays", "2025-02-03", "-1"]).exit_code != 0
    bad = tmp_path / "bad.csv"
    bad.write_text(NEXT_YEAR.replace("2027-02-13", "2027-02-15"), encoding="utf-8")
    out = runner.invoke(args=["calendar", "load", str(bad)])
    assert out.exit_code == 2 and "第 6 行" in out.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(WorkCalendarYear)).scalar_one() == 0
    good = tmp_path / "2027.csv"
    good.write_text(NEXT_YEAR, encoding="utf-8")
    out = runner.invoke(args=["calendar", "load", str(good)])
    assert out.exit_code == 0 and "2027" in out.output
    out = runner.invoke(args=["calendar", "workdays", "2027-02-04", "2"])
    assert out.output.strip() == "2027-02-13"         # 2/5-2/11 off, 2/12 Friday, 2/13 Saturday worked
    out = runner.invoke(args=["calendar", "load", str(good)])        # again: a new version, the old one kept
    assert out.exit_code == 0
    assert db.session.execute(sa.select(WorkCalendarYear.active).order_by(WorkCalendarYear.id)).scalars().all() \
        == [False, True]
    assert service.calendar().covers(2027) and service.year_days(2027)[0][0] == date(2027, 1, 1)


def test_a_loaded_year_replaces_the_shipped_one(app):
    text = ("year,kind,from,to,name\n2025,source,,,国务院办公厅关于2025年部分节假日安排的通知（更正）\n"
            "2025,holiday,2025-01-01,,元旦\n")
    service.load(text)
    db.session.commit()
    assert service.working_days_after(date(2025, 9, 26), 15) == date(2025, 10, 17)
    assert [y.origin for y in service.overview() if y.year == 2025] == ["loaded"]


def test_the_repair_deadline_uses_the_calendar(app):
    from archive.repair import services
    with app.test_request_context():
        assert services.due_date(date(2025, 9, 26)) == date(2025, 10, 23)
        assert services.due_date(date(2025, 9, 30)) == date(2025, 10, 28)


def test_the_admin_page(region, login_as, client):
    login_as(region.sysadmin)
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert "国务院办公厅关于2026年部分节假日安排的通知" in page
    resp = client.post("/admin/calendar/", data={"content": NEXT_YEAR.replace("2027-02-13", "2027-02-15")})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "第 6 行" in body and "is-invalid" in body and "2027-02-15" in body     # the text is kept
    assert db.session.execute(sa.select(sa.func.count()).select_from(WorkCalendarDay)).scalar_one() == 0
    assert client.post("/admin/calendar/", data={"content": ""}).status_code == 422
    resp = client.post("/admin/calendar/", data={"content": NEXT_YEAR})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/calendar/2027")
    year = client.get("/admin/calendar/2027").get_data(as_text=True)
    assert "春节调休" in year and "国务院办公厅关于2027年部分节假日安排的通知" in year
    assert client.get("/admin/calendar/2031").status_code == 404
    from core.audit.models import AuditEvent
    assert db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.action == "calendar_load")).scalar_one()
    login_as(region.hr)
    assert client.get("/admin/calendar/").status_code == 403


def test_hr_is_warned_in_december_when_next_year_is_missing(region, login_as, client):
    login_as(region.hr)
    with clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC)):
        assert "data-calendar-missing" not in client.get("/").get_data(as_text=True)
    with clock.freeze(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        page = client.get("/").get_data(as_text=True)
    assert 'data-calendar-missing="2027"' in page
    service.load(NEXT_YEAR)
    db.session.commit()
    with clock.freeze(datetime(2026, 12, 1, 12, tzinfo=UTC)):
        assert "data-calendar-missing" not in client.get("/").get_data(as_text=True)
