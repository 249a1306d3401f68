"""The cached file document (archive/file/cache.py): served while nothing changed, never stale.

Each test primes the cache through the API, proves the next view is served from it (the
stored body is tampered with and comes back), then changes something the way the
application does and checks the next view shows the change.
"""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import g

from archive.enums import Grade
from archive.file import cache
from archive.file.cache import FileDocument
from archive.file.models import Appraisal
from core import changes
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
        from core.registry import services as registry
        hr = api(region.hr)
        _primed(hr, region.person)
        registry.update_person(region.person, {"post": "四级主任科员"}, version=None)
        db.session.commit()
        body = _file(hr, region.person)
        assert "cache_probe" not in body and body["person"]["post"] == "四级主任科员"

    def test_department_renamed_changes_every_file(self, region, api):
        from core.registry import services as registry
        hr = api(region.hr)
        _primed(hr, region.person)
        dept = region.person.department
        registry.update_department(dept, name="文汇街道办事处", code=dept.code, kind=dept.kind)
        db.session.commit()
        body = _file(hr, region.person)
        assert "cache_probe" not in body and body["person"]["department"] == "文汇街道办事处"

    def test_rows_inserted_by_the_importer_helper(self, region, api, today):
        """Bulk inserts (importers) name their people: only those documents go."""
        from archive.exchange.importing import insert_rows
        hr_city = api(region.hr_city)
        _primed(hr_city, region.person)
        _primed(hr_city, region.other)
        insert_rows(Appraisal.__table__, [{"person_id": region.person.id, "year": today.year - 1,
                                           "grade": Grade.EXCELLENT, "version": 1}])
        db.session.commit()
        body = _file(hr_city, region.person)
        assert "cache_probe" not in body and [a["grade"] for a in body["appraisals"]] == ["excellent"]
        assert "cache_probe" in _file(hr_city, region.other)

    def test_a_change_noted_for_everyone_invalidates_every_file(self, region, api):
        from archive.file.models import ArchiveFile
        from core.guards import allow_bulk
        hr_city = api(region.hr_city)
        _primed(hr_city, region.person)
        _primed(hr_city, region.other)
        with allow_bulk("test"):
            db.session.execute(sa.update(ArchiveFile).values(last_appraisal_year=2001)
                               .execution_options(synchronize_session=False))
        changes.changed(None, changes.FILE)
        db.session.commit()
        assert "cache_probe" not in _file(hr_city, region.person)
        assert "cache_probe" not in _file(hr_city, region.other)

    def test_a_write_nobody_noted_is_refused_by_the_tests_verifier(self, region, api, today, monkeypatch):
        """No listener guesses writes any more: a raw write without core.changes.changed() would
        leave the cached file stale, and the suite's verifier fails such a commit."""
        from tests.changes_verifier import UnnotedWrite
        monkeypatch.setenv("CHANGES_VERIFIER", "raise")
        hr = api(region.hr)
        _primed(hr, region.person)
        db.session.execute(sa.insert(Appraisal), [{"person_id": region.person.id, "year": today.year - 1,
                                                   "grade": Grade.EXCELLENT, "version": 1}])
        with pytest.raises(UnnotedWrite, match=rf"appraisals .* people \[{region.person.id}\]"):
            db.session.commit()
        db.session.rollback()
        assert "cache_probe" in _file(hr, region.person)     # nothing was written

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


def test_file_reads_only_the_tables_the_unit_of_work_names(app, region, fx, today):
    """Every table a full file reads is in FILE_TABLES and core.changes.TABLE_WHAT (a write to any
    other would not be noted, and the tests' verifier would not ask for it)."""
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
    # ... and every one of them has its change in the unit of work's vocabulary (core.changes)
    assert cache.FILE_TABLES <= set(changes.TABLE_WHAT)


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


def _stored_locale(person) -> str:
    """The locale part of the stored keys (the app's default Chinese locale)."""
    t = FileDocument.__table__
    keys = set(db.session.execute(sa.select(t.c.variant).where(t.c.person_id == person.id)).scalars())
    locales = {k.rsplit(":", 1)[1] for k in keys}
    assert len(locales) == 1, keys
    return locales.pop()


class TestVariant:
    """The cache key is a typed value (cache.FileVariant): viewers with the same variant get the
    same bytes, viewers with different variants never share a document."""

    def _stored(self, person, key: str) -> str:
        t = FileDocument.__table__
        return db.session.execute(sa.select(t.c.body).where(t.c.person_id == person.id,
                                                            t.c.variant == key)).scalar_one()

    def _forget(self, person) -> None:
        db.session.execute(sa.delete(FileDocument.__table__).where(FileDocument.__table__.c.person_id == person.id))
        db.session.commit()

    def test_the_same_variant_builds_the_same_fragment_for_every_viewer(self, region, login_as, app, fx):
        """Three HR officers who manage the person (two of the county, one of the city) each build
        the file page afresh: byte for byte the same stored fragment (the CSRF token is a mark)."""
        from tests import factories as f
        fx.record()                                         # a draft with HR's forms on the page
        second = f.user("hr_dongying_2", roles=("hr",), department=region.dongying)
        db.session.commit()
        bodies = []
        for user in (region.hr, second, region.hr_city):
            self._forget(region.person)
            page = login_as(user, app.test_client()).get(f"/people/{region.person.id}/file")
            g.pop("csrf_token", None)       # each viewer's own token (the app context outlives requests)
            assert page.status_code == 200
            key = cache.FileVariant.page(manage=True, own=False, locale=_stored_locale(region.person)).key
            bodies.append(self._stored(region.person, key))
        assert cache.CSRF_MARK in bodies[0] and "东营区纪委监委" in bodies[0]
        assert bodies[1] == bodies[0] and bodies[2] == bodies[0]
        assert second.username not in bodies[0]       # nothing of the viewer in the shared bytes

    def test_different_variants_never_share_a_document(self, region, login_as, api, app, fx):
        fx.record()                                         # a draft: only the managing variants show it
        login_as(region.hr, app.test_client()).get(f"/people/{region.person.id}/file")
        g.pop("csrf_token", None)
        login_as(region.servant, app.test_client()).get("/my/file")
        g.pop("csrf_token", None)
        _file(api(region.hr), region.person)
        _file(api(region.servant), region.person)
        t = FileDocument.__table__
        stored = dict(db.session.execute(sa.select(t.c.variant, t.c.body).where(t.c.person_id == region.person.id)).all())
        zh = _stored_locale(region.person)
        variants = [cache.FileVariant.page(manage=True, own=False, locale=zh), cache.FileVariant.my(locale=zh),
                    cache.FileVariant.api(manage=True, locale=zh), cache.FileVariant.api(manage=False, locale=zh)]
        assert set(stored) == {v.key for v in variants}           # four documents, one per variant
        assert len(set(stored.values())) == 4
        assert "东营区纪委监委" in stored[variants[0].key] and "东营区纪委监委" not in stored[variants[1].key]
        assert len(json.loads(stored[variants[2].key])["records"]) == 1
        assert json.loads(stored[variants[3].key])["records"] == []

    def test_a_variant_is_a_value_with_a_short_key(self):
        a = cache.FileVariant.page(manage=True, own=False, locale="zh")
        assert a == cache.FileVariant("page", True, False, "zh") and hash(a) == hash(cache.FileVariant.page(
            manage=True, own=False, locale="zh"))
        keys = {cache.FileVariant.page(manage=m, own=o, locale=loc).key
                for m in (True, False) for o in (True, False) for loc in ("zh", "en")}
        keys |= {cache.FileVariant.api(manage=m, locale=loc).key for m in (True, False) for loc in ("zh", "en")}
        keys |= {cache.FileVariant.my(locale=loc).key for loc in ("zh", "en")}
        assert len(keys) == 8 + 4 + 2 and max(map(len, keys)) <= cache.KEY_LENGTH
        with pytest.raises(ValueError):
            cache.FileVariant("api", False, True, "zh")        # the JSON does not depend on who views it
        with pytest.raises(ValueError):
            cache.FileVariant("my", True, True, "zh")
        with pytest.raises(ValueError):
            cache.FileVariant("pdf", False, False, "zh")
        with pytest.raises(ValueError):
            cache.FileVariant.page(manage=True, own=True, locale="x" * 20)


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
