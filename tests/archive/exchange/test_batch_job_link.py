"""An import batch run as a background job links to the generic job page (core/job_views.py),
which shows it to its creator as a plain 后台任务 (no package owns an import's job page)."""
from __future__ import annotations

from archive.exchange.models import ImportBatch
from core.extensions import db
from core.jobs import Job


def test_an_import_batch_links_to_its_job_page(region, login_as):
    batch = ImportBatch(kind="appraisals", filename="x.xlsx", sha256="0" * 64, state="running",
                        created_by_id=region.hr.id, errors=[])
    db.session.add(batch)
    db.session.flush()
    job = Job(kind="import", func="archive.exchange.services:import_job", args=[batch.id, False], state="running",
              total=10, done=4, created_by_id=region.hr.id, owner_type=ImportBatch.__tablename__, owner_id=batch.id)
    db.session.add(job)
    db.session.flush()
    batch.job_id = job.id
    db.session.commit()
    client = login_as(region.hr)
    assert f'href="/jobs/{job.id}"' in client.get(f"/imports/batches/{batch.id}").get_data(as_text=True)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"后台任务 #{job.id}" in page and 'aria-valuenow="40"' in page
