"""Access rows of pledges (pages and API), read by tests/security/test_routes.py.

The world gets (extend_world) one published pre-appointment template and, for every person
of tests/security/world.py, one unsigned pre-appointment pledge. Relations are the acting
user's (world.person_key): the servant's own is 张伟, HR's own is 刘强 (in 东营区, in scope),
the committee member's own is 周敏 (no open review covers the people of the relations).

Rules: HR of the subtree manages (out of scope: 404); the person sees and signs their own
pledges (anyone else: 404); sysadmin and auditor 403; the public page is open. Bodies are
chosen so that nothing changes: in scope the service refuses (422 invalid, 409 state; an
unsigned pledge cannot be published, printed or fulfilled), out of scope it is 404. The
only act that changes the world (retiring the template) is the last row.
"""
from __future__ import annotations

from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID

PEOPLE = ("servant_own", "hr_own", "same_subtree", "other_subtree", "parent_department", "committee_own", "binzhou")


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


def only(role_status: dict, default: int = 403, anonymous: int = ANON_PAGE) -> dict:
    table = {r: default for r in ("servant", "hr", "committee", "sysadmin", "auditor")}
    table.update(role_status)
    table["anonymous"] = anonymous
    return table


def hr_only(status, anonymous=ANON_PAGE) -> dict:
    return only({"hr": status}, anonymous=anonymous)


OWN_FILE = 403      # no one acts on their own file (issue 17 item 1): 403 own_file


def hr_manage(ok, anonymous=ANON_PAGE) -> dict:
    """HR of the subtree only (王芳 is in 东营区's scope); 刘强 is hr's own file: 403."""
    return only({"hr": rel(own=OWN_FILE, same_subtree=ok)}, anonymous=anonymous)


def viewable(ok=200, anonymous=ANON_PAGE) -> dict:
    """The person themselves and HR in scope; committee members outside a review: 404."""
    return {"servant": rel(own=ok), "hr": rel(own=ok, same_subtree=ok), "committee": rel(),
            "sysadmin": 403, "auditor": 403, "anonymous": anonymous}


def own_only(ok, anonymous=ANON_PAGE) -> dict:
    """Signing: the person themselves only (HR and the committee member sign their own too)."""
    return {"servant": rel(own=ok), "hr": rel(own=ok), "committee": rel(own=ok),
            "sysadmin": 403, "auditor": 403, "anonymous": anonymous}


TEMPLATE_BAD = {"kind": "annual", "title": "年度诚信承诺书", "body": "太短"}
SIGN_BAD = {"password": "", "typed_name": "", "agree": True}

ROWS = [
    # ---- pages: HR -------------------------------------------------------------------------
    *rows("pledges.templates", "GET", hr_only(200)),
    *rows("pledges.template_new", "GET", hr_only(200)),
    *rows("pledges.template_new", "POST", hr_only(200)),                 # empty form: re-rendered
    *rows("pledges.template", "GET", hr_only(200), objects=False),
    *rows("pledges.template_edit", "GET", hr_only(200), objects=False),
    *rows("pledges.template_edit", "POST", hr_only(200), objects=False),  # empty form: re-rendered
    *rows("pledges.template_publish", "POST", hr_only(303), objects=False),   # already published: 409 → flash
    *rows("pledges.assign", "GET", hr_only(200)),
    *rows("pledges.assign", "POST", hr_only(200)),                       # empty form: re-rendered
    *rows("pledges.pledges", "GET", hr_only(200)),
    *rows("pledges.overdue", "GET", hr_only(200)),
    *rows("pledges.pledge", "GET", viewable()),
    *rows("pledges.pledge_pdf", "GET", viewable(303)),                   # unsigned: not printed (flash)
    *rows("pledges.pledge_publish", "POST", hr_manage(303)),             # unsigned: refused (flash)
    *rows("pledges.pledge_unpublish", "POST", hr_manage(302)),           # not published: nothing to do
    *rows("pledges.pledge_cancel", "POST", hr_manage(302)),              # no reason: refused (flash)
    *rows("pledges.pledge_fulfilment", "POST", hr_manage(422)),          # empty form
    # ---- pages: the person, the public ----------------------------------------------------------
    *rows("pledges.my_pledges", "GET", only({"servant": 200, "hr": 200, "committee": 200})),
    *rows("pledges.sign", "GET", own_only(200)),
    *rows("pledges.sign", "POST", own_only(200)),                        # no password / name: re-rendered
    *rows("pledges.public_pledges", "GET", {"servant": 200, "hr": 200, "committee": 200, "sysadmin": 200,
                                            "auditor": 200, "anonymous": 200}),
    # ---- API ------------------------------------------------------------------------------------
    *rows("pledges_api.list_templates", "GET", hr_only(200, ANON_API)),
    *rows("pledges_api.create_template", "POST", hr_only(422, ANON_API), json=TEMPLATE_BAD),
    *rows("pledges_api.get_template", "GET", hr_only(200, ANON_API), objects=False),
    *rows("pledges_api.create_version", "POST", hr_only(422, ANON_API), objects=False,
          json={"title": "任职前信用承诺书", "body": "太短"}),
    *rows("pledges_api.publish_template", "POST", hr_only(409, ANON_API), objects=False),
    *rows("pledges_api.assign", "POST", hr_only(422, ANON_API), json={"template_id": MISSING_ID, "person_ids": [1]}),
    *rows("pledges_api.person_pledges", "GET", viewable(200, ANON_API)),
    *rows("pledges_api.get_pledge", "GET", viewable(200, ANON_API)),
    *rows("pledges_api.sign", "POST", own_only(422, ANON_API), json=SIGN_BAD),
    *rows("pledges_api.fulfilment", "POST", hr_manage(409, ANON_API), json={"period": "2026", "kept": True}),
    *rows("pledges_api.publicity", "POST", hr_manage(409, ANON_API), json={"published": True}),
    *rows("pledges_api.cancel", "POST", hr_manage(422, ANON_API), json={"reason": ""}),
    # ---- last: the one row that changes the world ------------------------------------------------
    *rows("pledges.template_retire", "POST", hr_only(302), objects=False),
]


def _pledge_id(world, role, relation):
    key = world.person_key(role, relation)
    return world.id("pledges", key) if key else MISSING_ID


ARGS = {
    "pledge_id": _pledge_id,
    "pledge_template_id": lambda world, role, relation: world.id("pledge_templates", "pre"),
}


def extend_world(world) -> None:
    from archive.enums import PledgeKind
    from archive.pledges import services
    from archive.pledges.models import Pledge
    from core.extensions import db
    tpl = services.create_template(kind=PledgeKind.PRE_APPOINTMENT, title="公务员任职前信用承诺书",
                                   body="本人郑重承诺：遵纪守规、尽职尽责、诚实守信，自觉接受组织和群众监督。如有违反，愿承担相应责任。",
                                   created_by=world.users["hr"], publish=True)
    people = [world.people[k] for k in PEOPLE]
    services.assign(tpl, people, notify=False)
    db.session.flush()
    by_person = {p.person_id: p for p in db.session.execute(db.select(Pledge)).scalars()}
    world.objects["pledge_templates"] = {"pre": tpl}
    world.objects["pledges"] = {k: by_person[world.people[k].id] for k in PEOPLE}
