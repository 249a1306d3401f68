"""Personal data: separation of duties, id numbers at rest and masked, uploads, XSS in HTML
and PDF, the WeasyPrint URL fetcher (SECURITY.md "Access", "Requests")."""
from __future__ import annotations

import io
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from markupsafe import escape
from werkzeug.datastructures import FileStorage

from core import crypto
from core.accounts import services as accounts
from core.accounts.models import User
from core.audit.models import AuditEvent
from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.registry.models import Person
from tests import factories as f

# ---- separation of duties -----------------------------------------------------------------------


class TestSeparationOfDuties:
    @pytest.mark.parametrize("role", ["sysadmin", "auditor"])
    def test_no_person_data_for_sysadmin_and_auditor(self, app, world, session_login, role):
        c = session_login(world.user(role))
        pid = world.id("people", "servant_own")
        for path in ("/people", f"/people/{pid}", f"/people/{pid}/registry", f"/people/{pid}/edit"):
            assert c.get(path).status_code in (403, 404), path
        assert c.post(f"/people/{pid}/reveal").status_code in (403, 404)
        api = app.test_client()
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        for path in ("/api/v1/people", f"/api/v1/people/{pid}", f"/api/v1/people/{pid}/file"):
            assert api.get(path, headers=headers).status_code in (403, 404), path
        # (the auditor's log names the targets of events by masked id: metadata, not file contents)
        for page in ("/departments", "/admin/users") if role == "auditor" else ("/", "/departments", "/admin/users"):
            body = c.get(page, follow_redirects=True).get_data(as_text=True)
            # account pages may name the account holder; no file data (id number, post, phone) appears
            assert world.people["servant_own"].id_masked not in body, page
            assert "138****1234" not in body and "一级科员" not in body, page

    def test_auditor_reads_the_log_only(self, world, session_login):
        c = session_login(world.user("auditor"))
        assert c.get("/audit/").status_code == 200
        for path in ("/departments", "/admin/users", "/admin/users/new", "/departments/new"):
            assert c.get(path).status_code == 403, path

    def test_sysadmin_cannot_read_the_log(self, world, session_login):
        c = session_login(world.user("sysadmin"))
        assert c.get("/audit/").status_code == 403
        assert c.post("/audit/verify").status_code == 403

    @pytest.mark.parametrize("roles", [("sysadmin", "hr"), ("sysadmin", "committee"), ("auditor", "hr"),
                                       ("auditor", "committee"), ("sysadmin", "auditor")])
    def test_system_roles_cannot_hold_business_roles(self, app, db, roles):
        dept = f.department("东营区", kind="county")
        with pytest.raises(ValidationFailed) as err:
            accounts.create_user(username="mixed", display_name="混合", roles=roles, password="Mix3d-Roles!x",
                                 department_id=dept.id)
        assert "roles" in err.value.fields
        user = f.user("single", roles=(roles[0],))
        with pytest.raises(ValidationFailed):
            accounts.update_user(user, display_name="x", roles=roles, department_id=dept.id, person_id=None,
                                 email=None, is_enabled=True)

    def test_cli_refuses_mixed_roles_too(self, app):
        result = app.test_cli_runner().invoke(args=["users", "create", "mix", "--role", "sysadmin", "--role",
                                                    "auditor", "--password-stdin"], input="Mix3d-Roles!x\n")
        assert result.exit_code == 2
        from core.accounts.models import User
        assert db.session.execute(sa.select(User).filter_by(username="mix")).first() is None


# ---- id numbers ---------------------------------------------------------------------------------------

class TestIdNumbers:
    def test_encrypted_at_rest_and_found_by_keyed_hash(self, app, world):
        person = world.people["servant_own"]
        full = crypto.decrypt(person.id_cipher)
        row = db.session.execute(sa.text("SELECT * FROM people WHERE id = :id"), {"id": person.id}).mappings().one()
        for column, value in row.items():
            assert full not in str(value) and full[:17] not in str(value), column
        assert row["id_masked"].count("*") == 8 and row["id_hash"] == crypto.keyed_hash(full)
        for summary in db.session.execute(sa.select(AuditEvent.summary)).scalars():
            assert full not in summary
        resp = app.test_client().get("/api/v1/people", query_string={"q": full},
                                     headers={"Authorization": f"Bearer {world.tokens['hr']}"})
        assert [p["id"] for p in resp.get_json()["items"]] == [person.id]

    def test_masked_in_every_list_page_and_json(self, app, world, session_login):
        person = world.people["servant_own"]
        full = crypto.decrypt(person.id_cipher)
        c = session_login(world.user("hr"))
        for path in ("/people", f"/people/{person.id}/registry", f"/people/{person.id}/edit"):
            body = c.get(path).get_data(as_text=True)
            assert full not in body, path
        assert person.id_masked in c.get("/people").get_data(as_text=True)
        api = app.test_client()
        headers = {"Authorization": f"Bearer {world.tokens['hr']}"}
        for path in ("/api/v1/people", f"/api/v1/people/{person.id}"):
            text = api.get(path, headers=headers).get_data(as_text=True)
            assert full not in text and person.id_masked in text, path

    def test_reveal_is_for_hr_in_scope_and_audited(self, world, session_login):
        person = world.people["servant_own"]
        full = crypto.decrypt(person.id_cipher)
        c = session_login(world.user("hr"))
        resp = c.post(f"/people/{person.id}/reveal")
        assert resp.status_code == 200 and full in resp.get_data(as_text=True)
        assert resp.headers["Cache-Control"] == "no-store"
        ev = db.session.execute(sa.select(AuditEvent).filter_by(action="id_reveal")).scalar_one()
        assert ev.person_id == person.id and ev.actor_name == "hr" and ev.outcome == "success"
        other = world.people["other_subtree"]
        assert c.post(f"/people/{other.id}/reveal").status_code == 404
        assert session_login(world.user("servant")).post(f"/people/{person.id}/reveal").status_code == 403

    def test_key_rotation(self, make_app):
        from cryptography.fernet import Fernet
        k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        common = {"ID_HASH_KEY": "rotation-test-hash-key-0123456789"}
        old = make_app(ID_ENCRYPTION_KEYS=k1, **common)
        with old.app_context():
            dept = f.department("东营区", kind="county")
            idn = f.id_number()
            pid = f.person("轮换", department=dept, id_number=idn).id
            seed = pyotp.random_base32()
            rotor = f.user("rotor", roles=("hr",), department=dept)
            rotor.totp_secret, rotor.totp_enabled = seed, True
            uid = rotor.id
            db.session.commit()
            cipher_before = db.session.get(Person, pid).id_cipher
            seed_before = raw_seed(uid)
            db.session.remove()
        both = make_app(ID_ENCRYPTION_KEYS=f"{k2},{k1}", **common)
        with both.app_context():      # the CLI runs in the current app context if there is one
            result = both.test_cli_runner().invoke(args=["keys", "rotate"])
            db.session.remove()
        assert result.exit_code == 0 and "re-encrypted 1 id numbers and 1 TOTP seeds" in result.output
        new_only = make_app(ID_ENCRYPTION_KEYS=k2, **common)
        with new_only.app_context():
            assert raw_seed(uid) != seed_before and db.session.get(User, uid).totp_secret == seed
            p = db.session.get(Person, pid)
            assert p.id_cipher != cipher_before
            assert crypto.decrypt(p.id_cipher) == idn
            from core.registry.services import search_clause
            assert db.session.execute(sa.select(Person.id).where(search_clause(idn))).scalar_one() == pid
            db.session.remove()
        with old.app_context():
            with pytest.raises(RuntimeError):
                crypto.decrypt(db.session.get(Person, pid).id_cipher)
            db.session.remove()


def raw_seed(user_id: int) -> str:
    """users.totp_secret as stored, bypassing the column type."""
    return db.session.execute(sa.text("SELECT totp_secret FROM users WHERE id = :i"), {"i": user_id}).scalar_one()


class TestTotpSeedAtRest:
    def test_seed_is_stored_encrypted_and_login_still_works(self, app):
        dept = f.department("东营区", kind="county")
        seed = pyotp.random_base32()
        user = f.user("seeded", roles=("hr",), department=dept)
        user.totp_secret, user.totp_enabled = seed, True
        db.session.commit()
        stored = raw_seed(user.id)
        assert stored.startswith("gAAAAA") and seed not in stored
        assert crypto.decrypt(stored) == seed
        db.session.expire_all()
        assert db.session.get(User, user.id).totp_secret == seed
        c = app.test_client()
        c.post("/login", data={"username": "seeded", "password": f.PASSWORD})
        resp = c.post("/login/2fa", data={"code": pyotp.TOTP(seed).now()})
        assert resp.status_code == 302 and "/login" not in resp.headers["Location"]


# ---- uploads ---------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def upload(data: bytes, name: str):
    from core.files import save_upload
    return save_upload(FileStorage(io.BytesIO(data), filename=name), owner_type="record", owner_id=1)


class TestUploads:
    def test_type_by_content_not_by_name(self, app, db):
        att = upload(PNG, "scan.pdf")
        assert att.mime == "image/png" and att.stored_name.endswith(".png") and att.original_name == "scan.pdf"
        assert upload(PDF, "evidence.png").mime == "application/pdf"

    @pytest.mark.parametrize("data, name", [(HTML, "evil.pdf"), (b"MZ\x90\x00" + b"\x00" * 60, "x.jpg"),
                                            (b"<svg onload=alert(1)>", "x.png"), (b"", "empty.pdf")])
    def test_other_content_refused(self, app, db, data, name):
        with pytest.raises(DomainError) as err:
            upload(data, name)
        assert err.value.code in ("bad_type", "empty_file")

    def test_size_limit_413(self, app, db, config):
        config(UPLOAD_MAX_BYTES=1000)
        with pytest.raises(DomainError) as err:
            upload(PDF + b"x" * 2000, "big.pdf")
        assert err.value.status == 413

    def test_random_names_outside_the_web_root(self, app, db):
        att = upload(PDF, "../../../etc/passwd.pdf")
        assert att.original_name == "passwd.pdf"
        stored = Path(app.config["UPLOAD_DIR"]) / att.stored_name
        assert stored.read_bytes() == PDF
        assert len(att.stored_name.split(".")[0]) == 32 and "passwd" not in att.stored_name
        static = Path(app.static_folder).resolve()
        assert static not in stored.resolve().parents
        assert Path(app.config["UPLOAD_DIR"]).resolve().is_relative_to(Path(app.config["INSTANCE_DIR"]).resolve())
        assert app.test_client().get(f"/static/{att.stored_name}").status_code == 404

    def test_served_as_attachment(self, app, db):
        from core.files import send_attachment
        att = upload(PDF, "证据.pdf")
        with app.test_request_context():
            resp = send_attachment(att)
            resp.direct_passthrough = False
            assert resp.headers["Content-Disposition"].startswith("attachment")
            assert resp.mimetype == "application/pdf" and resp.get_data() == PDF
        assert db.session.execute(sa.select(AuditEvent).filter_by(action="file_view")).first()

    def test_download_route_checks_scope(self, app, world, session_login):
        from core.files import save_upload
        att = save_upload(FileStorage(io.BytesIO(PDF), filename="a.pdf"), owner_type="record", owner_id=1,
                          person_id=world.id("people", "servant_own"))
        db.session.commit()
        with app.test_request_context():
            from flask import url_for
            url = url_for("file.attachment", attachment_id=att.id)
        ok = session_login(world.user("hr")).get(url)
        assert ok.status_code == 200 and ok.headers["Content-Disposition"].startswith("attachment")
        assert session_login(world.user("hr_hekou")).get(url).status_code == 404
        assert session_login(world.user("sysadmin")).get(url).status_code in (403, 404)


# ---- XSS corpus -------------------------------------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "{% print 7*7 %}",
    "</title><script>alert(2)</script>",
    "<a href=javascript:alert(3)>x</a>",
    "&lt;b&gt;已转义&lt;/b&gt;",
    "${7*7}<!--",
]
SPECIAL = set("<>\"'&")


def _check_escaped(html: str, payloads, where: str):
    for p in payloads:
        if SPECIAL & set(p):
            assert p not in html, f"{where}: raw payload {p!r}"


class TestXss:
    def test_corpus_through_every_core_free_text_field(self, app, world, session_login):
        from core.notify.services import notify
        from core.registry import services as registry
        hr = world.user("hr")
        parent = world.depts["东营区"]
        depts, people, users = [], [], []
        for i, p in enumerate(XSS):
            d = registry.create_department(name=p, parent=parent)
            depts.append(d)
            person = f.person(p[:50], department=d, post=p, rank=p[:50])
            people.append(person)
            users.append(f.user(f"xss{i}", roles=("servant",), person=person))
            users[-1].display_name = p[:64]
            notify(kind="xss", title=p, body=p, link=p, user=hr)
        db.session.commit()
        c = session_login(world.user("hr"))
        pages = ["/people?per_page=200", "/departments", "/notifications/", "/"]
        pages += [f"/people/{x.id}/registry" for x in people] + [f"/people/{x.id}/edit" for x in people]
        pages += [f"/departments/{d.id}/edit" for d in depts[:3]] + [f"/people/{people[0].id}/transfer"]
        seen = ""
        for path in pages:
            resp = c.get(path)
            assert resp.status_code == 200, path
            html = resp.get_data(as_text=True)
            _check_escaped(html, XSS, path)
            seen += html
        admin = session_login(world.user("sysadmin"))
        for path in ["/admin/users", f"/admin/users/{users[1].id}", "/departments"]:
            html = admin.get(path).get_data(as_text=True)
            _check_escaped(html, XSS, path)
            seen += html
        auditor = session_login(world.user("auditor"))
        html = auditor.get("/audit/").get_data(as_text=True)
        _check_escaped(html, XSS, "/audit/")
        seen += html
        for p in XSS:
            assert str(escape(p)) in seen, f"payload {p!r} never shown (as text)"
        assert "{{7*7}}" in seen and "{% print 7*7 %}" in seen      # shown, not evaluated

    def test_notification_link_cannot_be_javascript(self, app, world, session_login):
        from core.notify.services import notify
        n = notify(kind="xss", title="t", link="javascript:alert(1)", user=world.users["hr"])
        n2 = notify(kind="xss", title="t", link="//evil.example/x", user=world.users["hr"])
        db.session.commit()
        c = session_login(world.user("hr"))
        for nid in (n.id, n2.id):
            resp = c.post(f"/notifications/{nid}/open")
            assert resp.status_code == 302 and resp.headers["Location"].endswith("/notifications/")

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
    def test_corpus_in_pdfs_is_literal_text(self, app, tmp_path):
        from flask import render_template_string

        from core.pdf import render_html
        template = "<!doctype html><html><body>{% for p in payloads %}<p class=\"v\">[{{ p }}]</p>{% endfor %}</body></html>"
        payloads = [p for p in XSS if "<!--" not in p]
        with app.test_request_context():
            pdf = render_html(render_template_string(template, payloads=payloads))
        text = _pdftotext(pdf, tmp_path)
        compact = "".join(text.split())
        for p in payloads:
            assert "[" + "".join(p.split()) + "]" in compact, p


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    src = tmp_path / "x.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(src), "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode()


# ---- WeasyPrint URL fetcher ---------------------------------------------------------------------------

class _Listener:
    """A TCP listener that records whether anybody connected (the PDF renderer must not)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join(2)
        self.sock.close()


class TestPdfFetcher:
    def test_fetcher_refuses_file_and_network_urls(self, app):
        from core.pdf import url_fetcher
        for url in ("file:///etc/passwd", "http://127.0.0.1:9/x", "https://example.com/x", "ftp://x/y"):
            with pytest.raises(ValueError):
                url_fetcher().fetch(url)
        assert url_fetcher().fetch("data:text/plain,hello")

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
    def test_render_fetches_nothing_and_leaks_nothing(self, app, tmp_path):
        from core.pdf import qr_data_uri, render_html
        leak = tmp_path / "leak.css"
        leak.write_text('body::after { content: "LEAKED-FROM-FILE"; }')
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-CONTENT")
        listener = _Listener()
        try:
            html = f"""<!doctype html><html><head>
              <link rel="stylesheet" href="file://{leak}">
              <link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css">
              <style>@import url("http://127.0.0.1:{listener.port}/i.css"); @import url("file://{leak}");
                @font-face {{ font-family: x; src: url("http://127.0.0.1:{listener.port}/f.woff"); }}</style>
            </head><body><p>正文 body text</p>
              <img src="file:///etc/passwd"><img src="http://127.0.0.1:{listener.port}/x.png">
              <object data="file://{secret}"></object><embed src="file://{secret}">
              <iframe src="file://{secret}"></iframe>
              <img src="{qr_data_uri('ok')}"></body></html>"""
            pdf = render_html(html)
        finally:
            listener.close()
        assert pdf.startswith(b"%PDF-")
        assert listener.connections == 0
        text = _pdftotext(pdf, tmp_path)
        assert "正文" in text
        assert "LEAKED-FROM-FILE" not in text and "TOP-SECRET" not in text and "root:" not in text
