"""Out-of-range and garbage integers in the query string of any page (issue 17, item 14):
`/pledges?template_id=3000000000`, `/audit/?person_id=`, `page=` … never answer 500.

Every GET page (and API list) is requested by every business role with every query parameter
the code reads (found in the source: ``args.get("name"``) set to a huge, a negative, a
64-bit-overflowing and a garbage value. The central fix is core/safe_args.py."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.extensions import db
from core.safe_args import SafeParams, safe_int
from tests.security.access_matrix import prepare
from tests.security.test_headers import _build

ROOT = Path(__file__).resolve().parents[2]
BAD = ("3000000000", "99999999999999999999999", "-3000000000", "abc", "")
#: what breaks each database: beyond INTEGER on PostgreSQL, beyond 64 bits on SQLite
SLOW = (".pdf", ".zip", ".xlsx", ".csv", "/print", "/export")


def query_names() -> list[str]:
    names = {"page", "per_page", "person_id", "template_id", "department_id", "year"}
    for path in [*ROOT.glob("core/**/*.py"), *ROOT.glob("archive/**/*.py"), *ROOT.glob("training/**/*.py")]:
        names.update(re.findall(r"args\.get(?:list)?\(\s*[\"']([a-z_]+)[\"']", path.read_text()))
    names.discard("next")           # a redirect target, not a number (its own tests)
    return sorted(names)


def test_safe_params_drop_integers_no_column_can_hold():
    p = SafeParams([("a", "3000000000"), ("b", "-12"), ("c", "x"), ("d", "2147483647"), ("l", "1"), ("l", "9" * 30)])
    assert p.get("a", type=int) is None and p.get("a", 7, type=int) == 7
    assert p.get("b", type=int) == -12 and p.get("c", type=int) is None and p.get("d", type=int) == 2**31 - 1
    assert p.getlist("l", type=int) == [1]
    assert p.get("a") == "3000000000"          # strings untouched
    assert [safe_int(v) for v in ("12", " 3 ", "3000000000", "x", None, True, 5)] == [12, 3, None, None, None, None, 5]


def test_every_get_page_survives_bad_integers_in_every_query_parameter(app, world, session_login):
    matrix = prepare(world)
    names = query_names()
    assert {"template_id", "person_id", "page", "department_id"} <= set(names)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    opens = {(r.endpoint, r.role) for r in matrix.rows if r.method == "GET" and any(200 <= x < 300 for x in r.expect)}
    errors, checked = [], 0
    for role in ("hr", "servant", "committee", "auditor", "sysadmin"):
        client = session_login(world.user(role))
        for rule in rules:
            if (rule.endpoint, role) not in opens or rule.rule.endswith("openapi.json"):
                continue
            url = _build(app, world, matrix, role, rule)
            slow = any(s in url for s in SLOW)
            if slow and role != "hr":
                continue
            worst = "3000000000" if db.engine.dialect.name == "postgresql" else "99999999999999999999999"
            values = (worst,) if role != "hr" or slow else BAD
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if url.startswith("/api/") else {}
            for value in values:
                query = "&".join(f"{n}={value}" for n in names)
                full = f"{url}{'&' if '?' in url else '?'}{query}"
                try:
                    status = client.get(full, headers=headers).status_code
                except Exception as exc:  # noqa: BLE001 - the test app propagates what would be a 500
                    status = f"{type(exc).__name__}: {str(exc)[:80]}"
                db.session.rollback()
                checked += 1
                if not isinstance(status, int) or status >= 500:
                    errors.append(f"{role:9} GET {url} [{value}] -> {status}")
    assert checked > 150
    assert not errors, "pages answering 5xx to bad integers:\n  " + "\n  ".join(errors)


@pytest.mark.parametrize("url", ["/pledges?template_id=3000000000", "/audit/?person_id=3000000000",
                                 "/audit/?person_id=", "/people?page=99999999999999999999",
                                 "/people?department_id=-3000000000"])
def test_the_reported_urls(app, world, session_login, url):
    role = "auditor" if url.startswith("/audit") else "hr"
    assert session_login(world.user(role)).get(url).status_code < 500
