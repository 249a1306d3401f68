"""Issue 19 item 9: the pledge being signed is one column in the page's flow with an end marker, no
SHA-256 hex is shown to the signer (the evidence page keeps it), the error is marked for app.js to focus."""
from __future__ import annotations

import re

from archive.pledges.models import Pledge
from core.extensions import db
from tests import factories as f
from tests.archive.pledges.conftest import sign

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
HEX16 = re.compile(r"\b[0-9a-f]{16}\b")


def _shown(html: str) -> str:
    """What the signer sees: without hidden inputs (the form carries the digest of the text it showed)."""
    return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", html)


def test_the_text_is_one_column_with_an_end_marker_and_no_hash(login_as, region, pledge):
    html = login_as(region.servant).get(f"/my/pledges/{pledge.id}/sign").get_data(as_text=True)
    box = re.search(r'<div class="([^"]*)" id="pledge-text"[^>]*>', html)
    assert "pledge-column" in box.group(1) and 'tabindex' not in box.group(0)   # not a scroll box to focus
    assert html.index('id="pledge-text"') < html.index("data-read-end") < html.index('id="sign-form"')
    assert "SHA-256" not in html and not HEX64.search(_shown(html))


def test_a_wrong_name_comes_back_with_the_error_on_the_field(login_as, region, pledge):
    resp = login_as(region.servant).post(f"/my/pledges/{pledge.id}/sign",
                                         data={"password": f.PASSWORD, "typed_name": "张三", "agree": "y"})
    html = resp.get_data(as_text=True)
    field = re.search(r'<input[^>]*name="typed_name"[^>]*>', html).group(0)
    assert "is-invalid" in field and "disabled" not in field       # app.js scrolls to and focuses it
    assert "SHA-256" not in html and not HEX64.search(_shown(html))


def test_the_lists_show_no_hash_the_evidence_page_does(login_as, region, pledge):
    sign(pledge, region.servant)
    db.session.commit()
    client = login_as(region.servant)
    listing = client.get("/my/pledges").get_data(as_text=True)
    assert "SHA-256" not in listing and not HEX16.search(listing)
    p = db.session.get(Pledge, pledge.id)
    page = client.get(_pledge_url(client, p)).get_data(as_text=True)
    assert p.sha256 in page and "data-sha256" in page


def _pledge_url(client, p) -> str:
    from flask import url_for
    with client.application.test_request_context():
        return url_for("pledges.pledge", pledge_id=p.id)


def test_app_js_focuses_the_first_error():
    from pathlib import Path
    js = (Path(__file__).resolve().parents[3] / "static" / "js" / "app.js").read_text()
    assert "scrollIntoView" in js and ".is-invalid" in js and "focus(" in js
