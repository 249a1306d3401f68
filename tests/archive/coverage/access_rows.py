"""Access rows of coverage (dashboard, worklists, API), read by tests/security/test_routes.py.

Coverage is HR's: every other role is 403 (pages and API alike), anonymous visitors go to
the login page (pages) or get 401 (API). Scope rides on ``department_id``: the world's
department 1 (东营市) is the parent of the hr account's 东营区, so HR gets 404 there.
"""
from __future__ import annotations

from tests.security.access_matrix import ANON_API, ANON_PAGE, rows


def hr_only(hr_status, anonymous=ANON_PAGE) -> dict:
    table = {r: 403 for r in ("servant", "committee", "sysadmin", "auditor")}
    table.update(hr=hr_status, anonymous=anonymous)
    return table


PARENT = {"department_id": 1}      # 东营市: above the hr account's scope
OTHER = {"department_id": 5}       # 河口区: a sibling subtree

ROWS = [
    *rows("coverage.dashboard", "GET", hr_only(200)),
    *rows("coverage.dashboard", "GET", hr_only(404), query=PARENT),
    *rows("coverage.dashboard", "GET", hr_only(404), query=OTHER),
    *rows("coverage.export", "GET", hr_only(200)),                             # the coverage table (Excel)
    *rows("coverage.export", "GET", hr_only(404), query=OTHER),
    *rows("coverage.gaps", "GET", hr_only(200), values={"metric": "pledge"}),
    *rows("coverage.gaps", "GET", hr_only(200)),                               # /coverage/gaps (overall)
    *rows("coverage.gaps", "GET", hr_only(404), values={"metric": "nonsense"}),
    *rows("coverage.gaps", "GET", hr_only(404), values={"metric": "pledge"}, query=OTHER),
    *rows("coverage.gaps_export", "GET", hr_only(200), values={"metric": "training"}),
    *rows("coverage.gaps_export", "GET", hr_only(404), values={"metric": "training"}, query=OTHER),
    # an empty bulk action selects nobody: back to the worklist with a warning, nothing changed
    *rows("coverage.gaps_act", "POST", hr_only(302), values={"metric": "pledge"}),
    *rows("coverage.gaps_act", "POST", hr_only(404), values={"metric": "pledge"}, query=OTHER),
    *rows("coverage_api.coverage", "GET", hr_only(200, anonymous=ANON_API)),
    *rows("coverage_api.coverage", "GET", hr_only(404, anonymous=ANON_API), query=OTHER),
    *rows("coverage_api.gaps", "GET", hr_only(200, anonymous=ANON_API), query={"metric": "archive"}),
    *rows("coverage_api.gaps", "GET", hr_only(404, anonymous=ANON_API), query={"metric": "archive", **OTHER}),
]
