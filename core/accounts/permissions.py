"""One permission vocabulary: ``can_*`` predicates, ``require_*`` enforcers, scoped queries.

Scope (docs/rules.md §2): hr sees the people of their department subtree; a servant sees their own
person; a committee member sees the candidates of open reviews they sit on (the archive
package registers that rule with ``register_person_scope``); sysadmin and auditor see no
person data. Out of scope is always 404, never 403: we do not reveal that a thing exists.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import wiring
from core.errors import Forbidden, NotFound
from core.extensions import db

# role -> fn(user) -> SQL condition on people.id (extra scope rules from domain packages)
_SCOPE_PROVIDERS: dict[str, Callable] = wiring.table(wiring.PERSON_SCOPE)


def register_person_scope(role: str, provider: Callable) -> None:
    wiring.register(wiring.PERSON_SCOPE, role, provider)


def _hr_department_path(user) -> str | None:
    if not user.has_role("hr") or user.department is None:
        return None
    return user.department.path


def subtree_clause(path_column, path: str):
    """``path_column`` lies in the subtree rooted at ``path`` ('/1/7/' never matches '/1/70/')."""
    return path_column.startswith(path, autoescape=True)


def person_scope_clause(user, *, manage: bool = False, include_self: bool = False):
    """SQL condition selecting the people ``user`` may see (``manage``: may change).

    No one acts on their own file (issue 17 item 1): the people an HR officer may change
    never include his own person, so every list, bulk act, worklist and import built on
    ``manage=True`` skips him. ``include_self`` keeps him, for loaders that must answer
    403 ``own_file`` (``require_person``) or name the row (imports) instead of skipping."""
    from core.registry.models import Person
    if not getattr(user, "is_authenticated", False):
        return sa.false()
    conditions = []
    path = _hr_department_path(user)
    if path:
        own = getattr(user, "person_id", None)
        if manage and own and not include_self:
            conditions.append(sa.and_(subtree_clause(Person.department_path, path), Person.id != own))
        else:
            conditions.append(subtree_clause(Person.department_path, path))
    if not manage:
        if user.has_role("servant") and user.person_id:
            conditions.append(Person.id == user.person_id)
        for role, provider in wiring.table(wiring.PERSON_SCOPE).items():
            if user.has_role(role):
                conditions.append(Person.id.in_(provider(user)))
    return sa.or_(*conditions) if conditions else sa.false()


def people_in_scope(user, *, manage: bool = False, include_self: bool = False):
    from core.registry.models import Person
    return db.select(Person).where(person_scope_clause(user, manage=manage, include_self=include_self))


def department_scope_clause(user):
    from core.registry.models import Department
    if user.has_role("sysadmin"):
        return sa.true()
    path = _hr_department_path(user)
    if path:
        return subtree_clause(Department.path, path)
    return sa.false()


def departments_in_scope(user):
    from core.registry.models import Department
    return db.select(Department).where(department_scope_clause(user)).order_by(Department.path)


# ---- predicates --------------------------------------------------------------------------

def can_view_person(user, person) -> bool:
    if person is None or not getattr(user, "is_authenticated", False):
        return False
    from core.registry.models import Person
    return db.session.execute(
        db.select(sa.literal(1)).select_from(Person).where(Person.id == person.id,
                                                           person_scope_clause(user))).first() is not None


def manages_subtree_of(user, person) -> bool:
    """HR whose subtree holds ``person`` (own file included): the scope half of managing."""
    path = _hr_department_path(user)
    return bool(path and person is not None and person.department_path.startswith(path))


def can_manage_person(user, person) -> bool:
    """HR in scope, and not the officer's own file: he reads it as its person, nothing more."""
    return manages_subtree_of(user, person) and not is_own_person(user, person)


def can_manage_department(user, department) -> bool:
    if user.has_role("sysadmin"):
        return True
    path = _hr_department_path(user)
    return bool(path and department is not None and department.path.startswith(path))


def can_reveal_id(user, person) -> bool:
    return can_manage_person(user, person)


def is_own_person(user, person) -> bool:
    return person is not None and getattr(user, "person_id", None) == person.id


OWN_FILE_MESSAGE = _l("本人档案的事项须由其他人事干部办理：您只能以当事人身份查看自己的档案。")


def is_own_file_act(user, person) -> bool:
    """Would an HR act of ``user`` on ``person`` be an act on his own file?"""
    return is_own_person(user, person) and manages_subtree_of(user, person)


def require_not_self(person, user=None) -> None:
    """403 ``own_file`` for any HR act on the actor's own person (close relatives are not
    known to the data model, so they are not guarded: README)."""
    user = current_user if user is None else user
    if is_own_file_act(user, person):
        raise Forbidden(str(OWN_FILE_MESSAGE), code="own_file")


def can_change_catalogue(user, obj) -> bool:
    """Shared catalogues (courses, pledge templates) belong to the department that created
    them (``owner_department_id``): HR of that department or above may change, retire or
    re-categorise them; everybody else only uses them. No owner: HR of a root department."""
    from core.registry.models import Department
    path = _hr_department_path(user)
    if not path:
        return False
    owner_id = getattr(obj, "owner_department_id", None)
    if owner_id is None:
        return user.department.parent_id is None
    owner = db.session.get(Department, owner_id)
    return owner is not None and owner.path.startswith(path)


def require_catalogue_change(obj, user=None) -> None:
    """403 ``not_owner`` when ``user`` (default: current) may use but not change ``obj``."""
    user = current_user if user is None else user
    if not can_change_catalogue(user, obj):
        raise Forbidden(_("该条目由其他单位创建，本单位只能使用，不能修改、停用或调整类别"), code="not_owner")


# ---- enforcers ---------------------------------------------------------------------------

def require_person(person_id: int, *, manage: bool = False):
    """Load a person within the current user's scope, else 404; ``manage``: for an HR act,
    and then the officer's own person answers 403 ``own_file``."""
    from core.api import DB_INT_MAX
    from core.registry.models import Person
    try:
        pid = int(person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pid <= DB_INT_MAX:
        raise NotFound()
    person = db.session.execute(
        db.select(Person).where(Person.id == pid,
                                person_scope_clause(current_user, manage=manage, include_self=True))
    ).scalar_one_or_none()
    if person is None:
        raise NotFound()
    if manage:
        require_not_self(person)
    return person


def require_department(department_id: int):
    from core.api import DB_INT_MAX
    from core.registry.models import Department
    try:
        department_id = int(department_id)
    except (TypeError, ValueError):
        raise NotFound(_("单位不存在")) from None
    if not 0 < department_id <= DB_INT_MAX:
        raise NotFound(_("单位不存在"))     # no such row; PostgreSQL refuses the comparison (found by make fuzz)
    dept = db.session.get(Department, department_id)
    if dept is None or not can_manage_department(current_user, dept):
        raise NotFound(_("单位不存在"))
    return dept


def require_roles(*roles: str):
    """View decorator: the current user must hold one of ``roles`` (403 otherwise)."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from core.extensions import login_manager
                return login_manager.unauthorized()
            if not current_user.has_any_role(*roles):
                raise Forbidden()
            return fn(*args, **kwargs)
        wrapper.__roles__ = roles
        return wrapper
    return decorator


def public(fn):
    """Mark a page as public (no login): verification, public pledge and disclosure pages."""
    fn.__public__ = True
    return fn


def template_predicates() -> dict:
    return {"can_view_person": can_view_person, "can_manage_person": can_manage_person,
            "can_manage_department": can_manage_department, "can_reveal_id": can_reveal_id,
            "is_own_person": is_own_person, "is_own_file_act": is_own_file_act,
            "can_change_catalogue": can_change_catalogue}
