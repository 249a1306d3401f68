"""A review's batch-print job on the generic job page (core/job_views.py): the reviews package
plugs in as the job's owner (core.wiring.JOB_OWNER) — title, breadcrumb, and the access that
ends with the review."""
from __future__ import annotations

from core.extensions import db
from core.jobs import Job


def _review_job(review, user, state="failed") -> Job:
    job = Job(kind="review_print", func="archive.reviews.printing:print_review_job",
              args=[review.id, "merged", user.id, None], state=state, total=1, created_by_id=user.id,
              owner_type="reviews", owner_id=review.id)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_reviews_job_page_is_titled_and_leads_back_to_the_review(region, committee, login_as, make_review):
    review = make_review([region.person], [committee], name="2026年东营区考察")
    job = _review_job(review, committee)
    page = login_as(committee).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"批量打印 #{job.id}" in page
    start = page.index('aria-label="breadcrumb"')
    nav = page[start:page.index("</nav>", start)]
    assert '<a href="/reviews">考察评审</a>' in nav
    assert f'<a href="/reviews/{review.id}">2026年东营区考察</a>' in nav
    assert f"任务 #{job.id}" in nav
    assert "重试" in page                                                # a failed job offers the retry


def test_a_reviews_job_is_gone_for_the_committee_once_the_review_closes(region, committee, login_as, api,
                                                                         make_review):
    review = make_review([region.person], [committee])
    job = _review_job(review, committee)
    client = login_as(committee)
    assert client.get(f"/jobs/{job.id}.json").status_code == 200
    login_as(region.hr, client.application.test_client()).post(f"/reviews/{review.id}/close")
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get(f"/jobs/{job.id}.json").status_code == 404
    assert client.post(f"/jobs/{job.id}/retry").status_code == 404
    assert api(committee).get(f"/api/v1/jobs/{job.id}").status_code == 404

