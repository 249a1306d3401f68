"""The public disclosure page (信用公示, docs/rules.md §12)."""
from __future__ import annotations

from datetime import date, timedelta

from archive.exchange.disclosure import earliest_decision
from archive.rules import add_months
from core import clock, crypto
from core.extensions import db

from .conftest import make_record

TODAY = clock.today()


def shown_ids(client, **args):
    resp = client.get("/public/disclosure", query_string=args)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    import re
    return {int(x) for x in re.findall(r'data-record="(\d+)"', html)}, html


class TestDisclosurePage:
    def test_shows_effective_disclosable_records_without_id_numbers(self, region, client):
        shown = make_record(region.person, decided_on=TODAY - timedelta(days=40), disclosable=True,
                            facts="公开的事实描述")
        private = make_record(region.other, decided_on=TODAY - timedelta(days=40), disclosable=True,
                              facts="不应出现的隐私事实", facts_private=True)
        db.session.commit()
        ids, html = shown_ids(client)                           # anonymous visitor
        assert ids == {shown.id, private.id}
        assert "张伟" in html and "文汇街道" in html and "政务处分" in html and "记过" in html
        assert "公开的事实描述" in html and "不应出现的隐私事实" not in html
        for person in (region.person, region.other):
            assert crypto.decrypt(person.id_cipher) not in html
            assert person.id_masked not in html and person.id_masked[:6] + "*" not in html

    def test_hides_what_must_not_be_disclosed(self, region, client):
        p = region.person
        visible = make_record(p, decided_on=TODAY - timedelta(days=40), disclosable=True)
        hidden = [
            make_record(p, decided_on=TODAY - timedelta(days=41), disclosable=False),                 # not marked
            make_record(p, decided_on=TODAY - timedelta(days=42), disclosable=True, state="draft"),
            make_record(p, decided_on=TODAY - timedelta(days=3), disclosable=True, state="notified"),   # objection window
            make_record(p, decided_on=TODAY - timedelta(days=43), disclosable=True, state="revoked"),
            # expired (6 m); another person: on this one's file it would join the running 降级's chain
            make_record(region.other, decided_on=TODAY - timedelta(days=200), disclosable=True, sanction="warning"),
            # 降级 restricts 24 months but a 一般 record is disclosed 12 months at most
            make_record(p, decided_on=add_months(TODAY, -14), disclosable=True, sanction="demotion"),
        ]
        serious = make_record(p, decided_on=add_months(TODAY, -14), disclosable=True, sanction="demotion",
                              severity="serious")
        db.session.commit()
        ids, _ = shown_ids(client)
        assert ids == {visible.id, serious.id}
        assert not ids & {r.id for r in hidden}

    def test_repaired_record_disappears(self, region, client):
        record = make_record(region.person, decided_on=TODAY - timedelta(days=120), disclosable=True)
        db.session.commit()
        assert shown_ids(client)[0] == {record.id}
        from archive.file import services as file
        file.mark_repaired(record, reason="整改到位")
        db.session.commit()
        assert shown_ids(client)[0] == set()

    def test_search_and_paging(self, region, client):
        for i in range(55):
            make_record(region.person, decided_on=TODAY - timedelta(days=30 + i), disclosable=True,
                        document_no=f"东区监〔2026〕{i}号")
        make_record(region.other, decided_on=TODAY - timedelta(days=20), disclosable=True)
        db.session.commit()
        first, html = shown_ids(client)
        assert len(first) == 50 and "共 56 条" in html
        second, _ = shown_ids(client, page=2)
        assert len(second) == 6 and not first & second
        only, _ = shown_ids(client, q="六合")
        assert len(only) == 1

    def test_earliest_decision_is_exact_at_month_ends(self):
        for today in (date(2026, 2, 28), date(2026, 3, 31), date(2024, 2, 29), date(2026, 1, 1)):
            for months in (12, 36):
                d = earliest_decision(today, months)
                assert add_months(d, months) >= today > add_months(d - timedelta(days=1), months)


def test_disclosure_is_public(app):
    assert getattr(app.view_functions["exchange.disclosure"], "__public__", False)
