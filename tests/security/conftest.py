"""Fixtures of the security suite: the demo-like world, extra app instances, config overrides."""
from __future__ import annotations

import time

import pytest

from core.extensions import db as _db


@pytest.fixture
def world(db, app):
    # speed: built through the services once per worker, then restored row for row (tests/conftest.py built_once)
    from tests.conftest import built_once
    from tests.security.world import build_world, world_refs, world_revive
    return built_once(app, "security world", build_world, world_refs, world_revive)


@pytest.fixture
def session_login(app):
    """A fresh test client logged in as ``user`` (cookie session, second factor passed)."""
    from tests.conftest import _session_identifier
    _identifier = _session_identifier(app.test_client())

    def _login(user, client=None):
        c = client or app.test_client()
        _db.session.expire_all()
        with c.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_id"] = _identifier
            sess["_fresh"] = True
            sess["mfa"] = True
            sess["login_at"] = sess["last_seen"] = time.time()
        return c
    return _login


@pytest.fixture
def config(app):
    """Change app.config for one test; every key is restored afterwards."""
    saved: dict = {}
    missing = object()

    def _set(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, missing))
            app.config[key] = value
    yield _set
    for key, value in saved.items():
        if value is missing:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def make_app(database_url, tmp_path):
    """Another application instance (another gunicorn worker, another configuration).

    ``make_app(**overrides)`` shares the suite's database unless SQLALCHEMY_DATABASE_URI is
    given; engines are disposed at the end so PostgreSQL truncation is not blocked. The
    process-wide Flask-Limiter switch is restored too."""
    from core.app import create_app
    from core.extensions import limiter
    made = []
    limiter_state = (limiter.enabled,)

    def _make(**overrides):
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", database_url)
        overrides.setdefault("INSTANCE_DIR", str(tmp_path))
        overrides.setdefault("UPLOAD_DIR", str(tmp_path / "uploads"))
        application = create_app("test", **overrides)
        made.append(application)
        return application
    yield _make
    for application in made:
        with application.app_context():
            _db.session.remove()
            _db.engine.dispose()
    limiter.enabled = limiter_state[0]


def pg(app) -> bool:
    with app.app_context():
        return _db.engine.dialect.name == "postgresql"
