"""Every import kind through the API: rules of its service, natural keys, side effects."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from archive.enums import Grade, RecordStatus
from archive.exchange.models import ImportBatch
from archive.file.models import Appraisal, ArchiveFile, Award, Record
from core import clock, crypto
from core.audit.models import AuditEvent
from core.extensions import db
from core.notify.models import Notification
from tests import factories as f

from .conftest import make_record

TODAY = clock.today()
APPRAISAL = ["公民身份号码", "姓名", "年度", "考核等次", "文号", "录入理由"]


def idn(person):
    return crypto.decrypt(person.id_cipher)


def count(model, *where):
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


class TestAppraisals:
    def test_import_updates_file_summary_notifies_and_audits_once(self, region, api, xlsx, upload):
        p2 = f.person("王五", department=region.shikou)
        db.session.commit()
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, [
            [idn(region.person), "张伟", 2024, "称职", None, None], [idn(region.person), "张伟", 2025, "称职", None, None],
            [idn(p2), "王五", 2025, "基本称职", "东人社〔2026〕3号", None]]))
        assert resp.status_code == 200 and resp.get_json()["imported"] == 3
        assert db.session.execute(sa.select(ArchiveFile.last_appraisal_year)
                                  .filter_by(person_id=region.person.id)).scalar() == 2025
        assert count(Notification, Notification.kind == "appraisal") == 3
        events = db.session.execute(sa.select(AuditEvent).filter_by(action="import")).scalars().all()
        assert len(events) == 1 and "新增 3" in events[0].summary and events[0].actor_id == region.hr.id

    def test_existing_different_grade_is_an_error_and_same_is_skipped(self, region, api, xlsx, upload):
        from archive.file import services as file
        file.add_appraisal(region.person, 2024, Grade.COMPETENT)
        p2 = f.person("王五", department=region.shikou)
        file.add_appraisal(p2, 2024, Grade.COMPETENT)
        db.session.commit()
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, [
            [idn(region.person), "张伟", 2024, "称职", None, None], [idn(p2), "王五", 2024, "基本称职", None, None]]))
        assert resp.status_code == 422
        assert [(e["row"], e["column"]) for e in resp.get_json()["errors"]] == [(3, "考核等次")]
        assert "与已有记录不一致" in resp.get_json()["errors"][0]["message"]

    def test_name_must_match_and_duplicates_in_file(self, region, api, xlsx, upload):
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, [
            [idn(region.person), "张三", 2024, "称职", None, None], [idn(region.person), "张伟", 2025, "称职", None, None],
            [idn(region.person), "张伟", 2025, "优秀", None, None], [idn(region.person), "张伟", 2099, "称职", None, None]]))
        errors = [(e["row"], e["column"]) for e in resp.get_json()["errors"]]
        assert errors == [(2, "姓名"), (4, "年度"), (5, "年度")]

    def test_rule_warnings_need_a_reason(self, region, api, xlsx, upload):
        make_record(region.person, decided_on=date(TODAY.year - 1, 3, 1), sanction="warning")
        db.session.commit()
        rows = [[idn(region.person), "张伟", TODAY.year - 1, "优秀", None, None]]
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows))
        assert resp.status_code == 422 and "不得评为优秀" in resp.get_json()["errors"][0]["message"]
        rows[0][5] = "经考核委员会复议"
        ok = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows))
        assert ok.status_code == 200
        assert db.session.execute(sa.select(Appraisal.override_reason)).scalar() == "经考核委员会复议"

    def test_pending_case_and_probation_need_a_reason_like_the_form(self, region, api, xlsx, upload):
        """docs/rules.md §4.1: a case pending at the appraisal and a recruit in probation are 不定等次;
        the import applies the same entry checks as the form (services.appraisal_checks)."""
        recruit = f.person("新录用", department=region.wenhui, entry_date=date(TODAY.year - 1, 10, 1))
        db.session.commit()
        case = api(region.hr).post(f"/api/v1/people/{region.person.id}/cases",
                                   json={"started_on": date(TODAY.year - 1, 6, 1).isoformat(), "authority": "区纪委监委"})
        assert case.status_code == 201, case.get_json()
        rows = [[idn(region.person), "张伟", TODAY.year - 1, "称职", None, None],
                [idn(recruit), "新录用", TODAY.year - 1, "称职", None, None]]
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows))
        assert resp.status_code == 422
        errors = resp.get_json()["errors"]
        assert [(e["row"], e["column"]) for e in errors] == [(2, "考核等次"), (3, "考核等次")]
        assert "立案" in errors[0]["message"] and "试用期" in errors[1]["message"]
        assert count(Appraisal) == 0                     # nothing written while a row is refused
        rows[0][3] = rows[1][3] = "不定等次"
        assert upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows)).status_code == 200
        assert count(Appraisal) == 2

    def test_excellent_quota_per_department_year(self, region, api, xlsx, upload):
        people = [region.person] + [f.person(f"甲{i}", department=region.wenhui) for i in range(4)]
        db.session.commit()
        rows = [[idn(p), p.name, 2025, "优秀" if i < 2 else "称职", None, None] for i, p in enumerate(people)]
        resp = upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows))
        assert resp.status_code == 422
        assert [(e["row"], e["column"]) for e in resp.get_json()["errors"]] == [(2, "考核等次"), (3, "考核等次")]
        assert "2/5" in resp.get_json()["errors"][0]["message"]
        rows[1][3] = "称职"
        assert upload(api(region.hr), "appraisals", xlsx(APPRAISAL, rows)).status_code == 200


class TestAwards:
    HEADERS = ["公民身份号码", "姓名", "奖励类型", "名称", "日期", "批准机关", "文号"]

    def test_import_and_reimport(self, region, api, xlsx, upload):
        rows = [[idn(region.person), "张伟", "嘉奖", "2025年度嘉奖", date(2026, 1, 20), "东营区人民政府", None],
                [idn(region.person), "张伟", "记三等功", "抗洪抢险", "2025-08-01", "东营区人民政府", "东区政〔2025〕8号"]]
        client = api(region.hr)
        assert upload(client, "awards", xlsx(self.HEADERS, rows)).get_json()["imported"] == 2
        again = upload(client, "awards", xlsx(self.HEADERS, rows))
        assert again.get_json()["imported"] == 0 and count(Award) == 2
        rows[0][5] = "东营市人民政府"
        changed = upload(client, "awards", xlsx(self.HEADERS, rows))
        assert changed.status_code == 422 and changed.get_json()["errors"][0]["column"] == "批准机关"

    def test_bad_values(self, region, api, xlsx, upload):
        rows = [[idn(region.person), "张伟", "大奖", "名称", TODAY + timedelta(days=3), "机关", None]]
        resp = upload(api(region.hr), "awards", xlsx(self.HEADERS, rows))
        assert {(e["row"], e["column"]) for e in resp.get_json()["errors"]} == {(2, "奖励类型"), (2, "日期")}


class TestRecords:
    HEADERS = ["公民身份号码", "姓名", "类别", "处分或处理", "情节", "决定日期", "决定机关", "事实", "文号", "影响期截止日期",
               "是否公示"]

    def test_records_are_drafts_with_computed_end(self, region, api, xlsx, upload):
        decided = TODAY - timedelta(days=30)
        rows = [[idn(region.person), "张伟", "政务处分", "记过", "一般", decided, "东营区监察委员会", "违规兼职", "东区监〔2026〕1号", None, "是"],
                [idn(region.person), "张伟", "行政处罚", None, "严重", decided, "东营区市场监管局", "虚报", None, None, None]]
        client = api(region.hr)
        resp = upload(client, "records", xlsx(self.HEADERS, rows))
        assert resp.status_code == 200, resp.get_json()
        records = db.session.execute(sa.select(Record).order_by(Record.id)).scalars().all()
        assert [r.status for r in records] == [RecordStatus.DRAFT, RecordStatus.DRAFT]
        from archive.rules import add_months
        assert records[0].restricted_until == add_months(decided, 12) and records[0].disclosable
        assert records[1].restricted_until == add_months(decided, 36)
        assert records[0].source.startswith("import")
        assert upload(client, "records", xlsx(self.HEADERS, rows)).get_json()["imported"] == 0

    def test_sanction_must_belong_to_category_and_set_by_hr_needs_end(self, region, api, xlsx, upload):
        decided = TODAY - timedelta(days=30)
        rows = [[idn(region.person), "张伟", "政务处分", "诫勉", "一般", decided, "机关", "事实", None, None, None],
                [idn(region.person), "张伟", "司法判决", "无", "一般", decided, "法院", "事实", None, None, None],
                [idn(region.person), "张伟", "党纪处分", "警告", "一般", decided, "纪委", "事实", None, None, None]]
        resp = upload(api(region.hr), "records", xlsx(self.HEADERS, rows))
        # a 司法判决 needs its kind first (公务员法 art. 26: 刑事处罚 bars hiring for ever), then an end
        assert [(e["row"], e["column"]) for e in resp.get_json()["errors"]] == [(2, "处分或处理"), (3, "判决类型")]


class TestCompletions:
    HEADERS = ["公民身份号码", "姓名", "课程编号", "完成日期", "学时", "成绩"]

    def _course(self):
        from training import services as training
        course = training.create_course(training.CourseInput(code="CX-01", title="诚信专题", category="integrity",
                                                              integrity=True, hours="2", mode="online"))
        db.session.commit()
        return course

    def test_import_refreshes_training_and_is_idempotent(self, region, api, xlsx, upload):
        self._course()
        rows = [[idn(region.person), "张伟", "CX-01", TODAY - timedelta(days=3), None, 90]]
        client = api(region.hr)
        resp = upload(client, "completions", xlsx(self.HEADERS, rows))
        assert resp.status_code == 200 and resp.get_json()["imported"] == 1, resp.get_json()
        from training.models import Enrolment
        e = db.session.execute(sa.select(Enrolment)).scalar_one()
        assert e.hours_credited == Decimal("2") and e.score == 90
        again = upload(client, "completions", xlsx(self.HEADERS, rows))
        assert again.get_json()["imported"] == 0 and again.get_json()["unchanged"] == 1
        rows[0][5] = 80
        assert upload(client, "completions", xlsx(self.HEADERS, rows)).status_code == 422

    def test_bad_values(self, region, api, xlsx, upload):
        self._course()
        rows = [[idn(region.person), "张伟", "NOPE", TODAY, "1.55", 101],
                [idn(region.person), "张伟", "CX-01", TODAY + timedelta(days=1), None, None]]
        resp = upload(api(region.hr), "completions", xlsx(self.HEADERS, rows))
        assert [(e["row"], e["column"]) for e in resp.get_json()["errors"]] == [
            (2, "课程编号"), (2, "学时"), (2, "成绩"), (3, "完成日期")]


class TestPeopleHooks:
    def test_every_registry_hook_runs_set_based_for_imports(self):
        """A person-by-person hook makes a 100,000-row roster import take hours: give it ``hook.bulk(ids)``."""
        from archive.exchange.importers import bulk_form
        from core.registry.services import PERSON_REGISTERED
        assert PERSON_REGISTERED and [h.__qualname__ for h in PERSON_REGISTERED if bulk_form(h) is None] == []

    def test_imported_people_get_the_pre_appointment_pledge_like_registered_ones(self, region, api, xlsx, upload):
        from archive.enums import PledgeKind
        from archive.pledges import services as pledges
        from archive.pledges.models import Pledge
        pledges.create_template(kind=PledgeKind.PRE_APPOINTMENT, title="任职前承诺", body="本人承诺在任职期间遵纪守法、廉洁自律、诚实守信，自觉接受组织和群众监督。", publish=True)
        db.session.commit()
        rows = [["甲", f.id_number(), "史口镇", "科员", "一级科员", date(2015, 3, 1)]]
        resp = upload(api(region.hr), "people", xlsx(["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期"], rows))
        assert resp.status_code == 200
        from core.registry.models import Person
        pid = db.session.execute(sa.select(Person.id).filter_by(name="甲")).scalar()
        assert count(Pledge, Pledge.person_id == pid) == 1


class TestBatchLog:
    def test_every_attempt_is_logged_with_its_errors(self, region, api, xlsx, upload):
        client = api(region.hr)
        upload(client, "appraisals", xlsx(APPRAISAL, [[idn(region.person), "张三", 2024, "称职", None, None]]))
        upload(client, "appraisals", xlsx(APPRAISAL, [[idn(region.person), "张伟", 2024, "称职", None, None]]),
               dry_run=True)
        batches = db.session.execute(sa.select(ImportBatch).order_by(ImportBatch.id)).scalars().all()
        assert [(b.state, b.error_count, b.dry_run, b.via) for b in batches] == [
            ("rejected", 1, False, "api"), ("validated", 0, True, "api")]
        assert batches[0].errors == [{"row": 2, "column": "姓名", "message": "姓名与该公民身份号码登记的姓名不一致"}]
        assert count(Appraisal) == 0
