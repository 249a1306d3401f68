"""Fixtures of the coverage tests (helpers in coverage_helpers.py)."""
from __future__ import annotations

import pytest

from core.extensions import db as _db
from tests.archive.coverage.coverage_helpers import integrity_course, pre_template


@pytest.fixture
def course(region):
    c = integrity_course()
    _db.session.commit()
    return c


@pytest.fixture
def template(region):
    t = pre_template()
    _db.session.commit()
    return t
