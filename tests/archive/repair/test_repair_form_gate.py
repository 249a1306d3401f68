"""Issue 19 item 10: the repair form's submit waits for the conditions, with the fix links beside it;
the server still refuses an application whose conditions are unmet."""
from __future__ import annotations

import re

from archive.repair.models import RepairApplication
from core.extensions import db


def _submit(html: str) -> str:
    return re.search(r"<button[^>]*data-submit[^>]*>", html).group(0)


def test_submit_disabled_with_fix_links_until_the_conditions_are_met(app, region, repair, login_as):
    rec = repair.record()
    servant = login_as(region.servant, app.test_client())
    html = servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert " disabled" in _submit(html) and 'aria-describedby="repair-blockers"' in _submit(html)
    blockers = html[html.index('id="repair-blockers"'):]
    assert re.findall(r'data-blocker="([a-z_]+)"', blockers) == ["repair_training", "repair_pledge"]
    fixes = dict(re.findall(r'href="([^"]+)" data-fix="([a-z_]+)"', blockers))
    assert set(fixes.values()) == {"repair_training", "repair_pledge"}
    assert any("/my/pledges" in url for url in fixes)

    # the server still enforces: a forged POST is refused, nothing is filed
    resp = servant.post(f"/my/records/{rec.id}/repair", data={"correction": "recover_loss", "statement": "已整改。"},
                        content_type="multipart/form-data")
    assert resp.status_code == 409 and 'data-refused="true"' in resp.get_data(as_text=True)
    assert db.session.execute(db.select(RepairApplication)).first() is None

    repair.complete_course()
    html = servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert " disabled" in _submit(html)
    assert re.findall(r'data-blocker="([a-z_]+)"', html) == ["repair_pledge"]

    repair.sign_pledge()
    html = servant.get(f"/my/records/{rec.id}/repair").get_data(as_text=True)
    assert " disabled" not in _submit(html) and "data-blocker" not in html
