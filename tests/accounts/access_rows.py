"""Access rows of account activation and single sign-on (core/accounts/activation_views.py, sso.py).

SSO is not configured in the matrix world: both SSO routes answer 404 to everybody.
"""
import secrets
from datetime import timedelta

from core import clock
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


def only(role_status: dict, default: int = 403, anonymous: int = ANON_PAGE) -> dict:
    table = {r: default for r in ("servant", "hr", "committee", "sysadmin", "auditor")}
    table.update(role_status)
    table["anonymous"] = anonymous
    return table


LOGGED_IN = ("servant", "hr", "committee", "sysadmin", "auditor")


def extend_world(world):
    """One activation batch per department of the world (HR of 东营区 sees 东营区 and 史口镇's)."""
    from core.accounts.models import ActivationBatch
    from core.extensions import db
    batches = {}
    for name, dept in world.depts.items():
        batches[name] = ActivationBatch(department_id=dept.id, salt=secrets.token_hex(16),
                                        expires_at=clock.utcnow() + timedelta(days=30))
        db.session.add(batches[name])
    db.session.flush()
    world.objects["activation_batches"] = batches


def _batch_id(world, role, relation):
    key = world.department_key(role, relation)
    return world.id("activation_batches", key) if key else MISSING_ID


ARGS = {"batch_id": _batch_id}

HR_BATCH = rel(own=200, same_subtree=200)

ROWS = [
    # ---- single sign-on (not configured here) ----------------------------------------------------
    *rows("sso.login", "GET", {r: 404 for r in (*LOGGED_IN, "anonymous")}),
    *rows("sso.callback", "GET", {r: 404 for r in (*LOGGED_IN, "anonymous")}),
    *rows("sso.reauth", "GET", {**{r: 404 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),

    # ---- activation ------------------------------------------------------------------------------
    *rows("activation.activate", "GET", {**{r: 302 for r in LOGGED_IN}, "anonymous": 200}),
    *rows("activation.activate", "POST", {**{r: 302 for r in LOGGED_IN}, "anonymous": 200}),
    *rows("activation.welcome", "GET", {**{r: 200 for r in LOGGED_IN}, "anonymous": ANON_PAGE}),
    *rows("activation.batches", "GET", only({"hr": 200})),
    # an empty form: HR sees it again with the error, nothing is created
    *rows("activation.batches", "POST", only({"hr": 200})),
    *rows("activation.slips", "GET", only({"hr": HR_BATCH}), objects=True),

    # ---- activation API --------------------------------------------------------------------------
    *rows("activation_api.api_create_batch", "POST", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("activation_api.api_slips", "GET", only({"hr": HR_BATCH}, anonymous=ANON_API), objects=True),
    # public: an empty body is refused for everybody alike
    *rows("activation_api.api_activate", "POST", {r: 422 for r in (*LOGGED_IN, "anonymous")}, json={}),
]
