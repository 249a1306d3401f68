"""Templates (docs/rules.md §5): versioned; a published version is immutable, editing makes a new version."""
import pytest
import sqlalchemy as sa

from archive.enums import PledgeKind
from archive.pledges import services
from archive.pledges.models import ImmutableError, Pledge, PledgeTemplate, TemplateStatus
from core.errors import Conflict
from core.extensions import db
from tests.archive.pledges.conftest import PRE_BODY, make_template, sign


def templates():
    return db.session.execute(sa.select(PledgeTemplate).order_by(PledgeTemplate.id)).scalars().all()


class TestTemplatesApi:
    def test_post_creates_version_1_published(self, api, region):
        resp = api(region.hr).post("/api/v1/pledge-templates", json={"kind": "pre_appointment",
                                                                      "title": "任职前信用承诺书", "body": PRE_BODY})
        assert resp.status_code == 201
        data = resp.get_json()
        assert (data["version"], data["status"], data["kind"]) == (1, "published", "pre_appointment")
        listed = api(region.hr).get("/api/v1/pledge-templates").get_json()
        assert listed["total"] == 1 and listed["items"][0]["id"] == data["id"]

    def test_post_can_keep_a_draft(self, api, region):
        resp = api(region.hr).post("/api/v1/pledge-templates", json={"kind": "annual", "title": "年度承诺",
                                                                      "body": PRE_BODY, "publish": False})
        assert resp.get_json()["status"] == "draft"

    def test_a_new_version_retires_the_old_one_and_assigned_pledges_keep_theirs(self, api, region):
        v1 = make_template()
        db.session.commit()
        services.assign(v1, [region.person])
        db.session.commit()
        resp = api(region.hr_city).post(f"/api/v1/pledge-templates/{v1.id}/versions",   # no owner: the root's HR
                                        json={"title": "任职前信用承诺书", "body": PRE_BODY + "特此承诺。"})
        assert resp.status_code == 201 and resp.get_json()["version"] == 2
        db.session.expire_all()
        assert [(t.version, t.status) for t in templates()] == [(1, TemplateStatus.RETIRED),
                                                                (2, TemplateStatus.PUBLISHED)]
        p = db.session.execute(sa.select(Pledge)).scalar_one()
        assert p.template.version == 1
        sign(p, region.servant)
        assert "特此承诺" not in p.signed_text

    def test_bad_input_is_refused_in_chinese_and_nothing_is_written(self, api, region):
        client = api(region.hr)
        for body, field in [({"kind": "oath", "title": "x", "body": PRE_BODY}, "kind"),
                            ({"kind": "annual", "title": "", "body": PRE_BODY}, "title"),
                            ({"kind": "annual", "title": "年度承诺", "body": "太短"}, "body"),
                            ({"kind": "annual", "title": "年" * 101, "body": PRE_BODY}, "title"),
                            ({"kind": "annual", "title": "年度承诺"}, "body")]:
            resp = client.post("/api/v1/pledge-templates", json=body)
            assert resp.status_code == 422, body
            assert resp.get_json()["error"]["fields"][field]
        assert templates() == []
        assert api(region.servant).post("/api/v1/pledge-templates", json={
            "kind": "annual", "title": "年度承诺", "body": PRE_BODY}).status_code == 403


class TestImmutability:
    def test_a_published_template_cannot_be_changed(self, region):
        tpl = make_template()
        db.session.commit()
        with pytest.raises(Conflict):
            services.update_draft(tpl, title="改", body=PRE_BODY)
        tpl.body = PRE_BODY + "（擅自修改）"
        with pytest.raises(ImmutableError):
            db.session.flush()
        db.session.rollback()
        tpl = db.session.get(PledgeTemplate, tpl.id)
        tpl.kind = PledgeKind.ANNUAL
        with pytest.raises(ImmutableError):
            db.session.flush()
        db.session.rollback()
        tpl = db.session.get(PledgeTemplate, tpl.id)
        services.retire_template(tpl)
        db.session.commit()
        tpl.status = TemplateStatus.PUBLISHED
        with pytest.raises(ImmutableError):
            db.session.flush()
        db.session.rollback()

    def test_an_unchanged_text_makes_no_new_version(self, api, region):
        v1 = make_template()
        db.session.commit()
        resp = api(region.hr_city).post(f"/api/v1/pledge-templates/{v1.id}/versions",
                                        json={"title": v1.title, "body": v1.body})
        assert resp.status_code == 422 and "无需生成新版本" in resp.get_json()["error"]["fields"]["body"]
        assert len(templates()) == 1

    def test_a_draft_is_edited_in_place_and_only_one_draft_at_a_time(self, region):
        v1 = make_template()
        v2 = services.new_version(v1, title="任职前信用承诺书（修订）", body=PRE_BODY)
        services.update_draft(v2, title="任职前信用承诺书（2026年修订）", body=PRE_BODY)
        db.session.commit()
        assert (v2.version, v2.title) == (2, "任职前信用承诺书（2026年修订）")
        with pytest.raises(Conflict):
            services.new_version(v1, title="再来一版", body=PRE_BODY)
        with pytest.raises(Conflict):
            services.update_draft(v2, title="x", body=PRE_BODY, row_version=v2.row_version + 1)


class TestTemplatePages:
    def test_list_editor_versions_and_publish(self, login_as, region):
        client = login_as(region.hr)
        resp = client.post("/pledges/templates/new", data={"kind": "service", "title": "窗口岗位服务承诺书",
                                                           "body": PRE_BODY})
        assert resp.status_code == 302
        tpl = templates()[0]
        assert tpl.status is TemplateStatus.DRAFT
        html = client.get(f"/pledges/templates/{tpl.id}").get_data(as_text=True)
        assert "编辑草稿" in html and "data-confirm" in html and "发布后该版本不可再修改" in html
        assert client.post(f"/pledges/templates/{tpl.id}/publish").status_code == 302
        html = client.get(f"/pledges/templates/{tpl.id}/edit").get_data(as_text=True)
        assert "将生成新的草稿版本" in html
        resp = client.post(f"/pledges/templates/{tpl.id}/edit", data={"title": "窗口岗位服务承诺书",
                                                                     "body": PRE_BODY + "（修订）"})
        assert resp.status_code == 302
        db.session.expire_all()
        assert [(t.version, t.status.value) for t in templates()] == [(1, "published"), (2, "draft")]
        html = client.get("/pledges/templates").get_data(as_text=True)
        assert "窗口岗位服务承诺书" in html and "v1" in html and "v2" in html

    def test_editor_errors_are_inline_in_chinese(self, login_as, region):
        resp = login_as(region.hr).post("/pledges/templates/new", data={"kind": "annual", "title": "",
                                                                        "body": "短"})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "此项为必填项" in html and "is-invalid" in html
        assert templates() == []

    def test_servants_cannot_manage_templates(self, login_as, region):
        assert login_as(region.servant).get("/pledges/templates").status_code == 403
