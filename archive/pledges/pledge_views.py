"""One pledge (pages of the pledges blueprint; HR in scope, or the person): the pledge with its
timeline, its PDF, publishing on the public page and withdrawing, cancelling, and recording its
fulfilment (a "not kept" one creates a draft record in the file)."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.pledges import services
from archive.pledges.forms import CancelForm, FulfilmentForm
from archive.pledges.models import Pledge
from archive.pledges.views import _pledge, bp
from core import clock
from core.accounts.permissions import can_manage_person, require_roles
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors


def _record_url(record_id: int) -> str | None:
    """Link to the draft record of a "not kept" fulfilment (the file package's page, if any)."""
    from werkzeug.routing import BuildError
    for endpoint in ("file.record", "file.record_detail"):
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, record_id=record_id)
            except BuildError:
                continue
    return None


def _render_pledge(p: Pledge, fulfilment_form: FulfilmentForm | None = None, status: int = 200):
    return render_template("archive/pledges/pledge.html", pledge=p, manage=can_manage_person(current_user, p.person),
                           own=p.person_id == current_user.person_id, timeline=services.timeline(p),
                           today=clock.today(), fulfilment_form=fulfilment_form or FulfilmentForm(prefix="f"),
                           cancel_form=CancelForm(prefix="c"), record_url=_record_url,
                           text=p.signed_text if p.is_signed else p.template.text), status


@bp.route("/pledges/<int:pledge_id>")
@require_roles("hr", "servant", "committee")
def pledge(pledge_id: int):
    p = _pledge(pledge_id)
    from core.audit.services import record_event
    record_event("pledge_view", p, f"查看《{p.template.title}》")
    db.session.commit()
    return _render_pledge(p)


@bp.route("/pledges/<int:pledge_id>/pdf")
@require_roles("hr", "servant", "committee")
def pledge_pdf(pledge_id: int):
    p = _pledge(pledge_id)
    doc, data = services.print_pledge(p, current_user)
    db.session.commit()
    filename = f"pledge-{p.id}-{doc.serial}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Document-Serial": doc.serial})


@bp.route("/pledges/<int:pledge_id>/publish", methods=["POST"])
@require_roles("hr")
def pledge_publish(pledge_id: int):
    p = services.publish_pledge(_pledge(pledge_id, manage=True))
    db.session.commit()
    flash(_("已在承诺公示页公开（姓名、单位、职务、承诺名称、日期）。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/unpublish", methods=["POST"])
@require_roles("hr")
def pledge_unpublish(pledge_id: int):
    p = services.unpublish_pledge(_pledge(pledge_id, manage=True))
    db.session.commit()
    flash(_("已取消公示。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/cancel", methods=["POST"])
@require_roles("hr")
def pledge_cancel(pledge_id: int):
    p = _pledge(pledge_id, manage=True)
    form = CancelForm(prefix="c")
    try:
        services.cancel_pledge(p, form.reason.data if form.validate_on_submit() else "")
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.fields.get("reason", exc.message), "danger")
    else:
        db.session.commit()
        flash(_("已撤销该签署任务。"), "success")
    return redirect(url_for("pledges.pledge", pledge_id=p.id))


@bp.route("/pledges/<int:pledge_id>/fulfilment", methods=["POST"])
@require_roles("hr")
def pledge_fulfilment(pledge_id: int):
    p = _pledge(pledge_id, manage=True)
    form = FulfilmentForm(prefix="f")
    if form.validate_on_submit():
        try:
            f = services.record_fulfilment(p, period=form.period.data, kept=form.kept.data == "1",
                                           facts=form.facts.data, recorded_by=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields or {"_": exc.message})
        else:
            db.session.commit()
            flash(_("践诺情况已记录。") + (_("已生成“承诺未履行”失信记录草稿，请在失信记录中核实并告知本人。")
                                          if f.record_id else ""), "success")
            return redirect(url_for("pledges.pledge", pledge_id=p.id))
    return _render_pledge(p, form, 422)
