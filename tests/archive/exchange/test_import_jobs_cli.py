"""Big files run as a background job with progress; the CLI runs the same import."""
from __future__ import annotations

import io
import json

import sqlalchemy as sa
from openpyxl import load_workbook

from archive.exchange.models import ImportBatch
from archive.file.models import Appraisal
from core import crypto
from core.extensions import db
from core.jobs import Job
from tests import factories as f

HEADERS = ["公民身份号码", "姓名", "年度", "考核等次"]


def _people(region, n):
    people = [f.person(f"甲{i}", department=region.wenhui) for i in range(n)]
    db.session.commit()
    return [[crypto.decrypt(p.id_cipher), p.name, 2025, "称职"] for p in people]


class TestBigFileRunsAsAJob:
    def test_check_and_import_as_jobs_with_progress(self, app, region, login_as, xlsx, monkeypatch):
        monkeypatch.setitem(app.config, "IMPORT_SYNC_ROWS", 3)       # in tests jobs run synchronously
        rows = _people(region, 5)
        web = login_as(region.hr)
        resp = web.post("/imports/appraisals", data={"file": (io.BytesIO(xlsx(HEADERS, rows)), "big.xlsx")},
                        content_type="multipart/form-data")
        batch_url = resp.headers["Location"]
        batch = db.session.execute(sa.select(ImportBatch)).scalar_one()
        assert batch.job_id is not None
        status = web.get(batch_url + "/status").get_json()
        assert status["state"] == "done" and status["batch_state"] == "validated" and status["total"] >= 5
        assert "检查通过" in web.get(batch_url).get_data(as_text=True)
        web.post(batch_url + "/confirm")
        db.session.expire_all()
        batch = db.session.get(ImportBatch, batch.id)
        assert batch.state == "imported" and batch.imported == 5
        assert db.session.get(Job, batch.job_id).state == "done"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Appraisal)).scalar() == 5

    def test_a_failed_job_leaves_nothing_and_says_so(self, app, region, login_as, xlsx, monkeypatch):
        monkeypatch.setitem(app.config, "IMPORT_SYNC_ROWS", 1)
        rows = _people(region, 3)
        web = login_as(region.hr)
        batch_url = web.post("/imports/appraisals", data={"file": (io.BytesIO(xlsx(HEADERS, rows)), "big.xlsx")},
                             content_type="multipart/form-data").headers["Location"]
        batch = db.session.execute(sa.select(ImportBatch)).scalar_one()
        from archive.exchange.services import import_dir
        (import_dir() / batch.stored_name).write_bytes(b"changed")          # the kept file was tampered with
        refused = web.post(batch_url + "/confirm")                          # checked before the job starts
        assert refused.status_code == 303
        from archive.exchange import services
        batch = db.session.get(ImportBatch, batch.id)
        services.start_job(batch, user=region.hr, dry_run=False)          # a job that meets it fails
        status = web.get(batch_url + "/status").get_json()
        assert status["state"] == "failed" and status["batch_state"] == "failed"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Appraisal)).scalar() == 0
        assert "处理失败" in web.get(batch_url).get_data(as_text=True)

    def test_running_batch_page_polls_its_status(self, region, login_as):
        batch = ImportBatch(kind="appraisals", filename="x.xlsx", sha256="0" * 64, state="running",
                            created_by_id=region.hr.id, errors=[])
        db.session.add(batch)
        db.session.commit()
        html = login_as(region.hr).get(f"/imports/batches/{batch.id}").get_data(as_text=True)
        assert f'data-job-url="/imports/batches/{batch.id}/status"' in html and "progress-bar" in html

    def test_batches_are_private_to_their_uploader(self, region, login_as):
        batch = ImportBatch(kind="appraisals", filename="x.xlsx", sha256="0" * 64, state="validated",
                            created_by_id=region.hr.id, errors=[])
        db.session.add(batch)
        db.session.commit()
        other = login_as(region.hr_hekou)
        for path in ("", "/status", "/errors.xlsx"):
            assert other.get(f"/imports/batches/{batch.id}{path}").status_code == 404
        assert other.post(f"/imports/batches/{batch.id}/confirm").status_code == 404


class TestImportPage:
    def test_page_lists_every_kind_with_template_and_upload(self, region, login_as):
        html = login_as(region.hr).get("/imports").get_data(as_text=True)
        for kind in ("people", "appraisals", "awards", "records", "completions"):
            assert f"/imports/{kind}/template" in html and f'action="/imports/{kind}"' in html

    def test_api_template_has_instructions(self, region, api):
        resp = api(region.hr).get("/api/v1/imports/records/template")
        assert resp.status_code == 200
        wb = load_workbook(io.BytesIO(resp.data))
        assert wb.sheetnames[1] == "填写说明"
        assert [c.value for c in wb.worksheets[0][1]][:5] == ["公民身份号码", "姓名", "类别", "处分或处理", "情节"]

    def test_servant_cannot_import(self, region, api, login_as, xlsx, upload):
        assert upload(api(region.servant), "appraisals", xlsx(HEADERS, [])).status_code == 403
        assert login_as(region.servant).get("/imports").status_code == 403


class TestCli:
    def test_dry_run_then_import(self, app, region, xlsx, tmp_path):
        rows = _people(region, 2)
        path = tmp_path / "考核.xlsx"
        path.write_bytes(xlsx(HEADERS, rows))
        runner = app.test_cli_runner()
        dry = runner.invoke(args=["import", "appraisals", str(path), "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert json.loads(dry.stdout.splitlines()[0]) == {"rows": 2, "errors": [], "imported": 0, "unchanged": 0}
        real = runner.invoke(args=["import", "appraisals", str(path)])
        assert real.exit_code == 0 and json.loads(real.stdout.splitlines()[0])["imported"] == 2
        again = runner.invoke(args=["import", "appraisals", str(path)])
        assert json.loads(again.stdout.splitlines()[0])["imported"] == 0

    def test_errors_exit_1_and_are_listed(self, app, region, xlsx, tmp_path):
        path = tmp_path / "bad.xlsx"
        path.write_bytes(xlsx(HEADERS, [["123", "某人", 2025, "称职"]]))
        result = app.test_cli_runner().invoke(args=["import", "appraisals", str(path)])
        assert result.exit_code == 1
        assert json.loads(result.stdout.splitlines()[0])["errors"][0]["column"] == "公民身份号码"

    def test_scope_of_an_hr_account(self, app, region, xlsx, tmp_path):
        other = db.session.get(type(region.other), region.other.id)
        path = tmp_path / "a.xlsx"
        path.write_bytes(xlsx(HEADERS, [[crypto.decrypt(other.id_cipher), other.name, 2025, "称职"]]))
        result = app.test_cli_runner().invoke(args=["import", "appraisals", str(path), "--as", "hr"])
        assert result.exit_code == 1
