"""Access rows of the core endpoints (accounts, registry, audit, notifications, shell, API).

Read with tests/security/access_matrix.py (the format) and tests/security/world.py (who
is who). Statuses are what each role must get; anything else fails the matrix test.
"""
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows

ALL = ("own", "same_subtree", "other_subtree", "parent_department", "nonexistent")


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


# HR of 东营区: its own person (刘强, in 东营区) and 史口镇 are in scope; 河口区, 东营市 and ids that
# do not exist are 404. A servant sees only their own person.
HR_SCOPE = rel(own=200, same_subtree=200)
SERVANT_SELF = rel(own=200)
NOBODY = rel()
LOGGED_IN = {"servant": 200, "hr": 200, "committee": 200, "sysadmin": 200, "auditor": 200, "secadmin": 200,
             "anonymous": ANON_PAGE}
OWN_FILE = 403      # no one acts on their own file (issue 17 item 1): HR's own person 刘强 answers 403


def only(role_status: dict, default: int = 403, anonymous: int = ANON_PAGE) -> dict:
    table = {r: default for r in ("servant", "hr", "committee", "sysadmin", "auditor", "secadmin")}
    table.update(role_status)
    table["anonymous"] = anonymous
    return table


def person_page(ok: int, *, hr_ok: int | None = None) -> dict:
    """A person page for hr/servant/committee (require_person), 403 for sysadmin and auditor."""
    hr_ok = ok if hr_ok is None else hr_ok
    return {"servant": rel(own=ok), "hr": rel(own=hr_ok, same_subtree=hr_ok), "committee": NOBODY,
            "sysadmin": 403, "auditor": 403, "anonymous": ANON_PAGE}


def hr_manage(ok: int) -> dict:
    """A person page for HR managing their subtree only (require_roles('hr') + manage scope)."""
    return {"servant": 403, "hr": rel(own=OWN_FILE, same_subtree=ok), "committee": 403, "sysadmin": 403,
            "auditor": 403, "anonymous": ANON_PAGE}


ROWS = [
    # ---- shell -----------------------------------------------------------------------------
    *rows("main.home", "GET", {"servant": (200, 302), "hr": (200, 302), "committee": (200, 302),
                               "sysadmin": 302, "auditor": 302, "secadmin": 302, "anonymous": ANON_PAGE}),
    *rows("main.healthz", "GET", {r: 200 for r in LOGGED_IN}),
    *rows("main.language", "GET", {r: 302 for r in LOGGED_IN}, values={"code": "en"}),
    *rows("main.openapi", "GET", {r: 200 for r in LOGGED_IN}),

    # ---- accounts --------------------------------------------------------------------------
    *rows("accounts.login", "GET", {**{r: 302 for r in LOGGED_IN}, "anonymous": 200}),
    *rows("accounts.login", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": 200}),
    # without a pending password step the second step sends everybody back
    *rows("accounts.login_totp", "GET", {r: 302 for r in LOGGED_IN}),
    *rows("accounts.login_totp", "POST", {r: 302 for r in LOGGED_IN}),
    *rows("accounts.logout", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    *rows("accounts.reauth", "GET", LOGGED_IN),
    *rows("accounts.reauth", "POST", LOGGED_IN),
    *rows("accounts.account", "GET", LOGGED_IN),
    *rows("accounts.password", "GET", LOGGED_IN),
    *rows("accounts.password", "POST", LOGGED_IN),
    *rows("accounts.totp_setup", "GET", LOGGED_IN),
    *rows("accounts.totp_setup", "POST", LOGGED_IN),
    *rows("accounts.totp_recovery_codes", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    *rows("accounts.totp_disable", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    *rows("accounts.new_token", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    # a token can only be revoked by its owner
    *rows("accounts.revoke", "POST", {**{r: rel(own=302) for r in LOGGED_IN}, "anonymous": ANON_PAGE},
          objects=True),
    *rows("accounts.users", "GET", only({"sysadmin": 200, "secadmin": 200})),
    *rows("accounts.user_new", "GET", only({"sysadmin": 200})),
    *rows("accounts.person_lookup", "GET", only({"sysadmin": 200}), query={"q": "张"}),
    *rows("accounts.user_new", "POST", only({"sysadmin": 200})),
    *rows("accounts.user_edit", "GET", only({"sysadmin": rel(200, 200, 200, 200, 404)}), objects=True),
    # an invalid form (empty name): authorised requests re-render it (200), nothing is saved
    *rows("accounts.user_edit", "POST", only({"sysadmin": rel(200, 200, 200, 200, 404)}), objects=True,
          data={"display_name": ""}),
    # one's own second factor or password is never reset by oneself (403); targets are throwaway accounts
    *rows("accounts.user_totp_reset", "POST", only({"sysadmin": rel(403, 302, 302, 302, 404)}), objects=True),
    *rows("accounts.user_password_reset", "POST", only({"sysadmin": rel(403, 200, 200, 200, 404)}), objects=True),
    # 三员分立 (issue 17 item 4): the security administrator grants roles, another one approves
    *rows("accounts.role_grants", "GET", only({"sysadmin": 200, "secadmin": 200})),
    *rows("accounts.user_roles", "GET", only({"secadmin": rel(200, 200, 200, 200, 404)}), objects=True),
    # an unknown role: re-rendered with the error, nothing requested
    *rows("accounts.user_roles", "POST", only({"secadmin": rel(200, 200, 200, 200, 404)}), objects=True,
          data={"roles": "root"}),
    # no decision given: refused with a message (303), nothing decided
    *rows("accounts.role_grant_decision", "POST", only({"secadmin": rel(303, 303, 303, 303, 404)}), objects=True),

    # ---- registry pages --------------------------------------------------------------------
    *rows("registry.departments", "GET", only({"hr": 200, "sysadmin": 200})),
    *rows("registry.department_form", "GET", only({"hr": 200, "sysadmin": 200}), objects=False),
    *rows("registry.department_form", "POST", only({"hr": 200, "sysadmin": 200}), objects=False),
    # editing a department: hr within their subtree (东营区 itself and 史口镇), sysadmin everywhere
    *rows("registry.department_form", "GET", only({"hr": rel(200, 200), "sysadmin": rel(200, 200, 200, 200, 404)}),
          objects=True),
    *rows("registry.department_form", "POST", only({"hr": rel(200, 200), "sysadmin": rel(200, 200, 200, 200, 404)}),
          objects=True, data={"name": ""}),
    *rows("registry.people", "GET", only({"hr": 200})),
    *rows("registry.person_new", "GET", only({"hr": 200})),
    *rows("registry.person_new", "POST", only({"hr": 200})),
    *rows("registry.person", "GET", person_page(302)),
    *rows("registry.person_detail", "GET", person_page(200)),
    *rows("registry.reveal", "POST", hr_manage(200)),
    *rows("registry.person_edit", "GET", hr_manage(200)),
    *rows("registry.person_edit", "POST", hr_manage(200), data={"name": ""}),
    *rows("registry.person_transfer", "GET", hr_manage(200)),
    *rows("registry.person_transfer", "POST", hr_manage(200)),
    *rows("registry.person_status", "POST", hr_manage(302)),

    # ---- audit (auditor only) ------------------------------------------------------------------
    *rows("audit.events", "GET", only({"auditor": 200})),
    *rows("audit.export", "GET", only({"auditor": 200})),

    # ---- working-day calendar (system administrator) ---------------------------------------
    *rows("workcal.index", "GET", only({"sysadmin": 200})),
    *rows("workcal.load", "POST", only({"sysadmin": 422})),          # empty form: inline errors
    *rows("workcal.year", "GET", only({"sysadmin": 200}), values={"year": 2025}),
    *rows("audit.verify", "POST", only({"auditor": 200})),

    # ---- notifications: one's own inbox ----------------------------------------------------------
    *rows("notify.inbox", "GET", LOGGED_IN),
    *rows("notify.mark_read", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    *rows("notify.open_one", "POST", {**{r: rel(own=302) for r in LOGGED_IN}, "anonymous": ANON_PAGE},
          objects=True),

    # ---- registry API ----------------------------------------------------------------------------
    *rows("registry_api.list_departments", "GET", only({"hr": 200, "sysadmin": 200}, anonymous=ANON_API)),
    *rows("registry_api.create_department", "POST", only({"hr": 422, "sysadmin": 422}, anonymous=ANON_API),
          json={}),
    *rows("registry_api.list_people", "GET", only({"hr": 200, "servant": 200, "committee": 200},
                                                  anonymous=ANON_API)),
    *rows("registry_api.create_person", "POST", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("registry_api.get_person", "GET", {"servant": SERVANT_SELF, "hr": HR_SCOPE, "committee": NOBODY,
                                             "sysadmin": 403, "auditor": 403, "anonymous": ANON_API}),
    # a valid body that changes nothing: in scope 200, out of scope 404
    *rows("registry_api.patch_person", "PATCH", {"servant": 403, "hr": rel(own=OWN_FILE, same_subtree=200),
                                                 "committee": 403,
                                                 "sysadmin": 403, "auditor": 403, "anonymous": ANON_API},
          objects=True, json={"version": 1}),
]


# ---- the objects of the account administration rows ------------------------------------------------

def extend_world(world) -> None:
    """Throwaway accounts for the reset rows (a reset ends the target's sessions and tokens,
    which must not be the matrix users'), and pending role grants to decide."""
    from core.accounts.models import RoleGrant
    from core.extensions import db
    from tests import factories as f
    targets = {rel_: f.user(f"target_{rel_}", roles=("servant",)) for rel_ in ("same_subtree", "other_subtree",
                                                                                 "parent_department")}
    world.objects["admin_target"] = targets
    db.session.flush()
    grants = {}
    for rel_, requester in (("own", "secadmin"), ("same_subtree", "sysadmin"), ("other_subtree", "sysadmin"),
                            ("parent_department", "sysadmin")):
        grant = RoleGrant(user_id=targets.get(rel_, targets["same_subtree"]).id, roles="hr",
                          department_id=world.depts["东营区"].id, requested_by_id=world.users[requester].id)
        db.session.add(grant)
        grants[rel_] = grant
    db.session.flush()
    world.objects["grant"] = grants


def _user_id(world, role, relation):
    from tests.security.world import MISSING_ID
    if relation == "nonexistent":
        return MISSING_ID
    if relation == "own":
        return world.id("users", role) if f"users.{role}" in world.ids else world.id("users", "servant")
    return world.id("admin_target", relation)


def _grant_id(world, role, relation):
    from tests.security.world import MISSING_ID
    return MISSING_ID if relation == "nonexistent" else world.id("grant", relation)


ARGS = {"user_id": _user_id, "grant_id": _grant_id}
