"""API of background jobs (API.md "Reviews and printing"): ``GET /api/v1/jobs/{id}``,
``POST /api/v1/jobs/{id}/retry``, ``GET /api/v1/jobs/{id}/download`` (the creator only; the
rules are those of the pages, core/job_views.py)."""
from __future__ import annotations

from typing import Any

from flask import url_for
from werkzeug.wrappers import Response

from core.api import api_blueprint, api_route
from core.job_views import my_job, retry_job, send_job_result
from core.jobs import Job, job_json

bp = api_blueprint("jobs_api")


def job_status_json(job: Job) -> dict[str, Any]:
    data = job_json(job, url_for("jobs_api.job_download", job_id=job.id))
    data["status_url"] = url_for("jobs_api.job", job_id=job.id)
    return data


@api_route(bp, "/jobs/<int:job_id>", summary="后台任务状态（仅任务创建人）")
def job(job_id: int) -> dict[str, Any]:
    return job_status_json(my_job(job_id))


@api_route(bp, "/jobs/<int:job_id>/retry", ["POST"], summary="重试失败的后台任务（仅任务创建人）")
def job_retry(job_id: int) -> dict[str, Any]:
    job = my_job(job_id)
    retry_job(job)
    return job_status_json(job)


@api_route(bp, "/jobs/<int:job_id>/download", summary="下载后台任务的结果（仅任务创建人）", raw=True,
           response={"type": "string", "format": "binary"})
def job_download(job_id: int) -> Response:
    return send_job_result(my_job(job_id))
