"""Role grants by the security administrator (pages of the accounts blueprint): the pending and
recent grants, asking for a user's roles and scope, approving or rejecting a request."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required

from core.accounts import grants
from core.accounts.forms import RolesForm
from core.accounts.models import User
from core.accounts.permissions import require_roles
from core.accounts.user_views import _department_choices, _raise_nf
from core.accounts.views import bp
from core.errors import ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors


@bp.route("/admin/role-grants")
@require_roles("secadmin", "sysadmin")
def role_grants():
    from core.accounts.models import RoleGrant
    pending = db.session.execute(db.select(RoleGrant).filter_by(state=grants.PENDING)
                                 .order_by(RoleGrant.id)).scalars().all()
    recent = db.session.execute(db.select(RoleGrant).where(RoleGrant.state != grants.PENDING)
                                .order_by(RoleGrant.id.desc()).limit(50)).scalars().all()
    from core.enums import Role
    return render_template("core/role_grants.html", pending=pending, recent=recent, labels=grants.STATE_LABELS,
                           role_labels={r.value: r.label for r in Role})


@bp.route("/admin/users/<int:user_id>/roles", methods=["GET", "POST"])
@require_roles("secadmin")
@fresh_login_required
def user_roles(user_id: int):
    """The security administrator asks for a role set and scope; another one approves."""
    user = db.session.get(User, user_id) or _raise_nf()
    form = RolesForm()
    form.department_id.choices = _department_choices()
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.department_id.data = user.department_id or 0
    if form.validate_on_submit():
        try:
            grant = grants.request_roles(user, form.roles.data, form.department_id.data or None,
                                         requested_by=current_user, reason=form.reason.data or "")
        except ValidationFailed as exc:
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("授权申请已提交，须由另一名安全管理员批准后生效。") if grant else _("角色已更新。"), "success")
            return redirect(url_for("accounts.role_grants"))
    return render_template("core/user_roles.html", form=form, user=user, pending=grants.pending_for(user))


@bp.route("/admin/role-grants/<int:grant_id>/decision", methods=["POST"])
@require_roles("secadmin")
@fresh_login_required
def role_grant_decision(grant_id: int):
    from core.accounts.models import RoleGrant
    grant = db.session.get(RoleGrant, grant_id) or _raise_nf()
    decision = request.form.get("decision")
    if decision == "approve":
        grants.approve(grant, current_user)
        message = _("已批准：%(username)s 的角色已生效。", username=grant.user.username)
    elif decision == "reject":
        grants.reject(grant, current_user, request.form.get("reason", "")[:500])
        message = _("已驳回该授权申请。")
    else:
        raise ValidationFailed({"decision": _("请选择批准或驳回")})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("accounts.role_grants"))
