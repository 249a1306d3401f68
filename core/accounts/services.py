"""Account administration (sysadmin): create users, disable, passwords. Rights (roles and
scope) are granted through core.accounts.grants (a security administrator approves)."""
from __future__ import annotations

from flask_babel import gettext as _

from core import clock
from core.accounts.models import User
from core.accounts.passwords import hash_password, policy_problems, verify_password
from core.audit.services import record_event
from core.changes import SHARED, changed
from core.enums import Role
from core.errors import Conflict, ValidationFailed
from core.extensions import db

SCOPED_ROLES = {"hr", "committee"}


def validate_roles(roles, department_id, person_id, *, allow_empty: bool = False) -> dict:
    fields = {}
    try:
        roles = {Role(r).value for r in roles}
    except ValueError:
        return {"roles": "角色无效"}
    if not roles and not allow_empty:
        fields["roles"] = _("至少选择一个角色")
    if roles & {"hr"} and not department_id:
        fields["department_id"] = _("人事干部须指定管理单位")
    if "servant" in roles and not person_id:
        fields["person_id"] = _("公务员账户须关联人员")
    if roles & {"sysadmin", "auditor"} and roles & {"hr", "committee"}:
        fields["roles"] = _("系统管理员、审计管理员不能兼任业务角色（三员分立）")
    if "sysadmin" in roles and "auditor" in roles:
        fields["roles"] = _("系统管理员与审计管理员不能由同一账户担任")
    if "secadmin" in roles and roles - {"secadmin", "servant"}:
        fields["roles"] = _("安全管理员不能兼任系统管理员、审计管理员或业务角色（三员分立）")
    return fields


_validate_roles = validate_roles


def create_user(*, username: str, display_name: str, roles, password: str, department_id: int | None = None,
                person_id: int | None = None, email: str | None = None, immediate: bool = False,
                one_time: bool = True, requested_by=None) -> User:
    """A new account. Its password is one-time (changed at the first login) unless
    ``one_time=False`` (the operator's own, from the command line).

    ``immediate``: the roles take effect at once (the command line: the operator's
    bootstrap). Otherwise (web, API) only ``servant`` does; privileged roles and the scope
    wait for a security administrator's approval (core.accounts.grants)."""
    username = (username or "").strip()
    fields = validate_roles(roles, department_id, person_id)
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        fields["username"] = _("用户名只能包含字母、数字、下划线和点")
    elif db.session.execute(db.select(User.id).filter_by(username=username)).first():
        fields["username"] = _("该用户名已存在")
    problems = policy_problems(password or "", username)
    if problems:
        fields["password"] = "；".join(problems)
    if person_id:
        from core.registry.models import Person
        if db.session.get(Person, person_id) is None:
            fields["person_id"] = _("人员不存在")
        elif db.session.execute(db.select(User.id).filter_by(person_id=person_id)).first():
            fields["person_id"] = _("该人员已有账户")
    if department_id:
        from core.registry.models import Department
        if db.session.get(Department, department_id) is None:
            fields["department_id"] = _("单位不存在")
    if fields:
        raise ValidationFailed(fields)
    from core.accounts.grants import PRIVILEGED, request_roles
    wanted = {Role(r).value for r in roles}
    user = User(username=username, display_name=(display_name or username).strip()[:64],
                password_hash=hash_password(password), password_changed_at=clock.utcnow(),
                department_id=(department_id or None) if immediate else None, person_id=person_id or None,
                email=email or None, must_change_password=one_time)
    user.set_roles(wanted if immediate else wanted - PRIVILEGED)
    db.session.add(user)
    db.session.flush()
    record_event("user_create", user, f"{username}: {','.join(sorted(user.roles)) or '-'}"
                 + ("（操作员命令行，角色立即生效）" if immediate else "") + ("，一次性密码" if one_time else ""))
    if not immediate:
        request_roles(user, wanted, department_id, requested_by=requested_by)
    return user


def update_user(user: User, *, display_name: str, roles, department_id, person_id, email, is_enabled: bool,
                version: int | None = None, requested_by=None) -> User:
    """The sysadmin's edit: names, person link, enabled at once; roles through a grant request."""
    from core.accounts.auth import end_session
    from core.accounts.grants import request_roles
    from core.accounts.tokens import revoke_all_tokens
    if version is not None and version != user.version:
        raise Conflict("stale_version", _("该账户已被他人修改，请刷新后重试"))
    fields = validate_roles(roles, department_id, person_id)
    if fields:
        raise ValidationFailed(fields)
    before = (user.person_id, user.is_enabled)
    name = (display_name or user.username).strip()[:64]
    if name != user.display_name:
        changed(None, SHARED)       # files show who entered, decided and signed (user names)
    user.display_name = name
    user.person_id, user.email = person_id or None, email or None
    user.is_enabled = is_enabled
    record_event("user_update", user, f"enabled={is_enabled}")
    db.session.flush()
    if before != (user.person_id, user.is_enabled):
        end_session(user, "person or status changed")   # a copied cookie must not keep old rights
        if not is_enabled:
            revoke_all_tokens(user, "account disabled")
    request_roles(user, roles, department_id, requested_by=requested_by)
    return user


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    fields = {}
    if not verify_password(user.password_hash, current or ""):
        fields["current"] = _("当前密码不正确")
    if new != confirm:
        fields["confirm"] = _("两次输入的新密码不一致")
    problems = policy_problems(new or "", user.username)
    if problems:
        fields["new"] = "；".join(problems)
    elif current == new:
        fields["new"] = _("新密码不能与当前密码相同")
    if fields:
        raise ValidationFailed(fields)
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """The holder's own new password: one-time no longer; other sessions and tokens end."""
    from core.accounts.auth import end_session
    from core.accounts.tokens import revoke_all_tokens
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.utcnow()
    user.must_change_password = False
    record_event("password_change", user, "密码已修改")
    end_session(user, "password changed")
    revoke_all_tokens(user, "password changed")


def reset_password(user: User) -> str:
    """The administrator's reset: a random one-time password (shown once to the administrator),
    to be changed at the first login; sessions and tokens end."""
    import secrets

    from core.accounts.auth import end_session
    from core.accounts.tokens import revoke_all_tokens
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    temporary = "".join(secrets.choice(alphabet) for _ in range(12)) + "-" + str(secrets.randbelow(90) + 10) + "!"
    user.password_hash = hash_password(temporary)
    user.password_changed_at = clock.utcnow()
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    record_event("password_reset", user, "管理员重置密码（一次性，首次登录须修改）")
    end_session(user, "password reset")
    revoke_all_tokens(user, "password reset")
    return temporary
