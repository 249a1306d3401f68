"""A promotion committee member at a desktop (issue 12): open the review, read the verdicts
(符合 / 不符合 / 需关注), batch-print the candidates' files with the progress bar (the job runs
in the background: JOBS_SYNCHRONOUS is off in the live app), download the PDF, and verify a
printed serial on /verify/<serial> (the page, then the uploaded PDF's hash; a changed file fails).

The demo review has 30 candidates; the setup keeps four (one of each verdict and one more) so
that rendering the PDFs fits the time budget of the browser suite.
"""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core import clock
from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot

SERIAL = re.compile(r"IA-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}")


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True}


def _trim_review(app):
    """Keep 1 不符合 + 3 符合 candidates; one of the latter then gets a 通报 under objection (需关注)."""
    from datetime import timedelta

    from archive.enums import Verdict
    from archive.file import services as file_services
    from archive.reviews import services
    from archive.reviews.models import Review
    from core.accounts.models import User
    review = db.session.execute(sa.select(Review).where(Review.name.contains("晋升考察"))).scalar_one()
    committee = db.session.execute(sa.select(User).filter_by(username="committee")).scalar_one()
    hr = db.session.execute(sa.select(User).filter_by(username="hr")).scalar_one()
    verdicts = {a.person.id: a.verdict for a in services.assess_review(review, committee)}
    keep = ([pid for pid, v in verdicts.items() if v is Verdict.INELIGIBLE][:1]
            + [pid for pid, v in verdicts.items() if v is Verdict.ELIGIBLE][:3])
    for cand in list(review.candidates):
        if cand.person_id not in keep:
            services.remove_candidate(review, cand.person)
    person = next(c.person for c in review.candidates if c.person_id == keep[-1])
    with app.test_request_context():
        record = file_services.record_misconduct(
            person, category="accountability", sanction="circulated", severity="general",
            decided_on=clock.today() - timedelta(days=12), authority="东营区纪委监委",
            facts="未按时报送安全生产月度检查台账，被通报批评。", by=hr)
        file_services.notify_record(record, person, by=hr, on=clock.today() - timedelta(days=8))
        file_services.file_objection(record, "台账已按时报送，请予复核。", hr)
    db.session.commit()
    verdicts = {a.person.id: a.verdict for a in services.assess_review(review, committee)}
    assert sorted(v.value for v in verdicts.values()) == ["attention", "eligible", "eligible", "ineligible"], verdicts
    return review, verdicts


def test_committee_journey(page_for, live_app, tmp_path):
    from core.documents import PrintedDocument
    review, verdicts = _trim_review(live_app)
    page = page_for("desktop")

    # ---- my reviews → the review ------------------------------------------------------------------
    login(page, "committee", demo_password(live_app))
    expect(page.get_by_role("heading", level=1)).to_have_text("我的考察评审")
    shot(page, "committee-01-my-reviews")
    page.get_by_role("link", name=review.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(review.name)

    # ---- verdicts: the filters count them; each row carries its verdict and reasons ---------------
    rows = page.locator("tbody tr[data-verdict]")
    expect(rows).to_have_count(4)
    for label, count in (("不符合", 1), ("需关注", 1), ("符合", 2)):
        expect(page.get_by_role("link", name=re.compile(f"^{label}")).first).to_contain_text(str(count))
    shot(page, "committee-02-review")
    ineligible = page.locator("tr[data-verdict=ineligible]")
    expect(ineligible).to_contain_text("不符合")
    expect(ineligible.get_by_role("listitem").first).to_contain_text("不得晋升")
    attention = page.locator("tr[data-verdict=attention]")
    expect(attention).to_contain_text("需关注")
    expect(attention).to_contain_text("异议")
    page.get_by_role("link", name=re.compile("^需关注")).click()
    expect(rows).to_have_count(1)
    expect(page.locator("tr[data-verdict=attention]")).to_have_count(1)
    page.get_by_role("link", name=re.compile("^全部")).click()
    expect(rows).to_have_count(4)

    # ---- batch print: a background job, a progress bar that polls, then the download --------------
    page.get_by_label("合并为一个 PDF（每人一个书签）").check()
    page.get_by_role("button", name="打印全部 4 人").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("批量打印")
    bar = page.get_by_role("progressbar", name="进度")
    expect(bar).to_be_visible()
    page.wait_for_function("() => +document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') > 0",
                           timeout=60000)                # the page polls /jobs/<id>.json and moves the bar
    shot(page, "committee-03-print-progress")
    expect(page.locator("[data-job-state=done]")).to_be_attached(timeout=60000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("[data-job-status]")).to_have_text("已完成")
    shot(page, "committee-04-print-done")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载结果").click()
    pdf_path = tmp_path / "batch.pdf"
    info.value.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")

    # the serial printed on the first candidate's file, read from the PDF itself
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(titles) == 4 and all(re.match(r"\d\. ", t) for t in titles), titles   # one bookmark per candidate
    found = SERIAL.search(reader.pages[0].extract_text())
    assert found, "no serial printed on the first page"
    serial = found.group(0)
    doc = db.session.execute(sa.select(PrintedDocument).filter_by(serial=serial)).scalar_one()
    assert doc.kind == "integrity_file" and doc.person_id in verdicts

    # ---- verify the serial, then the downloaded file; a changed file is refused ---------------------
    page.goto(f"/verify/{serial}")
    expect(page.locator("[data-verify=valid]")).to_contain_text(serial)
    page.get_by_label("待核验的 PDF 文件").set_input_files(str(pdf_path))
    page.get_by_role("button", name="核验文件").click()
    expect(page.locator("[data-verify-result=match]")).to_contain_text("完全一致")
    shot(page, "committee-05-verify")
    page.get_by_label("待核验的 PDF 文件").set_input_files(files=[{
        "name": "batch.pdf", "mimeType": "application/pdf", "buffer": data + b"\n%tampered\n"}])
    page.get_by_role("button", name="核验文件").click()
    expect(page.locator("[data-verify-result=mismatch]")).to_contain_text("不一致")
