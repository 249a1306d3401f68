"""The OpenAPI document covers every /api/v1 endpoint, and property-based requests generated
from it (schemathesis, in-process against the Flask app) never get a server error."""
from __future__ import annotations

import os
import re
import time

import pytest

API = "/api/v1"


def _doc_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_endpoint_is_in_the_document(app, client):
    doc = client.get(f"{API}/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        path = doc["paths"].get(_doc_path(rule.rule), {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in path:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_exchange_endpoints_are_described(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    upload = paths[f"{API}/imports/{{kind}}"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {p["name"] for p in upload["parameters"]} >= {"kind", "dry_run"}
    assert "422" in upload["responses"]
    export = paths[f"{API}/exports/credit-platform"]["get"]
    assert "application/x-ndjson" in export["responses"]["200"]["content"]


@pytest.fixture
def hr_token(region):
    from core.accounts.tokens import create_token
    from core.extensions import db
    from tests import factories as f
    for i in range(3):                       # a few real rows so that some generated ids exist
        f.person(f"测试{i}", department=region.shikou)
    token = create_token(region.hr)
    db.session.commit()
    return token


def test_generated_requests_never_get_a_server_error(app, hr_token):
    """schemathesis (positive and negative data) on every operation, as an HR user of a small
    region; 8 examples per operation and mode keep it near a minute (FUZZ_FULL=1, ``make fuzz``:
    100 per mode, 200 per operation, no time limit)."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    headers = {"Authorization": f"Bearer {hr_token}"}
    full = os.environ.get("FUZZ_FULL", "") == "1"
    examples = 100 if full else 8
    failures: list[str] = []
    started = time.perf_counter()

    def fuzz(op, mode):
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"query={case.query!r} body={case.body!r}"[:500])
        check()

    for op in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                fuzz(op, mode)
            except Exception as exc:  # noqa: BLE001 - an unsatisfiable schema is reported, not fatal
                if "Unsatisfiable" not in type(exc).__name__:
                    failures.append(f"{op.label} {mode.value}: {type(exc).__name__}: {exc}"[:500])
    assert failures == [], "\n".join(failures[:20])
    print(f"\nschemathesis: {len(operations)} operations x 2 modes x {examples} examples "
          f"in {time.perf_counter() - started:.0f} s")
    assert full or time.perf_counter() - started < 180
