"""Pages and API of background jobs (core.jobs): status, progress, retry, download of the result.

``/jobs/<id>`` (HTML, or JSON when asked), ``/jobs/<id>.json``, ``POST /jobs/<id>/retry``,
``/jobs/<id>/download``; the API twins are in core/job_api.py.

A job is seen by its creator only (anyone else: 404). A job that belongs to something of a
domain package (a review's batch print) is also subject to that owner: the package registers
a :data:`core.wiring.JOB_OWNER` provider for the owner's table, which says whether the user may
still see the job (a committee member's access ends with the review) and what the job page shows
around it (its title and breadcrumb).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from core import wiring
from core.audit.services import record_event
from core.errors import Conflict, NotFound
from core.extensions import db
from core.jobs import Job, job_dir, job_json, retry

bp = Blueprint("jobs", __name__)

STATE_LABELS = {"queued": _l("排队中"), "running": _l("正在生成"), "done": _l("已完成"), "failed": _l("失败")}


@dataclass(frozen=True)
class JobOwner:
    """What a job's owner adds to the job page: a title (default 后台任务) and the breadcrumb
    leading to the owner, as (label, url) pairs."""

    title: str | None = None
    breadcrumb: list[tuple[str, str]] = field(default_factory=list)


#: fn(job, user) -> JobOwner, or None when the user may not see the job (404)
JobOwnerProvider = Callable[[Job, Any], JobOwner | None]

_NO_OWNER = JobOwner()


def job_owner(job: Job, user: Any) -> JobOwner | None:
    """The owner's view of ``job`` for ``user`` (None: hidden). A job of no registered owner
    (an import batch's) has nothing to add."""
    if job.owner_type is None:
        return _NO_OWNER
    provider: JobOwnerProvider | None = wiring.table(wiring.JOB_OWNER).get(job.owner_type)
    return _NO_OWNER if provider is None else provider(job, user)


def _mine(job_id: int) -> tuple[Job, JobOwner]:
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != current_user.id:
        raise NotFound(_("任务不存在"))
    owner = job_owner(job, current_user)
    if owner is None:
        raise NotFound(_("任务不存在"))
    return job, owner


def my_job(job_id: int) -> Job:
    """A job of the current user (others: 404); a job of an owner also needs access to the owner now."""
    return _mine(job_id)[0]


def job_payload(job: Job) -> dict[str, Any]:
    data = job_json(job, url_for("jobs.job_download", job_id=job.id))
    data["state_label"] = str(STATE_LABELS.get(job.state, job.state))
    return data


def retry_job(job: Job) -> None:
    """Start a failed job again (anything else: 409), audited."""
    if job.state != "failed":
        raise Conflict("illegal_state", _("只有失败的任务可以重试"))
    record_event("job_retry", job, f"重试任务 #{job.id}（{job.kind}）")
    db.session.commit()
    retry(job)


def send_job_result(job: Job) -> Response:
    """The result file of a finished job (only from the jobs directory), audited as an export."""
    if job.state != "done" or not job.result_path:
        raise NotFound(_("任务结果不存在"))
    path = Path(job.result_path)
    if path.resolve().parent != job_dir().resolve() or not path.is_file():
        raise NotFound(_("任务结果不存在"))
    record_event("export", job, f"下载任务 #{job.id} 的结果（{job.result_name}）")
    db.session.commit()
    return send_file(path, mimetype=job.result_mime or "application/octet-stream", as_attachment=True,
                     download_name=job.result_name or path.name)


# ---- pages ----------------------------------------------------------------------------------------

@bp.route("/jobs/<int:job_id>")
@login_required
def job_status(job_id: int) -> ResponseReturnValue:
    job, owner = _mine(job_id)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(job_payload(job))
    return render_template("core/job.html", job=job, owner=owner, labels=STATE_LABELS)


@bp.route("/jobs/<int:job_id>.json")
@login_required
def job_status_json(job_id: int) -> ResponseReturnValue:
    return jsonify(job_payload(my_job(job_id)))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def job_retry(job_id: int) -> ResponseReturnValue:
    job = my_job(job_id)
    retry_job(job)
    flash(_("任务已重新开始。"), "info")
    return redirect(url_for("jobs.job_status", job_id=job.id))


@bp.route("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int) -> ResponseReturnValue:
    return send_job_result(my_job(job_id))
