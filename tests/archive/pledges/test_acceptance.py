"""Issue 4 "Done when", through the client: HR assigns the pre-appointment pledge to a whole
county in one action; the servant signs it on a phone-sized page with password and name; the
file shows it with its hash; the signed PDF is issued; unsigned people get reminders."""
from datetime import timedelta

import sqlalchemy as sa

from archive.pledges import services
from archive.pledges.models import Pledge, PledgeStatus
from core import clock
from core.extensions import db
from core.notify.models import Notification
from tests import factories as f
from tests.archive.pledges.conftest import make_template

PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 Mobile Safari/537.36"}


def test_done_when(app, client, login_as, region):
    wang = f.person("王芳", department=region.shikou)
    tpl = make_template(by=region.hr)
    db.session.commit()
    hr = login_as(region.hr, app.test_client())
    resp = hr.post("/pledges/assign", data={"template_id": tpl.id, "mode": "department",
                                            "department_id": region.dongying.id, "include_children": "y", "confirm": "1"},
                   follow_redirects=True)
    assert "已分配 2 人，跳过 0 人" in resp.get_data(as_text=True)

    servant = login_as(region.servant, app.test_client())
    html = servant.get("/my/pledges", headers=PHONE).get_data(as_text=True)
    assert 'name="viewport"' in html
    mine = db.session.execute(sa.select(Pledge).filter_by(person_id=region.person.id)).scalar_one()
    page = servant.get(f"/my/pledges/{mine.id}/sign", headers=PHONE).get_data(as_text=True)
    digest = services.text_sha256(mine.template.text)
    assert digest in page
    resp = servant.post(f"/my/pledges/{mine.id}/sign", headers=PHONE, data={
        "password": f.PASSWORD, "typed_name": "张伟", "agree": "y", "text_sha256": digest})
    assert resp.status_code == 302
    db.session.expire_all()
    mine = db.session.get(Pledge, mine.id)
    assert mine.status is PledgeStatus.SIGNED and mine.sha256 == digest

    [row] = services.file_section(region.person)
    assert row["sha256"] == digest and row["valid_for_current_post"]
    pdf = servant.get(f"/pledges/{mine.id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    today = clock.today()
    assert services.send_reminders(today + timedelta(days=5)) == 1
    db.session.commit()
    reminded = db.session.execute(sa.select(Notification.person_id).filter_by(kind="pledge_reminder")).scalars().all()
    assert reminded == [wang.id]
