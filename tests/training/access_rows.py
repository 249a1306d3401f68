"""Access rows of training (pages and API), read by tests/security/test_routes.py.

The world gets (extend_world) one online 诚信专题 course with a material, a quiz question, an
attachment and a session; a second online course that every person of the world completed
(``<enrolment_id>`` of a relation is that person's completion: certificates, the completion
form and outcomes, which then refuse the state change); and a failed quiz attempt per person
(``<attempt_id>``). Course-level URL arguments name the first course whatever the relation
(``nonexistent``: an id that does not exist).

Rules: HR manage the catalogue (any HR) and the people of their subtree (404 outside it);
the servant pages are for accounts with a person (servant, hr); the certificate is the
person's own or HR in scope; a quiz result is the person's own only. Committee, sysadmin and
auditor never reach training pages (403). Empty POSTs fail validation (200 with the form,
303 back with a message) or refuse the act, so the world does not change until the deletes
at the end.
"""
from __future__ import annotations

import io
from datetime import timedelta

from core import clock
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID

PEOPLE = ("servant_own", "hr_own", "same_subtree", "other_subtree", "parent_department", "committee_own")
PDF = b"%PDF-1.4\n% training handbook\n"


def rel(own=404, same_subtree=404, other_subtree=404, parent_department=404, nonexistent=404) -> dict:
    return {"own": own, "same_subtree": same_subtree, "other_subtree": other_subtree,
            "parent_department": parent_department, "nonexistent": nonexistent}


def only(role_status: dict, default: int = 403, anonymous: int = ANON_PAGE) -> dict:
    table = {r: default for r in ("servant", "hr", "committee", "sysadmin", "auditor")}
    table.update(role_status)
    table["anonymous"] = anonymous
    return table


def any_course(ok) -> dict:
    """A course URL for an object row: every relation names the course; nonexistent is 404."""
    return rel(own=ok, same_subtree=ok, other_subtree=ok, parent_department=ok)


HR = {"hr": 200}
PERSONAL = {"servant": 200, "hr": 200}        # pages of accounts with a person
HR_SCOPE = rel(own=200, same_subtree=200)

ROWS = [
    # ---- catalogue (HR) -------------------------------------------------------------------------
    *rows("training.courses", "GET", only(HR)),
    *rows("training.course_form", "GET", only(HR)),                              # /courses/new
    *rows("training.course_form", "POST", only(HR)),                             # empty: the form again
    *rows("training.course_form", "GET", only({"hr": any_course(200)}), objects=True),      # /<id>/edit
    *rows("training.course_form", "POST", only({"hr": any_course(200)}), objects=True),
    *rows("training.course", "GET", only({"hr": any_course(200)}), objects=True),
    *rows("training.material_new", "GET", only(HR)),
    *rows("training.material_new", "POST", only(HR)),
    *rows("training.material_edit", "GET", only(HR)),
    *rows("training.material_edit", "POST", only(HR)),
    *rows("training.attachment_upload", "POST", only({"hr": 303})),            # no file: message, back
    *rows("training.question_new", "GET", only(HR)),
    *rows("training.question_new", "POST", only(HR)),
    *rows("training.question_edit", "GET", only(HR)),
    *rows("training.question_edit", "POST", only(HR)),
    *rows("training.session_form", "GET", only(HR)),
    *rows("training.session_form", "POST", only(HR)),
    *rows("training.enrol", "GET", only(HR)),
    *rows("training.enrol", "POST", only(HR)),                                   # empty: the form again
    *rows("training.attendance", "GET", only(HR)),
    *rows("training.attendance", "POST", only({"hr": 302})),                   # nothing marked: back
    *rows("training.overview", "GET", only(HR)),
    *rows("training.overview_export", "GET", only(HR)),
    *rows("training.overview_enrol", "POST", only({"hr": 404})),               # no course given
    # ---- a person's enrolment (HR of the subtree) -------------------------------------------------
    # recording one's own completion is an HR act on one's own file: 403 own_file (issue 17 item 1)
    *rows("training.enrolment_complete", "GET", only({"hr": rel(own=403, same_subtree=200)})),
    *rows("training.enrolment_complete", "POST", only({"hr": rel(own=403, same_subtree=200)})),
    *rows("training.enrolment_outcome", "POST", only({"hr": rel(own=403, same_subtree=303)})),
    # ---- the person's own pages -------------------------------------------------------------------
    *rows("training.my_training", "GET", only(PERSONAL)),
    *rows("training.catalogue", "GET", only(PERSONAL)),
    *rows("training.study", "GET", only(PERSONAL)),
    *rows("training.attachment", "GET", only(PERSONAL)),
    *rows("training.quiz", "GET", only(PERSONAL)),
    *rows("training.quiz", "POST", only(PERSONAL)),                              # unanswered: the quiz again
    *rows("training.finish", "POST", only({"servant": 303, "hr": 303})),       # a quiz is required
    *rows("training.attempt", "GET", only({"servant": rel(own=200), "hr": rel(own=200)})),
    *rows("training.certificate", "GET", only({"servant": rel(own=200), "hr": HR_SCOPE})),
    # last: the deletes change the world
    *rows("training.material_delete", "POST", only({"hr": 302})),
    *rows("training.question_delete", "POST", only({"hr": 302})),

    # ---- API ------------------------------------------------------------------------------------------
    *rows("training_api.list_courses", "GET", only(PERSONAL, anonymous=ANON_API)),
    *rows("training_api.get_course", "GET", only(PERSONAL, anonymous=ANON_API)),
    *rows("training_api.create_course", "POST", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("training_api.patch_course", "PATCH", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("training_api.enrol", "POST", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("training_api.record_completion", "POST", only({"hr": 422}, anonymous=ANON_API), json={}),
    *rows("training_api.person_training", "GET", {
        "servant": rel(own=200), "hr": HR_SCOPE, "committee": rel(), "sysadmin": 403, "auditor": 403,
        "anonymous": ANON_API}),
]


def _object(kind: str, key: str = "main"):
    def resolve(world, role, relation):
        return MISSING_ID if relation == "nonexistent" else world.id(kind, key)
    return resolve


def _personal(kind: str):
    def resolve(world, role, relation):
        if relation == "nonexistent":
            return MISSING_ID
        return world.id(kind, world.person_key(role, relation))
    return resolve


ARGS = {"course_id": _object("training_course"), "material_id": _object("training_material"),
        "question_id": _object("training_question"), "session_id": _object("training_session"),
        "attachment_id": _object("training_attachment"), "enrolment_id": _personal("training_completion"),
        "attempt_id": _personal("training_attempt")}


def extend_world(world) -> None:
    from werkzeug.datastructures import FileStorage

    from core.extensions import db
    from core.files import save_upload
    from training import services
    from training.models import CourseSession, QuizAttempt
    today = clock.today()
    course = services.create_course(services.CourseInput(
        code="AM-CX-01", title="诚信专题：访问矩阵课程", category="integrity", integrity=True, hours="2",
        mode="online"), owner_department_id=world.depts["东营区"].id)      # hr's department owns it (issue 17 item 7)
    material = services.add_material(course, title="第一章 政务诚信", kind="handbook_chapter", body="政务诚信是基础。")
    question = services.add_question(course, text="应当守信践诺吗？", multiple=False, options=["应当", "不必"],
                                     correct=["A"])
    session = CourseSession(course=course, title="矩阵班", starts_on=today + timedelta(days=3),
                            ends_on=today + timedelta(days=4), place="东营区委党校", capacity=30, organiser="东营区")
    db.session.add(session)
    attachment = save_upload(FileStorage(stream=io.BytesIO(PDF), filename="诚信手册.pdf"), owner_type="course",
                             owner_id=course.id)
    done = services.create_course(services.CourseInput(
        code="AM-CX-02", title="诚信专题：已完成课程", category="integrity", integrity=True, hours="2",
        mode="online"))
    completions, attempts = {}, {}
    for key in PEOPLE:
        person = world.people[key]
        completions[key], _ = services.record_completion(person, done, completed_on=today)
        attempts[key] = QuizAttempt(person_id=person.id, course_id=course.id, answers={str(question.id): ["B"]},
                                    score=0, passed=False)
        db.session.add(attempts[key])
    db.session.flush()
    world.objects.update({
        "training_course": {"main": course}, "training_material": {"main": material},
        "training_question": {"main": question}, "training_session": {"main": session},
        "training_attachment": {"main": attachment}, "training_completion": completions,
        "training_attempt": attempts})
