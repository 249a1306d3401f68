"""The cached file document (archive/file/cache.py): served while nothing changed, never stale.

Each test primes the cache through the API, proves the next view is served from it (the
stored body is tampered with and comes back), then changes something the way the
application does and checks the next view shows the change.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g

from archive.enums import Grade
from archive.file import cache
from archive.file.cache import FileDocument
from archive.file.models import Appraisal
from core.extensions import db

MARK = '"cache_probe":"served from the cache",'


def _file(client, person):
    resp = client.get(f"/api/v1/people/{person.id}/file")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _tamper(person) -> None:
    """Mark the stored document(s) of ``person``: a view that returns the mark was served from the cache."""
    t = FileDocument.__table__
    rows = db.session.execute(sa.select(t.c.variant, t.c.body).where(t.c.person_id == person.id)).all()
    assert rows, "the first view stored no document"
    for variant, body in rows:
        db.session.execute(sa.update(t).where(t.c.person_id == person.id, t.c.variant == variant)
                           .values(body="{" + MARK + body[1:]))
    db.session.commit()


def _primed(client, person) -> dict:
    body = _file(client, person)
    _tamper(person)
    again = _file(client, person)
    assert again.get("cache_probe") == "served from the cache"
    return body


class TestServed:
    def test_second_view_is_served_from_the_cache_and_still_audited(self, region, api):
        from core.audit.models import AuditEvent
        hr = api(region.hr)
        first = _primed(hr, region.person)
        again = _file(hr, region.person)
        assert {k: v for k, v in again.items() if k != "cache_probe"} == first
        views = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "file_view", AuditEvent.person_id == region.person.id)).scalar_one()
        assert views == 3

    def test_out_of_scope_stays_404_with_a_cached_document(self, region, api):
        _primed(api(region.hr), region.person)
        assert api(region.hr_hekou).get(f"/api/v1/people/{region.person.id}/file").status_code == 404

    def test_drafts_never_leak_from_hr_document_into_the_own_view(self, region, api, fx):
        fx.record()                                   # a draft: HR sees it, the person does not
        hr_body = _primed(api(region.hr), region.person)
        assert len(hr_body["records"]) == 1
        own = _file(api(region.servant), region.person)
        assert own["records"] == [] and "cache_probe" not in own

    def test_each_language_has_its_own_document(self, region, api):
        from flask_babel import refresh
        hr = api(region.hr)
        _primed(hr, region.person)
        refresh()           # the tests' app context outlives requests: forget the locale chosen so far
        english = hr.get(f"/api/v1/people/{region.person.id}/file?lang=en").get_json()
        refresh()
        assert "cache_probe" not in english

    def test_as_of_files_are_built_each_time(self, region, api, today):
        hr = api(region.hr)
        _primed(hr, region.person)
        body = hr.get(f"/api/v1/people/{region.person.id}/file?as_of={today.isoformat()}").get_json()
        assert "cache_probe" not in body


class TestInvalidatedByWrites:
    def test_record_entered_through_the_api(self, region, api, today):
        hr = api(region.hr)
        _primed(hr, region.person)
        resp = hr.post(f"/api/v1/people/{region.person.id}/records", json={
            "category": "discipline_gov", "sanction": "demerit", "severity": "general",
            "decided_on": today.isoformat(), "authority": "东营区纪委监委", "facts": "违反工作纪律"})
        assert resp.status_code == 201
        body = _file(hr, region.person)
        assert "cache_probe" not in body and len(body["records"]) == 1

    def test_record_notified_changes_the_own_document_too(self, region, api, fx):
        rec = fx.record()
        servant = api(region.servant)
        _primed(servant, region.person)
        assert api(region.hr).post(f"/api/v1/records/{rec.id}/notify").status_code == 200
        body = _file(servant, region.person)
        assert "cache_probe" not in body and [r["status"] for r in body["records"]] == ["notified"]

    def test_other_people_keep_their_documents(self, region, api, today):
        hr_city = api(region.hr_city)
        _primed(hr_city, region.other)
        _primed(hr_city, region.person)
        resp = hr_city.post(f"/api/v1/people/{region.person.id}/appraisals",
                            json={"year": today.year - 1, "grade": "competent"})
        assert resp.status_code == 201
        assert "cache_probe" in _file(hr_city, region.other)
        assert "cache_probe" not in _file(hr_city, region.person)

    def test_person_edited_in_the_registry(self, region, login_as, api):
        hr = api(region.hr)
        _primed(hr, region.person)
        region.person.post = "四级主任科员"
        db.session.commit()
        body = _file(hr, region.person)
        assert "cache_probe" not in body and body["person"]["post"] == "四级主任科员"

    def test_department_renamed_changes_every_file(self, region, api):
        hr = api(region.hr)
        _primed(hr, region.person)
        region.person.department.name = "文汇街道办事处"
        db.session.commit()
        body = _file(hr, region.person)
        assert "cache_probe" not in body and body["person"]["department"] == "文汇街道办事处"

    def test_rows_inserted_with_session_execute(self, region, api, today):
        """Bulk inserts (importers) name their people: only those documents go."""
        hr_city = api(region.hr_city)
        _primed(hr_city, region.person)
        _primed(hr_city, region.other)
        db.session.execute(sa.insert(Appraisal), [{"person_id": region.person.id, "year": today.year - 1,
                                                   "grade": Grade.EXCELLENT, "version": 1}])
        db.session.commit()
        body = _file(hr_city, region.person)
        assert "cache_probe" not in body and [a["grade"] for a in body["appraisals"]] == ["excellent"]
        assert "cache_probe" in _file(hr_city, region.other)

    def test_update_without_people_invalidates_everything(self, region, api):
        from archive.file.models import ArchiveFile
        from core.guards import allow_bulk
        hr = api(region.hr)
        _primed(hr, region.person)
        with allow_bulk("test"):
            db.session.execute(sa.update(ArchiveFile).values(last_appraisal_year=2001)
                               .execution_options(synchronize_session=False))
        db.session.commit()
        assert "cache_probe" not in _file(hr, region.person)

    def test_rolled_back_write_keeps_nothing_and_a_later_write_still_counts(self, region, api, fx):
        hr = api(region.hr)
        _primed(hr, region.person)
        fx.record(commit=False)
        db.session.rollback()
        assert "cache_probe" in _file(hr, region.person)
        fx.record()
        assert "cache_probe" not in _file(hr, region.person)

    def test_document_of_another_day_is_not_served(self, region, api, today):
        from datetime import timedelta
        hr = api(region.hr)
        _primed(hr, region.person)
        t = FileDocument.__table__
        db.session.execute(sa.update(t).values(as_of=today - timedelta(days=1)))
        db.session.commit()
        assert "cache_probe" not in _file(hr, region.person)
        assert cache.prune() == 0      # the view just stored today's document again


def test_file_reads_only_the_tables_the_cache_watches(app, region, fx, today):
    """Every table a full file reads is in FILE_TABLES (a write to any other could not invalidate)."""
    from flask_login import login_user

    from archive.file import services
    from archive.file.api_json import file_json
    rec = fx.record(notify=True)
    services.add_appraisal(region.person, today.year - 1, Grade.COMPETENT, None, None, False)
    services.file_objection(rec, "事实不清", region.servant, [])
    db.session.commit()
    seen: set[str] = set()
    names = {t.name for t in db.metadata.sorted_tables}

    def listener(conn, cursor, statement, parameters, context, executemany):
        for name in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', statement):
            if name in names:
                seen.add(name)
    with app.test_request_context():
        login_user(region.hr)
        db.session.expire_all()
        person = db.session.get(type(region.person), region.person.id)
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            file_json(services.load_file(person))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert {"records", "objections", "appraisals", "pledges"} <= seen
    assert seen <= cache.FILE_TABLES, f"not watched by the file cache: {seen - cache.FILE_TABLES}"


class TestPages:
    def _tamper_html(self, person):
        t = FileDocument.__table__
        rows = db.session.execute(sa.select(t.c.variant, t.c.body).where(
            t.c.person_id == person.id, t.c.variant.like("%html:%"))).all()
        assert rows, "the first view stored no page content"
        for variant, body in rows:
            db.session.execute(sa.update(t).where(t.c.person_id == person.id, t.c.variant == variant)
                               .values(body="<p>served from the cache</p>" + body))
        db.session.commit()

    def test_file_page_served_from_the_cache_then_rebuilt_after_a_write(self, region, login_as, fx):
        c = login_as(region.hr)
        url = f"/people/{region.person.id}/file"
        assert "served from the cache" not in c.get(url).get_data(as_text=True)
        self._tamper_html(region.person)
        assert "served from the cache" in c.get(url).get_data(as_text=True)
        fx.record(facts="新登记的违纪事实")
        text = c.get(url).get_data(as_text=True)
        assert "served from the cache" not in text and "登记失信记录" in text

    def test_my_file_is_cached_apart_from_the_hr_page(self, region, login_as, client, app, fx):
        fx.record()                                     # a draft: on HR's page only
        hr_page = login_as(region.hr).get(f"/people/{region.person.id}/file").get_data(as_text=True)
        assert "东营区纪委监委" in hr_page
        own = login_as(region.servant, app.test_client()).get("/my/file").get_data(as_text=True)
        assert "东营区纪委监委" not in own

    def test_cached_forms_carry_the_viewers_own_csrf_token(self, region, login_as, app, fx):
        """HR of the county primes the page (with a 告知 form); HR of the city gets it from the
        cache and its form works in the city HR's session, the county HR's token does not."""
        rec = fx.record()
        url = f"/people/{region.person.id}/file"
        county, city = login_as(region.hr), login_as(region.hr_city, app.test_client())
        first = county.get(url).get_data(as_text=True)
        g.pop("csrf_token", None)       # the tests' app context outlives requests: forget the county's token
        self._tamper_html(region.person)
        page = city.get(url).get_data(as_text=True)
        g.pop("csrf_token", None)
        assert "served from the cache" in page and cache.CSRF_MARK not in page
        token_re = rf'action="/records/{rec.id}/notify".*?name="csrf_token" value="([^"]+)"'     # the cached form's
        county_token = re.search(token_re, first, re.S)[1]
        city_token = re.search(token_re, page, re.S)[1]
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            refused = city.post(f"/records/{rec.id}/notify", data={"csrf_token": county_token, "version": 1})
            assert refused.status_code == 400
            g.pop("csrf_token", None)
            done = city.post(f"/records/{rec.id}/notify", data={"csrf_token": city_token, "version": 1})
            assert done.status_code == 302
        finally:
            app.config["WTF_CSRF_ENABLED"] = False


def test_the_fingerprint_belongs_to_each_app_and_its_settings(database_url, tmp_path):
    """Two applications in one process with different training rules never share cached files."""
    from archive.file.cache import fingerprint
    from core.app import create_app
    prints = []
    for hours in (6, 8):
        other = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, INSTANCE_DIR=str(tmp_path),
                           INTEGRITY_HOURS_PER_YEAR=hours)
        with other.app_context():
            prints.append(fingerprint())
            assert fingerprint() == prints[-1]          # stable within the app
    assert prints[0] != prints[1]
