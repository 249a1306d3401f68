"""Domain acts of training: capacity, quiz retry, completions, imports, validation (nothing written)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core import clock
from core.audit.models import AuditEvent
from core.enums import PersonStatus
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from tests import factories as f
from tests.training.conftest import make_course, right_answers, wrong_answers
from training import services
from training.enums import CourseCategory, EnrolmentSource, EnrolmentStatus
from training.models import Enrolment, QuizAttempt, TrainingStatus


def count(model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


class TestEnrolment:
    def test_capacity_is_respected_first_in_department_order(self, region, classroom, today):
        session = services.add_session(classroom, starts_on=today + timedelta(days=5),
                                       ends_on=today + timedelta(days=6), capacity=2, place="东营区委党校")
        people = [region.person] + [f.person(n, department=region.shikou) for n in ("甲一", "甲二")]
        assert services.enrol(classroom, people, session) == (2, 1)
        assert services.session_taken(session) == 2
        assert services.enrol(classroom, people, session) == (0, 3)
        assert count(Enrolment, Enrolment.session_id == session.id) == 2

    def test_skips_enrolled_completed_this_year_and_inactive(self, region, integrity_online, today):
        gone = f.person("调出者", department=region.wenhui)
        gone.status = PersonStatus.TRANSFERRED
        done = f.person("已学者", department=region.wenhui)
        services.record_completion(done, integrity_online, completed_on=today)
        sel = services.department_people(region.dongying)
        assert services.enrol(integrity_online, sel) == (1, 1)         # 张伟 yes, 已学者 skipped
        assert services.enrol(integrity_online, [region.person, gone, done]) == (0, 3)

    def test_enrolment_notifies_the_person_and_is_audited(self, region, integrity_online):
        from core.notify.models import Notification
        services.enrol(integrity_online, [region.person])
        note = db.session.execute(sa.select(Notification)).scalar_one()
        assert note.person_id == region.person.id and integrity_online.title in note.title
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "training_enrol")).scalar_one()
        assert "报名 1 人" in event.summary

    def test_inactive_course_and_past_due_date_refused(self, region, integrity_online, today):
        with pytest.raises(ValidationFailed) as exc:
            services.enrol(integrity_online, [region.person], due_on=today - timedelta(days=1))
        assert exc.value.fields["due_on"] == "完成期限不能早于今天"
        integrity_online.active = False
        with pytest.raises(Conflict):
            services.enrol(integrity_online, [region.person])
        assert count(Enrolment) == 0


class TestQuiz:
    def test_fail_then_retry_and_pass_credits_hours_today(self, region, integrity_online, today):
        first = services.submit_quiz(region.person, integrity_online, wrong_answers(integrity_online))
        assert (first.score, first.passed) == (0, False)
        enrolment = first.enrolment
        assert enrolment.status is EnrolmentStatus.ENROLLED and enrolment.source is EnrolmentSource.ONLINE
        assert services.training_status(region.person, today.year, today).integrity_hours == 0
        second = services.submit_quiz(region.person, integrity_online, right_answers(integrity_online))
        assert (second.score, second.passed) == (100, True)
        assert second.enrolment_id == enrolment.id
        assert enrolment.status is EnrolmentStatus.COMPLETED and enrolment.completed_on == today
        assert enrolment.hours_credited == Decimal("2.0") and enrolment.score == 100
        assert enrolment.certificate_no.startswith("CX-01-")
        assert db.session.get(TrainingStatus, (region.person.id, today.year)).integrity_hours == 2
        with pytest.raises(Conflict) as exc:
            services.submit_quiz(region.person, integrity_online, right_answers(integrity_online))
        assert exc.value.code == "already_completed"

    def test_partial_credit_below_pass_mark_fails(self, region, integrity_online):
        answers = right_answers(integrity_online)
        last = integrity_online.questions[-1]
        answers[str(last.id)] = ["A"]                       # multiple choice: A only is wrong
        for q in integrity_online.questions[:2]:
            answers[str(q.id)] = ["C"]
        attempt = services.submit_quiz(region.person, integrity_online, answers)
        assert (attempt.score, attempt.passed) == (40, False)

    def test_unanswered_or_invalid_writes_nothing(self, region, integrity_online):
        answers = right_answers(integrity_online)
        first, second = integrity_online.questions[:2]
        del answers[str(first.id)]
        answers[str(second.id)] = ["Z"]
        with pytest.raises(ValidationFailed) as exc:
            services.submit_quiz(region.person, integrity_online, answers)
        assert exc.value.fields == {f"q{first.id}": "请作答", f"q{second.id}": "选项无效"}
        assert count(QuizAttempt) == 0 and count(Enrolment) == 0

    def test_classroom_course_cannot_be_self_studied(self, region, classroom):
        with pytest.raises(Conflict) as exc:
            services.finish_study(region.person, classroom)
        assert exc.value.code == "not_online"

    def test_online_course_without_quiz_is_confirmed(self, region, today):
        course = make_course("CX-03", "典型案例警示教育", hours="1.5")
        enrolment = services.finish_study(region.person, course)
        assert enrolment.hours_credited == Decimal("1.5") and enrolment.completed_on == today


class TestCompletion:
    @pytest.mark.parametrize("values,field,message", [
        ({"hours": "两小时"}, "hours", "学时须为数字，例如 2 或 1.5"),
        ({"hours": "-1"}, "hours", "学时不能为负数"),
        ({"hours": "1.25"}, "hours", "学时最多保留一位小数"),
        ({"hours": "1000"}, "hours", "学时不能超过 999.9"),
        ({"score": "101"}, "score", "成绩须为 0 到 100 的整数"),
        ({"score": "九十"}, "score", "成绩须为 0 到 100 的整数"),
        ({"completed_on": "2026-02-30"}, "completed_on", "完成日期格式须为 YYYY-MM-DD，例如 2026-03-01"),
        ({"completed_on": clock.today() + timedelta(days=1)}, "completed_on", "完成日期不能晚于今天"),
    ])
    def test_bad_values_are_refused_in_chinese_and_change_nothing(self, region, classroom, values, field, message):
        services.enrol(classroom, [region.person])
        enrolment = db.session.execute(sa.select(Enrolment)).scalar_one()
        with pytest.raises(ValidationFailed) as exc:
            services.complete(enrolment, **values)
        assert exc.value.fields[field] == message
        assert enrolment.status is EnrolmentStatus.ENROLLED and enrolment.hours_credited is None

    def test_states_are_guarded(self, region, classroom):
        services.enrol(classroom, [region.person])
        enrolment = db.session.execute(sa.select(Enrolment)).scalar_one()
        services.mark_absent(enrolment)
        for act in (services.complete, services.mark_failed, services.mark_absent):
            with pytest.raises(Conflict) as exc:
                act(enrolment)
            assert exc.value.code == "illegal_state"

    def test_credited_hours_are_those_of_a_completion_only(self, region, classroom, today):
        services.enrol(classroom, [region.person])
        enrolment = db.session.execute(sa.select(Enrolment)).scalar_one()
        with pytest.raises(ValueError, match="no hours credited"):
            enrolment.credited_hours                                    # noqa: B018 - the property raises
        services.complete(enrolment, hours="1.5", completed_on=today)
        assert enrolment.credited_hours == Decimal("1.5")

    def test_record_completion_is_idempotent_and_completes_open_enrolment(self, region, classroom, today):
        services.enrol(classroom, [region.person])
        first, created = services.record_completion(region.person, classroom, completed_on=today, hours="3.5",
                                                    score=88)
        assert created and first.status is EnrolmentStatus.COMPLETED and first.hours_credited == Decimal("3.5")
        again, created = services.record_completion(region.person, classroom, completed_on=today)
        assert not created and again.id == first.id
        assert count(Enrolment) == 1

    def test_import_is_idempotent_and_refreshes_status(self, region, integrity_online, today):
        day = max(date(today.year, 1, 1), today - timedelta(days=10))
        services.enrol(integrity_online, [region.other])
        rows = [services.CompletionRow(region.person.id, integrity_online.id, day, Decimal("6"), 90),
                services.CompletionRow(region.other.id, integrity_online.id, day),
                services.CompletionRow(region.person.id, integrity_online.id, day, Decimal("6"), 90)]
        assert services.import_completions(rows) == (2, 0)
        assert services.import_completions(rows) == (0, 2)
        assert count(Enrolment) == 2
        assert count(Enrolment, Enrolment.status == EnrolmentStatus.COMPLETED) == 2
        status = db.session.get(TrainingStatus, (region.person.id, today.year))
        assert status.meets and status.integrity_hours == 6

    def test_completed_course_dates_for_archive(self, region, today):
        repair = make_course("XF-01", "信用修复培训", CourseCategory.REPAIR, hours="2")
        services.record_completion(region.person, repair, completed_on=date(2025, 3, 1))
        services.record_completion(region.person, repair, completed_on=date(2026, 1, 5))
        assert services.completed_course_dates(region.person.id, CourseCategory.REPAIR, date(2025, 3, 1)) == [
            date(2025, 3, 1), date(2026, 1, 5)]
        assert services.completed_course_dates(region.person.id, CourseCategory.REPAIR, date(2025, 3, 2)) == [
            date(2026, 1, 5)]
        assert services.completed_course_dates(region.person.id, CourseCategory.INTEGRITY, date(2000, 1, 1)) == []


class TestCatalogue:
    def test_duplicate_code_and_bad_values(self, region, integrity_online):
        with pytest.raises(Conflict) as exc:
            make_course(code="cx-01")
        assert exc.value.fields == {"code": "该课程编号已被其他课程使用"}
        with pytest.raises(ValidationFailed) as exc:
            make_course(code="新课", title="", hours="abc", category="nope")
        assert set(exc.value.fields) == {"code", "title", "hours", "category"}

    def test_material_html_is_sanitised(self, region, integrity_online):
        material = services.add_material(integrity_online, title="第五章", kind="handbook_chapter",
                                         body='<p onclick="x()">守信<script>alert(1)</script></p><h3>践诺</h3>')
        assert material.body == "<p>守信</p><h3>践诺</h3>"
        plain = services.add_material(integrity_online, title="案例", kind="case_study", body="第一段\n\n<第二段>\n续")
        assert plain.body == str(plain.html) == "<p>第一段</p><p>&lt;第二段&gt;<br>续</p>"

    def test_question_needs_options_and_a_correct_key(self, region, integrity_online):
        with pytest.raises(ValidationFailed) as exc:
            services.add_question(integrity_online, text="单选？", multiple=False, options=["甲", ""], correct=["C"])
        assert set(exc.value.fields) == {"options", "correct"}
        with pytest.raises(ValidationFailed) as exc:
            services.add_question(integrity_online, text="单选？", multiple=False, options=["甲", "乙"],
                                  correct=["A", "B"])
        assert exc.value.fields == {"correct": "单选题只能有一个正确答案"}


def test_due_reminders_and_refresh_command(app, region, integrity_online, today):
    from core.notify.models import Notification
    services.enrol(integrity_online, [region.person], due_on=today + timedelta(days=7))
    db.session.commit()
    assert services.remind_due(days=7, today=today) == 1
    assert services.remind_due(days=7, today=today + timedelta(days=8)) == 1          # overdue since yesterday
    assert services.remind_due(days=7, today=today + timedelta(days=1)) == 0
    kinds = db.session.execute(sa.select(Notification.kind).where(Notification.kind.like("course_%")).order_by(
        Notification.id)).scalars().all()
    assert kinds == ["course_enrolled", "course_due", "course_overdue"]
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["training", "refresh", "--year", str(today.year)])
    assert result.exit_code == 0 and "training status" in result.output and "2 people" in result.output
