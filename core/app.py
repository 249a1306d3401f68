"""The application factory: a table of contents of register_* steps.

This is the only module that knows every domain package (to register their blueprints,
CLI groups, demo steps and models for Alembic).
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from config import BASE_DIR, load_config


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, template_folder=str(BASE_DIR / "templates"),
                static_folder=str(BASE_DIR / "static"), instance_path=str(BASE_DIR / "instance"))
    register_config(app, config_name, overrides)
    register_extensions(app)
    register_models()
    register_i18n(app)
    register_security(app)
    register_blueprints(app)
    register_unit_of_work(app)
    register_plugins(app)
    register_errors(app)
    register_templates(app)
    register_cli(app)
    register_startup_checks(app)
    return app


def register_config(app: Flask, config_name: str | None, overrides: dict) -> None:
    """Configuration from config.py (environment) plus explicit overrides (tests)."""
    app.config.from_mapping(load_config(config_name))
    app.config.from_mapping(overrides)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    from core import clock
    clock.init_app(app)
    from core import crypto
    crypto.init_keys(app)


def register_extensions(app: Flask) -> None:
    from core.db import install_sqlite_pragmas
    from core.extensions import csrf, db, limiter, login_manager, migrate
    install_sqlite_pragmas()    # before the first connection: WAL and a busy timeout on SQLite
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from core.accounts import auth
    auth.init_login(app)
    from core import files
    from core.audit import witness
    from core.guards import install_guards
    install_guards(db)          # no bulk writes on audited tables, no hard deletes
    witness.install()           # committed audit events to the append-only witness
    files.install()             # uploaded files follow their transaction


def register_models() -> None:
    """Import every model so SQLAlchemy and Alembic see the whole schema."""
    import archive.models  # noqa: F401
    import core.models  # noqa: F401
    import training.models  # noqa: F401


def register_i18n(app: Flask) -> None:
    from core import i18n
    i18n.init_app(app)


def register_security(app: Flask) -> None:
    from core import security
    from core.safe_args import SafeRequest
    app.request_class = SafeRequest            # out-of-range integers in query strings: the default, never a 500
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    import archive
    import core
    import training
    from core.api import BoundedIntConverter
    app.url_map.converters["int"] = BoundedIntConverter      # huge ids in URLs: 404, never a 500
    for bp in core.blueprints() + training.blueprints() + archive.blueprints():
        app.register_blueprint(bp)
    from core.api import exempt_api_from_csrf
    exempt_api_from_csrf(app)


#: The providers every part of the product relies on (core.wiring): the start-up check refuses
#: to start without one, instead of a file section or a workbench card silently missing.
EXPECTED_PROVIDERS = {
    "file_section": ("training", "pledges", "repairs"),
    "complaint_subject": ("objection", "repair"),
    "person_scope": ("committee",),
    "worklist": ("archive.file.worklists.worklist_cards", "archive.pledges.views.overdue_card",
                 "archive.repair.views.worklist_cards", "archive.coverage.hooks.coverage_cards"),
    # (the training summary follows a new or changed person through core.changes, PERSON)
    "person_registered": ("archive.pledges.assignment.auto_assign_pre_appointment",),
    "person_appointed": ("archive.pledges.assignment.auto_assign_pre_appointment",),
    "people_filter": ("integrity", "gap"),
    "todo": ("pledges",),
    "job_owner": ("reviews",),
    "document_batch": ("integrity_file",),
    "welcome": ("archive.pledges.hooks.welcome_items", "training.welcome.welcome_items"),
    "person_change_guard": ("archive.file.cases.guard_person_change",),
    "audit_trail": ("archive.file.trail.import_events", "archive.file.trail.pledge_events",
                    "archive.file.trail.enrolment_events", "archive.file.trail.bulk_action_events"),
    # derived data, in this order: the training summary, then what reads it
    "change_handler": ("training.status.on_changed", "archive.file.cache.on_changed",
                       "archive.coverage.facts.on_changed"),
    # the steps of `flask demo load` after the registry (coverage: defer first, rebuild last)
    "demo_step": ("coverage_defer", "demo_file", "load_training", "demo_pledges", "demo_repairs", "demo_reviews",
                  "coverage_demo"),
}


def register_unit_of_work(app: Flask) -> None:
    """Derived data (training summary, coverage facts, file cache) follows the changes services
    note with core.changes.changed(), once per transaction, before it commits."""
    from core import changes
    changes.install()


def register_plugins(app: Flask) -> None:
    """Each domain package plugs its providers into core.wiring (explicitly, never at import)."""
    import archive
    import training
    training.register(app)
    archive.register(app)


def register_errors(app: Flask) -> None:
    from core import error_pages
    error_pages.init_app(app)


def register_templates(app: Flask) -> None:
    from core import templating
    templating.init_app(app)


def register_cli(app: Flask) -> None:
    import archive
    import training
    from core import cli
    cli.init_app(app)
    training.register_cli(app)
    archive.register_cli(app)


def register_startup_checks(app: Flask) -> None:
    """Refuse to start when an expected plug-in provider is missing (core.wiring); say loudly when
    PDF rendering would be slow (no HarfBuzz subsetting); refuse to start when PDF signing is
    configured but its key material cannot be loaded (core.pdf_sign)."""
    from core import wiring
    wiring.check(EXPECTED_PROVIDERS)
    from core.pdf_sign import check_configuration
    with app.app_context():
        check_configuration()
    if app.testing:
        return
    from core.pdf import harfbuzz_subset_available
    if not harfbuzz_subset_available():
        logging.getLogger("integrity").warning(
            "libharfbuzz-subset0 is missing: PDF font subsetting falls back to pure Python "
            "and a 3-page dossier takes ~12 s instead of ~0.5 s. apt-get install libharfbuzz-subset0")
