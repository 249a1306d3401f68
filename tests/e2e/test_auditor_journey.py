"""The audit administrator (issue 12): find the events of one person's file by filtering on the
person id, then run the hash-chain check from the UI (哈希链校验 → 完整)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from tests.e2e.conftest import demo_password, login, shot


@pytest.fixture(scope="module")
def live_options():
    return {"demo": True, "TOTP_ENFORCE": True}


def _busiest_person() -> tuple[int, int]:
    """(person id, number of events) of the person whose file has the most audit events."""
    from core.audit.models import AuditEvent
    n = sa.func.count().label("n")
    row = db.session.execute(sa.select(AuditEvent.person_id, n).where(AuditEvent.person_id.is_not(None))
                             .group_by(AuditEvent.person_id).order_by(n.desc(), AuditEvent.person_id)).first()
    return row.person_id, row.n


def test_auditor_journey(page_for, live_app):
    from core.audit.models import AuditEvent
    person_id, count = _busiest_person()
    assert count >= 2
    page = page_for("desktop")

    login(page, "auditor", demo_password(live_app), totp=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    shot(page, "auditor-01-audit-log")

    # ---- the events of one person's file -----------------------------------------------------------
    from core import crypto
    from core.registry.models import Person
    person = db.session.get(Person, person_id)
    tail = crypto.decrypt(person.id_cipher)[-6:]
    page.get_by_label("人员（姓名或公民身份号码）").fill(tail)         # the last 6 characters, never an internal id
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_label("人员（姓名或公民身份号码）")).to_have_value(tail)   # the filter stays filled in
    expect(page.locator("#audit-person")).to_contain_text(person.name)
    if page.locator("#audit-person a").count():                     # several people share the tail: choose
        page.locator("#audit-person a", has_text=person.id_masked).first.click()
    rows = page.locator("main table tbody tr")
    wanted = db.session.execute(sa.select(AuditEvent.id).filter_by(person_id=person_id)
                                .order_by(AuditEvent.id.desc())).scalars().all()
    shown = [int(t) for t in rows.locator("td:nth-child(1)").all_inner_texts()]
    lowest = min(shown)                                # the person's own events, and the batch events that touched them
    assert {w for w in wanted if w >= lowest} <= set(shown)
    assert len(shown) >= min(count, 50)
    for cell in rows.locator("td:nth-child(4)").all_inner_texts():
        assert not any(c.isascii() and c.isalpha() for c in cell), cell     # the action column: Chinese only
    shot(page, "auditor-02-person-events")

    # ---- the chain check -------------------------------------------------------------------------------
    page.get_by_role("button", name="校验哈希链").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("哈希链校验")
    ok = page.locator("[data-chain=ok]")
    expect(ok).to_contain_text("审计链完整")
    total = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    checked = int(ok.inner_text().split("共校验")[1].split("个")[0])
    assert total - 2 <= checked <= total            # every event up to the check (the check itself may log one)
    shot(page, "auditor-03-chain-ok")
