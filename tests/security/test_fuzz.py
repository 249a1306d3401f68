"""Hypothesis fuzzing of every API operation of the OpenAPI document and of the main forms
(SECURITY.md "Requests"): zero answers >= 500, the error shape on every 4xx, and no invalid
value stored.

Depth and time:

- FUZZ_EXAMPLES (default 200): examples per API operation; operations that render PDFs or
  spreadsheets get at most FUZZ_HEAVY_EXAMPLES (default 20).
- FUZZ_SECONDS (default 35): a time box for all API operations together, so `make test`
  stays fast on two cores: each operation gets an equal share of what is left, and its
  example count is cut to what fits (never below FUZZ_MIN_EXAMPLES, default 20) using the
  measured time per request. FUZZ_SECONDS=0 removes the box: every operation then gets its
  full FUZZ_EXAMPLES (the nightly run: ``FUZZ_SECONDS=0 pytest tests/security/test_fuzz.py``).
- Every HTML form (found on the pages the access rows open) gets up to FUZZ_FORM_EXAMPLES
  (default 60) posts, time-boxed by FUZZ_FORM_SECONDS (default 12; 0 = no box); the login
  and person forms get extra, targeted examples (person 30; login 12, each try costs an argon2).
- FUZZ_FULL=1 (``make fuzz``, nightly) is the full depth SECURITY.md asks for: no time box and
  FUZZ_EXAMPLES (200) for every API operation, heavy ones included, every form and the main
  forms. A target reported with fewer examples had a search space Hypothesis exhausted (it
  stops when every distinct input it can generate was sent).
- Rotation (the time-boxed run of ``make test``): examples are drawn from FUZZ_SEED (default:
  today's date), so each day sends other requests, and each day one FUZZ_ROTATION-th (default
  1/7) of the API operations and one FUZZ_FORM_ROTATION-th (default 1/30) of the forms, chosen
  by the seed, get their full FUZZ_EXAMPLES ahead of the time box while the others share the
  box (at least FUZZ_MIN_EXAMPLES=20 / FUZZ_MIN_FORM_EXAMPLES=5 each). Over the rotation every
  operation and every form gets the full depth in ``make test`` too. The seed is printed: ``FUZZ_SEED=<n>`` replays a day.

Bodies come from the operation's JSON schema (mostly valid, sometimes with one field
replaced by junk) or are plain junk; path ids are mostly ids that exist in the world (so
the deep code runs), sometimes junk. No shrinking: the first failing request is reported
as it was sent. The number of examples each operation got is printed (pytest -s).
"""
from __future__ import annotations

import io
import json
import os
import re
import time
import zlib
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from core import clock, crypto
from core.changes import PERSON, SHARED, changed
from core.extensions import db
from core.registry.codes import CodeError, parse_id_number, parse_uscc
from core.registry.models import Department, Person
from tests.security.access_matrix import prepare

FULL = os.environ.get("FUZZ_FULL", "") == "1"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 200))
HEAVY_EXAMPLES = int(os.environ.get("FUZZ_HEAVY_EXAMPLES", EXAMPLES if FULL else 20))
SECONDS = float(os.environ.get("FUZZ_SECONDS", 0 if FULL else 35))
MIN_EXAMPLES = int(os.environ.get("FUZZ_MIN_EXAMPLES", 20))
FORM_EXAMPLES = int(os.environ.get("FUZZ_FORM_EXAMPLES", EXAMPLES if FULL else 60))
SEED = int(os.environ.get("FUZZ_SEED") or clock.today().toordinal())
ROTATION = max(1, int(os.environ.get("FUZZ_ROTATION", 7)))
FORM_ROTATION = max(1, int(os.environ.get("FUZZ_FORM_ROTATION", 30)))   # a form post costs ~3x an API call
HEAVY = re.compile(r"\.pdf|/print|/download|/export|/imports|/template|certificate", re.I)

SETTINGS = dict(deadline=None, database=None, derandomize=False, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck), print_blob=False)


def target_seed(name: str) -> int:
    """The Hypothesis seed of one target: the run's FUZZ_SEED and the target's name."""
    return SEED * 1_000_003 + zlib.crc32(name.encode())


def in_focus(names: list[str], rotation: int = ROTATION) -> set[str]:
    """The targets that get their full example count in today's time-boxed run: the sorted targets
    are dealt into ``rotation`` groups; the seed picks one group, so every target comes up every
    ``rotation`` seeds (days)."""
    return {name for i, name in enumerate(sorted(names)) if i % rotation == SEED % rotation}


# ---- strategies --------------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
NASTY_TEXT = st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800"[:0] + "\u202e", "0" * 300, "null", "-1",
                              "<script>", "' OR 1=1 --", "../../etc/passwd", "１２３", "2026-02-30",
                              "9999-12-31", "0000-00-00", "1e309", "NaN", "true", "{}", "[]", "%00", "\t\n"])
JUNK_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                        TEXT, NASTY_TEXT)
JUNK = st.recursive(JUNK_SCALAR, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
                    max_leaves=8)


def _ref(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[1], {})   # unresolvable: anything goes
    return schema


def from_schema(schema: dict, components: dict, depth: int = 0):
    """A strategy of (mostly) valid values for a JSON schema (the subset pydantic emits)."""
    schema = _ref(schema, components)
    if depth > 4:
        return st.none()
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, components, depth + 1) for s in schema[key]])
    if "allOf" in schema and schema["allOf"]:
        return from_schema(schema["allOf"][0], components, depth + 1)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    t = schema.get("type")
    if isinstance(t, list):
        return st.one_of([from_schema({**schema, "type": x}, components, depth + 1) for x in t])
    if t == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return st.dates(date(1940, 1, 1), date(2035, 12, 31)).map(str)
        if fmt == "date-time":
            return st.datetimes().map(lambda d: d.isoformat() + "+08:00")
        lo, hi = schema.get("minLength", 0), min(schema.get("maxLength", 60), 120)
        return st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=lo,
                                 max_size=max(lo, hi)),
                         st.from_regex(r"\A[0-9]{17}[0-9X]\Z") if hi >= 18 else st.just("x" * max(lo, 1)))
    if t == "integer":
        lo, hi = schema.get("minimum", -5), schema.get("maximum", 10**6)
        return st.integers(lo, hi)
    if t == "number":
        return st.floats(schema.get("minimum", -1e6), schema.get("maximum", 1e6), allow_nan=False)
    if t == "boolean":
        return st.booleans()
    if t == "null":
        return st.none()
    if t == "array":
        return st.lists(from_schema(schema.get("items", {}), components, depth + 1), max_size=4)
    if t == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        req = {k: from_schema(v, components, depth + 1) for k, v in props.items() if k in required}
        opt = {k: from_schema(v, components, depth + 1) for k, v in props.items() if k not in required}
        return st.fixed_dictionaries(req, optional=opt)
    return JUNK


def body_strategy(schema: dict, components: dict):
    valid = from_schema(schema, components)
    props = list(_ref(schema, components).get("properties", {}))

    def spoil(base):
        if not props:
            return st.just(base)
        return st.tuples(st.sampled_from(props), JUNK).map(lambda kv: {**base, kv[0]: kv[1]})

    return st.one_of(valid, valid.flatmap(spoil), JUNK, st.dictionaries(TEXT, JUNK, max_size=5))


def param_strategy(param: dict, components: dict, ids: list[int]):
    schema = param.get("schema", {})
    if param["in"] == "path":
        if schema.get("type") == "integer":
            return st.one_of(st.sampled_from(ids), st.sampled_from(ids), st.integers(-3, 2**64).map(str),
                             NASTY_TEXT)
        return st.one_of(TEXT, NASTY_TEXT)
    return st.one_of(from_schema(schema, components).map(_query_value), TEXT, NASTY_TEXT)


def _query_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


# ---- the test --------------------------------------------------------------------------------------------

def _operations(doc):
    for path, item in sorted(doc["paths"].items()):
        for method, op in sorted(item.items()):
            if path.endswith("/openapi.json"):
                continue
            yield method.upper(), path, op


def _check_answer(resp, where: str) -> str | None:
    if resp.status_code >= 500:
        return f"{where} -> {resp.status_code}"
    if resp.status_code >= 400:
        data = resp.get_json(silent=True)
        if not (isinstance(data, dict) and isinstance(data.get("error"), dict)
                and {"code", "message", "fields"} <= set(data["error"])):
            return f"{where} -> {resp.status_code} without the error shape: {resp.get_data(as_text=True)[:200]!r}"
    return None


def _fuzz_operation(client, method: str, path: str, op: dict, components: dict, ids: list, tokens: list,
                    n: int) -> tuple[int, str | None]:
    """Run ``n`` examples against one operation; (requests sent, first problem or None)."""
    params = op.get("parameters", [])
    content = op.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    multipart = "multipart/form-data" in content
    sent = [0]

    @seed(target_seed(f"{method} {path}"))
    @settings(max_examples=n, **SETTINGS)
    @given(data=st.data())
    def run(data):
        url, query = path, {}
        for p in params:
            value = data.draw(param_strategy(p, components, ids), label=p["name"])
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", quote(str(value), safe="") or "x")
            elif data.draw(st.booleans(), label=f"send {p['name']}"):
                query[p["name"]] = value
        token = data.draw(st.sampled_from(tokens), label="token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        kwargs = {"query_string": query, "headers": headers}
        if multipart:
            kwargs["data"] = {"file": (io.BytesIO(data.draw(st.binary(max_size=200))), "x.xlsx")}
        elif body_schema is not None or method in ("POST", "PATCH", "PUT"):
            body = data.draw(body_strategy(body_schema or {}, components), label="body")
            kwargs["headers"] = {**headers, "Content-Type": "application/json"}
            if data.draw(st.integers(0, 19), label="raw") == 0:
                kwargs["data"] = data.draw(st.sampled_from(["{", "null", "[1,2]", "\"x\"", "{\"a\":NaN}"]))
            else:
                kwargs["data"] = json.dumps(body, ensure_ascii=data.draw(st.booleans()))
        resp = client.open(url, method=method, **kwargs)
        db.session.rollback()
        sent[0] += 1
        problem = _check_answer(resp, f"{method} {url} {query} {str(kwargs.get('data'))[:300]}")
        if problem:
            raise AssertionError(problem)

    try:
        run()
    except AssertionError as exc:
        return sent[0], str(exc).splitlines()[0]
    return sent[0], None


class Budget:
    """Share FUZZ_SECONDS-like time between the remaining targets using the measured request time."""

    def __init__(self, seconds: float, targets: int):
        self.seconds, self.left, self.started = seconds, targets, time.perf_counter()
        self.requests, self.spent = 0, 0.0

    def examples(self, wanted: int, floor: int, focus: bool = False) -> int:
        if self.seconds <= 0 or focus:
            return wanted
        share = (self.seconds - (time.perf_counter() - self.started)) / max(self.left, 1)
        per_request = self.spent / self.requests if self.requests else 0.02
        return max(min(wanted, floor), min(wanted, int(share / per_request)))

    def record(self, requests: int, spent: float) -> None:
        self.left -= 1
        self.requests += requests
        self.spent += spent


def test_fuzz_every_api_operation(app, world):
    client = app.test_client()
    prepare(world)
    doc = client.get("/api/v1/openapi.json").get_json()
    components = doc.get("components", {}).get("schemas", {})
    ids = sorted({*world.ids.values(), 1, 2, 3, 10, 987654})
    tokens = [world.tokens["hr"]] * 4 + [world.tokens[r] for r in ("servant", "committee", "sysadmin")] + [None]
    operations = list(_operations(doc))
    assert len(operations) >= 6
    focus = in_focus([f"{m} {p}" for m, p, _op in operations]) if SECONDS > 0 else set()
    # today's focus first: it gets its full count; the others share what is left of the time box
    operations.sort(key=lambda o: f"{o[0]} {o[1]}" not in focus)
    budget = Budget(SECONDS, len(operations))
    failures, report = [], []
    for method, path, op in operations:
        deep = f"{method} {path}" in focus
        wanted = EXAMPLES if deep else HEAVY_EXAMPLES if HEAVY.search(path) else EXAMPLES
        n = budget.examples(wanted, MIN_EXAMPLES, focus=deep)
        started = time.perf_counter()
        sent, problem = _fuzz_operation(client, method, path, op, components, ids, tokens, n)
        budget.record(sent, time.perf_counter() - started)
        report.append(f"  {sent:4d} examples {method} {path}{' (focus)' if deep else ''}"
                      f"{'' if problem or sent >= n else ' (search space exhausted)'}")
        if problem:
            failures.append(problem)
    print(f"\nAPI fuzzing: {budget.requests} requests over {len(operations)} operations in {budget.spent:.0f} s "
          f"(FUZZ_SEED={SEED}, FUZZ_EXAMPLES={EXAMPLES}, FUZZ_HEAVY_EXAMPLES={HEAVY_EXAMPLES}, "
          f"FUZZ_SECONDS={SECONDS:g}, focus {len(focus)}/{len(operations)})\n" + "\n".join(report))
    assert_stored_values_valid()
    assert not failures, "fuzzing found answers >= 500 or without the error shape:\n  " + "\n  ".join(failures)


INT32 = 2**31


def column_problems() -> list[str]:
    """Every value of every table fits its column: an enum code of its enum, a string within its
    length and free of NUL and lone surrogates, an Integer within 32 bits (SQLite stores what
    PostgreSQL would refuse, so the SQLite run must look), text that pydantic/WTForms trimmed."""
    import sqlalchemy as sa
    problems = []
    for table in db.metadata.sorted_tables:
        columns = [sa.type_coerce(c, sa.String).label(c.name) if isinstance(c.type, sa.Enum) else c
                   for c in table.columns]
        for row in db.session.execute(sa.select(*columns)).mappings():
            for col in table.columns:
                value, kind = row[col.name], col.type
                if value is None:
                    continue
                where = f"{table.name}.{col.name}={str(value)[:60]!r}"
                if isinstance(kind, sa.Enum):
                    if value not in kind.enums:
                        problems.append(f"{where}: not a code of {kind.enum_class.__name__ if kind.enum_class else 'the enum'}")
                elif isinstance(value, str):
                    length = getattr(kind, "length", None)
                    if length and len(value) > length:
                        problems.append(f"{where}: {len(value)} characters in a String({length})")
                    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
                        problems.append(f"{where}: NUL or a lone surrogate")
                elif isinstance(value, int) and not isinstance(value, bool) and isinstance(kind, sa.Integer):
                    limit = 2**63 if isinstance(kind, sa.BigInteger) else INT32
                    if not -limit <= value < limit:
                        problems.append(f"{where}: out of the column's integer range")
    return problems


def assert_stored_values_valid():
    """Whatever the fuzzer managed to create is valid: every column of every table
    (column_problems), and the domain rules of the registry rows."""
    today = clock.today()
    problems = column_problems()
    for p in db.session.execute(db.select(Person)).scalars():
        try:
            idn = parse_id_number(crypto.decrypt(p.id_cipher))
        except CodeError as exc:
            problems.append(f"person {p.id}: invalid id number ({exc})")
            continue
        if crypto.keyed_hash(idn.value) != p.id_hash or idn.masked != p.id_masked:
            problems.append(f"person {p.id}: hash or mask does not match the id number")
        if idn.birth_date != p.birth_date:
            problems.append(f"person {p.id}: birth date differs from the id number")
        if not p.name or p.name != p.name.strip() or len(p.name) > 50:
            problems.append(f"person {p.id}: bad name {p.name!r}")
        if p.entry_date > today or p.entry_date < p.birth_date:
            problems.append(f"person {p.id}: bad entry date {p.entry_date}")
        if p.appointed_on and (p.appointed_on < p.entry_date or p.appointed_on > today):
            problems.append(f"person {p.id}: bad appointment date {p.appointed_on}")
        if p.department is None or p.department_path != p.department.path:
            problems.append(f"person {p.id}: department path out of step")
    for d in db.session.execute(db.select(Department)).scalars():
        if not d.name or not d.name.strip() or len(d.name) > 100:
            problems.append(f"department {d.id}: bad name {d.name!r}")
        if d.code:
            try:
                parse_uscc(d.code)
            except CodeError:
                problems.append(f"department {d.id}: invalid code {d.code!r}")
        expected = (d.parent.path if d.parent else "/") + f"{d.id}/"
        if d.path != expected:
            problems.append(f"department {d.id}: path {d.path} != {expected}")
    assert not problems, "\n".join(problems)


# ---- HTML forms --------------------------------------------------------------------------------------------

FORM_TEXT = st.one_of(TEXT, NASTY_TEXT, st.text(max_size=300))


@pytest.mark.parametrize("form", ["login", "person_new"])
def test_fuzz_main_forms(app, world, session_login, form):
    who = {"login": None, "user_new": "sysadmin", "department_new": "hr"}.get(form, "hr")
    client = app.test_client() if who is None else session_login(world.user(who))
    pid, did = world.id("people", "servant_own"), world.id("depts", "史口镇")
    url = {"login": "/login", "person_new": "/people/new", "person_edit": f"/people/{pid}/edit",
           "department_new": "/departments/new", "department_edit": f"/departments/{did}/edit",
           "transfer": f"/people/{pid}/transfer", "user_new": "/admin/users/new"}[form]
    fields = {
        "login": ["username", "password"],
        "person_new": ["name", "id_number", "department_id", "post", "rank", "leading", "entry_date",
                       "appointed_on", "phone"],
        "person_edit": ["name", "post", "rank", "leading", "entry_date", "appointed_on", "phone", "version",
                        "reason"],
        "department_new": ["name", "code", "kind", "parent_id"],
        "department_edit": ["name", "code", "kind", "version"],
        "transfer": ["department_id", "on", "reason", "version"],
        "user_new": ["username", "display_name", "email", "roles", "department_id", "person_id", "password"],
    }[form]
    plausible = {"department_id": st.sampled_from([str(i) for i in world.ids.values()] + ["0", "-1", "x"]),
                 "parent_id": st.sampled_from(["1", "2", "4", "10", "0", "987654", "abc"]),
                 "entry_date": st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(str),
                 "appointed_on": st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(str),
                 "on": st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(str),
                 "version": st.sampled_from(["1", "2", "0", "-1", "99999999999999999999", "x"]),
                 "kind": st.sampled_from(["agency", "town", "county", "city", "province", "bogus"]),
                 "roles": st.sampled_from(["servant", "hr", "sysadmin", "auditor", "committee", "root"]),
                 "id_number": st.one_of(st.from_regex(r"\A[0-9]{17}[0-9X]\Z"), FORM_TEXT)}
    failures = []

    n = FORM_EXAMPLES if FULL else min(FORM_EXAMPLES, 12 if form == "login" else 30)
    sent = [0]

    @seed(target_seed(f"main form {form}"))
    @settings(max_examples=n, **SETTINGS)
    @given(data=st.data())
    def run(data):
        payload = {}
        for name in fields:
            if data.draw(st.integers(0, 9), label=f"omit {name}") == 0:
                continue
            strategy = st.one_of(plausible[name], FORM_TEXT) if name in plausible else FORM_TEXT
            payload[name] = data.draw(strategy, label=name)
        resp = client.post(url, data=payload)
        db.session.rollback()
        sent[0] += 1
        if resp.status_code >= 500:
            raise AssertionError(f"POST {url} {payload!r} -> {resp.status_code}")

    try:
        run()
    except AssertionError as exc:
        failures.append(str(exc).splitlines()[0])
    print(f"\nmain form {form}: {sent[0]:4d} examples POST {url} (FUZZ_SEED={SEED})")
    assert not failures, failures[0]
    assert_stored_values_valid()


# ---- every HTML form, found on the pages themselves ------------------------------------------------------

FORM_SECONDS = float(os.environ.get("FUZZ_FORM_SECONDS", 0 if FULL else 12))
MIN_FORM_EXAMPLES = int(os.environ.get("FUZZ_MIN_FORM_EXAMPLES", 5))


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name -> type, value, options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            field = self._form["fields"].setdefault(a["name"], {"type": kind, "value": a.get("value") or "",
                                                                "options": []})
            if kind in ("checkbox", "radio") and a.get("value"):
                field["options"].append(a["value"])
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _form_targets(app, world, matrix, every_page: bool = False):
    """(endpoint, url, role) of every page that shows a form posting back to itself (every_page:
    of every GET page some role opens, for the forms and buttons posting elsewhere)."""
    from flask import url_for

    from tests.security.access_matrix import pick_rule, url_values
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    chosen = {}
    order = {"hr": 0, "sysadmin": 1, "servant": 2, "committee": 3, "auditor": 4}
    for row in matrix.rows:
        if (row.method != "GET" or row.role not in order or 200 not in row.expect
                or (row.endpoint not in posts and not every_page)
                or row.relation not in (None, "own", "same_subtree")):
            continue
        key = (row.endpoint, row.role) if every_page else row.endpoint   # every_page: each role's view of it
        best = chosen.get(key)
        if best is None or order[row.role] < order[best.role]:
            chosen[key] = row
    targets = []
    for row in sorted(chosen.values(), key=lambda r: (order[r.role], r.endpoint)):
        endpoint = row.endpoint
        try:
            rule = pick_rule(app, row)
            values = url_values(rule, row, world, matrix.args_for(row.source))
        except (LookupError, KeyError):
            continue
        with app.test_request_context():
            targets.append((endpoint, url_for(endpoint, **values), row.role))
    return targets


def _field_strategy(name: str, field: dict):
    options = [o for o in field["options"] if o is not None]
    base = [FORM_TEXT, st.just(field["value"])]
    if options:
        base.append(st.sampled_from(options))
        base.append(st.sampled_from(options))
    if field["type"] == "date" or name.endswith(("_on", "_date", "date")):
        base.append(st.dates(date(1900, 1, 1), date(2100, 12, 31)).map(str))
    if field["type"] == "number" or name.endswith(("_id", "version", "year", "hours", "score")):
        base.append(st.integers(-5, 2**40).map(str))
    return st.one_of(base)


def _fuzz_form(client, url: str, fields: dict, n: int, name: str = "", statuses: dict | None = None
               ) -> tuple[int, str | None]:
    sent = [0]
    statuses = {} if statuses is None else statuses

    @seed(target_seed(f"form {name or url}"))
    @settings(max_examples=n, **SETTINGS)
    @given(data=st.data())
    def run(data):
        payload = {}
        for name, field in fields.items():
            if field["type"] == "file":
                if data.draw(st.booleans(), label=name):
                    payload[name] = (io.BytesIO(data.draw(st.binary(max_size=300))), data.draw(TEXT) or "f")
                continue
            if data.draw(st.integers(0, 7), label=f"omit {name}"):
                payload[name] = data.draw(_field_strategy(name, field), label=name)
        resp = client.post(url, data=payload)
        db.session.rollback()
        sent[0] += 1
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        if resp.status_code >= 500:
            raise AssertionError(f"POST {url} {payload!r} -> {resp.status_code}")

    try:
        run()
    except AssertionError as exc:
        return sent[0], str(exc).splitlines()[0][:600]
    return sent[0], None


def _post_endpoint(app, action: str) -> str | None:
    """The endpoint a form's action posts to (None: not a POST route of this app)."""
    from urllib.parse import urlsplit

    from werkzeug.exceptions import HTTPException
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _values = adapter.match(urlsplit(action).path, method="POST")
    except HTTPException:
        return None
    return endpoint


def _matrix_posts(app, world, matrix, exclude: set):
    """(endpoint, url, role, fields) for the non-API POST endpoints not in ``exclude``, from the access
    matrix: the row of the first allowed role (own object), its form data as the fields to fuzz."""
    from flask import url_for

    from tests.security.access_matrix import pick_rule, url_values
    order = {"hr": 0, "servant": 1, "committee": 2, "sysadmin": 3, "auditor": 4}
    chosen = {}
    for row in matrix.rows:
        if (row.method != "POST" or row.role not in order or row.endpoint in exclude or row.json is not None
                or row.relation not in (None, "own", "same_subtree") or all(c in (401, 403) for c in row.expect)):
            continue
        rank = (not any(c < 400 for c in row.expect), order[row.role])   # a row that succeeds, else one refused later
        best = chosen.get(row.endpoint)
        if best is None or rank < (not any(c < 400 for c in best.expect), order[best.role]):
            chosen[row.endpoint] = row
    out = []
    for endpoint, row in sorted(chosen.items()):
        try:
            rule = pick_rule(app, row)
            if rule.rule.startswith("/api/"):
                continue
            values = url_values(rule, row, world, matrix.args_for(row.source))
        except (LookupError, KeyError):
            continue
        with app.test_request_context():
            url = url_for(endpoint, **values)
        fields = {name: {"type": "file" if hasattr(value, "read") or isinstance(value, tuple) else "text",
                         "value": "" if isinstance(value, tuple) else str(value), "options": []}
                  for name, value in (row.data or {}).items()}
        for name in ("version", "reason"):                 # common to most acts; harmless when unused
            fields.setdefault(name, {"type": "text", "value": "", "options": []})
        out.append((endpoint, url, row.role, fields))
    return out


def test_fuzz_every_html_form(app, world, session_login):
    """Every POST form found on the pages the access rows open (the page's own form and the
    forms/buttons posting elsewhere), fuzzed with its own field names and options: zero
    answers >= 500, no invalid value stored. Forms posting elsewhere (one per target
    endpoint) run after the pages' own forms: they include state changes (close, withdraw,
    disable) that could take later pages away."""
    matrix = prepare(world)
    pages = _form_targets(app, world, matrix, every_page=True)
    assert len(pages) >= 8
    own, elsewhere, seen = [], [], set()
    for _endpoint, url, role in pages:
        client = session_login(world.user(role))
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        parser = _Forms()
        parser.feed(page.get_data(as_text=True))
        for form in parser.forms:
            action = form["action"] or url
            target = _post_endpoint(app, action)
            if target is None or target in seen or target in ("accounts.logout",):
                continue
            fields = {k: v for k, v in form["fields"].items() if v["type"] not in ("submit", "button")}
            if action == url and not fields:
                continue
            seen.add(target)
            (own if action == url else elsewhere).append((target, action, role, fields))
    # POST endpoints no walked page shows a form for (the world lacks the state that shows the button,
    # or the form is on a page of another step): their access-matrix row gives URL, role and field names
    seen.update(("accounts.logout", "accounts.login"))   # logout ends the session; login: test_fuzz_main_forms
    direct = []
    for endpoint, url, role, fields in _matrix_posts(app, world, matrix, exclude=seen):
        seen.add(endpoint)
        direct.append((endpoint, url, role, fields))
    # account acts (token revocation, 2FA reset of a user) last: they could end the sessions of later targets
    targets = own + sorted(elsewhere + direct, key=lambda t: t[0].startswith("accounts."))
    focus = in_focus([t[0] for t in targets], FORM_ROTATION) if FORM_SECONDS > 0 else set()
    targets.sort(key=lambda t: t[0] not in focus)     # stable: the account acts stay last within each part
    budget = Budget(FORM_SECONDS, len(targets))
    failures, report = [], []
    for endpoint, url, role, fields in targets:
        client = session_login(world.user(role))
        deep = endpoint in focus
        n = budget.examples(FORM_EXAMPLES if not deep else EXAMPLES, MIN_FORM_EXAMPLES, focus=deep)
        started = time.perf_counter()
        statuses: dict = {}
        sent, problem = _fuzz_form(client, url, fields, n, name=endpoint, statuses=statuses)
        if problem:
            failures.append(problem)
        budget.record(sent, time.perf_counter() - started)
        answers = " ".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
        report.append(f"  {sent:4d} examples {role:9} POST {url} ({endpoint}) [{answers}]{' (focus)' if deep else ''}"
                      f"{'' if problem or sent >= n else ' (search space exhausted)'}")
    posts = sorted(r.endpoint for r in app.url_map.iter_rules()
                   if "POST" in r.methods and not r.rule.startswith("/api/"))
    untested = [e for e in posts if e not in seen]
    print(f"\nform fuzzing: {budget.requests} posts to {len(report)} forms in {budget.spent:.0f} s "
          f"(FUZZ_SEED={SEED}, FUZZ_FORM_EXAMPLES={FORM_EXAMPLES}, FUZZ_FORM_SECONDS={FORM_SECONDS:g}, "
          f"focus {len(focus)}/{len(targets)})\n" + "\n".join(report)
          + f"\nPOST endpoints not fuzzed ({len(untested)}): {', '.join(untested)}")
    assert not failures, "forms answering >= 500:\n  " + "\n  ".join(failures)
    assert_stored_values_valid()


def test_the_stored_value_check_finds_invalid_rows(world):
    """The "no invalid value stored" check is not vacuous: rows the application should never
    write are reported (a padded name; on SQLite, which does not enforce VARCHAR lengths, a
    name longer than its column)."""
    assert_stored_values_valid()
    person = db.session.get(Person, world.id("people", "servant_own"))
    person.name = f" {person.name} "
    department = db.session.get(Department, world.id("depts", "史口镇"))
    if db.engine.dialect.name == "sqlite":
        department.name = "镇" * 150
    changed([person.id], PERSON)        # written directly: noted (core.changes)
    changed(None, SHARED)
    db.session.commit()
    with pytest.raises(AssertionError, match="bad name"):
        assert_stored_values_valid()
    if db.engine.dialect.name == "sqlite":
        assert any("150 characters in a String(100)" in p for p in column_problems())
