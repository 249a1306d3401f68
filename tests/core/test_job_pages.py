"""The generic job pages (core/job_views.py, core/job_api.py) with a job no package owns, and the
layering they rely on: core reaches the domain packages only through core.wiring."""
from __future__ import annotations

import ast
from pathlib import Path

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db
from core.jobs import Job, write_result

ROOT = Path(__file__).resolve().parents[2]


def _job(user, state="done", owner_type="import_batches", result_path=None) -> Job:
    job = Job(kind="import", func="archive.exchange.services:import_job", args=[], state=state, total=3,
              done=3 if state == "done" else 0, created_by_id=user.id, owner_type=owner_type, owner_id=7)
    db.session.add(job)
    db.session.flush()
    if state == "done":
        job.result_path = result_path or str(write_result(job.id, b"id,result\n1,ok\n", ".csv"))
        job.result_name, job.result_mime = "结果.csv", "text/csv"
    db.session.commit()
    return job


def test_a_job_of_no_registered_owner_is_its_creators_alone(region, login_as, api, app):
    job = _job(region.hr)
    client = login_as(region.hr)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"后台任务 #{job.id}" in page and "批量打印" not in page
    assert 'aria-label="breadcrumb"' not in page                          # no owner to lead back to
    assert f'data-job-url="/jobs/{job.id}.json"' in page
    status = client.get(f"/jobs/{job.id}.json").get_json()
    assert status["state"] == "done" and status["state_label"] == "已完成"
    assert status["download_url"] == f"/jobs/{job.id}/download"
    assert client.get(f"/jobs/{job.id}", headers={"Accept": "application/json"}).get_json() == status
    resp = client.get(status["download_url"])
    assert resp.status_code == 200 and resp.data == b"id,result\n1,ok\n"
    assert db.session.execute(sa.select(AuditEvent).filter_by(action="export")).scalar_one().summary.startswith(
        f"下载任务 #{job.id}")

    body = api(region.hr).get(f"/api/v1/jobs/{job.id}").get_json()
    assert body["status_url"] == f"/api/v1/jobs/{job.id}"
    assert body["download_url"] == f"/api/v1/jobs/{job.id}/download"

    other = login_as(region.hr_hekou, app.test_client())
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/jobs/{job.id}/download").status_code == 404
    assert api(region.hr_hekou).get(f"/api/v1/jobs/{job.id}").status_code == 404


def test_only_failed_jobs_are_retried_and_results_come_from_the_jobs_directory(region, login_as, api, tmp_path):
    done = _job(region.hr)
    client = login_as(region.hr)
    assert client.post(f"/jobs/{done.id}/retry").status_code == 303                  # refused: not failed
    assert api(region.hr).post(f"/api/v1/jobs/{done.id}/retry").status_code == 409
    outside = tmp_path / "secret.csv"
    outside.write_text("not a job result")
    stray = _job(region.hr, result_path=str(outside))
    assert client.get(f"/jobs/{stray.id}/download").status_code == 404
    assert db.session.execute(sa.select(AuditEvent).filter_by(action="job_retry")).first() is None


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_dependencies_point_archive_to_training_to_core():
    """core imports neither domain package (the application factory, core/app.py, is the one
    table of contents that names them); training does not import archive."""
    wrong = [f"{p.relative_to(ROOT)}: {sorted(_imports(p) & {'archive', 'training'})}"
             for p in sorted((ROOT / "core").rglob("*.py"))
             if p != ROOT / "core" / "app.py" and _imports(p) & {"archive", "training"}]
    wrong += [f"{p.relative_to(ROOT)}: archive" for p in sorted((ROOT / "training").rglob("*.py"))
              if "archive" in _imports(p)]
    assert wrong == []
