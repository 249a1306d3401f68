"""Pages of the integrity file: the file page (HR, committee), my file (servant), the forms of
every record type, record detail with history, objections and complaints, HR worklists.

This module holds the blueprint, the helpers the pages share and the file pages; the other
pages are registered on ``bp`` by the modules imported at its end: ``entry_views``
(appraisals, awards, matter checks, cases), ``record_views`` (records), ``objection_views``
(objections, complaints) and ``worklist_views`` (the HR worklists)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from archive.file import cache, services
from archive.file.todo import servant_todo
from core import clock
from core.accounts.permissions import can_manage_person, is_own_person, require_person, require_roles
from core.audit.services import record_event
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors

bp = Blueprint("file", __name__)


def _int(value):
    from core.safe_args import safe_int
    return safe_int(value)       # beyond 32 bits: no row, never a 500


def _failed(form, exc: DomainError) -> None:
    """Undo the half-done act and show the service's problems on the form."""
    db.session.rollback()
    if isinstance(exc, ValidationFailed) and exc.fields:
        apply_field_errors(form, exc.fields)
    else:
        apply_field_errors(form, exc.fields)
        form.form_errors.append(exc.message)


def _as_of() -> date | None:
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(_("查询日期格式须为 YYYY-MM-DD，已按今天显示。"), "warning")
        return None


def _file_url(person) -> str:
    if is_own_person(current_user, person) and not can_manage_person(current_user, person):
        return url_for("file.my_file")
    return url_for("file.person_file", person_id=person.id)


# --------------------------------------------------------------------------- the file

@bp.route("/people/<int:person_id>/file")
@require_roles("hr", "servant", "committee")
def person_file(person_id: int):
    """Today's content comes from the cache (archive/file/cache.py) while nothing it was built
    from changed. The view is audited after rendering: the chain lock is held only for the
    insert and the commit, and nothing loaded is expired before the page is rendered."""
    person = require_person(person_id)
    as_of = _as_of()
    manage, own = can_manage_person(current_user, person), is_own_person(current_user, person)

    def build() -> str:
        data = services.load_file(person, as_of, include_drafts=manage)
        missing = services.established_missing_items(person) if manage and not data.established else []
        return render_template("archive/file/_person_file_content.html", data=data, person=person, manage=manage,
                               own=own, missing=missing)
    content = build() if as_of else cache.file_html(person, cache.FileVariant.page(manage=manage, own=own), build)
    page = render_template("archive/file/person_file.html", content=Markup(content), person=person)  # noqa: S704
    record_event("file_view", person, "查看诚信档案" + (f"（评价日期 {as_of.isoformat()}）" if as_of else ""))
    db.session.commit()
    return page


@bp.route("/my/file")
@require_roles("servant")
def my_file():
    if not current_user.person_id:
        raise NotFound(_("您的账户尚未关联人员档案，请联系人事部门"))
    person = require_person(current_user.person_id)

    def build() -> str:
        data = services.load_file(person, include_drafts=False)
        return render_template("archive/file/_my_file_content.html", data=data, person=person, manage=False, own=True)
    content = cache.file_html(person, cache.FileVariant.my(), build)
    todo = servant_todo(person, clock.today())       # fresh on every view: not part of the cached content
    page = render_template("archive/file/my_file.html", content=Markup(content), todo=todo)  # noqa: S704
    record_event("file_view", person, "本人查看诚信档案")
    db.session.commit()
    return page


@bp.route("/people/<int:person_id>/establish", methods=["POST"])
@require_roles("hr")
def establish(person_id: int):
    person = require_person(person_id, manage=True)
    try:
        services.establish_file(person)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认档案建立。"), "success")
    return redirect(url_for("file.person_file", person_id=person.id))


from archive.file import (  # noqa: E402,F401 - register the other pages on bp
    entry_views,
    objection_views,
    record_views,
    worklist_views,
)
