"""The JSON API base: bearer-token auth, validation, paging, errors, OpenAPI.

Every package builds its API blueprint with ``api_blueprint(name)``; each view is declared
with ``@api_route(bp, rule, methods, summary=..., body=Model, query=Model, roles=...)``
which authenticates, checks roles, validates and documents the endpoint at once.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

import pydantic
from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from core.errors import DomainError, Forbidden, ValidationFailed

API_PREFIX = "/api/v1"


class ApiError(DomainError):
    pass


def api_blueprint(name: str) -> Blueprint:
    return Blueprint(name, __name__, url_prefix=API_PREFIX)


def exempt_api_from_csrf(app) -> None:
    """The API authenticates with bearer tokens only (no cookies), so CSRF does not apply: every
    registered blueprint under API_PREFIX is exempt (call after registering the blueprints)."""
    from core.extensions import csrf
    for bp in app.blueprints.values():
        if bp.url_prefix == API_PREFIX:
            csrf.exempt(bp)


def authenticate_bearer() -> None:
    """Authenticate the request by its token; the session cookie is ignored on the API."""
    from core.accounts.tokens import token_row
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise DomainError("unauthorized", _("需要有效的访问令牌 (Authorization: Bearer)"), status=401)
    row = token_row(header[7:].strip())
    if row is None:
        raise DomainError("unauthorized", _("访问令牌无效、已过期或已撤销"), status=401)
    user = row.user
    if user.must_change_password:
        raise DomainError("password_change_required", _("该账户须先登录网页修改一次性密码"), status=403)
    if row.read_only and request.method not in ("GET", "HEAD", "OPTIONS"):
        raise DomainError("read_only_token", _("只读令牌不能修改数据"), status=403)
    g._login_user = user


# ---- validation -------------------------------------------------------------------------

_MESSAGES = {
    "missing": _l("必填"),
    "string_too_short": _l("不能为空"),
    "string_too_long": _l("过长"),
    "int_parsing": _l("须为整数"),
    "int_type": _l("须为整数"),
    "float_parsing": _l("须为数字"),
    "bool_parsing": _l("须为 true 或 false"),
    "bool_type": _l("须为 true 或 false"),
    "date_from_datetime_parsing": _l("日期格式须为 YYYY-MM-DD"),
    "date_parsing": _l("日期格式须为 YYYY-MM-DD"),
    "date_type": _l("日期格式须为 YYYY-MM-DD"),
    "enum": _l("取值无效"),
    "literal_error": _l("取值无效"),
    "greater_than_equal": _l("数值过小"),
    "less_than_equal": _l("数值过大"),
    "greater_than": _l("数值过小"),
    "less_than": _l("数值过大"),
    "extra_forbidden": _l("不支持的字段"),
    "string_type": _l("须为文本"),
    "list_type": _l("须为列表"),
    "dict_type": _l("须为对象"),
    "model_type": _l("须为对象"),
}


def pydantic_fields(exc: pydantic.ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "_"
        msg = err.get("ctx", {}).get("reason") if err["type"] == "value_error" else None
        if err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        fields.setdefault(loc, msg or str(_MESSAGES.get(err["type"], _l("取值无效"))))
    return fields


class Body(pydantic.BaseModel):
    """Base of request bodies: unknown fields are refused, strings stripped."""
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore", str_strip_whitespace=True)


class PageQuery(Query):
    page: int = pydantic.Field(1, ge=1, le=1_000_000)
    per_page: int = pydantic.Field(50, ge=1, le=500)


DB_INT_MAX = 2**31 - 1     # the largest value of an INTEGER column on PostgreSQL


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` URL parts beyond the database integer range do not match (404, never a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def _int_range(value, path: str, fields: dict) -> None:
    """Integers a database column cannot hold are refused as invalid values (422, never a 500)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > DB_INT_MAX:
        fields.setdefault(path or "_", _("数值超出范围"))
    elif isinstance(value, dict):
        for k, v in value.items():
            _int_range(v, f"{path}.{k}" if path else str(k), fields)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _int_range(v, f"{path}.{i}", fields)


def _checked(instance, message: str | None = None):
    fields: dict[str, str] = {}
    _int_range(instance.model_dump(), "", fields)
    if fields:
        raise ValidationFailed(fields, **({"message": message} if message else {}))
    return instance


def parse_body(model: type[pydantic.BaseModel]):
    if not request.is_json:
        raise DomainError("bad_request", _("请求体须为 JSON (Content-Type: application/json)"), status=400)
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("bad_request", _("JSON 格式错误"), status=400)
    if not isinstance(data, dict):
        raise DomainError("bad_request", _("请求体须为 JSON 对象"), status=400)
    try:
        return _checked(model.model_validate(data))
    except pydantic.ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


def parse_query(model: type[pydantic.BaseModel]):
    data = {k: v for k, v in request.args.items() if v != ""}
    try:
        return _checked(model.model_validate(data), "查询参数有误")
    except pydantic.ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc), message=_("查询参数有误")) from None


# ---- the decorator -----------------------------------------------------------------------

def api_route(bp: Blueprint, rule: str, methods=("GET",), *, summary: str, body=None, query=None,
              roles: tuple[str, ...] | None = None, status: int = 200, response: dict | None = None,
              public: bool = False, tag: str | None = None, raw: bool = False):
    """Declare an API endpoint. The view receives ``body=``/``query=`` when models are given."""
    def decorator(fn):
        @functools.wraps(fn)
        def view(**kwargs):
            if not public:
                authenticate_bearer()
                if roles and not current_user.has_any_role(*roles):
                    raise Forbidden(_("该角色无权访问此接口"))
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            result = fn(**kwargs)
            if raw:
                return result
            from core.extensions import db
            db.session.commit()
            return jsonify(result), status
        view.__api_doc__ = {"summary": summary, "body": body, "query": query, "roles": roles,
                            "status": status, "response": response, "public": public,
                            "tag": tag or bp.name.replace("_api", "")}
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
        return view
    return decorator


def page_of(select, page: int, per_page: int, serialize) -> dict:
    from core.extensions import db
    pg = db.paginate(select, page=page, per_page=per_page, error_out=False, max_per_page=500)
    return {"items": [serialize(x) for x in pg.items], "page": page, "per_page": per_page,
            "total": pg.total}


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


# ---- OpenAPI -----------------------------------------------------------------------------

def openapi_document(app) -> dict:
    """OpenAPI 3.1 built from the declared endpoints (the schemas are the pydantic models)."""
    import re
    paths: dict[str, dict] = {}
    components: dict[str, Any] = {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                                  "schemas": {"Error": ERROR_SCHEMA}}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "__api_doc__", None)
        if doc is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        params = [{"name": n, "in": "path", "required": True,
                   "schema": {"type": "integer" if rule._converters.get(n).__class__.__name__ == "IntegerConverter" else "string"}}
                  for n in rule.arguments]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {"summary": doc["summary"], "tags": [doc["tag"]],
                                  "operationId": f"{rule.endpoint}_{method.lower()}".replace(".", "_"),
                                  "parameters": list(params), "responses": {}}
            if doc["query"] is not None:
                schema = doc["query"].model_json_schema()
                for name, prop in schema.get("properties", {}).items():
                    op["parameters"].append({"name": name, "in": "query",
                                             "required": name in schema.get("required", []),
                                             "schema": _clean(prop)})
            if doc["body"] is not None:
                name = doc["body"].__name__
                schema = doc["body"].model_json_schema(ref_template="#/components/schemas/{model}")
                for dname, dschema in schema.pop("$defs", {}).items():
                    components["schemas"][dname] = dschema
                components["schemas"][name] = schema
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{name}"}}}}
            ok = doc["response"] or {"type": "object"}
            op["responses"][str(doc["status"])] = {"description": "OK", "content": {
                "application/json": {"schema": ok}}}
            for code in (("400", "422") if doc["body"] or doc["query"] else ()) + (
                    () if doc["public"] else ("401", "403")) + (("404",) if rule.arguments else ()):
                op["responses"][code] = {"description": "error", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            if not doc["public"]:
                op["security"] = [{"bearer": []}]
            for key, value in (doc.get("openapi") or {}).items():   # extra OpenAPI (multipart, files...)
                op[key] = {**op[key], **value} if isinstance(value, dict) and isinstance(op.get(key), dict) else value
            paths.setdefault(path, {})[method.lower()] = op
    paths.setdefault(f"{API_PREFIX}/openapi.json", {"get": {   # the document describes itself too
        "summary": "OpenAPI 文档", "tags": ["meta"], "operationId": "main_openapi_get", "parameters": [],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}})
    return {"openapi": "3.1.0",
            "info": {"title": "Integrity Archive API (诚信档案与培训管理系统)", "version": "1.0.0"},
            "servers": [{"url": "/"}], "paths": dict(sorted(paths.items())), "components": components}


def _clean(prop: dict) -> dict:
    return {k: v for k, v in prop.items() if k != "title"}


ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}},
}


def error_response(exc: DomainError):
    resp = jsonify(exc.to_json())
    resp.status_code = exc.status
    if exc.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


