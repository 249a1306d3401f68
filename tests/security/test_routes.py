"""Every route is accounted for, and the access matrix holds (SECURITY.md "Access").

- each view carries an access rule (``require_roles``, ``login_required`` /
  ``fresh_login_required``, ``@public`` or ``api_route``);
- each (endpoint, method, URL rule) has rows for all six roles in some tests/**/access_rows.py;
- every row gives exactly its expected status (zero unexpected 2xx; out of scope is 404);
- lists and searches return exactly the visible set (id sets), with /1/ vs /10/ departments.
"""
from __future__ import annotations

import os
import re
import time

import flask_login.utils as flu
import pytest
from flask import url_for

from core import crypto
from core.extensions import db
from tests.security.access_matrix import collect, endpoint_methods, pick_rule, prepare, url_values
from tests.security.world import ROLES

_LOGIN_CODES = {flu.login_required(lambda: None).__code__: "login_required",
                flu.fresh_login_required(lambda: None).__code__: "fresh_login_required"}


def access_rule(view) -> str | None:
    """The access marker of a view function, looking through its decorator chain."""
    fn = view
    while fn is not None:
        if getattr(fn, "__api_doc__", None) is not None:
            return "api_public" if fn.__api_doc__.get("public") else "api"
        if getattr(fn, "__roles__", None):
            return "roles"
        if getattr(fn, "__public__", False):
            return "public"
        if getattr(fn, "__login__", False) or getattr(fn, "__code__", None) in _LOGIN_CODES:
            return "login"
        fn = getattr(fn, "__wrapped__", None)
    return None


def test_every_view_has_an_access_rule(app):
    missing = sorted(ep for ep, view in app.view_functions.items()
                     if ep != "static" and not ep.endswith(".static") and access_rule(view) is None)
    assert not missing, ("views without @require_roles / @login_required / @public / api_route:\n  "
                         + "\n  ".join(missing))


def test_api_views_without_roles_are_closed_to_system_roles(app):
    """An API view without ``roles=`` is open to every token holder unless its own scope check
    refuses: its rows must show that sysadmin and auditor tokens get no 2xx on other people's
    objects (separation of duties; their own objects, such as their own jobs, are fine)."""
    loose = {ep for ep, view in app.view_functions.items()
             if getattr(view, "__api_doc__", None) is not None
             and not view.__api_doc__.get("roles") and not view.__api_doc__.get("public")}
    problems = []
    rows = collect().rows
    for ep in sorted(loose):
        mine = [r for r in rows if r.endpoint == ep and r.role in ("sysadmin", "auditor")]
        if not mine:
            problems.append(f"{ep}: no rows for sysadmin/auditor")
        elif any(200 <= s < 300 for r in mine for s in r.expect
                 if r.relation in ("same_subtree", "other_subtree", "parent_department")):
            problems.append(f"{ep}: the matrix lets a system role in")
    assert not problems, "API views without roles=(...):\n  " + "\n  ".join(problems)


def test_every_endpoint_has_rows_for_every_role(app):
    matrix = collect()
    have: dict[tuple, set] = {}
    rules_seen = set()
    for row in matrix.rows:
        have.setdefault((row.endpoint, row.method), set()).add(row.role)
        try:
            rules_seen.add((pick_rule(app, row).rule, row.method))
        except LookupError:
            pass
    problems = []
    for endpoint, method in sorted(endpoint_methods(app)):
        roles = have.get((endpoint, method), set())
        if not roles:
            problems.append(f"{method:6} {endpoint}: no rows")
        elif set(ROLES) - roles:
            problems.append(f"{method:6} {endpoint}: no rows for {sorted(set(ROLES) - roles)}")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.rule, method) not in rules_seen and have.get((rule.endpoint, method)):
                problems.append(f"{method:6} {rule.rule} ({rule.endpoint}): this URL form has no rows")
    if problems:
        pytest.fail(f"{len(problems)} endpoints without access-matrix rows (add them to your package's "
                    "tests/<package>/access_rows.py, format in tests/security/access_matrix.py):\n  "
                    + "\n  ".join(problems), pytrace=False)


def test_rows_name_existing_endpoints(app):
    served = endpoint_methods(app)
    stale = sorted({f"{r.method} {r.endpoint} ({r.source})" for r in collect().rows
                    if (r.endpoint, r.method) not in served})
    assert not stale, "rows for endpoints the application does not serve:\n  " + "\n  ".join(stale)


def _modules():
    return collect().modules


@pytest.mark.parametrize("module", _modules())
def test_access_matrix(app, world, module):
    """Every row of one access_rows module gives exactly its expected status."""
    matrix = prepare(world)
    served = endpoint_methods(app)
    api_client = app.test_client()
    page_clients: dict[str, tuple] = {}
    failures, unexpected_2xx = [], []
    for row in _rows_to_request(r for r in matrix.rows if r.source == module):
        if (row.endpoint, row.method) not in served:
            continue
        try:
            rule = pick_rule(app, row)
            values = url_values(rule, row, world, matrix.args_for(row.source))
        except (LookupError, KeyError) as exc:
            failures.append(f"{row.source}: {exc}")
            continue
        with app.test_request_context():
            url = url_for(row.endpoint, _method=row.method, **values, **(row.query or {}))
        view = app.view_functions[row.endpoint]
        kwargs = {"method": row.method}
        if row.json is not None:
            kwargs["json"] = row.json
        elif row.data is not None:
            kwargs["data"] = row.data
        if getattr(view, "__api_doc__", None) is not None:
            client = api_client
            if row.role != "anonymous":
                kwargs["headers"] = {"Authorization": f"Bearer {world.tokens[row.role]}"}
        elif row.role == "anonymous":
            client = app.test_client()
        else:
            client = _page_client(app, world, row.role, page_clients)
        resp = client.open(url, **kwargs)
        db.session.rollback()
        if resp.status_code not in row.expect:
            line = (f"{row.method:6} {url:45} {row.role:9} {row.relation or '-':17} "
                    f"got {resp.status_code}, expected {'/'.join(map(str, row.expect))}  [{row.endpoint}]")
            (unexpected_2xx if 200 <= resp.status_code < 300 else failures).append(line)
    message = ""
    if unexpected_2xx:
        message += "UNEXPECTED 2xx (access granted where the matrix says no):\n  " + "\n  ".join(unexpected_2xx)
    if failures:
        message += "\nother differences from the matrix:\n  " + "\n  ".join(failures)
    if message:
        pytest.fail(message, pytrace=False)


FULL = os.environ.get("ACCESS_MATRIX_FULL", "") not in ("", "0")
SAMPLE = ("own", "other_subtree")


def _rows_to_request(rows):
    """All rows, except that a role answered the same for all five relations (a role check
    before any lookup: 403, or the login redirect) is requested for ``own`` and
    ``other_subtree`` only; ACCESS_MATRIX_FULL=1 requests every row (nightly)."""
    rows = list(rows)
    if FULL:
        return rows
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row.endpoint, row.method, row.role, row.json is None, row.data is None), []).append(row)
    keep = []
    for group in groups.values():
        constant = len(group) == 5 and len({r.expect for r in group}) == 1 and not any(
            200 <= s < 300 for s in group[0].expect)
        keep.extend(r for r in group if not constant or r.relation in SAMPLE)
    return keep


def _page_client(app, world, role, cache):
    """One logged-in client per role, logged in again when the user's session token changed."""
    from tests.conftest import _session_identifier
    user = world.user(role)
    cached = cache.get(role)
    if cached and cached[1] == user.session_token:
        return cached[0]
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_id"] = _session_identifier(client)
        sess["_fresh"] = True
        sess["mfa"] = True
        sess["login_at"] = sess["last_seen"] = time.time()
    cache[role] = (client, user.session_token)
    return client


# ---- lists and searches return exactly the visible set ------------------------------------------

EVERYONE_IN_DONGYING_CITY = {"servant_own", "hr_own", "same_subtree", "other_subtree", "parent_department",
                             "committee_own"}
VISIBLE = {
    "hr": {"servant_own", "hr_own", "same_subtree"},
    "hr_city": EVERYONE_IN_DONGYING_CITY,          # /1/ ... but never 孙丽 under /10/
    "hr_hekou": {"other_subtree"},
    "hr_binzhou": {"binzhou"},
    "servant": {"servant_own"},
    "committee": set(),
}


def _ids(world, keys) -> set[int]:
    return {world.people[k].id for k in keys}


def _page_person_ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'href="/people/(\d+)"', html)}


@pytest.mark.parametrize("who", ["hr", "hr_city", "hr_hekou", "hr_binzhou"])
def test_people_page_lists_exactly_the_visible_set(world, session_login, who):
    html = session_login(world.users[who]).get("/people?per_page=200").get_data(as_text=True)
    assert _page_person_ids(html) == _ids(world, VISIBLE[who])


@pytest.mark.parametrize("who", ["hr", "hr_city", "hr_hekou", "hr_binzhou", "servant", "committee"])
def test_people_api_lists_exactly_the_visible_set(app, world, who):
    from core.accounts.tokens import create_token
    token = create_token(world.users[who], "list")
    db.session.commit()
    resp = app.test_client().get("/api/v1/people?per_page=500&status=active",
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert {p["id"] for p in body["items"]} == _ids(world, VISIBLE[who])
    assert body["total"] == len(VISIBLE[who])


def _full_id(person) -> str:
    return crypto.decrypt(person.id_cipher)


@pytest.mark.parametrize("who, query_key, visible", [
    ("hr_city", "binzhou", False),            # '/1/' must not match '/10/11/'
    ("hr_binzhou", "binzhou", True),
    ("hr_binzhou", "parent_department", False),
    ("hr", "other_subtree", False),
    ("hr", "servant_own", True),
])
def test_search_by_name_and_id_number_stays_in_scope(app, world, session_login, who, query_key, visible):
    from core.accounts.tokens import create_token
    person = world.people[query_key]
    expected = {person.id} if visible else set()
    client = session_login(world.users[who])
    token = create_token(world.users[who], "search")
    db.session.commit()
    for q in (person.name, _full_id(person)):
        assert _page_person_ids(client.get("/people", query_string={"q": q}).get_data(as_text=True)) == expected
        resp = app.test_client().get("/api/v1/people", query_string={"q": q},
                                     headers={"Authorization": f"Bearer {token}"})
        assert {p["id"] for p in resp.get_json()["items"]} == expected


def test_department_filter_outside_scope_finds_nothing(app, world, session_login):
    from core.accounts.tokens import create_token
    other = world.depts["河口区"].id
    assert session_login(world.users["hr"]).get(f"/people?department_id={other}").status_code == 404
    token = create_token(world.users["hr"], "filter")
    db.session.commit()
    resp = app.test_client().get(f"/api/v1/people?department_id={other}",
                                 headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.get_json()["items"] == []


@pytest.mark.parametrize("who, names", [
    ("hr", {"东营区", "文汇街道", "史口镇"}),
    ("hr_city", {"东营市", "东营区", "文汇街道", "史口镇", "河口区", "六合街道", "垦利区", "利津县", "广饶县"}),
    ("hr_binzhou", {"滨州市", "滨城区"}),
])
def test_department_lists_are_exactly_the_subtree(app, world, session_login, who, names):
    from core.accounts.tokens import create_token
    expected = {world.depts[n].id for n in names}
    html = session_login(world.users[who]).get("/departments").get_data(as_text=True)
    assert {int(x) for x in re.findall(r'href="/departments/(\d+)/edit"', html)} == expected
    token = create_token(world.users[who], "depts")
    db.session.commit()
    resp = app.test_client().get("/api/v1/departments?per_page=500", headers={"Authorization": f"Bearer {token}"})
    assert {d["id"] for d in resp.get_json()["items"]} == expected


def test_sysadmin_sees_every_department_but_no_person(app, world, session_login):
    c = session_login(world.users["sysadmin"])
    html = c.get("/departments").get_data(as_text=True)
    assert {int(x) for x in re.findall(r'href="/departments/(\d+)/edit"', html)} == {
        d.id for d in world.depts.values()}
    assert "张伟" not in html
