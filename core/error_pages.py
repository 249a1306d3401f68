"""One place maps errors to answers: JSON error shape under /api/, Chinese pages elsewhere."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core.errors import Conflict, DomainError

log = logging.getLogger("integrity")

HTTP_MESSAGES = {
    400: ("bad_request", _l("请求格式错误")),
    401: ("unauthorized", _l("请先登录")),
    403: ("forbidden", _l("无权访问")),
    404: ("not_found", _l("页面或对象不存在")),
    405: ("method_not_allowed", _l("不支持的请求方法")),
    409: ("conflict", _l("数据已被他人修改或状态不允许此操作")),
    413: ("too_large", _l("上传内容超过大小限制")),
    422: ("invalid", _l("输入有误")),
    429: ("rate_limited", _l("请求过于频繁，请稍后再试")),
    500: ("server_error", _l("服务器内部错误，请稍后再试或联系管理员")),
    503: ("unavailable", _l("服务暂不可用")),
}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _domain(status: int, message: str | None = None) -> DomainError:
    code, default = HTTP_MESSAGES.get(status, ("error", _l("请求失败")))
    return DomainError(code, message or default, status=status)


def handle_domain_error(exc: DomainError):
    from core.api import error_response
    from core.extensions import db
    db.session.rollback()
    if _is_api():
        return error_response(exc)
    if exc.status in (401, 403, 404):
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status
    flash(exc.message, "danger")
    return redirect(request.referrer or "/"), 303


def handle_http(exc: HTTPException):
    from core.api import error_response
    status = exc.code or 500
    if _is_api():
        return error_response(_domain(status))
    message = HTTP_MESSAGES.get(status, ("", exc.description))[1]
    return render_template("errors/error.html", status=status, message=message), status


def handle_stale(exc: StaleDataError):
    return handle_domain_error(Conflict("stale_version", _("该记录已被他人修改，请刷新后重试")))


def handle_unexpected(exc: Exception):
    from core.api import error_response
    from core.extensions import db
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    if _is_api():
        return error_response(_domain(500))
    return render_template("errors/error.html", status=500, message=HTTP_MESSAGES[500][1]), 500


def init_app(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(Exception, handle_unexpected)
