"""Role grants under 三员分立 (issue 17 item 4): who may give an account its rights.

- The system administrator creates and maintains accounts (names, person link, enabled,
  password and 2FA resets) but gives no rights: any privileged role he asks for waits here.
- A security administrator (安全管理员, role ``secadmin``) asks for or decides role grants;
  a grant takes effect only when a security administrator *other than the requester* (and
  other than the account's holder) approves it. Removing a role takes effect at once: less
  privilege is never dangerous.
- The audit log names both: ``role_grant_request`` (the requester acts) and
  ``role_grant_approve`` / ``role_grant_reject`` (the approver acts, the requester named).
- The command line (``users create``) is the operator's bootstrap and grants at once.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core import clock
from core.accounts.models import RoleGrant, User
from core.audit.services import record_event
from core.enums import Role
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db

PRIVILEGED = frozenset({"hr", "committee", "sysadmin", "auditor", "secadmin"})
SCOPED = frozenset({"hr", "committee"})
PENDING, APPROVED, REJECTED, SUPERSEDED = "pending", "approved", "rejected", "superseded"
STATE_LABELS = {PENDING: "待批准", APPROVED: "已批准", REJECTED: "已驳回", SUPERSEDED: "已被新申请取代"}


def needs_approval(user: User, wanted: set[str], department_id: int | None) -> bool:
    """Does this role set add a privileged role, or move the scope of a scoped one?"""
    if (wanted - user.roles) & PRIVILEGED:
        return True
    return bool(wanted & SCOPED) and (department_id or None) != user.department_id


def request_roles(user: User, roles, department_id: int | None, *, requested_by, reason: str = "") -> RoleGrant | None:
    """Ask for ``roles`` (the whole wanted set) and scope ``department_id`` for ``user``.

    Roles removed (and ``servant``) apply at once; additions of privileged roles and a new
    scope wait for approval (the returned grant). None when nothing waits."""
    from core.accounts.auth import end_session
    from core.accounts.services import validate_roles
    from core.accounts.tokens import revoke_all_tokens
    fields = validate_roles(roles, department_id, user.person_id, allow_empty=True)
    if department_id:
        from core.registry.models import Department
        if not isinstance(department_id, int) or not 0 < department_id < 2**31 \
                or db.session.get(Department, department_id) is None:
            fields["department_id"] = _("单位不存在")
    if fields:
        raise ValidationFailed(fields)
    wanted = {Role(r).value for r in roles}
    now = (user.roles & wanted) | (wanted - PRIVILEGED)
    if now != user.roles:
        user.set_roles(now)
        record_event("user_roles_reduce", user, f"roles={','.join(sorted(now)) or '-'}")
        end_session(user, "roles changed")
        revoke_all_tokens(user, "roles changed")
    if not needs_approval(user, wanted, department_id):
        return None
    for old in db.session.execute(db.select(RoleGrant).filter_by(user_id=user.id, state=PENDING)).scalars():
        old.state = SUPERSEDED
    grant = RoleGrant(user_id=user.id, roles=",".join(sorted(wanted)), department_id=department_id or None,
                      requested_by_id=getattr(requested_by, "id", None), reason=(reason or "")[:500])
    db.session.add(grant)
    db.session.flush()
    record_event("role_grant_request", user,
                 f"申请授予 {','.join(sorted(wanted))}（单位 {department_id or '-'}），待安全管理员批准")
    return grant


def _check_decider(grant: RoleGrant, decider) -> None:
    if not decider.has_role("secadmin"):
        raise Forbidden(_("只有安全管理员可以批准或驳回授权申请"))
    if grant.requested_by_id == decider.id:
        raise Forbidden(_("授权须由申请人以外的安全管理员批准（双人审批）"), code="same_person")
    if grant.user_id == decider.id:
        raise Forbidden(_("不能批准授予本人的权限"), code="own_account")
    if grant.state != PENDING:
        raise Conflict("illegal_state", _("该授权申请已处理"))


def approve(grant: RoleGrant, approver) -> User:
    """The second person: the roles and scope take effect; old sessions and tokens end."""
    from core.accounts.auth import end_session
    from core.accounts.services import validate_roles
    from core.accounts.tokens import revoke_all_tokens
    _check_decider(grant, approver)
    user = grant.user
    fields = validate_roles(grant.role_set, grant.department_id, user.person_id)
    if fields:
        raise ValidationFailed(fields)
    user.set_roles(grant.role_set)
    user.department_id = grant.department_id
    grant.state, grant.decided_by_id, grant.decided_at = APPROVED, approver.id, clock.utcnow()
    db.session.flush()
    requester = grant.requested_by.username if grant.requested_by else "-"
    record_event("role_grant_approve", user,
                 f"授予 {grant.roles}（单位 {grant.department_id or '-'}）：申请人 {requester}，批准人 {approver.username}")
    end_session(user, "roles changed")
    revoke_all_tokens(user, "roles changed")
    return user


def reject(grant: RoleGrant, approver, reason: str = "") -> RoleGrant:
    _check_decider(grant, approver)
    grant.state, grant.decided_by_id, grant.decided_at = REJECTED, approver.id, clock.utcnow()
    grant.reason = (reason or grant.reason or "")[:500]
    requester = grant.requested_by.username if grant.requested_by else "-"
    record_event("role_grant_reject", grant.user,
                 f"驳回授予 {grant.roles}：申请人 {requester}，驳回人 {approver.username}")
    db.session.flush()
    return grant


def pending_for(user: User) -> RoleGrant | None:
    return db.session.execute(db.select(RoleGrant).filter_by(user_id=user.id, state=PENDING)
                              .order_by(RoleGrant.id.desc()).limit(1)).scalar_one_or_none()
