"""Access rows of exchange (imports, list exports, credit-platform export, disclosure),
read by tests/security/test_routes.py.

Everything but the disclosure page is for HR only (other roles 403, anonymous: login page
or 401). Import batches and credit exports belong to the HR officer who made them: the
``own`` relation is one of hr's, every other relation someone else's (404). Bodies change
nothing: an empty upload is refused, a bad ``since`` is refused, a batch without its file
cannot be confirmed. The disclosure page is public.
"""
from __future__ import annotations

import hashlib

from core import clock
from tests.security.access_matrix import ANON_API, ANON_PAGE, rows
from tests.security.world import MISSING_ID

OWNER = {"own": "hr", "same_subtree": "hr_city", "other_subtree": "hr_hekou", "parent_department": "hr_city"}


def rel(own=404) -> dict:
    return {"own": own, "same_subtree": 404, "other_subtree": 404, "parent_department": 404, "nonexistent": 404}


def hr_only(status, anonymous=ANON_PAGE, objects=False) -> dict:
    table = {r: 403 for r in ("servant", "committee", "sysadmin", "auditor")}
    table["hr"] = rel(status) if objects else status
    table["anonymous"] = anonymous
    return table


def _resolver(kind):
    def resolve(world, role, relation):
        return MISSING_ID if relation == "nonexistent" else world.id(kind, relation)
    return resolve


ARGS = {"batch_id": _resolver("exchange_batch"), "export_id": _resolver("exchange_export")}
KIND = {"kind": "appraisals"}

ROWS = [
    *rows("exchange.imports", "GET", hr_only(200)),
    *rows("exchange.template", "GET", hr_only(200), values=KIND),
    *rows("exchange.upload", "POST", hr_only(302), values=KIND),                  # no file: flash + redirect
    *rows("exchange.batch", "GET", hr_only(200, objects=True)),
    *rows("exchange.confirm", "POST", hr_only(302, objects=True)),               # file gone: flash + redirect
    *rows("exchange.batch_status", "GET", hr_only(200, objects=True)),
    *rows("exchange.batch_errors", "GET", hr_only(200, objects=True)),
    *rows("exchange.export_people", "GET", hr_only(200)),
    *rows("exchange.export_records", "GET", hr_only(200)),
    *rows("exchange.credit_platform", "GET", hr_only(200)),
    *rows("exchange.credit_export", "POST", hr_only(302), data={"since": "not a time"}),
    *rows("exchange.credit_download", "GET", hr_only(200, objects=True)),
    *rows("exchange.disclosure", "GET", {r: 200 for r in ("servant", "hr", "committee", "sysadmin", "auditor",
                                                          "anonymous")}),
    *rows("exchange_api.import_template", "GET", hr_only(200, ANON_API), values=KIND),
    *rows("exchange_api.import_upload", "POST", hr_only(422, ANON_API), values=KIND),       # no file
    *rows("exchange_api.credit_platform_export", "GET", hr_only(422, ANON_API), query={"since": "yesterday"}),
]


def extend_world(world) -> None:
    from archive.exchange.credit import export_dir
    from archive.exchange.models import CreditExport, ImportBatch
    from core.extensions import db
    world.objects["exchange_batch"], world.objects["exchange_export"] = {}, {}
    empty = hashlib.sha256(b"").hexdigest()
    for relation, owner in OWNER.items():
        user = world.users[owner]
        batch = ImportBatch(kind="appraisals", filename="考核.xlsx", sha256=empty, state="validated", rows=1,
                            errors=[], created_by_id=user.id, via="web")
        export = CreditExport(until=clock.utcnow(), count=0, sha256=empty, size=0, via="web", created_by_id=user.id,
                              stored_name=f"credit-world-{relation}.jsonl")
        (export_dir() / export.stored_name).write_bytes(b"")
        db.session.add_all([batch, export])
        db.session.flush()
        world.objects["exchange_batch"][relation] = batch
        world.objects["exchange_export"][relation] = export
