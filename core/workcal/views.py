"""The system administrator's page of the working-day calendar: the years known, a year's days,
and a form to add (or correct) a year from its State Council notice."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import fresh_login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from core import clock
from core.accounts.permissions import require_roles
from core.errors import NotFound
from core.extensions import db
from core.forms import length, required
from core.workcal import service
from core.workcal.schedule import MAX_BYTES, ScheduleInvalid

bp = Blueprint("workcal", __name__, url_prefix="/admin/calendar")

EXAMPLE = """year,kind,from,to,name
2027,source,,,国务院办公厅关于2027年部分节假日安排的通知
2027,holiday,2027-01-01,,元旦
2027,workday,2027-02-06,,春节调休"""


class ScheduleForm(FlaskForm):
    content = TextAreaField(_l("节假日安排（CSV）"), validators=[required(), length(MAX_BYTES)])


def _page(form: ScheduleForm, status: int = 200):
    return render_template("core/calendar.html", years=service.overview(), form=form, example=EXAMPLE,
                           missing=service.missing_next_year(), today=clock.today()), status


@bp.route("/", methods=["GET"])
@require_roles("sysadmin")
def index():
    return _page(ScheduleForm())


@bp.route("/", methods=["POST"])
@require_roles("sysadmin")
@fresh_login_required
def load():
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        years = service.load(form.content.data)
    except ScheduleInvalid as exc:
        db.session.rollback()
        form.content.errors = [str(e) for e in exc.errors]
        return _page(form, 422)
    db.session.commit()
    flash(_("已载入 %(years)s 年的节假日安排。", years="、".join(map(str, years))), "success")
    return redirect(url_for("workcal.year", year=years[0]))


@bp.route("/<int:year>")
@require_roles("sysadmin")
def year(year: int):
    days = service.year_days(year)
    if days is None:
        raise NotFound(_("没有 %(year)s 年的节假日安排", year=year))
    info = next(y for y in service.overview() if y.year == year)
    return render_template("core/calendar_year.html", info=info, days=days)
