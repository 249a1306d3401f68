from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import db
from core.notify import services

bp = Blueprint("notify", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def inbox():
    page = db.paginate(services.inbox(current_user), per_page=30, error_out=False)
    return render_template("core/notifications.html", page=page)


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()]
    n = services.mark_read(current_user, ids or None)
    db.session.commit()
    flash(_("已将 %(n)s 条通知标为已读。", n=n), "info")
    return redirect(url_for("notify.inbox"))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    from core.notify.models import Notification
    n = db.session.execute(services.inbox(current_user).where(Notification.id == notification_id)).scalar_one_or_none()
    if n is None:
        from core.errors import NotFound
        raise NotFound()
    services.mark_read(current_user, [n.id])
    db.session.commit()
    link = n.link if n.link and n.link.startswith("/") and not n.link.startswith("//") else url_for("notify.inbox")
    return redirect(link)
