"""The demo-like region every security test (and every package's access rows) runs against.

Departments get fixed ids (the test database restarts ids at 1 after each test), so that
``/1/`` and ``/10/`` both exist and a prefix bug shows up::

    1  东营市 /1/            ── parent department of 东营区
    2  东营区 /1/2/          ── hr's department (scope)
    3  文汇街道 /1/2/3/      ── servant's department
    4  史口镇 /1/2/4/        ── same subtree
    5  河口区 /1/5/          ── other subtree
    6  六合街道 /1/5/6/
    7  垦利区, 8 利津县, 9 广饶县
    10 滨州市 /10/           ── another root whose path starts with "/1"
    11 滨城区 /10/11/

Object relations (from the acting user's point of view, see ``person_for``):
``own`` the user's own person (servant 张伟, hr 刘强, committee 周敏; roles without a
person use 张伟), ``same_subtree`` 王芳 in 史口镇, ``other_subtree`` 李娜 in 六合街道,
``parent_department`` 赵磊 in 东营市 itself, ``nonexistent`` an id that does not exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.accounts.tokens import create_token
from core.extensions import db
from core.notify.services import notify
from tests import factories as f

ROLES = ("servant", "hr", "committee", "sysadmin", "auditor", "secadmin", "anonymous")
RELATIONS = ("own", "same_subtree", "other_subtree", "parent_department", "nonexistent")
MISSING_ID = 987654


@dataclass
class World:
    depts: dict[str, object] = field(default_factory=dict)
    people: dict[str, object] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)       # role (and extra names) -> User
    tokens: dict[str, str] = field(default_factory=dict)         # role -> API bearer token
    objects: dict[str, object] = field(default_factory=dict)     # packages put their objects here
    ids: dict[str, int] = field(default_factory=dict)            # "people.x" / "depts.x" / "users.x" -> id

    def freeze(self) -> None:
        """Remember every id (views may expunge the session; resolvers then still work)."""
        for kind in ("depts", "people", "users"):
            for key, obj in getattr(self, kind).items():
                self.ids[f"{kind}.{key}"] = obj.id
        for kind, rows in self.objects.items():
            if isinstance(rows, dict):
                for key, obj in rows.items():
                    if hasattr(obj, "id"):
                        self.ids[f"{kind}.{key}"] = obj.id

    def id(self, kind: str, key: str) -> int:
        return self.ids[f"{kind}.{key}"]

    def user(self, key: str):
        """The User row, loaded now (with its current session token)."""
        from core.accounts.models import User
        db.session.expire_all()
        return db.session.get(User, self.id("users", key))

    # ---- relation targets --------------------------------------------------------------
    def person_key(self, role: str, relation: str) -> str | None:
        """Which person (key of ``people``) a relation names for the acting role."""
        if relation == "nonexistent":
            return None
        if relation == "own":
            return {"hr": "hr_own", "committee": "committee_own"}.get(role, "servant_own")
        return relation            # same_subtree / other_subtree / parent_department

    def person_id(self, role: str, relation: str) -> int:
        key = self.person_key(role, relation)
        return self.id("people", key) if key else MISSING_ID

    def department_key(self, role: str, relation: str) -> str | None:
        if relation == "nonexistent":
            return None
        if relation == "own":
            return {"hr": "东营区", "committee": "东营市", "servant": "文汇街道"}.get(role, "东营区")
        return {"same_subtree": "史口镇", "other_subtree": "河口区", "parent_department": "东营市"}[relation]

    def department_id(self, role: str, relation: str) -> int:
        key = self.department_key(role, relation)
        return self.id("depts", key) if key else MISSING_ID

    def user_id(self, role: str, relation: str) -> int:
        if relation == "nonexistent":
            return MISSING_ID
        if relation == "own" and f"users.{role}" in self.ids:
            return self.id("users", role)
        return self.id("users", {"own": "servant", "same_subtree": "servant", "other_subtree": "hr_hekou",
                                 "parent_department": "hr_city"}[relation])

    def owned_id(self, kind: str, role: str, relation: str) -> int:
        """Per-user objects (notifications, tokens): ``own`` is the actor's, others someone else's."""
        if relation == "nonexistent":
            return MISSING_ID
        if relation == "own" and f"{kind}.{role}" in self.ids:
            return self.id(kind, role)
        return self.id(kind, "victim")


def build_world() -> World:
    w = World()
    d = w.depts
    d["东营市"] = f.department("东营市", kind="city")
    d["东营区"] = f.department("东营区", parent=d["东营市"], kind="county")
    d["文汇街道"] = f.department("文汇街道", parent=d["东营区"], kind="town")
    d["史口镇"] = f.department("史口镇", parent=d["东营区"], kind="town")
    d["河口区"] = f.department("河口区", parent=d["东营市"], kind="county")
    d["六合街道"] = f.department("六合街道", parent=d["河口区"], kind="town")
    for name in ("垦利区", "利津县", "广饶县"):
        d[name] = f.department(name, parent=d["东营市"], kind="county")
    d["滨州市"] = f.department("滨州市", kind="city")
    d["滨城区"] = f.department("滨城区", parent=d["滨州市"], kind="county")
    assert d["东营市"].id == 1 and d["滨州市"].id == 10, "the world needs fresh ids (1 and 10)"
    assert d["滨州市"].path == "/10/" and d["东营市"].path == "/1/"

    p = w.people
    p["servant_own"] = f.person("张伟", department=d["文汇街道"], entry_date=date(2015, 3, 1))
    p["hr_own"] = f.person("刘强", department=d["东营区"], entry_date=date(2012, 8, 1))
    p["same_subtree"] = f.person("王芳", department=d["史口镇"], entry_date=date(2016, 9, 1))
    p["other_subtree"] = f.person("李娜", department=d["六合街道"], entry_date=date(2016, 5, 1))
    p["parent_department"] = f.person("赵磊", department=d["东营市"], entry_date=date(2010, 7, 1))
    p["committee_own"] = f.person("周敏", department=d["东营市"], entry_date=date(2009, 7, 1))
    p["binzhou"] = f.person("孙丽", department=d["滨城区"], entry_date=date(2014, 7, 1))

    u = w.users
    u["servant"] = f.user("servant", roles=("servant",), person=p["servant_own"])
    u["hr"] = f.user("hr", roles=("hr",), department=d["东营区"], person=p["hr_own"])
    u["committee"] = f.user("committee", roles=("committee",), department=d["东营市"], person=p["committee_own"])
    u["sysadmin"] = f.user("admin", roles=("sysadmin",))
    u["auditor"] = f.user("auditor", roles=("auditor",))
    u["secadmin"] = f.user("secadmin", roles=("secadmin",))
    u["hr_city"] = f.user("hr_city", roles=("hr",), department=d["东营市"])
    u["hr_hekou"] = f.user("hr_hekou", roles=("hr",), department=d["河口区"])
    u["hr_binzhou"] = f.user("hr_binzhou", roles=("hr",), department=d["滨州市"])
    db.session.flush()

    for role in ROLES[:-1]:
        w.tokens[role] = create_token(u[role], "matrix")
    # per-user objects for the relation "own" vs someone else's
    w.objects["notification"] = {role: notify(kind="test", title=f"给{role}的通知", user=u[role])
                                 for role in ROLES[:-1]}
    w.objects["notification"]["victim"] = notify(kind="test", title="别人的通知", user=u["hr_hekou"])
    from core.accounts.models import ApiToken
    token_rows = {}
    for role in [*ROLES[:-1], "hr_hekou"]:
        create_token(u[role], "target")
        token_rows["victim" if role == "hr_hekou" else role] = db.session.execute(
            db.select(ApiToken).filter_by(user_id=u[role].id, name="target")).scalar_one()
    w.objects["token"] = token_rows
    db.session.commit()
    w.freeze()
    return w


def world_refs(w: World) -> dict:
    """The world as plain data: ``(model, id)`` for its rows, the tokens' plain text, the frozen ids
    (tests/conftest.py ``built_once`` restores the rows and calls :func:`world_revive`)."""
    def ref(obj):
        return type(obj), obj.id
    return {"depts": {k: ref(v) for k, v in w.depts.items()}, "people": {k: ref(v) for k, v in w.people.items()},
            "users": {k: ref(v) for k, v in w.users.items()}, "tokens": dict(w.tokens),
            "objects": {kind: {k: ref(v) for k, v in rows.items()} for kind, rows in w.objects.items()},
            "ids": dict(w.ids)}


def world_revive(data: dict) -> World:
    def load(refs: dict) -> dict:
        return {k: db.session.get(cls, ident) for k, (cls, ident) in refs.items()}
    return World(depts=load(data["depts"]), people=load(data["people"]), users=load(data["users"]),
                 tokens=dict(data["tokens"]), objects={kind: load(rows) for kind, rows in data["objects"].items()},
                 ids=dict(data["ids"]))
