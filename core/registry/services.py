"""Domain acts on the registry. They validate, change state, flush, audit; they never commit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from core import clock, crypto, wiring
from core.audit.services import record_event
from core.changes import PERSON, SHARED, changed
from core.enums import DepartmentKind, PersonStatus
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.registry.codes import CodeError, parse_id_number, parse_uscc
from core.registry.models import Department, DepartmentAssignment, Person, PersonChange
from core.registry.search_keys import is_tail_query, person_keys, tail_clause

# Hooks other packages register (core never imports them): called after a person is
# registered or appointed to a new post (the pledge package assigns the pre-appointment pledge).
# (core.wiring: registered by the packages' register(); these names are the live hook lists)
PERSON_REGISTERED: list[Callable] = wiring.hooks(wiring.PERSON_REGISTERED)
PERSON_APPOINTED: list[Callable] = wiring.hooks(wiring.PERSON_APPOINTED)
# Guards called before a transfer (action "transfer") or a status change ("status", status=…):
# fn(person, action, **kw) raises a DomainError to refuse (the archive refuses both while a
# case is pending, 409 case_pending).
PERSON_CHANGE_GUARDS: list[Callable] = wiring.hooks(wiring.PERSON_CHANGE_GUARD)

EDITABLE_FIELDS = ("name", "post", "rank", "leading", "entry_date", "appointed_on", "phone", "email")


# ---- departments -------------------------------------------------------------------------

def create_department(*, name: str, parent: Department | None, code: str | None = None,
                      kind: DepartmentKind | str = DepartmentKind.AGENCY) -> Department:
    fields = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = _("请填写单位名称")
    elif len(name) > 100:
        fields["name"] = _("单位名称不能超过 100 个字符")
    if code:
        try:
            code = parse_uscc(code)
        except CodeError as exc:
            fields["code"] = str(exc)
        else:
            if db.session.execute(db.select(Department.id).filter_by(code=code)).first():
                fields["code"] = _("该统一社会信用代码已被其他单位使用")
    try:
        kind = DepartmentKind(kind)
    except ValueError:
        fields["kind"] = _("单位类型无效")
    if fields:
        raise ValidationFailed(fields)
    dept = Department(name=name, code=code or None, parent_id=parent.id if parent else None, kind=kind,
                      depth=(parent.depth + 1) if parent else 0, path="")
    db.session.add(dept)
    db.session.flush()
    dept.path = f"{parent.path if parent else '/'}{dept.id}/"
    record_event("department_create", dept, name)
    return dept


def update_department(dept: Department, *, name: str, code: str | None, kind, version: int | None = None
                      ) -> Department:
    if version is not None and version != dept.version:
        raise Conflict("stale_version", _("该单位已被他人修改，请刷新后重试"))
    fields = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = _("请填写单位名称")
    if code:
        try:
            code = parse_uscc(code)
        except CodeError as exc:
            fields["code"] = str(exc)
        else:
            other = db.session.execute(db.select(Department.id).where(Department.code == code,
                                                                      Department.id != dept.id)).first()
            if other:
                fields["code"] = _("该统一社会信用代码已被其他单位使用")
    if fields:
        raise ValidationFailed(fields)
    dept.name, dept.code, dept.kind = name, code or None, DepartmentKind(kind)
    record_event("department_update", dept, name)
    changed(None, SHARED)               # every file shows department names
    db.session.flush()
    return dept


def children_of(parent_id: int | None):
    return db.select(Department).where(Department.parent_id == parent_id).order_by(Department.sort_order,
                                                                                 Department.id)


def find_department(text: str, within: str | None = None) -> Department | None:
    """A department by code or exact name (import column 单位), optionally within a subtree."""
    text = (text or "").strip()
    q = db.select(Department).where(sa.or_(Department.code == text.upper(), Department.name == text))
    if within:
        q = q.where(Department.path.startswith(within, autoescape=True))
    rows = db.session.execute(q.limit(2)).scalars().all()
    return rows[0] if len(rows) == 1 else None


# ---- people ------------------------------------------------------------------------------

@dataclass
class PersonInput:
    name: str
    id_number: str
    department: Department | None
    entry_date: date | None
    post: str | None = None
    rank: str | None = None
    leading: bool = False
    appointed_on: date | None = None
    phone: str | None = None
    email: str | None = None        # activation codes and account notices (issue 18)


def id_lookup_hash(id_number: str) -> str | None:
    try:
        return crypto.keyed_hash(parse_id_number(id_number).value)
    except CodeError:
        return None


def id_number_problem(raw: str) -> str | None:
    try:
        parse_id_number(raw)
    except CodeError as exc:
        return str(exc)
    return None


def _validate_common(data, fields: dict) -> None:
    name = (data.name or "").strip()
    if not name:
        fields["name"] = _("请填写姓名")
    elif len(name) > 50:
        fields["name"] = _("姓名不能超过 50 个字符")
    if data.entry_date is None:
        fields["entry_date"] = _("请填写录用日期")
    elif data.entry_date > clock.today():
        fields["entry_date"] = _("录用日期不能晚于今天")
    if data.appointed_on and data.entry_date and data.appointed_on < data.entry_date:
        fields["appointed_on"] = _("任现职时间不能早于录用日期")
    if data.appointed_on and data.appointed_on > clock.today():
        fields["appointed_on"] = _("任现职时间不能晚于今天")
    if data.phone and not _valid_phone(data.phone):
        fields["phone"] = _("联系电话格式不正确")
    if data.email and not _valid_email(data.email):
        fields["email"] = _("电子邮箱格式不正确")
    for f, limit in (("post", 100), ("rank", 50)):
        if getattr(data, f) and len(getattr(data, f)) > limit:
            fields[f] = _("不能超过 %(limit)s 个字符", limit=limit)


def _valid_email(email: str) -> bool:
    import re
    return len(email) <= 254 and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()) is not None


def _valid_phone(phone: str) -> bool:
    digits = phone.replace("-", "").replace(" ", "")
    return digits.isdigit() and 7 <= len(digits) <= 13


def register_person(data: PersonInput, *, in_scope: Callable[[Department], bool]) -> Person:
    """Register a civil servant (docs/rules.md §3). ``in_scope`` says whether the actor may use a department."""
    fields: dict[str, str] = {}
    _validate_common(data, fields)
    idn = None
    try:
        idn = parse_id_number(data.id_number)
    except CodeError as exc:
        fields["id_number"] = str(exc)
    if data.department is None or not in_scope(data.department):
        fields["department_id"] = _("请选择您管理范围内的单位")
    if idn and data.entry_date and data.entry_date < idn.birth_date:
        fields["entry_date"] = _("录用日期不能早于出生日期")
    if fields:
        raise ValidationFailed(fields)
    assert idn is not None and data.department is not None   # both checked above (field errors otherwise)
    digest = crypto.keyed_hash(idn.value)
    if db.session.execute(db.select(Person.id).filter_by(id_hash=digest)).first():
        raise Conflict("duplicate_id_number", _("该公民身份号码已登记"), {"id_number": _("该公民身份号码已登记")})
    person = Person(name=data.name.strip(), id_hash=digest, id_cipher=crypto.encrypt(idn.value),
                    id_masked=idn.masked, gender=idn.gender, birth_date=idn.birth_date,
                    department_id=data.department.id, department_path=data.department.path,
                    post=_clean(data.post), rank=_clean(data.rank), leading=bool(data.leading),
                    entry_date=data.entry_date, appointed_on=data.appointed_on, phone=_clean(data.phone),
                    email=_clean(data.email),
                    status=PersonStatus.ACTIVE, **person_keys(data.name.strip(), idn.value))
    db.session.add(person)
    db.session.flush()
    db.session.add(DepartmentAssignment(person_id=person.id, department_id=data.department.id,
                                        started_on=data.entry_date))
    db.session.add(PersonChange(person_id=person.id, action="create", changes={}, changed_by_id=_actor_id()))
    record_event("person_create", person, f"{person.name} {person.id_masked}")
    changed([person.id], PERSON)        # a new person: training summary, coverage facts
    for hook in PERSON_REGISTERED:
        hook(person)
    return person


def update_person(person: Person, changes: dict, *, version: int | None, reason: str | None = None) -> Person:
    """Edit registry fields (optimistic locking: a stale ``version`` is refused)."""
    if version is not None and version != person.version:
        raise Conflict("stale_version", _("该人员信息已被他人修改，请刷新后重试"))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed({k: "该字段不可修改" for k in unknown})
    merged = PersonInput(name=changes.get("name", person.name), id_number="", department=person.department,
                         entry_date=changes.get("entry_date", person.entry_date),
                         post=changes.get("post", person.post), rank=changes.get("rank", person.rank),
                         leading=changes.get("leading", person.leading),
                         appointed_on=changes.get("appointed_on", person.appointed_on),
                         phone=changes.get("phone", person.phone), email=changes.get("email", person.email))
    fields: dict[str, str] = {}
    _validate_common(merged, fields)
    if merged.entry_date and merged.entry_date < person.birth_date:
        fields["entry_date"] = _("录用日期不能早于出生日期")
    if fields:
        raise ValidationFailed(fields)
    diff = {}
    for key in EDITABLE_FIELDS:
        new = getattr(merged, key)
        new = _clean(new) if isinstance(new, str) else new
        old = getattr(person, key)
        if new != old:
            diff[key] = [_plain(old), _plain(new)]
            setattr(person, key, new)
    if not diff:
        return person
    if "name" in diff:
        person.name_key = person_keys(person.name)["name_key"]
    db.session.add(PersonChange(person_id=person.id, action="update", changes=diff, reason=reason,
                                changed_by_id=_actor_id()))
    record_event("person_update", person, "修改: " + "、".join(diff))
    db.session.flush()
    changed([person.id], PERSON)      # training summary, coverage facts, the file
    if "appointed_on" in diff and person.appointed_on:
        for hook in PERSON_APPOINTED:
            hook(person)
    return person


def transfer_person(person: Person, department: Department, *, on: date, reason: str | None = None,
                    version: int | None = None) -> Person:
    if version is not None and version != person.version:
        raise Conflict("stale_version", _("该人员信息已被他人修改，请刷新后重试"))
    if department.id == person.department_id:
        raise ValidationFailed({"department_id": _("调入单位与现单位相同")})
    for guard in PERSON_CHANGE_GUARDS:
        guard(person, "transfer", department=department)
    current = db.session.execute(db.select(DepartmentAssignment).filter_by(person_id=person.id, ended_on=None)
                                 ).scalars().first()
    if current:
        current.ended_on = on
    db.session.add(DepartmentAssignment(person_id=person.id, department_id=department.id, started_on=on))
    db.session.add(PersonChange(person_id=person.id, action="transfer", reason=reason, changed_by_id=_actor_id(),
                                changes={"department": [person.department.name, department.name]}))
    person.department_id, person.department_path = department.id, department.path
    person.department = department
    record_event("person_transfer", person, f"调至 {department.name}")
    db.session.flush()
    changed([person.id], PERSON)
    return person


def change_status(person: Person, status: PersonStatus | str, *, reason: str | None = None,
                  version: int | None = None) -> Person:
    if version is not None and version != person.version:
        raise Conflict("stale_version", _("该人员信息已被他人修改，请刷新后重试"))
    status = PersonStatus(status)
    if status == person.status:
        return person
    for guard in PERSON_CHANGE_GUARDS:
        guard(person, "status", status=status)
    db.session.add(PersonChange(person_id=person.id, action="status", reason=reason, changed_by_id=_actor_id(),
                                changes={"status": [person.status.value, status.value]}))
    person.status = status
    record_event("person_status", person, f"状态改为 {status.zh}")
    db.session.flush()
    changed([person.id], PERSON)
    from core.accounts.activation import person_left
    person_left(person)       # leaving: the account is disabled, sessions and tokens end at once
    return person


def reveal_id_number(person: Person) -> str:
    """The full id number, for HR in scope on an explicit, audited action."""
    record_event("id_reveal", person, "查看完整公民身份号码")
    return crypto.decrypt(person.id_cipher)


def search_clause(q: str):
    """``q`` matches a name (substring), a full id number (exact, through the keyed hash) or
    the id number's last 4 to 6 characters (through their keyed hashes, core/registry/search_keys.py)."""
    q = (q or "").strip()
    if not q:
        return sa.true()
    digest = id_lookup_hash(q) if len(q) == 18 else None
    if digest:
        return Person.id_hash == digest
    if is_tail_query(q):
        return tail_clause(Person, q)
    return Person.name.contains(q, autoescape=True)


def history(person: Person):
    return db.select(PersonChange).filter_by(person_id=person.id).order_by(PersonChange.id.desc())


def _clean(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _actor_id():
    from flask import has_request_context
    from flask_login import current_user
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None

