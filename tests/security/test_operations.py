"""Operations (SECURITY.md "Operations"): bandit finds no high-severity issue; the security
script reports an unreachable vulnerability database as SKIPPED, never as passed; the
backup and restore drill keeps every row and the audit chain head."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.audit.models import AuditEvent
from core.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_no_high_severity_issue():
    proc = subprocess.run([sys.executable, "-m", "bandit", "-r", "core", "archive", "training", "-c",
                           "pyproject.toml", "-f", "json", "-q"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    report = json.loads(proc.stdout)
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
            for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert not high, "\n".join(high)
    assert not report.get("errors"), report["errors"]


@pytest.mark.parametrize("strict, code", [("0", 0), ("1", 3)])
def test_unreachable_vulnerability_database_is_skipped_not_passed(strict, code):
    env = {**os.environ, "SECURITY_CHECKS": "pip-audit", "PIP_AUDIT_PROBE_URL": "http://127.0.0.1:9/",
           "SECURITY_STRICT": strict, "PY": sys.executable}
    proc = subprocess.run(["bash", "scripts/security-checks.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert "pip-audit: SKIPPED (vulnerability database unreachable)" in proc.stdout
    assert "pip-audit: passed" not in proc.stdout
    assert proc.returncode == code


_AUDIT_ANSWERS = {
    "clean": (0, "No known vulnerabilities found\n"),
    "vulnerable": (1, "Found 1 known vulnerability in 1 package\nName  Version ID             Fix Versions\n"
                      "----- ------- -------------- ------------\nflask 0.12    PYSEC-2019-179 1.0\n"),
    "vulnerable_and_flaky": (1, "WARNING: Retrying after ConnectionError: Max retries exceeded\n"
                                "Found 2 known vulnerabilities in 1 package\n"),
    "network": (1, "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org'): Max retries\n"),
    "unaudited": (1, "ERROR:pip_audit._cli:Flask: Dependency not found on PyPI and could not be audited: "
                     "flask (3.1.3)\n"),
}


@pytest.mark.parametrize("answer, code, line", [
    ("clean", 0, "pip-audit: passed"),
    ("vulnerable", 1, "pip-audit: FAILED (Found 1 known vulnerability in 1 package)"),
    ("vulnerable_and_flaky", 1, "pip-audit: FAILED (Found 2 known vulnerabilities in 1 package)"),
    ("network", 0, "pip-audit: SKIPPED (vulnerability database unreachable)"),
    ("unaudited", 0, "pip-audit: SKIPPED (vulnerability data unavailable for: flask (3.1.3))"),
])
def test_pip_audit_findings_fail_and_unreachable_data_is_skipped(tmp_path, answer, code, line):
    """The script's verdict on each kind of pip-audit answer: a finding fails the run (exit 1)
    even when the output also shows network trouble; only a clean, complete audit is "passed".
    ``PY`` is a stand-in that answers ``-m pip_audit`` like pip-audit would and runs the
    database probe with the real interpreter (probing a local file, so it succeeds offline)."""
    rc, out = _AUDIT_ANSWERS[answer]
    fake, answer_file = tmp_path / "python", tmp_path / "answer.txt"
    answer_file.write_text(out)
    fake.write_text(f"""#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "pip_audit" ]; then
  cat "{answer_file}"
  case " $* " in *" --strict "*) ;; *) echo "not strict" ; exit 9 ;; esac
  exit {rc}
fi
exec {sys.executable} "$@"
""")
    fake.chmod(0o755)
    env = {**os.environ, "SECURITY_CHECKS": "pip-audit", "PIP_AUDIT_PROBE_URL": f"file://{fake}",
           "SECURITY_STRICT": "0", "PY": str(fake)}
    proc = subprocess.run(["bash", "scripts/security-checks.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    summary = proc.stdout.split("== security checks ==")[-1]
    assert line in summary, proc.stdout + proc.stderr
    assert proc.returncode == code
    if code == 1 or "SKIPPED" in line:
        assert "pip-audit: passed" not in summary


# ---- backup and restore drill (docs/backup.md) -----------------------------------------------------------

def _snapshot(connection) -> dict:
    tables = sorted(db.metadata.tables)
    counts = {t: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608
    head = connection.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
                              ).first()
    return {"counts": counts, "head": tuple(head) if head else None}


def test_backup_and_restore_keep_rows_and_audit_head(app, world, database_url, make_app, tmp_path, config):
    from tests.security.test_auth import login
    witness = tmp_path / "audit-witness.log"
    config(AUDIT_WITNESS_PATH=str(witness))
    login(app.test_client(), "hr", "wrong")           # a few more audit events, witnessed
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    assert "\tC\t" not in witness.read_text() and "\nC\t" in witness.read_text()
    with db.engine.connect() as conn:
        before = _snapshot(conn)
    assert before["counts"]["people"] == 7 and before["head"] is not None
    if db.engine.dialect.name == "postgresql":
        restored_url, cleanup = _pg_dump_restore(database_url, tmp_path)
    else:
        restored_url, cleanup = _sqlite_backup_restore(database_url, tmp_path), None
    try:
        engine = sa.create_engine(restored_url)
        with engine.connect() as conn:
            after = _snapshot(conn)
        engine.dispose()
        assert after == before
        restored = make_app(SQLALCHEMY_DATABASE_URI=restored_url, AUDIT_WITNESS_PATH=str(witness))
        with restored.app_context():
            result = restored.test_cli_runner().invoke(args=["audit", "verify"])
            db.session.remove()
        assert result.exit_code == 0, result.output
        assert "见证文件" in result.output and "一致" in result.output
        # the live database goes on; a later restore of the same (now old) dump is a rollback and is named
        login(app.test_client(), "hr", "wrong again")
        db.session.commit()
        with restored.app_context():
            result = restored.test_cli_runner().invoke(args=["audit", "verify"])
            db.session.remove()
        assert result.exit_code == 1 and f"#{before['head'][0] + 1}" in result.output, result.output
    finally:
        if cleanup:
            cleanup()


def _sqlite_backup_restore(url: str, tmp_path: Path) -> str:
    """SQLite online backup API (what `sqlite3 integrity.db ".backup backup.db"` does)."""
    source = url.split("sqlite:///", 1)[1]
    backup, restored = tmp_path / "backup.db", tmp_path / "restored.db"
    with sqlite3.connect(source) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    with sqlite3.connect(backup) as src, sqlite3.connect(restored) as dst:     # restore = copy back
        src.backup(dst)
    return f"sqlite:///{restored}"


def _pg_dump_restore(url: str, tmp_path: Path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    import psycopg
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    server, _ = plain.rsplit("/", 1)
    dump = tmp_path / "integrity.dump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), "-d", plain], check=True, timeout=300,
                   capture_output=True)
    name = f"ia_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    proc = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", f"{server}/{name}", str(dump)],
                          timeout=300, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr

    def cleanup():
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    restored = f"postgresql+psycopg://{server.split('://', 1)[1]}/{name}"
    # the append-only trigger comes back with the data
    engine = sa.create_engine(restored)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'audit_events_no_change'")
                            ).scalar_one() == 1
    engine.dispose()
    return restored, cleanup
