"""The independent access matrix: endpoint × method × role × object relation → status.

Every package keeps its rows next to its tests, in a module named ``access_rows.py``
anywhere under ``tests/`` (``tests/core/access_rows.py``, ``tests/archive/file/access_rows.py``,
…). Such a module defines:

``ROWS``
    a list of :class:`Row`, usually built with :func:`rows`:

    .. code-block:: python

        from tests.security.access_matrix import rows, ANON_PAGE
        ROWS = [
            *rows("file.person_file", "GET", {
                "servant": {"own": 200, "same_subtree": 404, "other_subtree": 404,
                            "parent_department": 404, "nonexistent": 404},
                "hr": {"own": 200, "same_subtree": 200, "other_subtree": 404,
                       "parent_department": 404, "nonexistent": 404},
                "committee": 404, "sysadmin": 403, "auditor": 403, "anonymous": ANON_PAGE}),
        ]

    Every (endpoint, method) needs all seven roles; an endpoint with URL arguments needs all
    five relations (an int for a role means "this status for every relation"). Statuses
    are exact; a 2xx that the table does not list is a failure.

``ARGS`` (optional)
    ``{"record_id": fn(world, role, relation) -> id}``: how to fill the package's URL
    arguments (``person_id``, ``dept_id``/``department_id``, ``user_id``,
    ``notification_id``, ``token_id`` are known already). A module's own ARGS win for its
    own rows (two packages may both call an argument ``attachment_id``).

``extend_world(world)`` (optional)
    create the package's objects for the relations (e.g. one record per person of the
    world, stored in ``world.objects``), called once after the region is built.

Requests: pages are requested with a cookie session of the role's user (fresh, second
factor passed); endpoints declared with ``api_route`` with the role's bearer token;
``anonymous`` with neither. A row may carry ``data`` (form), ``json`` or ``query``
(without a body a POST is sent empty: authorised requests then fail validation, which
keeps the matrix from changing the world much), and ``values`` for URL arguments that
are not objects (``code="en"``).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from tests.security.world import RELATIONS, ROLES

ANON_PAGE = 302        # login_required pages send anonymous visitors to the login page
ANON_API = 401         # the API answers 401 without a token


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    role: str
    relation: str | None
    expect: tuple[int, ...]
    data: dict | None = None
    json: dict | None = None
    query: dict | None = None
    values: dict = field(default_factory=dict)
    source: str = ""

    @property
    def key(self) -> tuple:
        return self.endpoint, self.method, self.role, self.relation


def _as_tuple(v) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list, set, frozenset)) else (int(v),)


def rows(endpoint: str, method: str, table: dict, *, objects: bool | None = None, data=None, json=None,
         query=None, values=None) -> list[Row]:
    """Rows of one (endpoint, method) for all six roles.

    ``table[role]`` is a status, a tuple of accepted statuses, or ``{relation: status}``.
    ``secadmin`` (安全管理员, issue 17 item 4) may be left out: it then answers as the
    auditor does (neither reads file contents nor manages anything); tables where the two
    differ (audit pages, accounts, grants) name it.
    ``objects`` says whether the URL names an object (then all five relations are rows);
    by default: True when any role gives a per-relation dict."""
    if "secadmin" not in table and "auditor" in table:
        table = {**table, "secadmin": table["auditor"]}
    missing = [r for r in ROLES if r not in table]
    extra = [r for r in table if r not in ROLES]
    if missing or extra:
        raise ValueError(f"{endpoint} {method}: roles missing {missing}, unknown {extra}")
    if objects is None:
        objects = any(isinstance(v, dict) for v in table.values())
    out = []
    for role in ROLES:
        spec = table[role]
        relations = RELATIONS if objects else (None,)
        for relation in relations:
            if isinstance(spec, dict):
                if set(spec) != set(RELATIONS):
                    raise ValueError(f"{endpoint} {method} {role}: relations must be exactly {RELATIONS}")
                status = spec[relation]
            else:
                status = spec
            out.append(Row(endpoint, method.upper(), role, relation, _as_tuple(status), data=data, json=json,
                           query=query, values=dict(values or {})))
    return out


@dataclass
class Matrix:
    rows: list[Row]
    args: dict
    world_hooks: list
    modules: list[str]
    module_args: dict = field(default_factory=dict)     # module -> its own ARGS

    def args_for(self, module: str | None) -> dict:
        return {**self.args, **self.module_args.get(module or "", {})}

    def module_of(self, endpoint: str) -> str | None:
        """The access_rows module that has rows for ``endpoint`` (its ARGS resolve the URL)."""
        for row in self.rows:
            if row.endpoint == endpoint:
                return row.source
        return None


def collect() -> Matrix:
    """Import every tests/**/access_rows.py and merge their ROWS, ARGS and world hooks."""
    root = Path(__file__).resolve().parents[1]
    all_rows: list[Row] = []
    args: dict = {}
    module_args: dict = {}
    hooks = []
    modules = []
    for path in sorted(root.rglob("access_rows.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        name = ".".join(rel.parts)
        mod = importlib.import_module(name)
        modules.append(name)
        for row in getattr(mod, "ROWS", []):
            all_rows.append(Row(**{**row.__dict__, "source": name}))
        module_args[name] = dict(getattr(mod, "ARGS", {}))
        args.update(module_args[name])
        if hasattr(mod, "extend_world"):
            hooks.append(mod.extend_world)
    return Matrix(all_rows, args, hooks, modules, module_args)


# ---- URL arguments ----------------------------------------------------------------------------

def known_args(world) -> dict:
    return {
        "person_id": world.person_id,
        "dept_id": world.department_id,
        "department_id": world.department_id,
        "user_id": world.user_id,
        "notification_id": lambda role, relation: world.owned_id("notification", role, relation),
        "token_id": lambda role, relation: world.owned_id("token", role, relation),
    }


def url_values(rule, row: Row, world, extra_args: dict) -> dict:
    values = dict(row.values)
    resolvers = known_args(world)
    for name in rule.arguments:
        if name in values:
            continue
        if name in extra_args:
            values[name] = extra_args[name](world, row.role, row.relation or "own")
        elif name in resolvers:
            values[name] = resolvers[name](row.role, row.relation or "own")
        else:
            raise KeyError(f"{row.endpoint}: no resolver for URL argument <{name}> (add ARGS to access_rows.py)")
    return values


def pick_rule(app, row: Row):
    """The rule of ``row.endpoint`` for the method: with object arguments when the row has a relation."""
    candidates = [r for r in app.url_map.iter_rules(row.endpoint) if row.method in r.methods]
    if not candidates:
        raise LookupError(f"{row.endpoint} has no rule for {row.method}")
    object_args = [r for r in candidates if set(r.arguments) - set(row.values)]
    plain = [r for r in candidates if not set(r.arguments) - set(row.values)]
    if row.relation is None:
        return (plain or candidates)[0]
    return (object_args or candidates)[0]


def endpoint_methods(app) -> set[tuple[str, str]]:
    """(endpoint, method) pairs the application serves (HEAD/OPTIONS and static excluded)."""
    pairs = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            pairs.add((rule.endpoint, method))
    return pairs


def prepare(world) -> Matrix:
    """Collect the rows and let every package add its objects to the world (once)."""
    from core.extensions import db
    matrix = collect()
    if not getattr(world, "_extended", False):
        for hook in matrix.world_hooks:
            hook(world)
        db.session.commit()
        world.freeze()
        world._extended = True
    return matrix


def resolve_any(name: str, world, matrix: Matrix, role: str = "hr", relation: str = "own",
                endpoint: str | None = None):
    """A value for a URL argument outside the matrix (page walks, CSRF): 1 when nobody knows it."""
    args = matrix.args_for(matrix.module_of(endpoint)) if endpoint else matrix.args
    try:
        if name in args:
            return args[name](world, role, relation)
        known = known_args(world)
        if name in known:
            return known[name](role, relation)
    except (KeyError, LookupError, AttributeError):
        pass
    return {"code": "zh_CN"}.get(name, 1)
