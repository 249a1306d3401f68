"""People roster import (API.md "Import and export", people columns)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from core.extensions import db
from core.registry.models import Person, PersonChange
from tests import factories as f

HEADERS = ["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期", "是否领导职务", "任现职时间", "联系电话"]


def roster(n, department="文汇街道"):
    return [[f"测试{i}", f.id_number(), department, "科员", "一级科员", date(2015, 3, 1), "否", None, "13800001234"]
            for i in range(n)]


class TestPeopleImport:
    def test_clean_file_imports_every_person_with_history(self, region, api, xlsx, upload):
        rows = roster(5)
        resp = upload(api(region.hr), "people", xlsx(HEADERS, rows))
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["imported"] == 5
        assert resp.get_json()["errors"] == []
        names = set(db.session.execute(sa.select(Person.name).where(Person.name.like("测试%"))).scalars())
        assert names == {f"测试{i}" for i in range(5)}
        assert db.session.execute(sa.select(sa.func.count()).select_from(PersonChange)
                                  .where(PersonChange.reason.like("Excel 导入%"))).scalar() == 5

    def test_reimport_changes_nothing(self, region, api, xlsx, upload):
        data = xlsx(HEADERS, roster(3))
        client = api(region.hr)
        assert upload(client, "people", data).get_json()["imported"] == 3
        again = upload(client, "people", data)
        assert again.status_code == 200
        assert again.get_json()["imported"] == 0
        assert again.get_json()["unchanged"] == 3

    def test_department_outside_scope_is_an_error(self, region, api, xlsx, upload):
        resp = upload(api(region.hr), "people", xlsx(HEADERS, roster(2, department="六合街道")))
        assert resp.status_code == 422
        body = resp.get_json()
        assert body["imported"] == 0
        assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "单位"), (3, "单位")}
        assert body["error"]["code"] == "import_invalid"
