"""Verification links printed in PDFs and QR codes come from PUBLIC_BASE_URL, never from the
request's Host header (issue 17, item 13): a forged Host cannot plant a phishing address on an
official document."""
from __future__ import annotations

import subprocess

import pytest

from config import checked_public_base_url

BASE = "https://integrity.example.gov.cn"


def test_the_file_pdf_prints_the_configured_address_under_a_forged_host(app, world, session_login, config,
                                                                         tmp_path):
    config(PUBLIC_BASE_URL=BASE)
    hr = session_login(world.user("hr"))
    pid = world.id("people", "servant_own")
    hr.set_cookie("session", hr.get_cookie("session").value, domain="evil.example")   # the browser at the forged host
    resp = hr.get(f"/people/{pid}/file.pdf", base_url="http://evil.example", headers={"X-Forwarded-Host": "evil.example"})
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF-")
    path = tmp_path / "f.pdf"
    path.write_bytes(resp.data)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, timeout=60).stdout.decode()
    flat = "".join(text.split())
    assert f"{BASE}/verify/IA-" in flat
    assert "evil.example" not in flat and "evil.example" not in resp.data.decode("latin-1")


def test_verify_url_ignores_the_host_header_in_requests_and_jobs(app, config):
    from core.documents import verify_url
    config(PUBLIC_BASE_URL=BASE)
    with app.test_request_context("/", base_url="http://evil.example/"):
        assert verify_url("IA-1111-2222-3333") == f"{BASE}/verify/IA-1111-2222-3333"
    with app.app_context():                       # a worker: no request at all
        assert verify_url("IA-1111-2222-3333") == f"{BASE}/verify/IA-1111-2222-3333"


def test_the_batch_print_job_gets_the_configured_address(app, config, monkeypatch):
    from archive.reviews import printing
    seen = {}
    monkeypatch.setattr("core.jobs.enqueue", lambda *args, **kw: seen.setdefault("args", args))
    monkeypatch.setattr(printing.services, "visible_candidates", lambda user, review: [1])
    monkeypatch.setattr(printing, "record_event", lambda *a, **k: None)
    config(PUBLIC_BASE_URL=BASE)
    review = type("R", (), {"id": 5})()
    with app.test_request_context("/", base_url="http://evil.example/"):
        printing.start_batch(review, "zip", type("U", (), {"id": 1})(), "http://evil.example/")
    assert seen["args"][-1] == BASE


@pytest.mark.parametrize("bad", ["", "evil.example", "ftp://x", "https://", "https://a/?q=1", "https://u@evil/",
                                 "javascript:alert(1)"])
def test_a_malformed_public_base_url_refuses_to_start(bad):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        checked_public_base_url(bad)


def test_make_run_sets_it_to_its_own_address():
    from pathlib import Path
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:5000} $(FLASK) run --host 127.0.0.1 --port 5000" in makefile
    assert checked_public_base_url("http://127.0.0.1:5000/") == "http://127.0.0.1:5000"
