"""Issue 19 item 12: a record's history reads as events ("告知：草稿 → 已告知"), not as a diff of every field."""
from __future__ import annotations

import re

from archive.file.models import RecordVersion
from core.changes import RECORD, changed
from core.extensions import db


def _history(page: str) -> str:
    return page[page.index("变更历史"):]


class TestHistoryAsEvents:
    def test_notify_reads_as_a_status_move(self, region, login_as, fx):
        rec = fx.record(notify=True)
        page = login_as(region.hr).get(f"/records/{rec.id}").get_data(as_text=True)
        history = _history(page)
        assert re.search(r"<strong>告知</strong><span[^>]*data-transition>草稿 → 已告知</span>", history)
        assert "— →" not in history                 # no field shown as appearing from nothing
        assert "告知日期：" not in history          # the act's own date is the event, not a diff

    def test_partial_snapshots_do_not_list_every_field(self, region, login_as, fx):
        """Demo and imported versions keep only the status: the other fields were unchanged."""
        rec = fx.record(notify=True)
        version = db.session.execute(db.select(RecordVersion).filter_by(record_id=rec.id)).scalar_one()
        version.snapshot = {"status": "draft"}
        changed([rec.person_id], RECORD)        # as the demo and the importers write it
        db.session.commit()
        history = _history(login_as(region.servant).get(f"/records/{rec.id}").get_data(as_text=True))
        assert "草稿 → 已告知" in history
        assert "data-change" not in history

    def test_an_edit_lists_the_changed_fields(self, region, login_as, fx):
        from archive.file import services
        rec = fx.record(notify=True)
        services.update_record(rec, {"document_no": "东纪发〔2026〕9号"}, version=rec.version, reason="文号更正", by=region.hr)
        db.session.commit()
        history = _history(login_as(region.hr).get(f"/records/{rec.id}").get_data(as_text=True))
        assert re.search(r"data-change>文号：— → 东纪发〔2026〕9号", history)
        assert history.count("data-transition") == 1    # only the 告知 moved the status
