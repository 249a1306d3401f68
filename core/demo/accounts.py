"""The demo accounts, one per role (TOTP pre-enrolled where required), and the text
``flask demo accounts`` prints about them."""
from __future__ import annotations

import sqlalchemy as sa

from core import clock
from core.demo.steps import DemoContext
from core.extensions import db

DEMO_ACCOUNTS = [
    # username, roles, where, note
    ("hr", ("hr",), "东营区", "东营区人事干部（范围：东营区）"),
    ("hr_hekou", ("hr",), "河口区", "河口区人事干部（范围：河口区）"),
    ("hr_city", ("hr",), "东营市", "东营市人事干部（范围：全市）"),
    ("servant", ("servant",), "东营区", "东营区公务员（本人档案）"),
    ("committee", ("committee",), "东营市", "考察评审委员"),
    ("admin", ("sysadmin",), None, "系统管理员（账户、单位）"),
    ("auditor", ("auditor",), None, "审计管理员（审计日志）"),
    ("secadmin", ("secadmin",), None, "安全管理员（授权审批，三员分立）"),
]


def _build_accounts(ctx: DemoContext, password: str) -> None:
    from flask import current_app

    from core.accounts.models import User
    from core.accounts.passwords import hash_password
    from core.registry.models import Person
    pw = hash_password(password)
    for username, roles, where, _ in DEMO_ACCOUNTS:
        if db.session.execute(sa.select(User.id).filter_by(username=username)).first():
            continue
        dept_id = ctx.city_id if where == "东营市" else ctx.county_ids.get(where) if where else None
        person_id = None
        if roles not in (("sysadmin",), ("auditor",), ("secadmin",)) and dept_id:
            path = ctx.department_paths[dept_id]
            taken = set(ctx.account_people.values())
            person_id = db.session.execute(
                sa.select(Person.id).where(Person.department_path.startswith(path), Person.status == "active",
                                           Person.id.not_in(taken or {0}))
                .order_by(Person.id).limit(1)).scalar()
        user = User(username=username, display_name=username, password_hash=pw, password_changed_at=clock.utcnow(),
                    department_id=dept_id if roles[0] in ("hr", "committee") else None, person_id=person_id)
        user.set_roles(roles)
        if set(roles) & set(current_app.config["TOTP_REQUIRED_ROLES"]):
            from core.accounts.totp import new_secret  # pre-enrolled: `demo accounts` prints the secret
            user.totp_secret, user.totp_enabled = new_secret(), True
        db.session.add(user)
        db.session.flush()
        ctx.accounts[username] = user.id
        if person_id:
            ctx.account_people[username] = person_id
            if username == "servant":
                person = db.session.get(Person, person_id)
                assert person is not None   # its id was just selected from people
                user.display_name = person.name


def accounts_text(password: str) -> str:
    lines = ["Demo accounts (password for all: " + password + "):"]
    secrets_ = _demo_totp_secrets()
    for username, roles, _, note in DEMO_ACCOUNTS:
        lines.append(f"  {username:<10} {','.join(roles):<10} {note}")
    if secrets_:
        import pyotp
        lines.append("Two-factor authentication (required for hr, sysadmin, auditor, secadmin): add the secret to an "
                     "authenticator app, or use the current code (valid ~30 s; run `flask --app wsgi demo "
                     "accounts` again for a fresh one):")
        for username, secret in secrets_:
            lines.append(f"  {username:<10} secret {secret}  current code {pyotp.TOTP(secret).now()}")
    return "\n".join(lines)


def _demo_totp_secrets() -> list[tuple[str, str]]:
    """(username, TOTP secret) of the enrolled demo accounts (empty outside an app context)."""
    from flask import has_app_context
    if not has_app_context():
        return []
    from core.accounts.models import User
    names = [a[0] for a in DEMO_ACCOUNTS]
    try:
        rows = db.session.execute(sa.select(User.username, User.totp_secret).where(
            User.username.in_(names), User.totp_enabled.is_(True))).all()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return []
    order = {n: i for i, n in enumerate(names)}
    return sorted(((r.username, r.totp_secret) for r in rows if r.totp_secret), key=lambda r: order[r[0]])
