"""Reviews (docs/rules.md §8): HR creates them within scope, committee members see candidates of open
reviews only, and every candidate gets a status and a verdict for the review's purpose."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from archive.reviews import services
from archive.reviews.models import Review
from core import clock
from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f


def _actions(action: str) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).filter_by(action=action)).scalar()


def test_hr_creates_a_review_and_the_committee_sees_verdicts(region, committee, api, demerit):
    blocked = f.person("赵强", department=region.shikou)
    demerit(blocked)
    closes = (clock.today() + timedelta(days=7)).isoformat()
    resp = api(region.hr).post("/api/v1/reviews", json={
        "name": "2026年科级干部晋升考察", "purpose": "promotion", "closes_on": closes,
        "candidate_ids": [region.person.id, blocked.id], "member_ids": [committee.id]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["open"] is True and sorted(body["candidate_ids"]) == sorted([region.person.id, blocked.id])

    resp = api(committee).get(f"/api/v1/reviews/{body['id']}")
    assert resp.status_code == 200
    cands = {c["person_id"]: c for c in resp.get_json()["candidates"]}
    assert cands[region.person.id]["verdict"] == "eligible"
    assert cands[region.person.id]["integrity_status"] == "good"
    assert cands[blocked.id]["verdict"] == "ineligible"
    assert cands[blocked.id]["integrity_status"] == "restricted"
    assert any("记过" in r and "不得晋升" in r for r in cands[blocked.id]["reasons"])
    assert _actions("review_view") == 1
    # the member was invited (an in-app notification)
    from core.notify.services import unread_count
    assert unread_count(committee) == 1


def test_review_page_shows_blocked_candidates_and_attention_notes(region, committee, login_as, make_review, demerit):
    from archive.file import services as file_services
    blocked = f.person("赵强", department=region.shikou)
    demerit(blocked)
    repaired_person = f.person("钱芳", department=region.wenhui)
    record = demerit(repaired_person, months_ago=3)
    file_services.mark_repaired(record, reason="已完成信用修复")
    db.session.commit()
    review = make_review([region.person, blocked, repaired_person], [committee])

    html = login_as(committee).get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "赵强" in html and "不符合" in html and "记过" in html
    assert 'data-verdict="ineligible"' in html and 'data-verdict="attention"' in html
    assert "已信用修复" in html                  # a repaired record is an attention note
    rows = {a.person.id: a for a in services.assess_review(review, committee)}
    assert rows[repaired_person.id].verdict.value == "attention"
    assert rows[region.person.id].verdict.value == "eligible"
    for a in rows.values():      # the page (batched facts) and the printed file (whole file) agree
        single = services.assess(a.person, review.purpose)
        assert (single.status, single.verdict, single.reasons) == (a.status, a.verdict, a.reasons)


def test_review_page_pages_its_candidates_and_keeps_the_verdict_filter(region, committee, login_as, make_review,
                                                                        demerit):
    people = [f.person(f"候选{i:02d}", department=region.wenhui) for i in range(57)]
    for p in people[:12]:
        demerit(p)
    review = make_review(people, [committee])
    client = login_as(committee)

    def names(html):
        return {p.name for p in people if f">{p.name}</a>" in html}

    first = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    second = client.get(f"/reviews/{review.id}?page=2").get_data(as_text=True)
    assert len(names(first)) == 50 and len(names(second)) == 7
    assert names(first) | names(second) == {p.name for p in people}
    assert "共 57 条，第 1 / 2 页" in first and "page=2" in first
    blocked = client.get(f"/reviews/{review.id}?verdict=ineligible").get_data(as_text=True)
    assert names(blocked) == {p.name for p in people[:12]} and "第 1 / 1 页" in blocked
    beyond = client.get(f"/reviews/{review.id}?page=9")
    assert beyond.status_code == 200 and not names(beyond.get_data(as_text=True))


def test_pending_objection_is_an_attention_note(region, make_review, demerit):
    from archive.file import services as file_services
    person = f.person("孙丽", department=region.wenhui)
    record = file_services.record_misconduct(person, category="other", sanction="none", severity="general",
                                             decided_on=clock.today() - timedelta(days=5),
                                             authority="区信用办", facts="统计数据弄虚作假",
                                             restricted_until=clock.today() + timedelta(days=300))
    file_services.notify_record(record, person, on=clock.today() - timedelta(days=4))
    file_services.file_objection(record, "事实认定有误", None)
    db.session.commit()
    review = make_review([person], purpose="promotion")
    (a,) = services.assess_review(review, region.hr)
    assert a.verdict.value == "attention"
    assert any("异议" in r for r in a.reasons)


def test_hr_cannot_add_a_candidate_outside_its_scope(region, api, login_as, make_review):
    resp = api(region.hr).post("/api/v1/reviews", json={
        "name": "越权", "purpose": "award", "closes_on": clock.today().isoformat(),
        "candidate_ids": [region.other.id], "member_ids": []})
    assert resp.status_code == 404
    assert db.session.execute(sa.select(sa.func.count()).select_from(Review)).scalar() == 0

    review = make_review([region.person])
    client = login_as(region.hr)
    assert client.post(f"/reviews/{review.id}/candidates", data={"person_id": str(region.other.id)}).status_code == 404
    # by id number: the same answer whether the person exists elsewhere or not (nothing revealed)
    from core import crypto
    other_id = crypto.decrypt(region.other.id_cipher)
    html = client.post(f"/reviews/{review.id}/candidates", data={"id_numbers": other_id}).get_data(as_text=True)
    assert "不在您的管理范围内" in html
    db.session.expire_all()
    assert [c.person_id for c in db.session.get(Review, review.id).candidates] == [region.person.id]
    # HR of another county does not see the review at all
    assert login_as(region.hr_hekou).get(f"/reviews/{review.id}").status_code == 404
    assert api(region.hr_hekou).get(f"/api/v1/reviews/{review.id}").status_code == 404


def test_hr_adds_candidates_by_search_and_id_number(region, login_as, make_review):
    from core import crypto
    extra = f.person("周杰", department=region.shikou)
    third = f.person("吴敏", department=region.wenhui)
    db.session.commit()
    review = make_review([region.person])
    client = login_as(region.hr)
    html = client.get(f"/reviews/{review.id}/candidates?department_id={region.shikou.id}").get_data(as_text=True)
    assert "周杰" in html and "张伟" not in html
    resp = client.post(f"/reviews/{review.id}/candidates", data={"person_id": str(extra.id)})
    assert resp.status_code == 302
    resp = client.post(f"/reviews/{review.id}/candidates", data={"id_numbers": crypto.decrypt(third.id_cipher)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert {c.person_id for c in db.session.get(Review, review.id).candidates} == {region.person.id, extra.id, third.id}


def test_members_must_be_committee_accounts(region, api):
    resp = api(region.hr).post("/api/v1/reviews", json={
        "name": "评优", "purpose": "award", "closes_on": clock.today().isoformat(),
        "candidate_ids": [region.person.id], "member_ids": [region.servant.id]})
    assert resp.status_code == 422
    assert "member_ids" in resp.get_json()["error"]["fields"]


def test_committee_access_ends_when_the_review_closes(region, committee, login_as, api, make_review):
    review = make_review([region.person], [committee])
    client = login_as(committee)
    token = api(committee)
    person_page = f"/people/{region.person.id}/registry"
    if client.application.view_functions.get("file.person_file"):
        person_page = f"/people/{region.person.id}/file"
    assert client.get(f"/reviews/{review.id}").status_code == 200
    assert client.get(person_page).status_code == 200
    assert token.get(f"/api/v1/reviews/{review.id}").status_code == 200
    assert token.get(f"/api/v1/people/{region.person.id}").status_code == 200
    # not a candidate: never visible
    assert client.get(f"/people/{region.other.id}/registry").status_code == 404
    # the closing date passing ends access at once, with nobody pressing a button
    review.closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.get(person_page).status_code == 404
    assert token.get(f"/api/v1/reviews/{review.id}").status_code == 404
    assert token.get(f"/api/v1/people/{region.person.id}").status_code == 404
    assert token.get(f"/api/v1/people/{region.person.id}/file.pdf?review_id={review.id}").status_code == 404
    assert client.get(f"/people/{region.person.id}/file.pdf?review_id={review.id}").status_code == 404
    assert "2026年科级干部晋升考察" not in client.get("/reviews/mine").get_data(as_text=True)


def test_hr_closes_a_review(region, committee, login_as, api, make_review):
    review = make_review([region.person], [committee])
    token = api(committee)
    assert token.get(f"/api/v1/reviews/{review.id}").status_code == 200
    resp = login_as(region.hr).post(f"/reviews/{review.id}/close")
    assert resp.status_code == 302
    assert token.get(f"/api/v1/reviews/{review.id}").status_code == 404
    assert token.get(f"/api/v1/people/{region.person.id}").status_code == 404
    # HR still sees it, closed; closing twice is an illegal state change
    assert api(region.hr).get(f"/api/v1/reviews/{review.id}").get_json()["open"] is False
    assert api(region.hr).post(f"/api/v1/reviews/{review.id}/close").status_code == 409
    assert _actions("review_close") == 1


def test_committee_home_lists_open_reviews_only(region, committee, login_as, make_review):
    make_review([region.person], [committee], name="进行中的晋升考察")
    closed = make_review([region.person], [committee], name="去年的评优考察", purpose="award")
    closed.closes_on = clock.today() - timedelta(days=30)
    db.session.commit()
    client = login_as(committee)
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/reviews/mine")
    html = client.get("/reviews/mine").get_data(as_text=True)
    assert "进行中的晋升考察" in html and "去年的评优考察" not in html
    html = client.get("/reviews").get_data(as_text=True)
    assert "进行中的晋升考察" in html and "去年的评优考察" not in html
    # committee members cannot create or change reviews
    assert client.get("/reviews/new").status_code == 403


def test_hr_review_form_and_edit_with_version(region, committee, login_as, api):
    client = login_as(region.hr)
    closes = (clock.today() + timedelta(days=3)).isoformat()
    resp = client.post("/reviews/new", data={"name": "  ", "purpose": "promotion", "closes_on": closes})
    assert resp.status_code == 200 and "此项为必填项" in resp.get_data(as_text=True)
    resp = client.post("/reviews/new", data={"name": "2026年度评优", "purpose": "award", "closes_on": closes,
                                             "member_ids": [str(committee.id)]})
    assert resp.status_code == 302
    review = db.session.execute(sa.select(Review)).scalar_one()
    assert review.purpose.value == "award" and [m.user_id for m in review.members] == [committee.id]
    version = review.version
    resp = api(region.hr).patch(f"/api/v1/reviews/{review.id}", json={"version": version, "name": "改名"})
    assert resp.status_code == 200 and resp.get_json()["name"] == "改名"
    stale = api(region.hr).patch(f"/api/v1/reviews/{review.id}", json={"version": version, "name": "再改"})
    assert stale.status_code == 409


def test_excel_export_of_candidates(region, committee, fresh_login, make_review, demerit):
    blocked = f.person("赵强", department=region.shikou)
    demerit(blocked)
    review = make_review([region.person, blocked], [committee])
    resp = fresh_login(committee).get(f"/reviews/{review.id}/export.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert next(ws.iter_rows(max_row=1, values_only=True))[:3] == ("序号", "姓名", "公民身份号码")
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["赵强"][7] == "不符合" and rows["张伟"][7] == "符合"
    assert "*" in rows["张伟"][2]                 # id numbers masked
    assert _actions("export") == 1


def test_lists_return_exactly_the_visible_candidates(region, committee, api, make_review):

    from core.registry import services as registry
    moved = f.person("调出人员", department=region.shikou)
    db.session.commit()
    review = make_review([region.person, moved], [committee])
    registry.transfer_person(moved, region.liuhe, on=clock.today(), reason="调往河口区")
    db.session.commit()
    hr_ids = {c["person_id"] for c in api(region.hr).get(f"/api/v1/reviews/{review.id}").get_json()["candidates"]}
    member_ids = {c["person_id"] for c in api(committee).get(f"/api/v1/reviews/{review.id}").get_json()["candidates"]}
    assert hr_ids == {region.person.id}                  # out of HR's scope now
    assert member_ids == {region.person.id, moved.id}    # the committee still reviews both
    assert api(region.hr).get(f"/api/v1/people/{moved.id}/file.pdf?review_id={review.id}").status_code == 404


def test_hr_pages_render(region, committee, login_as, make_review):
    review = make_review([region.person], [committee])
    client = login_as(region.hr)
    for url in ("/reviews", "/reviews?state=open", "/reviews?state=closed&q=晋升", "/reviews/new",
                f"/reviews/{review.id}", f"/reviews/{review.id}?verdict=eligible", f"/reviews/{review.id}/edit",
                f"/reviews/{review.id}/candidates", f"/reviews/{review.id}/candidates?q=张"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "<script>" not in resp.get_data(as_text=True).split("</footer>")[0]     # CSP: no inline script
    html = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "结束评审" in html and "添加候选人" in html and "打印全部 1 人" in html
    resp = client.post(f"/reviews/{review.id}/candidates/{region.person.id}/remove")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, review.id).candidates == []
    assert client.get("/reviews/999999").status_code == 404
