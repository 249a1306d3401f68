"""Excel exports of lists: the people list and the records list (the same filters and scope
as their pages). Other packages export their lists with ``core.excel.export_response``.

Bulk exports (more than EXPORT_FRESH_ROWS rows, default 1,000) need a fresh login
(SECURITY.md "Re-authentication ... bulk export"): the password re-entered within
FRESH_LOGIN_MINUTES (default 15).
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app, session
from flask_login import login_fresh

from core import clock
from core.enums import PersonStatus
from core.extensions import db
from core.registry.models import Department, Person

PEOPLE_HEADERS = ["姓名", "公民身份号码（脱敏）", "性别", "出生年份", "单位", "职务", "职级", "是否领导职务", "录用日期",
                  "任现职时间", "联系电话（脱敏）", "状态"]
RECORD_HEADERS = ["姓名", "公民身份号码（脱敏）", "单位", "类别", "处分或处理", "情节", "决定日期", "影响期截止",
                  "决定机关", "文号", "状态", "是否公示"]


def export_limit() -> int:
    return int(current_app.config.get("EXPORT_MAX_ROWS", 200_000))


def fresh_rows() -> int:
    return int(current_app.config.get("EXPORT_FRESH_ROWS", 1000))


def is_fresh() -> bool:
    """A fresh login: flask-login's flag and the password entered within FRESH_LOGIN_MINUTES."""
    if not login_fresh():
        return False
    minutes = int(current_app.config.get("FRESH_LOGIN_MINUTES", 15))
    stamp = session.get("fresh_at", session.get("login_at"))
    return stamp is not None and time.time() - float(stamp) <= minutes * 60


def people_select(user, args):
    """The people list of registry.people with its filters: q, department_id, status (default active)."""
    from core.accounts.permissions import people_in_scope, require_department
    from core.registry.services import search_clause
    sel = people_in_scope(user).where(search_clause((args.get("q") or "").strip()[:100]))
    dept_id = args.get("department_id", type=int)
    if dept_id:
        dept = require_department(dept_id)
        sel = sel.where(Person.department_path.startswith(dept.path, autoescape=True))
    status = args.get("status") or "active"
    if status != "all":
        sel = sel.where(Person.status == PersonStatus(status) if status in PersonStatus.codes() else sa.false())
    return sel


def count(sel) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(sel.order_by(None).subquery())).scalar_one()


def people_rows(sel):
    from core.templating import mask_phone
    depts = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
    sel = sel.order_by(Person.department_path, Person.name, Person.id).limit(export_limit())
    for p in db.session.execute(sel.execution_options(yield_per=2000)).scalars():
        yield [p.name, p.id_masked, p.gender_label, p.birth_date.year, depts.get(p.department_id, ""), p.post, p.rank,
               p.leading, p.entry_date, p.appointed_on, mask_phone(p.phone) if p.phone else None, p.status]


def records_select(user, args):
    """The records list of file.records with its filters: status, category, q."""
    from archive.enums import Category, RecordStatus
    from archive.file import worklists
    from archive.file.models import Record
    from archive.file.services import rule_settings
    status = RecordStatus(args["status"]) if args.get("status") in RecordStatus.codes() else None
    category = Category(args["category"]) if args.get("category") in Category.codes() else None
    sel = worklists.records_select(user, status=status, category=category, settings=rule_settings())
    q = (args.get("q") or "").strip()[:100]
    if q:
        sel = sel.where(Person.name.contains(q, autoescape=True))
    return sel.order_by(Record.decided_on.desc(), Record.id.desc())


def records_rows(sel):
    from archive.enums import Sanction
    from archive.file.services import rule_settings
    settings = rule_settings()
    today = clock.today()
    depts = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
    for record, person in db.session.execute(sel.limit(export_limit()).execution_options(yield_per=2000)):
        yield [person.name, person.id_masked, depts.get(person.department_id, ""), record.category,
               record.sanction if record.sanction is not Sanction.NONE else None, record.severity, record.decided_on,
               "永久" if record.permanent else record.restricted_until, record.authority, record.document_no,
               record.status_on(today, settings), record.disclosable]
