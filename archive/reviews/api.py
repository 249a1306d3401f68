"""API of reviews (API.md "Reviews and printing"): reviews, the file PDF, the batch print (its job and the
verification of printed documents are generic: core/job_api.py, core/verify_api.py)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pydantic
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive.enums import ReviewPurpose
from archive.reviews import printing, services
from archive.reviews.models import Review
from archive.reviews.views import authorize_print, print_response
from core import clock
from core.accounts.permissions import require_person
from core.api import Body, PageQuery, Query, api_blueprint, api_route, page_of
from core.audit.services import record_event
from core.errors import Conflict

bp = api_blueprint("reviews_api")

IdList = list[Annotated[int, pydantic.Field(ge=1)]]


class ReviewIn(Body):
    name: str = pydantic.Field(min_length=1, max_length=services.NAME_MAX)
    purpose: ReviewPurpose
    candidate_ids: IdList = pydantic.Field(default_factory=list, max_length=services.MAX_CANDIDATES)
    member_ids: IdList = pydantic.Field(default_factory=list, max_length=200)
    closes_on: date


class ReviewPatch(Body):
    version: int = pydantic.Field(ge=1)
    name: str | None = pydantic.Field(None, min_length=1, max_length=services.NAME_MAX)
    purpose: ReviewPurpose | None = None
    closes_on: date | None = None
    candidate_ids: IdList | None = pydantic.Field(None, max_length=services.MAX_CANDIDATES)
    member_ids: IdList | None = pydantic.Field(None, max_length=200)


class ReviewsQuery(PageQuery):
    state: Literal["all", "open", "closed"] = "all"


class FilePdfQuery(Query):
    review_id: int | None = pydantic.Field(None, ge=1)


class PrintIn(Body):
    format: Literal["merged", "zip"] = "merged"


@api_route(bp, "/reviews", summary="考察评审列表（人事干部：本级及下级；评审委员：所在的未结束评审）",
           query=ReviewsQuery, roles=("hr", "committee"))
def list_reviews(query):
    import sqlalchemy as sa
    today = clock.today()
    sel = services.visible_reviews(current_user, today=today)
    if query.state == "open":
        sel = sel.where(Review.open_clause(today))
    elif query.state == "closed":
        sel = sel.where(sa.not_(Review.open_clause(today)))
    return page_of(sel.order_by(Review.closes_on.desc(), Review.id.desc()), query.page, query.per_page,
                   lambda r: services.review_json(r, today=today))


@api_route(bp, "/reviews", ["POST"], summary="新建考察评审（候选人须在本人管理范围内）", body=ReviewIn,
           roles=("hr",), status=201)
def create_review(body):
    people = [require_person(pid, manage=True) for pid in dict.fromkeys(body.candidate_ids)]
    members = services.load_members(body.member_ids)
    review = services.create_review(name=body.name, purpose=body.purpose, closes_on=body.closes_on,
                                    candidates=people, members=members, created_by=current_user)
    data = services.review_json(review)
    data["candidate_ids"] = [c.person_id for c in review.candidates]
    return data


@api_route(bp, "/reviews/<int:review_id>", summary="考察评审：每位候选人的诚信状态与考察结论",
           roles=("hr", "committee"))
def get_review(review_id: int):
    review = services.get_review(current_user, review_id)
    data = services.review_json(review, user=current_user, with_candidates=True)
    record_event("review_view", review, f"查看考察评审「{review.name}」候选人诚信状态（API）")
    return data


@api_route(bp, "/reviews/<int:review_id>", ["PATCH"], summary="修改考察评审（带 version）", body=ReviewPatch,
           roles=("hr",))
def update_review(review_id: int, body):
    review = services.get_review(current_user, review_id, manage=True)
    if body.version != review.version:
        raise Conflict("stale_version", _("该考察评审已被他人修改，请刷新后重试"))
    members = services.load_members(body.member_ids) if body.member_ids is not None else None
    services.update_review(review, name=body.name or review.name, purpose=body.purpose or review.purpose,
                           closes_on=body.closes_on or review.closes_on, members=members, version=body.version)
    if body.candidate_ids is not None:
        people = [require_person(pid, manage=True) for pid in dict.fromkeys(body.candidate_ids)]
        services.set_candidates(review, people, by=current_user)
    data = services.review_json(review)
    data["candidate_ids"] = [c.person_id for c in review.candidates]
    return data


@api_route(bp, "/reviews/<int:review_id>/close", ["POST"], summary="结束考察评审（评审委员的查阅权限随之终止）",
           roles=("hr",))
def close_review(review_id: int):
    review = services.get_review(current_user, review_id, manage=True)
    services.close_review(review, by=current_user)
    return services.review_json(review)


@api_route(bp, "/people/<int:person_id>/file.pdf", summary="打印诚信档案 PDF（响应头 X-Document-Serial）",
           query=FilePdfQuery, roles=("hr", "committee"), raw=True,
           response={"type": "string", "format": "binary", "contentMediaType": "application/pdf"})
def file_pdf(person_id: int, query):
    person, review = authorize_print(current_user, person_id, query.review_id)
    return print_response(person, review)


@api_route(bp, "/reviews/<int:review_id>/print", ["POST"], summary="批量打印考察评审的全部候选人（后台任务）",
           body=PrintIn, roles=("hr", "committee"), status=202)
def print_review(review_id: int, body):
    review = services.get_review(current_user, review_id)
    job = printing.start_batch(review, body.format, current_user, request.host_url)
    return {"job_id": job.id, "status_url": url_for("jobs_api.job", job_id=job.id)}
