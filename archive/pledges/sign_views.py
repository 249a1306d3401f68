"""The civil servant's pledges (pages of the pledges blueprint): my pledges, and signing one on
a phone (password or 统一身份认证 confirmation, typed name, the text's digest as seen)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from archive.pledges import queries, services
from archive.pledges.forms import SignForm
from archive.pledges.models import PledgeStatus
from archive.pledges.views import _own_pledge, _require_person_account, bp
from core import clock
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors


@bp.route("/my/pledges")
@login_required
def my_pledges():
    _require_person_account()
    rows = db.session.execute(queries.pledges_of_person(current_user.person_id)).scalars().all()
    todo = [p for p in rows if p.status is PledgeStatus.ASSIGNED]
    signed = [p for p in rows if p.status is PledgeStatus.SIGNED]
    return render_template("archive/pledges/my_pledges.html", todo=todo, signed=signed,
                           today=clock.today())


@bp.route("/my/pledges/<int:pledge_id>/sign", methods=["GET", "POST"])
@login_required
def sign(pledge_id: int):
    p = _own_pledge(pledge_id)
    if p.status is PledgeStatus.SIGNED:
        flash(_("该承诺书已签署。"), "info")
        return redirect(url_for("pledges.pledge", pledge_id=p.id))
    if p.status is not PledgeStatus.ASSIGNED:
        raise NotFound(_("承诺书不存在或已撤销"))
    text = p.template.text
    digest = services.text_sha256(text)
    form = SignForm()
    from core.accounts import sso
    sso_session, reauthenticated = bool(session.get("sso")), sso.reauth_fresh()
    if request.method == "GET":
        services.open_pledge(p, current_user)
        db.session.commit()
        form.text_sha256.data = digest
    elif form.validate_on_submit():
        try:
            services.sign_pledge(p, current_user, password=form.password.data or "",
                                 typed_name=form.typed_name.data or "", agree=bool(form.agree.data),
                                 ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
                                 text_sha256_seen=form.text_sha256.data or None,
                                 reauthenticated=sso_session and reauthenticated)
        except ValidationFailed as exc:
            db.session.rollback()
            if sso_session and "password" in exc.fields and not form.password.data:
                exc.fields["password"] = _("请先点击“通过统一身份认证确认身份”完成身份确认（确认后 %(m)s 分钟内有效）",
                                           m=sso.REAUTH_VALID_SECONDS // 60)
            apply_field_errors(form, exc.fields)
            if exc.fields.get("password") == services.WRONG_PASSWORD:
                services.note_failed_signature(_own_pledge(pledge_id), current_user)
                db.session.commit()
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            sso.clear_reauth()
            flash(_("签署成功。承诺书全文及签署凭证已存档，可在本页查看。"), "success")
            return redirect(url_for("pledges.pledge", pledge_id=p.id))
        p = _own_pledge(pledge_id)
    form.password.data = ""
    return render_template("archive/pledges/sign.html", pledge=p, form=form, text=text, sha256=digest,
                           today=clock.today(), sso_session=sso_session, reauthenticated=reauthenticated)
