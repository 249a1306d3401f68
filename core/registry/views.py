"""Departments and people pages (HR within scope; sysadmin manages departments only)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core import clock
from core.accounts.permissions import (
    can_manage_department,
    departments_in_scope,
    people_in_scope,
    require_department,
    require_person,
    require_roles,
)
from core.enums import PersonStatus
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.listing import Listing
from core.registry import services
from core.registry.filters import people_filters
from core.registry.forms import DepartmentForm, PersonEditForm, PersonForm, StatusForm, TransferForm
from core.registry.models import Department, Person
from core.registry.search_keys import name_order

bp = Blueprint("registry", __name__)

PEOPLE_SORTS = {"name": Person.name, "department": Person.department_path, "entry_date": Person.entry_date,
                "post": Person.post, "status": Person.status, "id": Person.id}


def department_choices(blank: str | None = None):
    rows = list(db.session.execute(departments_in_scope(current_user).with_only_columns(
        Department.id, Department.name, Department.depth, Department.path)).all())
    # tree order with siblings in creation order ("/1/2/10/" after "/1/2/3/", not before)
    rows.sort(key=lambda r: [int(part) for part in r.path.strip("/").split("/") if part.isdigit()])
    base = min((r.depth for r in rows), default=0)
    choices = [(r.id, "　" * (r.depth - base) + r.name) for r in rows]
    return ([(0, blank)] if blank else []) + choices


@bp.route("/departments")
@require_roles("hr", "sysadmin")
def departments():
    rows = db.session.execute(departments_in_scope(current_user)).scalars().all()
    counts = dict(db.session.execute(
        db.select(Person.department_id, sa.func.count()).where(Person.status == PersonStatus.ACTIVE,
                                                               Person.department_id.in_([d.id for d in rows]))
        .group_by(Person.department_id)).all()) if current_user.has_role("hr") else {}
    return render_template("core/departments.html", departments=rows, counts=counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:dept_id>/edit", methods=["GET", "POST"])
@require_roles("hr", "sysadmin")
def department_form(dept_id: int | None = None):
    dept = require_department(dept_id) if dept_id else None
    form = DepartmentForm(obj=dept)
    form.parent_id.choices = department_choices(blank=_("（顶级单位）") if current_user.has_role("sysadmin") else None)
    if request.method == "GET" and dept is None and request.args.get("parent"):
        form.parent_id.data = request.args.get("parent", type=int)
    if form.validate_on_submit():
        try:
            if dept is None:
                parent = require_department(form.parent_id.data) if form.parent_id.data else None
                if parent is None and not current_user.has_role("sysadmin"):
                    raise ValidationFailed({"parent_id": _("请选择上级单位")})
                dept = services.create_department(name=form.name.data, parent=parent, code=form.code.data,
                                                  kind=form.kind.data)
            else:
                services.update_department(dept, name=form.name.data, code=form.code.data, kind=form.kind.data,
                                           version=_int(form.version.data) or 0)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("单位已保存。"), "success")
            return redirect(url_for("registry.departments"))
    return render_template("core/department_form.html", form=form, dept=dept)


@bp.route("/people")
@require_roles("hr")
def people():
    # names in pinyin order: ICU collation on PostgreSQL, else the stored pinyin key (search_keys)
    sorts = {"id": Person.id, "name": name_order(Person, db.session), **{k: v for k, v in PEOPLE_SORTS.items()
                                                                        if k not in ("id", "name")}}
    listing = Listing(request.args, sorts, default_sort="name")
    sel = people_in_scope(current_user).where(services.search_clause(listing.q))
    dept_id = request.args.get("department_id", type=int)
    if dept_id:
        dept = require_department(dept_id)
        sel = sel.where(Person.department_path.startswith(dept.path, autoescape=True))
    status = request.args.get("status") or "active"
    if status != "all":
        sel = sel.where(Person.status == PersonStatus(status) if status in PersonStatus.codes()
                        else sa.false())
    chosen = {}
    for f in people_filters():
        code = (request.args.get(f.name) or "").strip()[:32]
        if code:
            clause = f.clause(code, clock.today())
            sel = sel.where(clause if clause is not None else sa.false())
            chosen[f.name] = code
    page = listing.paginate_capped(sel)
    return render_template("core/people.html", page=page, listing=listing, status=status, dept_id=dept_id,
                           departments=department_choices(blank=_("全部单位")), statuses=PersonStatus.choices(),
                           extra_filters=people_filters(), chosen=chosen)


@bp.route("/people/new", methods=["GET", "POST"])
@require_roles("hr")
def person_new():
    form = PersonForm()
    form.department_id.choices = department_choices()
    if form.validate_on_submit():
        dept = db.session.get(Department, form.department_id.data)
        data = services.PersonInput(name=form.name.data, id_number=form.id_number.data, department=dept,
                                    entry_date=form.entry_date.data, post=form.post.data, rank=form.rank.data,
                                    leading=form.leading.data, appointed_on=form.appointed_on.data,
                                    phone=form.phone.data, email=form.email.data)
        try:
            person = services.register_person(data, in_scope=lambda d: can_manage_department(current_user, d))
        except (ValidationFailed, Conflict) as exc:
            apply_field_errors(form, exc.fields or {"id_number": exc.message})
        else:
            db.session.commit()
            flash(_("已登记 %(name)s。", name=person.name), "success")
            return redirect(url_for("registry.person", person_id=person.id))
    elif form.is_submitted() and form.id_number.data and not form.id_number.errors:
        problem = services.id_number_problem(form.id_number.data)   # show every problem at once
        if problem:
            form.id_number.errors = [problem]
    return render_template("core/person_form.html", form=form, person=None)


@bp.route("/people/<int:person_id>")
@require_roles("hr", "servant", "committee")
def person(person_id: int):
    """The person page: registry data; the integrity file lives at file.person_file."""
    p = require_person(person_id)
    if "file.person_file" in _endpoints():
        return redirect(url_for("file.person_file", person_id=p.id))
    return redirect(url_for("registry.person_detail", person_id=p.id))


@bp.route("/people/<int:person_id>/registry")
@require_roles("hr", "servant", "committee")
def person_detail(person_id: int):
    p = require_person(person_id)
    from core.audit.services import record_event
    record_event("person_view", p, "查看人员信息")
    changes = db.session.execute(services.history(p).limit(100)).scalars().all()
    db.session.commit()
    return render_template("core/person_detail.html", person=p, changes=changes)


@bp.route("/people/<int:person_id>/reveal", methods=["POST"])
@require_roles("hr")
def reveal(person_id: int):
    p = require_person(person_id, manage=True)
    full = services.reveal_id_number(p)
    db.session.commit()
    return render_template("core/reveal.html", person=p, full=full)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def person_edit(person_id: int):
    p = require_person(person_id, manage=True)
    form = PersonEditForm(obj=p)
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in ("name", "post", "rank", "leading", "entry_date",
                                                      "appointed_on", "phone", "email")}
        try:
            services.update_person(p, changes, version=_int(form.version.data) or 0, reason=form.reason.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("人员信息已保存。"), "success")
            return redirect(url_for("registry.person_detail", person_id=p.id))
    return render_template("core/person_form.html", form=form, person=p)


@bp.route("/people/<int:person_id>/transfer", methods=["GET", "POST"])
@require_roles("hr")
def person_transfer(person_id: int):
    p = require_person(person_id, manage=True)
    form = TransferForm(version=p.version)
    form.department_id.choices = department_choices()
    status_form = StatusForm(version=p.version, status=p.status.value, prefix="s")
    if form.validate_on_submit():
        try:
            dept = require_department(form.department_id.data)
            services.transfer_person(p, dept, on=form.on.data, reason=form.reason.data,
                                     version=_int(form.version.data) or 0)
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("%(name)s 已调至 %(name2)s。", name=p.name, name2=dept.name), "success")
            return redirect(url_for("registry.person_detail", person_id=p.id))
    return render_template("core/person_transfer.html", form=form, status_form=status_form, person=p)


@bp.route("/people/<int:person_id>/status", methods=["POST"])
@require_roles("hr")
def person_status(person_id: int):
    p = require_person(person_id, manage=True)
    form = StatusForm(prefix="s")
    if form.validate_on_submit():
        try:
            services.change_status(p, form.status.data, reason=form.reason.data, version=_int(form.version.data) or 0)
        except Conflict as exc:
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("人员状态已更新。"), "success")
    else:
        flash(_("请选择有效的人员状态。"), "danger")
    return redirect(url_for("registry.person_detail", person_id=p.id))


def _endpoints():
    from flask import current_app
    return current_app.view_functions


def _int(value):
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500
