"""API of exchange (API.md "Import and export"): import templates, imports, credit-platform export."""
from __future__ import annotations

import io

import pydantic
from flask import Response, jsonify, request, send_file
from flask_login import current_user

from core.api import Query, api_blueprint, api_route
from core.errors import DomainError, ValidationFailed
from core.excel import XLSX_MIME
from core.extensions import db

from . import credit, services
from .models import IMPORT_KINDS

bp = api_blueprint("exchange_api")

IMPORT_RESULT_SCHEMA = {
    "type": "object", "required": ["rows", "errors", "imported"],
    "properties": {
        "rows": {"type": "integer"}, "imported": {"type": "integer"}, "unchanged": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["row", "column", "message"],
                                              "properties": {"row": {"type": ["integer", "null"]},
                                                             "column": {"type": ["string", "null"]},
                                                             "message": {"type": "string"}}}},
        "error": {"type": "object"}},
}
KIND_PARAM = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(IMPORT_KINDS)}}


class ImportQuery(Query):
    dry_run: bool = False
    activation_codes: bool = False      # people: an activation code batch for the new people


class ExportQuery(Query):
    since: str | None = pydantic.Field(None, max_length=40,
                                       description="ISO 8601 time; default: what changed since it was last sent")


@api_route(bp, "/imports/<kind>/template", summary="下载导入模板（.xlsx，中文表头与填写说明）", roles=("hr",), raw=True)
def import_template(kind: str):
    filename, data = services.template_bytes(kind)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=filename, max_age=0)


@api_route(bp, "/imports/<kind>", ["POST"], summary="导入 Excel（multipart file；?dry_run=1 只检查）",
           query=ImportQuery, roles=("hr",), raw=True)
def import_upload(kind: str, query: ImportQuery):
    services.require_importer(kind)
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        raise ValidationFailed({"file": "请上传 .xlsx 文件（multipart 字段 file）"}, message="缺少文件")
    data = storage.read()
    user = current_user._get_current_object()
    batch = services.import_file(kind, data, storage.filename, user=user, dry_run=query.dry_run, via="api")
    codes = services.activation_codes_for_import(batch, user) if query.activation_codes else None
    db.session.commit()
    body = batch.result_json()
    if codes is not None:
        body["activation_batch_id"], body["activation_codes"] = codes.id, codes.created
    if batch.errors:
        first = batch.errors[0]
        message = (first["message"] if first.get("row") in (None, 1) and len(batch.errors) == 1 else
                   f"文件有 {len(batch.errors)} 个问题，未导入任何数据")
        error = DomainError("import_invalid", message, {f"row {e['row']}" + (f" {e['column']}" if e['column'] else ""):
                                                        e["message"] for e in batch.errors[:200]})
        body.update(error.to_json())
        return jsonify(body), 422
    return jsonify(body), 200


for _view, _extra in ((import_template, {
        "parameters": [KIND_PARAM],
        "responses": {"200": {"description": "the template", "content": {XLSX_MIME: {
            "schema": {"type": "string", "format": "binary"}}}}}}),
        (import_upload, {
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": {"description": "imported (or checked, dry run)", "content": {
                "application/json": {"schema": IMPORT_RESULT_SCHEMA}}},
                "422": {"description": "the file has errors; nothing imported", "content": {
                    "application/json": {"schema": IMPORT_RESULT_SCHEMA}}}}})):
    _view.__api_doc__["openapi"] = _extra


@api_route(bp, "/exports/credit-platform", summary="信用平台导出（JSON Lines，每行一条失信记录；增量）",
           query=ExportQuery, roles=("hr",), raw=True)
def credit_platform_export(query: ExportQuery):
    try:
        since = credit.parse_since(query.since)
    except ValueError as exc:
        raise ValidationFailed({"since": str(exc)}, message=str(exc)) from None
    result = credit.export_records(user=current_user._get_current_object(), since=since, via="api")
    db.session.commit()
    resp = Response(result.data, mimetype="application/x-ndjson")
    resp.headers["X-Export-Id"] = str(result.export.id)
    resp.headers["X-Record-Count"] = str(result.export.count)
    resp.headers["X-Export-Sha256"] = result.export.sha256
    return resp


credit_platform_export.__api_doc__["openapi"] = {"responses": {"200": {
    "description": "JSON Lines (docs/credit-platform.md): one dishonesty record per line",
    "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}}}
