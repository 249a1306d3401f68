"""The plug-in registry (core.wiring): explicit registration, and a start-up check that refuses
to start when an expected provider is missing."""
from __future__ import annotations

import pytest

from core import wiring
from core.app import EXPECTED_PROVIDERS, create_app


def test_every_expected_provider_is_registered(app):
    assert wiring.missing(EXPECTED_PROVIDERS) == {}
    assert [wiring.name_of(f) for f in wiring.hooks(wiring.WORKLIST)] == [
        "archive.file.worklists.worklist_cards", "archive.pledges.views.overdue_card",
        "archive.repair.views.worklist_cards", "archive.coverage.hooks.coverage_cards"]


def test_registering_again_changes_nothing(app):
    before = {k: list(v) for k, v in wiring._hooks.items()}
    tables = {k: dict(v) for k, v in wiring._tables.items()}
    create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=app.config["INSTANCE_DIR"])
    assert {k: list(v) for k, v in wiring._hooks.items()} == before
    assert {k: dict(v) for k, v in wiring._tables.items()} == tables


def test_tables_are_named_by_plain_strings_and_hold_their_own_providers(app):
    """A table's typed name is the string the start-up check and provided() know it by; the people
    filters table holds PeopleFilter values (not functions), in registration order."""
    from core.registry.filters import PeopleFilter, people_filters
    assert wiring.PEOPLE_FILTER == "people_filter" and type(wiring.PEOPLE_FILTER) is wiring.Table
    assert set(wiring.TABLES) <= set(EXPECTED_PROVIDERS) and set(wiring.TABLES) <= set(wiring.provided())
    filters = people_filters()
    assert [p.name for p in filters] == ["integrity", "gap"]
    assert all(isinstance(p, PeopleFilter) for p in filters)
    assert wiring.table(wiring.PEOPLE_FILTER)["gap"] is filters[1]


def test_a_missing_provider_refuses_to_start(app):
    sections = wiring.table(wiring.FILE_SECTION)
    pledges = sections.pop("pledges")
    try:
        with pytest.raises(RuntimeError, match="file_section: pledges"):
            wiring.check(EXPECTED_PROVIDERS)
    finally:
        sections["pledges"] = pledges
    cards = wiring.hooks(wiring.WORKLIST)
    coverage = cards.pop()
    try:
        assert wiring.missing(EXPECTED_PROVIDERS) == {"worklist": ["archive.coverage.hooks.coverage_cards"]}
    finally:
        cards.append(coverage)
    wiring.check(EXPECTED_PROVIDERS)


def test_nothing_registers_at_import_time():
    """Importing the provider modules registers nothing: only register() does (run in a fresh
    interpreter, where no app was created)."""
    import subprocess
    import sys
    code = ("import archive.file.hooks, archive.pledges.hooks, archive.repair.hooks, archive.coverage.hooks, "
            "archive.reviews.hooks, archive.file.views, archive.pledges.views, archive.repair.views, training.status\n"
            "from core import wiring\n"
            "assert not any(wiring.provided().values()), wiring.provided()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)  # noqa: S603
    assert out.returncode == 0, out.stderr


def test_derived_data_handlers_run_training_first(app):
    # (tests.changes_verifier adds an observer in the tests only)
    assert [wiring.name_of(f) for f in wiring.hooks(wiring.CHANGE_HANDLER)
            if not wiring.name_of(f).startswith("tests.")] == [
        "training.status.on_changed", "archive.file.cache.on_changed", "archive.coverage.facts.on_changed"]


def test_changes_are_forgotten_on_rollback_and_flushed_once(app, region):
    from core import changes
    from core.extensions import db
    seen = []
    wiring.add_hook(wiring.CHANGE_HANDLER, seen_handler := lambda session, batch: seen.append(batch))
    try:
        changes.changed([region.person.id], "person")
        db.session.rollback()
        assert changes.pending() == {}
        changes.changed([region.person.id], "person")
        changes.changed([region.other.id, None], "person")
        changes.changed(None, "record")
        db.session.commit()
        assert seen == [{"person": {region.person.id, region.other.id}, "record": None}]
        db.session.commit()
        assert len(seen) == 1
    finally:
        wiring.hooks(wiring.CHANGE_HANDLER).remove(seen_handler)
