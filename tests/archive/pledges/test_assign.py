"""Assignment (docs/rules.md §5): one person, a department subtree, filters, everyone missing a valid
pre-appointment pledge; automatic on registration and appointment; counts assigned/skipped."""
import time
from datetime import date, timedelta

import sqlalchemy as sa

from archive.enums import PledgeKind
from archive.pledges import queries, services
from archive.pledges.models import Pledge, PledgeStatus
from core import clock
from core.changes import PERSON, changed
from core.enums import PersonStatus
from core.extensions import db
from core.notify.models import Notification
from core.registry import services as registry
from core.registry.models import Person
from tests import factories as f
from tests.archive.pledges.conftest import make_template, sign


def count(**filters):
    return db.session.execute(sa.select(sa.func.count()).select_from(Pledge).filter_by(**filters)).scalar_one()


def county(region):
    """东营区: 张伟 + 4 more people in 文汇街道 / 史口镇; 河口区: 李娜 + 1."""
    people = [f.person(n, department=d) for n, d in (("王芳", region.wenhui), ("刘洋", region.shikou),
                                                    ("陈静", region.shikou), ("赵磊", region.dongying))]
    f.person("孙丽", department=region.liuhe)
    db.session.commit()
    return people


class TestBulkAssignment:
    def test_a_whole_county_in_one_action_counts_assigned_and_skipped(self, api, region):
        wang, liu, chen, zhao = county(region)          # registered before the template: nothing automatic
        pre_tpl = make_template()
        services.assign(pre_tpl, [wang], assigned_by=region.hr)                       # pending → skipped
        services.assign(pre_tpl, [liu], assigned_by=region.hr)
        sign(db.session.execute(sa.select(Pledge).filter_by(person_id=liu.id)).scalar_one(),
             f.user("liu", person=liu))                                              # valid → skipped
        registry.change_status(chen, PersonStatus.RETIRED)                           # not active → not counted
        db.session.commit()
        resp = api(region.hr).post("/api/v1/pledges", json={"template_id": pre_tpl.id,
                                                            "department_id": region.dongying.id})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json() == {"assigned": 2, "skipped": 2}     # 张伟, 赵磊 | 王芳, 刘洋
        assert count(template_id=pre_tpl.id) == 4
        hekou = db.session.execute(sa.select(Person.id).where(Person.department_id == region.liuhe.id)).scalars()
        assert all(count(person_id=pid) == 0 for pid in hekou)
        again = api(region.hr).post("/api/v1/pledges", json={"template_id": pre_tpl.id,
                                                             "department_id": region.dongying.id})
        assert again.get_json() == {"assigned": 0, "skipped": 4}

    def test_assignment_records_post_due_date_and_notifies(self, region, pre_tpl):
        region.person.post, region.person.appointed_on = "科长", date(2020, 5, 1)
        changed([region.person.id], PERSON)     # set directly (no appointment hook: the test assigns itself)
        result = services.assign(pre_tpl, [region.person], assigned_by=region.hr, due_on=clock.today() + timedelta(days=7))
        db.session.commit()
        p = db.session.execute(sa.select(Pledge).filter_by(batch=result.batch)).scalar_one()
        assert (p.post_at_assignment, p.post_since, p.status) == ("科长", date(2020, 5, 1), PledgeStatus.ASSIGNED)
        assert p.due_on == clock.today() + timedelta(days=7) and p.assigned_by_id == region.hr.id
        n = db.session.execute(sa.select(Notification).filter_by(person_id=region.person.id)).scalar_one()
        assert n.kind == "pledge_assigned" and "任职前信用承诺书" in n.title and _opens_its_pledge(n)

    def test_a_pledge_signed_before_the_new_post_is_no_longer_valid(self, region, pre_tpl):
        services.assign(pre_tpl, [region.person])
        p = db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id)).scalar_one()
        sign(p, region.servant)
        db.session.commit()
        assert queries.has_valid_pre_appointment_pledge(region.person)
        assert services.assign(pre_tpl, [region.person]).assigned == 0
        region.person.appointed_on = clock.today() + timedelta(days=1)   # appointed after signing
        db.session.flush()
        assert not queries.has_valid_pre_appointment_pledge(region.person)
        assert services.assign(pre_tpl, [region.person]).assigned == 1

    def test_filters_leading_only_and_no_sub_departments(self, region):
        lead = f.person("周强", department=region.shikou, leading=True, post="镇长")
        f.person("吴敏", department=region.shikou)
        f.person("郑军", department=region.dongying, leading=True)
        pre_tpl = make_template()
        db.session.commit()
        sel = queries.select_people(department=region.dongying, leading_only=True)
        assert services.assign(pre_tpl, sel, assigned_by=region.hr).assigned == 2
        sel = queries.select_people(department=region.shikou, include_children=False)
        assert tuple(services.assign(pre_tpl, sel, assigned_by=region.hr)) == (1, 1)
        assert count(person_id=lead.id) == 1

    def test_everyone_missing_a_valid_pre_appointment_pledge(self, login_as, region):
        wang, liu, *_ = county(region)
        pre_tpl = make_template()
        services.assign(pre_tpl, [liu])
        sign(db.session.execute(sa.select(Pledge).filter_by(person_id=liu.id)).scalar_one(), f.user("liu", person=liu))
        db.session.commit()
        resp = login_as(region.hr).post("/pledges/assign", data={"template_id": pre_tpl.id, "mode": "missing",
                                                                 "department_id": 0, "confirm": "1"},
                                           follow_redirects=True)
        html = resp.get_data(as_text=True)
        assert "已分配 4 人，跳过 0 人" in html         # 张伟 王芳 陈静 赵磊 (河口区 out of scope)
        assert count(person_id=region.other.id) == 0

    def test_hr_cannot_assign_outside_the_scope(self, api, region, pre_tpl):
        client = api(region.hr)
        resp = client.post("/api/v1/pledges", json={"template_id": pre_tpl.id, "person_ids": [region.other.id]})
        assert resp.status_code == 404
        resp = client.post("/api/v1/pledges", json={"template_id": pre_tpl.id, "department_id": region.hekou.id})
        assert resp.status_code == 404
        assert count() == 0
        resp = client.post("/api/v1/pledges", json={"template_id": pre_tpl.id, "person_ids": [region.person.id]})
        assert resp.get_json() == {"assigned": 1, "skipped": 0}

    def test_bad_inputs_are_refused_in_chinese_and_nothing_is_written(self, api, region, pre_tpl):
        client = api(region.hr)
        cases = [({"template_id": pre_tpl.id}, "person_ids"),
                 ({"template_id": pre_tpl.id, "person_ids": [region.person.id], "due_on": "2020-01-01"}, "due_on"),
                 ({"template_id": pre_tpl.id, "person_ids": [region.person.id], "due_on": "明天"}, "due_on"),
                 ({"template_id": 999, "person_ids": [region.person.id]}, "template_id"),
                 ({"template_id": "x", "person_ids": [region.person.id]}, "template_id")]
        for body, field in cases:
            resp = client.post("/api/v1/pledges", json=body)
            assert resp.status_code == 422, body
            message = resp.get_json()["error"]["fields"][field]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
        draft = make_template(title="草稿模板", publish=False)
        db.session.commit()
        resp = client.post("/api/v1/pledges", json={"template_id": draft.id, "person_ids": [region.person.id]})
        assert resp.status_code == 422 and "已发布" in resp.get_json()["error"]["fields"]["template_id"]
        assert count() == 0
        assert api(region.servant).post("/api/v1/pledges", json={"template_id": pre_tpl.id,
                                                                  "person_ids": [region.person.id]}).status_code == 403

    def test_other_kinds_skip_by_their_own_rule(self, region):
        annual = make_template(PledgeKind.ANNUAL, "年度诚信承诺书")
        repair = make_template(PledgeKind.REPAIR, "信用修复承诺书")
        db.session.commit()
        assert services.assign(annual, [region.person]).assigned == 1
        assert services.assign(annual, [region.person]).assigned == 0
        assert services.assign(repair, [region.person]).assigned == 1
        p = db.session.execute(sa.select(Pledge).filter_by(kind=PledgeKind.REPAIR)).scalar_one()
        sign(p, region.servant)
        assert services.assign(repair, [region.person]).assigned == 1   # a repair pledge per record


class TestAutomaticAssignment:
    def test_on_registration(self, region, pre_tpl):
        new = f.person("钱进", department=region.wenhui)
        db.session.commit()
        p = db.session.execute(sa.select(Pledge).filter_by(person_id=new.id)).scalar_one()
        assert p.template_id == pre_tpl.id and p.assigned_by_id is None

    def test_on_appointment_to_a_new_post(self, region, pre_tpl):
        from core.guards import allow_bulk
        services.assign(pre_tpl, [region.person])
        sign(db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id)).scalar_one(), region.servant)
        with allow_bulk("test: the pledge was signed last year"):
            db.session.execute(sa.update(Pledge).values(signed_on=clock.today() - timedelta(days=365)))
        db.session.commit()
        registry.update_person(region.person, {"post": "副科长", "appointed_on": clock.today() - timedelta(days=400)},
                               version=None)
        assert count(person_id=region.person.id) == 1      # signed after that appointment: still valid
        registry.update_person(region.person, {"post": "科长", "appointed_on": clock.today() - timedelta(days=3)},
                               version=None)
        db.session.commit()
        new = db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id,
                                                             status=PledgeStatus.ASSIGNED)).scalar_one()
        assert new.post_at_assignment == "科长" and new.post_since == clock.today() - timedelta(days=3)
        registry.update_person(region.person, {"appointed_on": clock.today() - timedelta(days=2)}, version=None)
        assert count(person_id=region.person.id) == 2      # the pending one counts: skipped

    def test_nothing_without_a_published_template(self, region):
        f.person("钱进", department=region.wenhui)
        assert count() == 0


def test_bulk_assignment_is_set_based(region):
    """5,000 people in one subtree assign in well under the time a per-person loop would take."""
    from core import crypto
    from core.registry.codes import id_check_char
    start = db.session.execute(sa.select(sa.func.max(Person.id))).scalar() + 1
    rows = []
    for i in range(5000):
        first17 = f"370502199001{i % 28 + 1:02d}{i:03d}"[:17]
        idn = first17 + id_check_char(first17)
        rows.append({"id": start + i, "name": f"测试{i}", "id_hash": crypto.keyed_hash(f"{idn}{i}"), "id_cipher": "x",
                     "id_masked": "x", "gender": "male", "birth_date": date(1990, 1, 1),
                     "department_id": region.shikou.id, "department_path": region.shikou.path, "post": "科员",
                     "entry_date": date(2015, 1, 1), "status": "active", "version": 1})
    db.session.execute(sa.insert(Person), rows)
    changed([r["id"] for r in rows], PERSON)      # new people (core.changes), as the importer notes them
    pre_tpl = make_template()
    db.session.commit()
    t = time.perf_counter()
    result = services.assign(pre_tpl, queries.select_people(department=region.dongying), assigned_by=region.hr)
    db.session.commit()
    assert tuple(result) == (5001, 0)
    assert time.perf_counter() - t < 10
    assert db.session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one() == 5001


def _opens_its_pledge(n) -> bool:
    """A notice about a pledge opens that pledge's sign page (issue 19 item 8)."""
    from archive.pledges.models import Pledge as _Pledge
    ids = db.session.execute(sa.select(_Pledge.id).filter_by(person_id=n.person_id)).scalars().all()
    return n.link in {f"/my/pledges/{i}/sign" for i in ids}
