"""Fixtures of the file tests: records entered through the services, SQL statement counting."""
from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from archive.rules import add_months
from core.extensions import db as _db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


class FileHelper:
    def __init__(self, region, today):
        self.r, self.today = region, today

    def record(self, person=None, *, months_ago=2, notify=False, by=None, commit=True, **kw):
        """A record decided ``months_ago`` months ago (default 记过), entered by county HR."""
        from archive.file import services
        person = person or self.r.person
        values = dict(category="discipline_gov", sanction="demerit", severity="general",
                      decided_on=add_months(self.today, -months_ago), authority="东营区纪委监委",
                      facts="违反工作纪律，造成不良影响。")
        values.update(kw)
        rec = services.record_misconduct(person, by=by or self.r.hr, **values)
        if notify:
            services.notify_record(rec, person, by=by or self.r.hr, on=self.today if notify is True else notify)
        if commit:
            _db.session.commit()
        return rec

    def reload(self, obj):
        _db.session.expire_all()
        return _db.session.get(type(obj), obj.id)

    def count(self, model, **where) -> int:
        sel = sa.select(sa.func.count()).select_from(model)
        for key, value in where.items():
            sel = sel.where(getattr(model, key) == value)
        return _db.session.execute(sel).scalar_one()


@pytest.fixture
def fx(region, today):
    return FileHelper(region, today)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as n: ...`` then ``n[0]`` is the number of SQL statements run."""
    @contextlib.contextmanager
    def counter():
        box = [0]

        def listener(*args, **kwargs):
            box[0] += 1
        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield box
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
    return counter
