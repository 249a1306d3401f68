"""Access rows of reviews, printing, jobs and verification, read by tests/security/test_routes.py.

The world gets (extend_world) five reviews, one per relation of ``<review_id>``:

* ``own``: for HR and every role but the committee, 东营区's open promotion review (created
  by hr; candidates 张伟 and 王芳; no committee member, so the committee never sees the
  world's people); for the committee, an open review of 滨州市 it sits on (candidate 孙丽,
  whom no relation names, so the other packages' rows are not affected);
* ``same_subtree``: an open review of 史口镇 (HR of 东营区 manages it; candidate 王芳);
* ``other_subtree``: an open review of 河口区;
* ``parent_department``: a closed review of 东营市 the committee sat on (access ended: 404).

``<job_id>``: ``own`` is a job of the acting user (hr and committee: a finished batch print
of their review; servant and auditor: a failed job; sysadmin: a queued one); every other
relation is a finished job of hr_hekou. ``<serial>``: a printed document (``nonexistent``:
an unknown serial). Bodies are chosen so that nothing is printed: the print forms carry an
invalid format. Closing the reviews comes last.
"""
from __future__ import annotations

from datetime import timedelta

from core import clock
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID

UNKNOWN_SERIAL = "IA-2222-2222-2222"


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


def table(servant=403, hr=403, committee=403, sysadmin=403, auditor=403, anonymous=ANON_PAGE) -> dict:
    return {"servant": servant, "hr": hr, "committee": committee, "sysadmin": sysadmin, "auditor": auditor,
            "anonymous": anonymous}


def hr_reviews(ok) -> dict:
    """Pages HR of the subtree may use on a review (东营区's and 史口镇's)."""
    return table(hr=rel(own=ok, same_subtree=ok))


def seen(ok, anonymous=ANON_PAGE) -> dict:
    """HR of the subtree, and the committee on the open review it sits on."""
    return table(hr=rel(own=ok, same_subtree=ok), committee=rel(own=ok), anonymous=anonymous)


def own_job(servant, hr, committee, sysadmin, auditor, anonymous=ANON_PAGE) -> dict:
    """The job's creator only; the security administrator has no job in the world (404 everywhere)."""
    return {**table(servant=rel(own=servant), hr=rel(own=hr), committee=rel(own=committee),
                    sysadmin=rel(own=sysadmin), auditor=rel(own=auditor), anonymous=anonymous), "secadmin": rel()}


PUBLIC = {"own": 200, "same_subtree": 200, "other_subtree": 200, "parent_department": 200, "nonexistent": 404}
EVERYONE_PUBLIC = {role: PUBLIC for role in ("servant", "hr", "committee", "sysadmin", "auditor", "anonymous")}
BAD_FORMAT = {"format": "none"}

ROWS = [
    # ---- pages ----------------------------------------------------------------------------------
    *rows("reviews.reviews", "GET", table(hr=200, committee=200)),
    *rows("reviews.my_reviews", "GET", table(committee=200)),
    *rows("reviews.review_new", "GET", table(hr=200)),
    *rows("reviews.review_new", "POST", table(hr=200)),                 # empty form: errors, nothing created
    *rows("reviews.review", "GET", seen(200)),
    *rows("reviews.review_edit", "GET", hr_reviews(200)),
    *rows("reviews.review_edit", "POST", hr_reviews(200)),               # empty form: errors
    *rows("reviews.candidates", "GET", hr_reviews(200)),
    *rows("reviews.candidates", "POST", hr_reviews(200)),                # nobody named: errors
    *rows("reviews.review_export", "GET", seen(200)),
    *rows("reviews.review_print", "POST", seen(302), data=BAD_FORMAT),   # invalid format: a message, no job
    # the person named by the relation: HR in scope prints (刘强, 王芳); a committee member only
    # through an open review of theirs, and no relation names its candidate
    # an official print of one's own file is an HR act on it: 403 own_file (issue 17 item 1)
    *rows("reviews.file_pdf", "GET", table(hr=rel(own=403, same_subtree=200), committee=rel())),
    *rows("jobs.job_status", "GET", own_job(200, 200, 200, 200, 200)),
    *rows("jobs.job_status_json", "GET", own_job(200, 200, 200, 200, 200)),
    *rows("jobs.job_download", "GET", own_job(404, 200, 200, 404, 404)),      # only finished jobs
    *rows("jobs.job_retry", "POST", own_job(302, 303, 303, 303, 302)),        # only failed jobs (303: refused)
    *rows("verify.verify_start", "GET", {role: 200 for role in EVERYONE_PUBLIC}),
    *rows("verify.verify", "GET", EVERYONE_PUBLIC),
    *rows("verify.verify", "POST", EVERYONE_PUBLIC),                     # no file: the form says so

    # ---- API ------------------------------------------------------------------------------------
    *rows("reviews_api.list_reviews", "GET", table(hr=200, committee=200, anonymous=ANON_API)),
    *rows("reviews_api.create_review", "POST", table(hr=422, anonymous=ANON_API), json={}),
    *rows("reviews_api.get_review", "GET", seen(200, anonymous=ANON_API)),
    *rows("reviews_api.update_review", "PATCH", table(hr=rel(own=409, same_subtree=409), anonymous=ANON_API),
          json={"version": 999}),
    # the body is refused before the review is looked up
    *rows("reviews_api.print_review", "POST", table(hr=422, committee=422, anonymous=ANON_API),
          json={"format": "docx"}, objects=True),
    *rows("reviews_api.file_pdf", "GET", table(hr=rel(own=403, same_subtree=200), committee=rel(),
                                               anonymous=ANON_API)),
    *rows("jobs_api.job", "GET", own_job(200, 200, 200, 200, 200, ANON_API)),
    *rows("jobs_api.job_download", "GET", own_job(404, 200, 200, 404, 404, ANON_API)),
    *rows("jobs_api.job_retry", "POST", own_job(200, 409, 409, 409, 200, ANON_API)),
    *rows("verify_api.verify", "GET", {role: 200 for role in EVERYONE_PUBLIC}, objects=True),

    # ---- last: acts that change the reviews ---------------------------------------------------------
    # 王芳 is a candidate of 史口镇's review; 刘强 (HR's own person) is no candidate of 东营区's
    *rows("reviews.candidate_remove", "POST", table(hr=rel(same_subtree=302))),
    *rows("reviews.review_close", "POST", hr_reviews(302)),
    *rows("reviews_api.close_review", "POST", table(hr=rel(own=409, same_subtree=409), anonymous=ANON_API)),
]


def _review_id(world, role, relation):
    if relation == "nonexistent":
        return MISSING_ID
    key = {"own": "binzhou" if role == "committee" else "dongying"}.get(relation, relation)
    return world.id("review", key)


def _job_id(world, role, relation):
    if relation == "nonexistent":
        return MISSING_ID
    if relation == "own" and f"review_job.{role}" in world.ids:
        return world.id("review_job", role)
    return world.id("review_job", "victim")


def _serial(world, role, relation):
    if relation == "nonexistent":
        return UNKNOWN_SERIAL
    from core.documents import PrintedDocument
    from core.extensions import db
    return db.session.get(PrintedDocument, world.id("review_doc", "doc")).serial


ARGS = {"review_id": _review_id, "job_id": _job_id, "serial": _serial}


def extend_world(world) -> None:
    from archive.reviews import services
    from archive.reviews.models import Review, ReviewCandidate, ReviewMember
    from core.documents import issue_document
    from core.extensions import db
    from core.jobs import Job, write_result
    today = clock.today()
    p, d, u = world.people, world.depts, world.users

    def review(dept, candidates, members=(), closed=False):
        r = Review(name=f"{dept.name}考察评审", purpose="promotion", department_id=dept.id,
                   department_path=dept.path, closes_on=today - timedelta(days=1) if closed else today + timedelta(30),
                   closed_at=clock.utcnow() if closed else None)
        r.candidates = [ReviewCandidate(person_id=x.id) for x in candidates]
        r.members = [ReviewMember(user_id=m.id) for m in members]
        db.session.add(r)
        return r

    reviews = {
        "dongying": services.create_review(name="东营区科级干部晋升考察", purpose="promotion",
                                           closes_on=today + timedelta(days=30),
                                           candidates=[p["servant_own"], p["same_subtree"]], members=[],
                                           created_by=u["hr"]),
        "same_subtree": review(d["史口镇"], [p["same_subtree"]]),
        "other_subtree": review(d["河口区"], [p["other_subtree"]]),
        "parent_department": review(d["东营市"], [p["parent_department"]], [u["committee"]], closed=True),
        "binzhou": review(d["滨州市"], [p["binzhou"]], [u["committee"]]),
    }
    db.session.flush()

    def job(user, state, owner=None):
        j = Job(kind="review_print" if owner else "test", func="archive.reviews.printing:print_review_job",
                args=[MISSING_ID, "merged", 0, None], state=state, total=1, done=int(state == "done"),
                created_by_id=user.id, owner_type="reviews" if owner else None, owner_id=owner.id if owner else None)
        db.session.add(j)
        db.session.flush()
        if state == "done":
            j.result_path = str(write_result(j.id, b"%PDF-1.7\n% access matrix\n", ".pdf"))
            j.result_name, j.result_mime = "访问矩阵.pdf", "application/pdf"
        return j

    jobs = {"servant": job(u["servant"], "failed"), "hr": job(u["hr"], "done", reviews["dongying"]),
            "committee": job(u["committee"], "done", reviews["binzhou"]), "sysadmin": job(u["sysadmin"], "queued"),
            "auditor": job(u["auditor"], "failed"),
            "victim": job(u["hr_hekou"], "done", reviews["other_subtree"])}
    doc, _ = issue_document("certificate", lambda serial: b"%PDF-1.7\n% certificate " + serial.encode(),
                            person=p["servant_own"])
    world.objects.update({"review": reviews, "review_job": jobs, "review_doc": {"doc": doc}})
