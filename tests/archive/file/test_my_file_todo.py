"""Issue 19 item 8: "my file" starts with what waits (pledges to sign with a 签署 button, courses due,
records in their objection window), and each notification opens the exact pledge or record."""
from __future__ import annotations

import re
from datetime import timedelta

from archive.pledges import services as pledges
from core.extensions import db
from core.notify.models import Notification
from tests import factories as f
from tests.archive.pledges.conftest import make_template, sign
from tests.training.conftest import add_quiz, make_course
from training import services as training


def _todo(html: str) -> str:
    start = html.index('id="todo"')
    return html[start:html.index("</section>", start)]


def _items(html: str) -> list[str]:
    return re.findall(r'data-todo-item="([a-z]+-\d+)"', _todo(html))


def _links(person_id: int, kind: str) -> list[str]:
    rows = db.session.execute(db.select(Notification.link).filter_by(person_id=person_id, kind=kind)
                              .order_by(Notification.id)).scalars().all()
    return list(rows)


def test_my_file_opens_with_the_to_do_block(region, login_as, fx, today):
    tpl = make_template(by=region.hr)
    pledges.assign(tpl, [region.person], assigned_by=region.hr)
    course = add_quiz(make_course())
    training.enrol(course, [region.person], due_on=today + timedelta(days=20), by=region.hr)
    record = fx.record(notify=True)
    old = fx.record(notify=today - timedelta(days=60), months_ago=4)       # window closed long ago
    db.session.commit()
    pledge = pledges.pledges_for_person(region.person)[0]

    client = login_as(region.servant)
    html = client.get("/my/file").get_data(as_text=True)
    assert html.index('id="todo"') < html.index("我的诚信档案")          # the block comes first
    items = _items(html)
    assert items[0] == f"pledge-{pledge.id}" and items[-1] == f"record-{record.id}"
    assert any(i.startswith("course-") for i in items) and f"record-{old.id}" not in items
    block = _todo(html)
    assert re.search(rf'href="/my/pledges/{pledge.id}/sign">签署</a>', block)
    assert re.search(rf'href="[^"]*/courses/{course.id}/study">学习</a>', block) and course.title in block
    assert f'href="/records/{record.id}"' in block

    # done things leave the block: the pledge signed, the record objected to
    sign(pledge, region.servant)
    db.session.commit()
    client.post(f"/records/{record.id}/objections/new", data={"reasons": "事实有误，请予核实。台账已按期报送。"})
    html = client.get("/my/file").get_data(as_text=True)
    assert _items(html) == [i for i in items if i.startswith("course-")]


def test_an_empty_block_says_so(region, login_as):
    html = login_as(region.servant).get("/my/file").get_data(as_text=True)
    assert 'data-todo="0"' in html and "暂无待办事项" in html


def test_notifications_open_the_exact_pledge_or_record(region, login_as, fx, app):
    tpl = make_template(by=region.hr)
    second = f.person("赵强", department=region.shikou)
    with app.test_request_context():
        pledges.assign(tpl, [region.person, second], assigned_by=region.hr)
    db.session.commit()
    mine = pledges.pledges_for_person(region.person)[0]
    assert _links(region.person.id, "pledge_assigned") == [f"/my/pledges/{mine.id}/sign"]
    other = pledges.pledges_for_person(second)[0]
    assert _links(second.id, "pledge_assigned") == [f"/my/pledges/{other.id}/sign"]

    with app.test_request_context():
        record = fx.record(notify=True)
    assert _links(region.person.id, "record_notified") == [f"/records/{record.id}"]

    client = login_as(region.servant)
    note = db.session.execute(db.select(Notification).filter_by(person_id=region.person.id,
                                                                kind="record_notified")).scalar_one()
    resp = client.post(f"/notifications/{note.id}/open")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/records/{record.id}")
    assert client.get(resp.headers["Location"]).status_code == 200


def test_reminders_open_their_own_pledge(region, app, today):
    tpl = make_template(by=region.hr)
    pledges.assign(tpl, [region.person], assigned_by=region.hr)
    db.session.commit()
    pledge = pledges.pledges_for_person(region.person)[0]
    for day in range(1, 16):
        with app.test_request_context():
            pledges.send_reminders(today + timedelta(days=day))
    links = set(_links(region.person.id, "pledge_reminder"))
    assert links == {f"/my/pledges/{pledge.id}/sign"}
