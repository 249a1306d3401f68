"""Credit-platform export (docs/rules.md §12, docs/credit-platform.md): JSON Lines, incremental, log."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from archive.exchange.models import CreditExport
from archive.file import services as file
from core import clock
from core.extensions import db
from tests import factories as f

from .conftest import make_record

TODAY = clock.today()


def lines(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/x-ndjson"
    return [json.loads(x) for x in resp.get_data(as_text=True).splitlines() if x]


@pytest.fixture
def records(region):
    a = make_record(region.person, decided_on=TODAY - timedelta(days=60))
    b = make_record(region.person, decided_on=TODAY - timedelta(days=40), sanction="warning", disclosable=True)
    draft = make_record(region.person, decided_on=TODAY - timedelta(days=10), state="draft")
    other = make_record(region.other, decided_on=TODAY - timedelta(days=30))
    db.session.commit()
    return type("R", (), {"a": a, "b": b, "draft": draft, "other": other})


class TestCreditPlatformExport:
    def test_each_record_once_with_current_status_and_no_id_number(self, region, records, api):
        out = lines(api(region.hr).get("/api/v1/exports/credit-platform"))
        ids = [line["source_record_id"] for line in out]
        assert sorted(ids) == sorted([records.a.id, records.b.id])        # no draft, no other county
        assert len(ids) == len(set(ids))
        line = next(x for x in out if x["source_record_id"] == records.a.id)
        assert line["op"] == "upsert" and line["status"] == "effective" and line["effective"] is True
        assert line["category"] == "discipline_gov" and line["category_name"] == "政务处分"
        assert line["sanction"] == "demerit" and line["sanction_name"] == "记过"
        assert line["decided_on"] == (TODAY - timedelta(days=60)).isoformat()
        assert line["record_id"].endswith(f"-R{records.a.id}")
        from core import crypto
        full = crypto.decrypt(region.person.id_cipher)
        text = json.dumps(out, ensure_ascii=False)
        assert full not in text and "id_number" not in line["subject"]
        assert line["subject"]["id_masked"] == region.person.id_masked and len(line["subject"]["subject_key"]) == 64

    def test_incremental_and_revoked_record_resent_as_update(self, region, records, api):
        client = api(region.hr)
        assert len(lines(client.get("/api/v1/exports/credit-platform"))) == 2
        assert lines(client.get("/api/v1/exports/credit-platform")) == []          # nothing changed
        file.revoke_record(db.session.get(type(records.a), records.a.id), "异议成立，撤销")
        make_record(region.person, decided_on=TODAY - timedelta(days=5), sanction="major_demerit")
        db.session.commit()
        out = lines(client.get("/api/v1/exports/credit-platform"))
        # the revoked record, the new 记大过, and the 警告 whose chain the 记大过 extends
        # (行政机关公务员处分条例 art. 10: rest + new), resent with its new restricts_until
        assert len(out) == 3
        warning = next(x for x in out if x["source_record_id"] == records.b.id)
        assert warning["restricts_until"] > warning["restricted_until"]
        revoked = next(x for x in out if x["source_record_id"] == records.a.id)
        assert revoked["status"] == "revoked" and revoked["effective"] is False and revoked["op"] == "upsert"
        assert lines(client.get("/api/v1/exports/credit-platform")) == []
        log = db.session.execute(db.select(CreditExport).order_by(CreditExport.id)).scalars().all()
        assert [e.count for e in log] == [2, 0, 3, 0]
        assert all(e.created_by_id == region.hr.id and len(e.sha256) == 64 for e in log)

    def test_explicit_since_resends_changed_records(self, region, records, api):
        client = api(region.hr)
        lines(client.get("/api/v1/exports/credit-platform"))
        out = lines(client.get("/api/v1/exports/credit-platform", query_string={"since": "2000-01-01T00:00:00Z"}))
        assert len(out) == 2
        future = (TODAY + timedelta(days=2)).isoformat() + "T00:00:00+08:00"
        assert lines(client.get("/api/v1/exports/credit-platform", query_string={"since": future})) == []

    def test_bad_since_is_422(self, region, api):
        resp = api(region.hr).get("/api/v1/exports/credit-platform?since=yesterday")
        assert resp.status_code == 422
        assert "since" in resp.get_json()["error"]["fields"]

    def test_expired_by_time_is_sent_again_with_new_status(self, region, api):
        record = make_record(region.person, decided_on=TODAY - timedelta(days=200), sanction="warning")   # 6 months
        db.session.commit()
        out = lines(api(region.hr).get("/api/v1/exports/credit-platform"))
        assert [(x["source_record_id"], x["status"]) for x in out] == [(record.id, "expired")]

    def test_servant_may_not_export(self, region, api):
        assert api(region.servant).get("/api/v1/exports/credit-platform").status_code == 403

    def test_cli_writes_the_same_lines_to_a_file(self, app, region, records, tmp_path):
        out = tmp_path / "credit.jsonl"
        result = app.test_cli_runner().invoke(args=["export", "credit-platform", "--out", str(out)])
        assert result.exit_code == 0, result.output
        ids = sorted(json.loads(x)["source_record_id"] for x in out.read_text().splitlines())
        assert ids == sorted([records.a.id, records.b.id, records.other.id])     # the CLI has no scope
        again = app.test_cli_runner().invoke(args=["export", "credit-platform", "--since", "2000-01-01"])
        assert again.exit_code == 0 and len(again.stdout.splitlines()) == 3

    def test_export_page_lists_log_and_downloads_same_file(self, region, records, login_as):
        web = login_as(region.hr)
        assert "下次增量导出将包含 2 条" in web.get("/exports/credit-platform").get_data(as_text=True)
        resp = web.post("/exports/credit-platform")
        assert resp.status_code == 302
        export = db.session.execute(db.select(CreditExport)).scalar_one()
        page = web.get("/exports/credit-platform").get_data(as_text=True)
        assert export.sha256[:16] in page
        download = web.get(f"/exports/credit-platform/{export.id}.jsonl")
        import hashlib
        assert hashlib.sha256(download.data).hexdigest() == export.sha256
        other = f.user("hr2", roles=("hr",), department=region.dongying)
        db.session.commit()
        assert login_as(other).get(f"/exports/credit-platform/{export.id}.jsonl").status_code == 404
