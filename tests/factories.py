"""Factories that build real rows through the domain services (no mocks, no fixtures files)."""
from __future__ import annotations

import itertools
import random
from datetime import date

from core import clock
from core.accounts.models import User
from core.accounts.passwords import hash_password
from core.changes import PERSON, changed
from core.extensions import db
from core.registry import services as registry
from core.registry.codes import id_check_char
from core.registry.models import Department

PASSWORD = "Test@Pass2026"
_seq = itertools.count(1)
_rng = random.Random(20261121)


def id_number(born: date | None = None, region: str = "370502", male: bool | None = None) -> str:
    """A valid, unique GB 11643 id number."""
    born = born or date(1980 + _rng.randrange(20), 1 + _rng.randrange(12), 1 + _rng.randrange(28))
    n = next(_seq)
    seq = f"{(n * 2 + (0 if male is False else 1)) % 1000:03d}" if male is not None else f"{n % 1000:03d}"
    region = f"{int(region) + (n // 1000) % 50:06d}" if n >= 1000 else region
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + id_check_char(first17)


def department(name: str, parent: Department | None = None, kind: str = "agency", code: str | None = None
               ) -> Department:
    dept = registry.create_department(name=name, parent=parent, code=code, kind=kind)
    db.session.flush()
    return dept


def person(name: str = "王芳", department: Department | None = None, entry_date: date = date(2018, 7, 1), **kw):
    department = department or _any_department()
    data = registry.PersonInput(name=name, id_number=kw.pop("id_number", None) or id_number(kw.pop("born", None)),
                                department=department, entry_date=entry_date, post=kw.pop("post", "科员"),
                                rank=kw.pop("rank", "一级科员"), leading=kw.pop("leading", False),
                                appointed_on=kw.pop("appointed_on", None), phone=kw.pop("phone", "13800001234"))
    p = registry.register_person(data, in_scope=lambda d: True)
    for key, value in kw.items():
        setattr(p, key, value)
    if kw:
        changed([p.id], PERSON)     # fields set outside the registry service
    db.session.flush()
    return p


def _any_department() -> Department:
    dept = db.session.execute(db.select(Department).order_by(Department.id).limit(1)).scalar_one_or_none()
    return dept or department("测试单位")


def user(username: str | None = None, roles=("servant",), department: Department | None = None, person=None,
         password: str = PASSWORD) -> User:
    username = username or f"user{next(_seq)}"
    u = User(username=username, display_name=getattr(person, "name", None) or username,
             password_hash=hash_password(password), password_changed_at=clock.utcnow(),
             department_id=getattr(department, "id", None), person_id=getattr(person, "id", None))
    u.set_roles(roles)
    db.session.add(u)
    db.session.flush()
    return u
