"""Fixtures of the exchange tests: workbooks built in memory, upload helpers."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from core import clock


def make_xlsx(headers, rows, *, title="数据", extra_sheets=()) -> bytes:
    """An .xlsx made with openpyxl (as Excel would save it): row 1 headers, then rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for name, data in extra_sheets:
        other = wb.create_sheet(name)
        for row in data:
            other.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def xlsx():
    return make_xlsx


@pytest.fixture
def upload():
    """upload(api_client, kind, data, dry_run=False) -> response of POST /api/v1/imports/{kind}."""
    def _upload(client, kind, data, *, dry_run=False, filename="import.xlsx"):
        url = f"/api/v1/imports/{kind}" + ("?dry_run=1" if dry_run else "")
        return client.post(url, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    return _upload


def make_record(person, *, decided_on, category="discipline_gov", sanction="demerit", severity="general",
                state="effective", disclosable=False, facts="违规兼职取酬", facts_private=False, **kw):
    """A record through the file services: draft → notified (on its decision date) → the state asked for."""
    from archive.file import services as file
    from core.extensions import db
    record = file.record_misconduct(person, category=category, sanction=sanction, severity=severity,
                                    decided_on=decided_on, authority="东营区监察委员会", facts=facts,
                                    disclosable=disclosable, facts_private=facts_private, **kw)
    if state != "draft":
        file.notify_record(record, person, on=decided_on)
    if state in ("effective", "repaired"):
        file.acknowledge_record(record, on=decided_on)
    if state == "repaired":
        file.mark_repaired(record, reason="整改到位", on=clock.today())
    if state == "revoked":
        file.revoke_record(record, "认定有误")
    db.session.flush()
    return record
