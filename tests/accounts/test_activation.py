"""Activation codes (API.md "Accounts for every civil servant"): batches, slips, /activate, lifecycle."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from core import clock, crypto
from core.accounts import activation
from core.accounts.models import ActivationBatch, ActivationCode, ApiToken, User
from core.accounts.rules import display_code, normalise_code
from core.audit.models import AuditEvent
from core.changes import PERSON, changed
from core.enums import PersonStatus
from core.extensions import db
from core.notify.models import Notification
from core.registry import services as registry
from tests import factories as f

GOOD_PASSWORD = "Qing@Shan-2026"


def _id(person) -> str:
    return crypto.decrypt(person.id_cipher)


def _codes(batch_id: int) -> dict[int, str]:
    """person id -> code (derived like the slips do; the database has the hashes only)."""
    batch = db.session.get(ActivationBatch, batch_id)
    rows = db.session.execute(db.select(ActivationCode).filter_by(batch_id=batch_id)).scalars().all()
    return {r.person_id: activation.code_for(batch, r.id) for r in rows}


def _activate_body(person, code, username="wangfang", password=GOOD_PASSWORD, name=None):
    return {"id_number": _id(person), "name": name or person.name, "code": code, "username": username,
            "password": password}


@pytest.fixture
def unit(region):
    """史口镇 with three people: one without an account, one retired, one with an account."""
    r = region
    r.newcomer = f.person("王芳", department=r.shikou, entry_date=date(2020, 1, 1))
    r.retired = f.person("陈刚", department=r.shikou, entry_date=date(2001, 1, 1), born=date(1970, 1, 1))
    registry.change_status(r.retired, PersonStatus.RETIRED)
    r.has_account = f.person("刘洋", department=r.shikou)
    f.user("liuyang", person=r.has_account)
    db.session.commit()
    return r


def test_a_batch_for_a_subtree_codes_only_active_people_without_an_account(unit, api):
    resp = api(unit.hr).post("/api/v1/activations", json={"department_id": unit.shikou.id})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["created"] == 1 and body["skipped"] == 2
    assert set(body) == {"batch_id", "created", "skipped", "sent_email", "sent_sms"}      # codes never in JSON
    rows = db.session.execute(db.select(ActivationCode).filter_by(batch_id=body["batch_id"])).scalars().all()
    assert [r.person_id for r in rows] == [unit.newcomer.id]
    code = _codes(body["batch_id"])[unit.newcomer.id]
    assert rows[0].code_hash != code and len(rows[0].code_hash) == 64          # only a keyed hash is stored
    assert db.session.execute(db.text("SELECT count(*) FROM activation_codes WHERE code_hash = :c OR code_hash = :d"),
                              {"c": code, "d": display_code(code)}).scalar() == 0
    days = (rows[0].expires_at - clock.utcnow()).days
    assert 29 <= days <= 30
    assert db.session.execute(db.select(AuditEvent).filter_by(action="activation_batch")).scalars().first()


def test_a_new_batch_revokes_the_older_code_of_a_person(unit, api):
    first = api(unit.hr).post("/api/v1/activations", json={"person_ids": [unit.newcomer.id]}).get_json()
    second = api(unit.hr).post("/api/v1/activations", json={"person_ids": [unit.newcomer.id]}).get_json()
    old_code = _codes(first["batch_id"])[unit.newcomer.id]
    new_code = _codes(second["batch_id"])[unit.newcomer.id]
    assert old_code != new_code
    c = api(unit.hr).client
    assert c.post("/api/v1/activate", json=_activate_body(unit.newcomer, old_code)).status_code == 422
    assert c.post("/api/v1/activate", json=_activate_body(unit.newcomer, new_code)).status_code == 201


def test_out_of_scope_departments_and_people_are_404(unit, api):
    hr = api(unit.hr)
    assert hr.post("/api/v1/activations", json={"department_id": unit.liuhe.id}).status_code == 404
    assert hr.post("/api/v1/activations", json={"person_ids": [unit.other.id]}).status_code == 404
    assert hr.post("/api/v1/activations", json={"person_ids": [unit.newcomer.id, 987654]}).status_code == 404
    assert db.session.execute(db.select(ActivationCode)).first() is None
    other_batch = api(unit.hr_hekou).post("/api/v1/activations", json={"department_id": unit.liuhe.id}).get_json()
    assert hr.get(f"/api/v1/activations/{other_batch['batch_id']}/slips.pdf").status_code == 404


@pytest.mark.parametrize("body", [{}, {"person_ids": []}, {"department_id": 0}, {"department_id": "x"},
                                  {"person_ids": [0]}, {"person_ids": ["a"]}, {"person_ids": [2**40]},
                                  {"department_id": 2**40}, {"other": 1}])
def test_bad_batch_requests_are_422_and_write_nothing(unit, api, body):
    resp = api(unit.hr).post("/api/v1/activations", json=body)
    assert resp.status_code in (404, 422) and "error" in resp.get_json()
    assert db.session.execute(db.select(ActivationBatch)).first() is None


def test_slips_pdf_has_the_name_department_address_code_and_expiry(unit, api):
    batch_id = api(unit.hr).post("/api/v1/activations", json={"department_id": unit.dongying.id}).get_json()["batch_id"]
    codes = _codes(batch_id)
    resp = api(unit.hr).get(f"/api/v1/activations/{batch_id}/slips.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1      # A4
    text = "".join(p.extract_text() for p in reader.pages)
    compact = text.replace(" ", "").replace("\n", "")
    for code in codes.values():
        assert display_code(code) in compact
    assert "王芳" in compact and "史口镇" in compact and "/activate" in compact and "沿虚线剪开" in compact
    batch = db.session.get(ActivationBatch, batch_id)
    assert clock.local_date(batch.expires_at).isoformat() in compact


def test_activation_through_the_api_then_the_same_code_again(unit, api, client):
    batch_id = api(unit.hr).post("/api/v1/activations", json={"person_ids": [unit.newcomer.id]}).get_json()["batch_id"]
    code = _codes(batch_id)[unit.newcomer.id]
    typed = display_code(code).lower().replace("-", " ")              # as typed on a phone
    resp = client.post("/api/v1/activate", json=_activate_body(unit.newcomer, typed))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == {"username": "wangfang"}
    user = db.session.execute(db.select(User).filter_by(username="wangfang")).scalar_one()
    assert user.roles == {"servant"} and user.person_id == unit.newcomer.id and user.is_enabled
    row = db.session.execute(db.select(ActivationCode).filter_by(batch_id=batch_id)).scalar_one()
    assert row.used_at is not None and row.user_id == user.id
    again = client.post("/api/v1/activate", json=_activate_body(unit.newcomer, code, username="other2"))
    assert again.status_code == 422
    # the new account logs in with the chosen password
    login = client.post("/login", data={"username": "wangfang", "password": GOOD_PASSWORD})
    assert login.status_code == 302
    # told through every contact: the in-app inbox here (mail and SMS below)
    assert db.session.execute(db.select(Notification).filter_by(kind="account_activated")).scalar_one()
    assert db.session.execute(db.select(AuditEvent).filter_by(action="account_activated")).scalar_one()


def test_every_kind_of_mismatch_gets_the_same_answer(unit, api, client):
    batch_id = api(unit.hr).post("/api/v1/activations", json={"department_id": unit.shikou.id}).get_json()["batch_id"]
    code = _codes(batch_id)[unit.newcomer.id]
    expired_person = f.person("赵敏", department=unit.shikou)
    other_batch = activation.create_batch(actor=None, person_ids=[expired_person.id])
    expired_code = other_batch.codes[0][1]
    other_batch.codes[0][0].expires_at = clock.utcnow() - timedelta(minutes=1)
    db.session.commit()
    cases = {
        "wrong code": _activate_body(unit.newcomer, "ABCD-EFGH-JKLM"),
        "wrong name": _activate_body(unit.newcomer, code, name="王芳芳"),
        "unknown id": {**_activate_body(unit.newcomer, code), "id_number": f.id_number()},
        "malformed id": {**_activate_body(unit.newcomer, code), "id_number": "12345"},
        "expired": _activate_body(expired_person, expired_code, username="zhaomin"),
        "someone else's code": _activate_body(expired_person, code, username="zhaomin"),
        "retired": _activate_body(unit.retired, code, username="chengang"),
    }
    answers = {}
    for label, body in cases.items():
        resp = client.post("/api/v1/activate", json=body)
        answers[label] = (resp.status_code, resp.get_json())
    assert len({str(a) for a in answers.values()}) == 1, answers
    assert answers["wrong code"][0] == 422
    assert db.session.execute(db.select(User).filter_by(person_id=unit.newcomer.id)).first() is None
    failures = db.session.execute(db.select(AuditEvent).filter_by(action="activation_failed")).scalars().all()
    assert len(failures) == len(cases) and {e.outcome for e in failures} == {"failure"}


def test_lockout_after_repeated_failures_even_with_the_right_code(unit, app, client):
    result = activation.create_batch(actor=None, person_ids=[unit.newcomer.id])
    db.session.commit()
    code = result.codes[0][1]
    for _ in range(app.config["ACTIVATION_MAX_FAILURES"]):
        assert client.post("/api/v1/activate", json=_activate_body(unit.newcomer, "WRONG-CODE-0000")).status_code == 422
    assert client.post("/api/v1/activate", json=_activate_body(unit.newcomer, code)).status_code == 422
    assert db.session.execute(db.select(User).filter_by(person_id=unit.newcomer.id)).first() is None
    row = db.session.get(ActivationCode, result.codes[0][0].id)
    row.locked_until = clock.utcnow() - timedelta(seconds=1)          # the lock ran out
    db.session.commit()
    assert client.post("/api/v1/activate", json=_activate_body(unit.newcomer, code)).status_code == 201


@pytest.mark.parametrize("change, field", [({"password": "abc"}, "password"), ({"username": "bad name!"}, "username"),
                                           ({"username": "hr"}, "username")])
def test_username_and_password_problems_keep_the_code(unit, client, change, field):
    result = activation.create_batch(actor=None, person_ids=[unit.newcomer.id])
    db.session.commit()
    code = result.codes[0][1]
    resp = client.post("/api/v1/activate", json={**_activate_body(unit.newcomer, code), **change})
    assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"]
    assert client.post("/api/v1/activate", json=_activate_body(unit.newcomer, code)).status_code == 201


@pytest.mark.parametrize("body", [{}, {"id_number": "x" * 40}, {"id_number": 1, "name": [], "code": {}},
                                  {"id_number": "\u0000", "name": "a", "code": "b", "username": "c", "password": "d"}])
def test_bad_activate_bodies_are_refused(unit, client, body):
    resp = client.post("/api/v1/activate", json=body)
    assert resp.status_code in (400, 422)


def test_the_activate_page_activates_and_signs_in_to_the_welcome(unit, client):
    result = activation.create_batch(actor=None, person_ids=[unit.newcomer.id])
    db.session.commit()
    page = client.get("/activate")
    assert page.status_code == 200 and "激活账户" in page.get_data(as_text=True)
    assert 'name="viewport"' in page.get_data(as_text=True)
    bad = client.post("/activate", data={**_activate_body(unit.newcomer, "NOPE-NOPE-NOPE"), "confirm": GOOD_PASSWORD})
    assert bad.status_code == 200 and str(activation.ACTIVATION_FAILED) in bad.get_data(as_text=True)
    assert bad.headers["Cache-Control"] == "no-store"           # the typed id number is on this page
    resp = client.post("/activate", data={**_activate_body(unit.newcomer, result.codes[0][1]),
                                          "confirm": GOOD_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/welcome")
    welcome = client.get("/welcome")
    assert welcome.status_code == 200 and "账户已激活" in welcome.get_data(as_text=True)


def test_the_login_page_links_to_activation(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/activate"' in html and "统一身份认证登录" not in html     # SSO is not configured


def test_hr_pages_create_a_batch_and_download_the_slips(unit, login_as):
    c = login_as(unit.hr)
    page = c.get("/activations")
    assert page.status_code == 200 and "史口镇" in page.get_data(as_text=True)
    resp = c.post("/activations", data={"department_id": unit.shikou.id, "person_ids": ""})
    assert resp.status_code == 302
    batch = db.session.execute(db.select(ActivationBatch)).scalar_one()
    assert batch.created == 1 and batch.department_id == unit.shikou.id
    listing = c.get("/activations").get_data(as_text=True)
    assert f"/activations/{batch.id}/slips.pdf" in listing
    pdf = c.get(f"/activations/{batch.id}/slips.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    chosen = c.post("/activations", data={"department_id": 0, "person_ids": f"{unit.newcomer.id}，{unit.person.id}"})
    assert chosen.status_code == 302
    for bad in ({"department_id": 0, "person_ids": ""}, {"department_id": 0, "person_ids": "1 x"},
                {"department_id": 0, "person_ids": str(unit.other.id)}):
        assert c.post("/activations", data=bad).status_code == 200
    assert c.post("/activations", data={"department_id": unit.liuhe.id}).status_code == 404


def test_cli_provision_writes_the_slips(app, unit, tmp_path):
    out = tmp_path / "slips.pdf"
    result = app.test_cli_runner().invoke(args=["users", "provision", "--department", str(unit.dongying.id),
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 codes" in result.output and out.read_bytes().startswith(b"%PDF")
    bad = app.test_cli_runner().invoke(args=["users", "provision", "--department", "987654"])
    assert bad.exit_code == 2


def test_codes_go_by_email_and_sms_when_configured(unit, api, smtp_server, sms_sink):
    unit.newcomer.email = "wangfang@example.gov.cn"
    changed([unit.newcomer.id], PERSON)         # written directly: noted (core.changes)
    texter = f.person("孙丽", department=unit.shikou, phone="13912345678")
    paper = f.person("周杰", department=unit.shikou, phone=None)
    db.session.commit()
    body = api(unit.hr).post("/api/v1/activations", json={"department_id": unit.shikou.id}).get_json()
    assert (body["created"], body["sent_email"], body["sent_sms"]) == (3, 1, 1)
    codes = _codes(body["batch_id"])
    mail = smtp_server.messages[0]
    assert mail["To"] == "wangfang@example.gov.cn" and display_code(codes[unit.newcomer.id]) in mail.get_content()
    sms = sms_sink.posts[0]
    assert sms["auth"] == "Bearer gw-token" and sms["body"]["phone"] == "13912345678"
    assert display_code(codes[texter.id]) in sms["body"]["message"]
    # only the paper slip is printed
    slips = activation.slips(db.session.get(ActivationBatch, body["batch_id"]))
    assert [s["name"] for s in slips] == [paper.name]
    # activation is told through every contact on file
    smtp_server.messages.clear()
    sms_sink.posts.clear()
    unit.newcomer.phone = "13800009999"
    changed([unit.newcomer.id], PERSON)
    db.session.commit()
    resp = api(unit.hr).client.post("/api/v1/activate", json=_activate_body(unit.newcomer, codes[unit.newcomer.id]))
    assert resp.status_code == 201
    assert "如非本人操作" in smtp_server.messages[0].get_content()
    assert sms_sink.posts[0]["body"]["phone"] == "13800009999" and "如非本人操作" in sms_sink.posts[0]["body"]["message"]


def test_an_unreachable_gateway_falls_back_to_the_slip(unit, app, api):
    app.config.update(SMS_GATEWAY_URL="http://127.0.0.1:9/none")
    try:
        body = api(unit.hr).post("/api/v1/activations", json={"person_ids": [unit.newcomer.id]}).get_json()
    finally:
        app.config.update(SMS_GATEWAY_URL=None)
    assert body["sent_sms"] == 0
    assert len(activation.slips(db.session.get(ActivationBatch, body["batch_id"]))) == 1


def test_a_person_who_leaves_loses_the_account_sessions_and_tokens(unit, api, login_as, app):
    servant_api = api(unit.servant)
    c = login_as(unit.servant)
    assert c.get("/").status_code in (200, 302)
    registry.change_status(unit.person, PersonStatus.TRANSFERRED, reason="调出本市")
    db.session.commit()
    user = db.session.get(User, unit.servant.id)
    assert not user.is_enabled
    assert db.session.execute(db.select(ApiToken).filter_by(user_id=user.id, revoked_at=None)).first() is None
    assert servant_api.get("/api/v1/people").status_code == 401
    assert c.get("/account").status_code == 302                      # the cookie no longer works
    # back after the transfer: a new code re-activates the same account and keeps the file
    registry.change_status(unit.person, PersonStatus.ACTIVE, reason="调回")
    result = activation.create_batch(actor=None, person_ids=[unit.person.id])
    db.session.commit()
    assert result.batch.created == 1
    resp = app.test_client().post("/api/v1/activate", json=_activate_body(unit.person, result.codes[0][1],
                                                                          username="zhangwei2"))
    assert resp.status_code == 201
    again = db.session.get(User, unit.servant.id)
    db.session.refresh(again)
    assert again.is_enabled and again.username == "zhangwei2" and again.roles == {"servant"}
    assert db.session.execute(db.select(db.func.count()).select_from(User).filter_by(person_id=unit.person.id)
                              ).scalar() == 1


def test_normalise_code_rules():
    assert normalise_code(" abcd-efgh ijkm ") == "ABCDEFGHIJKM"
    assert normalise_code(None) == ""
    assert display_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


def test_rate_limits_per_ip_and_per_person(make_limited_app, unit):
    limited = make_limited_app(RATELIMIT_ACTIVATE="3 per minute")
    other_id = f.id_number()
    with limited.app_context():
        c = limited.test_client()
        body = _activate_body(unit.newcomer, "NOPE")
        statuses = [c.post("/api/v1/activate", json=body).status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        # another address, the same person: still limited per person
        c2 = limited.test_client()
        assert c2.post("/api/v1/activate", json=body, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 429
        # another address and another person: fine
        assert c2.post("/api/v1/activate", json={**body, "id_number": other_id},
                       environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 422


def test_the_welcome_page_walks_a_new_servant_to_what_is_waiting(unit, client):
    from archive.enums import PledgeKind
    from archive.pledges import services as pledges
    tpl = pledges.create_template(kind=PledgeKind.PRE_APPOINTMENT, title="任职前信用承诺书",
                                  body="本人郑重承诺：遵守法律法规，廉洁自律，诚实守信，不弄虚作假，不以权谋私，接受监督。",
                                  created_by=unit.hr, publish=True)
    pledges.assign(tpl, [unit.newcomer], assigned_by=unit.hr)
    result = activation.create_batch(actor=None, person_ids=[unit.newcomer.id])
    db.session.commit()
    resp = client.post("/activate", data={**_activate_body(unit.newcomer, result.codes[0][1]),
                                          "confirm": GOOD_PASSWORD})
    assert resp.headers["Location"].endswith("/welcome")
    html = client.get("/welcome").get_data(as_text=True)
    assert "待签署的承诺书 1 份" in html and 'href="/my/pledges"' in html


def test_the_people_import_can_create_activation_codes_for_the_new_people(unit, api, app, tmp_path):
    from tests.archive.exchange.conftest import make_xlsx
    headers = ["姓名", "公民身份号码", "单位", "职务", "职级", "录用日期"]
    rows = [[f"新人{i}", f.id_number(), "史口镇", "科员", "一级科员", date(2024, 9, 1)] for i in range(3)]
    client = api(unit.hr)
    resp = client.post("/api/v1/imports/people?activation_codes=1",
                       data={"file": (io.BytesIO(make_xlsx(headers, rows)), "people.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["imported"] == 3 and body["activation_codes"] == 3
    batch = db.session.get(ActivationBatch, body["activation_batch_id"])
    names = {s["name"] for s in activation.slips(batch)}
    assert names == {"新人0", "新人1", "新人2"}                     # only the new people, not 王芳 of 史口镇
    # without the option: no codes
    more = [[f"后来{i}", f.id_number(), "史口镇", "科员", "一级科员", date(2024, 9, 1)] for i in range(2)]
    plain = client.post("/api/v1/imports/people", data={"file": (io.BytesIO(make_xlsx(headers, more)), "p.xlsx")},
                        content_type="multipart/form-data").get_json()
    assert plain["imported"] == 2 and "activation_batch_id" not in plain
    # the command line option
    path = tmp_path / "people.xlsx"
    path.write_bytes(make_xlsx(headers, [["命令行", f.id_number(), "史口镇", "科员", "一级科员", date(2024, 9, 1)]]))
    result = app.test_cli_runner().invoke(args=["import", "people", str(path), "--activation-codes"])
    assert result.exit_code == 0, result.output
    assert "activation codes: batch" in result.output and "1 codes" in result.output


def test_demo_accounts_prints_a_working_activation_code(unit, app, client):
    result = app.test_cli_runner().invoke(args=["demo", "accounts"])
    assert result.exit_code == 0, result.output
    assert "People who can sign in:" in result.output
    import re
    m = re.search(r"公民身份号码 (\S+)\s+姓名 (\S+)\s+激活码 (\S+)", result.output)
    assert m, result.output
    resp = client.post("/api/v1/activate", json={"id_number": m.group(1), "name": m.group(2), "code": m.group(3),
                                                 "username": "demo_new", "password": GOOD_PASSWORD})
    assert resp.status_code == 201


def test_hr_records_a_person_email_for_codes_and_notices(unit, api, login_as):
    hr = api(unit.hr)
    person = db.session.get(type(unit.newcomer), unit.newcomer.id)
    bad = hr.patch(f"/api/v1/people/{person.id}", json={"version": person.version, "email": "not-an-address"})
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["fields"]
    ok = hr.patch(f"/api/v1/people/{person.id}", json={"version": person.version, "email": "wf@example.gov.cn"})
    assert ok.status_code == 200
    db.session.expire_all()
    assert db.session.get(type(person), person.id).email == "wf@example.gov.cn"
    page = login_as(unit.hr).get(f"/people/{person.id}/edit")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
