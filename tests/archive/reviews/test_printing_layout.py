"""Issue 19 item 13: the issuing department of a review's file, empty sections folded, /verify names whom."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from archive.reviews.printing import fold_empty
from archive.reviews.sections import Section
from core.documents import find_document
from core.registry.codes import mask_name


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_county_review_printed_by_a_city_committee_member_is_issued_by_the_county(
        region, committee, login_as, make_review, pdf_text):
    review = make_review([region.person], [committee])            # created by 东营区 HR
    assert review.department.name == "东营区" and committee.department.name == "东营市"
    resp = login_as(committee).get(f"/people/{region.person.id}/file.pdf?review_id={review.id}")
    assert resp.status_code == 200
    doc = find_document(resp.headers["X-Document-Serial"])
    assert doc.department.name == "东营区"
    cover = _flat(pdf_text(resp.data)).split("公务员诚信档案")[0]
    assert cover.endswith("东营区") and "东营市" not in cover


def test_without_a_review_the_printing_officers_department_issues(region, login_as):
    resp = login_as(region.hr_city).get(f"/people/{region.person.id}/file.pdf")
    assert find_document(resp.headers["X-Document-Serial"]).department.name == "东营市"


def test_empty_sections_fold_into_one_line_kept_with_the_end_note(region, login_as, pdf_text):
    resp = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf")
    reader = PdfReader(io.BytesIO(resp.data))
    pages = [_flat(p.extract_text()) for p in reader.pages]
    flat = _flat(pdf_text(resp.data))
    assert re.search(r"十一、信用修复：无", flat)
    assert re.search(r"、[^、：]+：[^、]+?[一二三四五六七八九十]+、[^、：]+：", flat)   # several on one line
    last = pages[-1]
    assert "档案内容至此结束" in last and len(last) > 80   # the end note never alone, nor with the fold only
    for text in pages[1:]:
        body = re.sub(r"第\d+页共\d+页|仅供考察使用|IA-[0-9A-Z-]{14}", "", text)
        assert not re.fullmatch(r"[一二三四五六七八九十]+、信用修复：.*", body), text


def test_fold_groups_consecutive_empty_sections_only():
    full, a, b, c = (Section("A", ["x"], rows=[["1"]]), Section("B", ["x"]), Section("C", ["x"]),
                     Section("D", ["x"], rows=[["2"]]))
    e = Section("E", ["x"])
    assert fold_empty([full, a, b, c, e]) == [full, [a, b], c, [e]]
    assert fold_empty([]) == []


def test_verify_shows_the_masked_name_and_department(region, login_as, client):
    serial = login_as(region.hr).get(f"/people/{region.person.id}/file.pdf").headers["X-Document-Serial"]
    anon = client.application.test_client()
    html = anon.get(f"/verify/{serial}").get_data(as_text=True)
    subject = re.search(r"data-subject>([^<]+)<", html).group(1)
    assert subject == f"{mask_name(region.person.name)}（{region.person.department.name}）"
    assert region.person.name not in html
    body = anon.get(f"/api/v1/verify/{serial}").get_json()
    assert body["subject"] == {"name_masked": mask_name(region.person.name), "department": region.person.department.name}
    assert anon.get("/api/v1/verify/IA-2222-2222-2222").get_json()["subject"] is None


def test_mask_name_table():
    assert [mask_name(n) for n in ("张伟", "王小明", "欧阳修锋", "李", "", None)] == ["张*", "王*明", "欧**锋", "李", "", ""]


def test_a_batch_of_a_county_review_is_issued_by_the_county(region, committee, fresh_login, make_review):
    import sqlalchemy as sa

    from core.documents import PrintedDocument
    from core.extensions import db
    from tests import factories as f
    second = f.person("赵强", department=region.shikou)
    db.session.commit()
    review = make_review([region.person, second], [committee])
    resp = fresh_login(committee).post(f"/reviews/{review.id}/print", data={"format": "merged"})
    assert resp.status_code == 302
    docs = db.session.execute(sa.select(PrintedDocument).filter_by(kind="integrity_file")).scalars().all()
    assert len(docs) == 2 and {d.department.name for d in docs} == {"东营区"}


def test_the_printer_keeps_their_own_department(region, committee, login_as, make_review, pdf_text):
    review = make_review([region.person], [committee])
    resp = login_as(committee).get(f"/people/{region.person.id}/file.pdf?review_id={review.id}")
    assert "committee（东营市）" in _flat(pdf_text(resp.data))
