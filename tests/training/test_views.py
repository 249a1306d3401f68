"""HR and servant pages: forms with Chinese errors (nothing written), scope (404), export."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db
from tests import factories as f
from tests.training.conftest import complete_hours, make_course
from training import services
from training.enums import EnrolmentStatus
from training.models import Course, CourseMaterial, CourseSession, Enrolment, QuizQuestion


def count(model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


COURSE_FORM = {"code": "CX-2026-05", "title": "诚信专题：信用承诺制度解读", "category": "integrity", "mode": "online",
               "hours": "1.5", "pass_mark": "60", "integrity": "y", "active": "y", "description": "网上学习"}


class TestCataloguePages:
    def test_create_course_with_material_question_and_session(self, region, login_as):
        c = login_as(region.hr)
        resp = c.post("/training/courses/new", data=COURSE_FORM)
        assert resp.status_code == 302
        course = db.session.execute(sa.select(Course)).scalar_one()
        assert (course.code, str(course.hours), course.integrity) == ("CX-2026-05", "1.5", True)
        resp = c.post(f"/training/courses/{course.id}/materials/new",
                      data={"title": "第一章", "kind": "handbook_chapter", "body": "政务诚信是基础。", "order": ""})
        assert resp.status_code == 302
        resp = c.post(f"/training/courses/{course.id}/questions/new",
                      data={"text": "任职前应作出信用承诺吗？", "option_a": "应当", "option_b": "不必", "correct": ["A"],
                            "points": "1", "next": "another"})
        assert resp.headers["Location"].endswith(f"/training/courses/{course.id}/questions/new")
        page = c.get(f"/training/courses/{course.id}").get_data(as_text=True)
        assert "第一章" in page and "任职前应作出信用承诺吗？" in page and "含测验" in page
        assert count(CourseMaterial) == 1 and count(QuizQuestion) == 1
        listing = c.get("/training/courses?category=integrity").get_data(as_text=True)
        assert "诚信专题：信用承诺制度解读" in listing
        assert "诚信专题" not in c.get("/training/courses?category=repair").get_data(as_text=True).split("<main")[1] \
            .split("</form>")[1]

    def test_bad_course_form_shows_chinese_errors_and_writes_nothing(self, region, login_as):
        c = login_as(region.hr)
        for hours, message in (("两学时", "学时须为数字"), ("-2", "学时不能为负数")):
            page = c.post("/training/courses/new", data=dict(COURSE_FORM, hours=hours)).get_data(as_text=True)
            assert message in page
        page = c.post("/training/courses/new", data=dict(COURSE_FORM, code="课程一")).get_data(as_text=True)
        assert "课程编号为 2–20 位字母" in page
        assert count(Course) == 0

    def test_session_form_rejects_reversed_dates(self, region, classroom, login_as, today):
        c = login_as(region.hr)
        page = c.post(f"/training/courses/{classroom.id}/sessions/new",
                      data={"starts_on": today.isoformat(), "ends_on": (today - timedelta(days=1)).isoformat(),
                            "place": "党校", "capacity": "30"}).get_data(as_text=True)
        assert "结业日期不能早于开班日期" in page
        page = c.post(f"/training/courses/{classroom.id}/sessions/new",
                      data={"starts_on": "2026-13-01", "ends_on": today.isoformat(), "place": "党校",
                            "capacity": "三十"}).get_data(as_text=True)
        assert "日期格式须为" in page, page[page.find("<main"):page.find("</main>")]
        assert count(CourseSession) == 0

    def test_hours_are_shown_plainly(self, region, login_as):
        make_course("RZ-01", "领导干部任职培训", "appointment", integrity=True, hours="40", mode="classroom")
        make_course("CX-05", "诚信微课", hours="1.5")
        db.session.commit()
        page = login_as(region.hr).get("/training/courses").get_data(as_text=True)
        assert ">40<" in page and ">1.5<" in page and "E+" not in page

    def test_unknown_course_is_404(self, region, login_as):
        assert login_as(region.hr).get("/training/courses/999").status_code == 404


class TestEnrolAndMark:
    def test_enrol_one_person_by_name_then_attendance(self, region, classroom, login_as, today):
        session = services.add_session(classroom, starts_on=today - timedelta(days=2), ends_on=today,
                                       capacity=10, place="东营区委党校")
        db.session.commit()
        c = login_as(region.hr)
        resp = c.post(f"/training/courses/{classroom.id}/enrol",
                      data={"mode": "person", "person": "张伟", "department_id": region.dongying.id,
                            "session_id": session.id})
        assert "将报名 1 人，跳过 0 人" in resp.get_data(as_text=True) and count(Enrolment) == 0   # a preview first
        resp = c.post(f"/training/courses/{classroom.id}/enrol",
                      data={"mode": "person", "person": "张伟", "department_id": region.dongying.id,
                            "session_id": session.id, "confirm": "1"})
        assert resp.status_code == 302
        page = c.post(f"/training/courses/{classroom.id}/enrol",
                      data={"mode": "person", "person": "李娜", "department_id": region.dongying.id,
                            "session_id": 0}).get_data(as_text=True)
        assert "在您管理的范围内未找到该在职人员" in page                  # 李娜 is in 河口区
        enrolment = db.session.execute(sa.select(Enrolment)).scalar_one()
        page = c.post(f"/training/courses/{classroom.id}/sessions/{session.id}/attendance",
                      data={f"outcome_{enrolment.id}": "completed", f"hours_{enrolment.id}": "-4"}
                      ).get_data(as_text=True)
        assert "学时不能为负数" in page
        db.session.refresh(enrolment)
        assert enrolment.status is EnrolmentStatus.ENROLLED
        resp = c.post(f"/training/courses/{classroom.id}/sessions/{session.id}/attendance",
                      data={f"outcome_{enrolment.id}": "completed", f"hours_{enrolment.id}": "4",
                            f"score_{enrolment.id}": "92"})
        assert resp.status_code == 302
        db.session.refresh(enrolment)
        assert (enrolment.status, enrolment.completed_on, enrolment.score) == (EnrolmentStatus.COMPLETED, today, 92)

    def test_enrol_department_leaders_only(self, region, integrity_online, login_as):
        chief = f.person("赵镇长", department=region.shikou, leading=True, post="镇长")
        db.session.commit()
        c = login_as(region.hr)
        resp = c.post(f"/training/courses/{integrity_online.id}/enrol",
                      data={"mode": "department", "department_id": region.dongying.id, "leading_only": "y",
                            "session_id": 0, "confirm": "1"})
        assert resp.status_code == 302
        assert [e.person_id for e in db.session.execute(sa.select(Enrolment)).scalars()] == [chief.id]
        resp = c.post(f"/training/courses/{integrity_online.id}/enrol",
                      data={"mode": "department", "department_id": region.hekou.id, "session_id": 0})
        assert resp.status_code == 404                                  # 河口区 is not in this HR's scope
        assert count(Enrolment) == 1

    def test_complete_form_and_outcomes(self, region, classroom, login_as, today):
        services.enrol(classroom, [region.person, f.person("王强", department=region.shikou)])
        db.session.commit()
        first, second = db.session.execute(sa.select(Enrolment).order_by(Enrolment.id)).scalars()
        c = login_as(region.hr)
        page = c.post(f"/training/enrolments/{first.id}/complete",
                      data={"hours": "abc", "completed_on": today.isoformat()}).get_data(as_text=True)
        assert "学时须为数字" in page
        page = c.post(f"/training/enrolments/{first.id}/complete",
                      data={"hours": "4", "completed_on": (today + timedelta(days=3)).isoformat()}
                      ).get_data(as_text=True)
        assert "完成日期不能晚于今天" in page
        assert c.post(f"/training/enrolments/{first.id}/complete",
                      data={"hours": "4", "score": "85", "completed_on": today.isoformat()}).status_code == 302
        assert c.post(f"/training/enrolments/{second.id}/outcome",
                      data={"outcome": "absent", "next": "//evil.example"}).headers["Location"] \
            == f"/training/courses/{classroom.id}"
        db.session.expire_all()
        assert [e.status for e in db.session.execute(sa.select(Enrolment).order_by(Enrolment.id)).scalars()] == [
            EnrolmentStatus.COMPLETED, EnrolmentStatus.ABSENT]


class TestScope:
    def test_hr_of_a_sibling_county_gets_404(self, region, classroom, integrity_online, login_as, today, app):
        services.enrol(classroom, [region.person])
        done = complete_hours(region.person, integrity_online, today)
        db.session.commit()
        enrolment = db.session.execute(sa.select(Enrolment).where(Enrolment.course_id == classroom.id)).scalar_one()
        c = login_as(region.hr_hekou)
        assert c.get(f"/training/enrolments/{enrolment.id}/complete").status_code == 404
        assert c.post(f"/training/enrolments/{enrolment.id}/outcome", data={"outcome": "absent"}).status_code == 404
        assert c.get(f"/training/enrolments/{done.id}/certificate.pdf").status_code == 404
        assert c.get(f"/training/overview?department_id={region.dongying.id}").status_code == 404
        assert c.post("/training/overview/enrol", data={"course_id": integrity_online.id,
                                                        "department_id": region.dongying.id}).status_code == 404
        page = c.get(f"/training/courses/{classroom.id}").get_data(as_text=True)
        assert "张伟" not in page
        assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.ENROLLED

    def test_servant_sees_only_own(self, region, integrity_online, classroom, login_as, today, app):
        other_done = complete_hours(region.other, classroom, today)
        attempt = services.submit_quiz(region.other, integrity_online,
                                       {str(q.id): ["B"] for q in integrity_online.questions})
        db.session.commit()
        c = login_as(region.servant)
        assert c.get(f"/training/enrolments/{other_done.id}/certificate.pdf").status_code == 404
        assert c.get(f"/training/attempts/{attempt.id}").status_code == 404
        for url in ("/training/courses", "/training/overview", f"/training/courses/{integrity_online.id}/enrol"):
            assert c.get(url).status_code == 403
        assert c.get("/training/my").status_code == 200
        assert c.get("/training/catalogue").status_code == 200

    def test_user_without_person_has_no_training_page(self, region, login_as):
        assert login_as(region.auditor).get("/training/my").status_code == 403


class TestOverview:
    def test_export_lists_who_has_not_and_is_audited(self, region, integrity_online, login_as, today):
        from openpyxl import load_workbook
        complete_hours(region.person, integrity_online, today, hours="6")
        f.person("周强", department=region.shikou)
        db.session.commit()
        c = login_as(region.hr)
        resp = c.get(f"/training/overview.xlsx?department_id={region.dongying.id}&met=all")
        assert resp.status_code == 200
        rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
        assert rows[0][:3] == ("姓名", "公民身份号码", "单位")
        body = {r[0]: r for r in rows[1:]}
        assert set(body) == {"张伟", "周强"}
        assert body["张伟"][4:7] == (6, 6, "是") and body["周强"][6:] == ("否", "诚信教育学时")
        assert "*" in body["周强"][1]
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
        assert "2 行" in event.summary

    def test_overview_breaks_down_by_child_department(self, region, integrity_online, login_as, today):
        complete_hours(region.person, integrity_online, today, hours="6")
        f.person("周强", department=region.shikou)
        db.session.commit()
        page = login_as(region.hr_city).get(f"/training/overview?department_id={region.city.id}&met=all"
                                            ).get_data(as_text=True)
        assert 'data-met="1" data-active="3"' in page
        assert "东营区" in page and "河口区" in page and "周强" in page and "李娜" in page


def test_course_attachment_upload_and_download(region, integrity_online, login_as):
    c = login_as(region.hr_city)          # the catalogue's owner: a course without owner belongs to the root
    data = {"file": (io.BytesIO(b"%PDF-1.4 handbook"), "诚信手册.pdf")}
    assert c.post(f"/training/courses/{integrity_online.id}/attachments", data=data,
                  content_type="multipart/form-data").status_code == 302
    bad = {"file": (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")}
    c.post(f"/training/courses/{integrity_online.id}/attachments", data=bad, content_type="multipart/form-data")
    atts = services.course_attachments(integrity_online)
    assert [a.original_name for a in atts] == ["诚信手册.pdf"]
    s = login_as(region.servant, c.application.test_client())
    resp = s.get(f"/training/courses/{integrity_online.id}/attachments/{atts[0].id}")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    other = make_course("ZZ-09", "在职培训", "in_service", integrity=False)
    db.session.commit()
    assert s.get(f"/training/courses/{other.id}/attachments/{atts[0].id}").status_code == 404
