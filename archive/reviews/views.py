"""Pages of reviews: reviews and their candidates, the integrity-file PDF, batch printing.

The batch print runs as a background job; its pages (/jobs/<id>) and the public verification of
printed documents (/verify) are generic and live in core (core/job_views.py, core/verify_views.py)."""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required

from archive.enums import Verdict
from archive.reviews import printing, services
from archive.reviews.forms import CandidateIdsForm, PrintForm, ReviewForm
from archive.reviews.models import Review, ReviewCandidate, ReviewMember
from core import clock
from core.accounts.permissions import departments_in_scope, people_in_scope, require_person, require_roles
from core.audit.services import record_event
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.forms import apply_field_errors
from core.job_views import STATE_LABELS
from core.listing import Listing, paginate_list
from core.registry.models import Department, Person
from core.registry.services import search_clause
from core.safe_args import safe_int

bp = Blueprint("reviews", __name__)

SORTS = {"closes_on": Review.closes_on, "name": Review.name, "purpose": Review.purpose, "id": Review.id}
SEARCH_LIMIT = 200


# ---- lists ------------------------------------------------------------------------------------

@bp.route("/reviews")
@require_roles("hr", "committee")
def reviews():
    """HR: the reviews of its subtree (open and closed); committee: the open reviews it sits on."""
    listing = Listing(request.args, SORTS, default_sort="closes_on", default_dir="desc")
    sel = services.visible_reviews(current_user)
    if listing.q:
        sel = sel.where(Review.name.contains(listing.q, autoescape=True))
    state = request.args.get("state", "all")
    today = clock.today()
    if state == "open":
        sel = sel.where(Review.open_clause(today))
    elif state == "closed":
        sel = sel.where(sa.not_(Review.open_clause(today)))
    page = listing.paginate(sel)
    return render_template("archive/reviews/reviews.html", page=page, listing=listing, state=state, today=today,
                           counts=_counts([r.id for r in page.items]))


def _counts(review_ids: list[int]) -> dict[int, list[int]]:
    """{review id: (candidates, members)} in two grouped queries (no per-row loading)."""
    out = {i: [0, 0] for i in review_ids}
    for n, review_id in enumerate((ReviewCandidate.review_id, ReviewMember.review_id)):
        for rid, count in db.session.execute(sa.select(review_id, sa.func.count()).where(
                review_id.in_(review_ids)).group_by(review_id)):
            out[rid][n] = count
    return out


@bp.route("/reviews/mine")
@require_roles("committee")
def my_reviews():
    """Committee home: the open reviews I sit on (closed ones disappear with their access)."""
    today = clock.today()
    sel = services.visible_reviews(current_user, open_only=True).where(
        Review.id.in_(sa.select(ReviewMember.review_id).where(
            ReviewMember.user_id == current_user.id)))
    rows = db.session.execute(sel.order_by(Review.closes_on, Review.id)).scalars().all()
    return render_template("archive/reviews/my_reviews.html", reviews=rows, today=today,
                           counts=_counts([r.id for r in rows]))


# ---- create, edit, close ------------------------------------------------------------------------

def _member_choices():
    users = db.session.execute(services.committee_users()).scalars().all()
    from wtforms.fields.choices import SelectChoice
    return [SelectChoice(u.id, f"{u.display_name}（{u.username}{'，' + u.department.name if u.department else ''}）")
            for u in users]


@bp.route("/reviews/new", methods=["GET", "POST"])
@require_roles("hr")
def review_new():
    form = ReviewForm()
    form.member_ids.choices = _member_choices()
    if form.validate_on_submit():
        try:
            people = services.people_by_id_numbers(current_user, form.id_numbers.data or "")
            members = services.load_members(form.member_ids.data or [])
            review = services.create_review(name=form.name.data, purpose=form.purpose.data,
                                            closes_on=form.closes_on.data, candidates=people, members=members,
                                            created_by=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("考察评审已创建。可以继续添加候选人。"), "success")
            return redirect(url_for("reviews.review", review_id=review.id))
    return render_template("archive/reviews/review_form.html", form=form, review=None)


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@require_roles("hr")
def review_edit(review_id: int):
    review = services.get_review(current_user, review_id, manage=True)
    form = ReviewForm(obj=review if request.method == "GET" else None)    # a POST is what was sent, only
    del form.id_numbers
    form.member_ids.choices = _member_choices()
    if request.method == "GET":
        form.member_ids.data = [m.user_id for m in review.members]
        form.purpose.data = review.purpose.value
    if form.validate_on_submit():
        try:
            members = services.load_members(form.member_ids.data or [])
            services.update_review(review, name=form.name.data, purpose=form.purpose.data,
                                   closes_on=form.closes_on.data, members=members, version=_int(form.version.data))
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("考察评审已保存。"), "success")
            return redirect(url_for("reviews.review", review_id=review.id))
    return render_template("archive/reviews/review_form.html", form=form, review=review)


@bp.route("/reviews/<int:review_id>/close", methods=["POST"])
@require_roles("hr")
def review_close(review_id: int):
    review = services.get_review(current_user, review_id, manage=True)
    services.close_review(review, by=current_user)
    db.session.commit()
    flash(_("考察评审已结束，评审委员的查阅权限已终止。"), "success")
    return redirect(url_for("reviews.review", review_id=review.id))


# ---- candidates ----------------------------------------------------------------------------------

@bp.route("/reviews/<int:review_id>/candidates", methods=["GET", "POST"])
@require_roles("hr")
def candidates(review_id: int):
    """Add candidates: search people in my scope (name or full id number, department), or paste id numbers."""
    review = services.get_review(current_user, review_id, manage=True)
    form = CandidateIdsForm()
    if request.method == "POST":
        try:
            if form.validate_on_submit():
                # an id that is no 32-bit integer names nobody: 404, like any id out of scope
                people = [require_person(safe_int(pid, 0), manage=True) for pid in request.form.getlist("person_id")]
                people += services.people_by_id_numbers(current_user, form.id_numbers.data or "")
                if not people:
                    raise ValidationFailed({"id_numbers": _("请勾选或填写要添加的候选人")})
                added = services.add_candidates(review, people, by=current_user)
            else:
                raise ValidationFailed({})
        except ValidationFailed as exc:
            db.session.rollback()
            apply_field_errors(form, exc.fields)
        else:
            db.session.commit()
            flash(_("已添加候选人 %(n)s 人。", n=added), "success")
            return redirect(url_for("reviews.review", review_id=review.id))
    q = (request.args.get("q") or "").strip()[:100]
    dept_id = request.args.get("department_id", type=int)
    results = []
    if q or dept_id:
        sel = people_in_scope(current_user, manage=True).where(search_clause(q), Person.status == "active")
        if dept_id:
            dept = db.session.get(Department, dept_id)
            if dept is None:
                raise NotFound()
            sel = sel.where(Person.department_path.startswith(dept.path, autoescape=True))
        have = {c.person_id for c in review.candidates}
        results = [p for p in db.session.execute(sel.order_by(Person.department_path, Person.name, Person.id)
                                                 .limit(SEARCH_LIMIT)).scalars() if p.id not in have]
    departments = db.session.execute(departments_in_scope(current_user)).scalars().all()
    return render_template("archive/reviews/candidates.html", review=review, form=form, q=q, dept_id=dept_id,
                           results=results, departments=departments, limit=SEARCH_LIMIT)


@bp.route("/reviews/<int:review_id>/candidates/<int:person_id>/remove", methods=["POST"])
@require_roles("hr")
def candidate_remove(review_id: int, person_id: int):
    review = services.get_review(current_user, review_id, manage=True)
    cand = services.candidate_of(review, person_id)
    if cand is None:
        raise NotFound()
    services.remove_candidate(review, cand.person)
    db.session.commit()
    flash(_("已移除候选人 %(name)s。", name=cand.person.name), "success")
    return redirect(url_for("reviews.review", review_id=review.id))


# ---- the review page -----------------------------------------------------------------------------

@bp.route("/reviews/<int:review_id>")
@require_roles("hr", "committee")
def review(review_id: int):
    review = services.get_review(current_user, review_id)
    today = clock.today()
    verdict = request.args.get("verdict", "")
    rows = services.assess_review(review, current_user, today)
    counts = {v.value: sum(1 for a in rows if a.verdict is v) for v in Verdict}
    if verdict in counts:
        rows = [a for a in rows if a.verdict.value == verdict]
    record_event("review_view", review, f"查看考察评审「{review.name}」候选人诚信状态（{len(review.candidates)} 人）")
    db.session.commit()
    jobs = _my_jobs(review)
    page = paginate_list(rows, request.args)
    return render_template("archive/reviews/review.html", review=review, rows=page.items, page=page, counts=counts,
                           verdict=verdict,
                           can_manage=services.can_manage_review(current_user, review), today=today,
                           print_form=PrintForm(), jobs=jobs, labels=STATE_LABELS)


def _my_jobs(review: Review):
    from core.jobs import Job
    return db.session.execute(db.select(Job).where(
        Job.owner_type == Review.__tablename__, Job.owner_id == review.id, Job.created_by_id == current_user.id)
        .order_by(Job.id.desc()).limit(5)).scalars().all()


EXPORT_HEADERS = ["序号", "姓名", "公民身份号码", "单位", "职务", "职级", "诚信状态", "考察结论", "原因或说明"]


@bp.route("/reviews/<int:review_id>/export.xlsx")
@require_roles("hr", "committee")
@fresh_login_required
def review_export(review_id: int):
    """The candidates with status and verdict as .xlsx (core.excel; id numbers masked)."""
    from core.excel import export_response
    review = services.get_review(current_user, review_id)
    rows = services.assess_review(review, current_user)
    record_event("export", review, f"导出考察评审「{review.name}」候选人名单（{len(rows)} 人，Excel）")
    db.session.commit()
    data = [[i, a.person.name, a.person.id_masked, a.person.department.name, a.person.post or "",
             a.person.rank or "", a.status, a.verdict, "；".join(a.reasons)] for i, a in enumerate(rows, start=1)]
    return export_response(f"{printing.safe_name(review.name)}-候选人.xlsx", EXPORT_HEADERS, data,
                           sheet_title="候选人")


# ---- printing -------------------------------------------------------------------------------------

def authorize_print(user, person_id, review_id):
    """(person, review) the user may print: HR in scope (review optional), or a committee member of
    the open review the person is a candidate of. Anything else is 404."""
    from core.accounts.permissions import require_not_self
    person = require_person(person_id)
    require_not_self(person, user)      # an official print of one's own file is an HR act on it: 403
    review = None
    if review_id not in (None, ""):
        review = services.get_review(user, review_id)
        if services.candidate_of(review, person.id) is None:
            raise NotFound()
        return person, review
    from core.accounts.permissions import can_manage_person
    if can_manage_person(user, person):
        return person, None
    # a committee member printing without naming the review: the first open review with this candidate
    sel = services.visible_reviews(user, open_only=True).where(Review.id.in_(
        sa.select(ReviewCandidate.review_id).where(ReviewCandidate.person_id == person.id)))
    review = db.session.execute(sel.order_by(Review.id).limit(1)).scalar_one_or_none()
    if review is None or not services.is_member(user, review):
        raise NotFound()
    return person, review


def print_response(person, review, *, review_use: bool = True):
    doc, data = printing.file_document(person, review=review, printed_by=current_user,
                                       review_use=review_use or review is not None)
    record_event("file_view", person, f"打印查阅诚信档案（{doc.serial}）" + (f"，考察评审「{review.name}」" if review else "")
                 + ("" if review_use or review else "，水印：仅供存档查阅"))
    db.session.commit()
    name = f"{printing.safe_name(person.name)}-诚信档案-{doc.serial}.pdf"
    resp = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
    resp.headers["X-Document-Serial"] = doc.serial
    return resp


@bp.route("/people/<int:person_id>/file.pdf")
@require_roles("hr", "committee")
def file_pdf(person_id: int):
    """?watermark=archive prints 仅供存档查阅 instead of 仅供考察使用 (HR only; a review's print is always
    for the review); any other value is the review-use watermark."""
    person, review = authorize_print(current_user, person_id, request.args.get("review_id"))
    return print_response(person, review, review_use=request.args.get("watermark") != "archive")


@bp.route("/reviews/<int:review_id>/print", methods=["POST"])
@require_roles("hr", "committee")
@fresh_login_required
def review_print(review_id: int):
    review = services.get_review(current_user, review_id)
    form = PrintForm()
    if not form.validate_on_submit():
        flash(_("请选择输出格式。"), "danger")
        return redirect(url_for("reviews.review", review_id=review.id))
    job = printing.start_batch(review, form.format.data, current_user, request.host_url)
    return redirect(url_for("jobs.job_status", job_id=job.id))


def _int(value):
    return safe_int(value)       # beyond 32 bits: no row, never a 500
