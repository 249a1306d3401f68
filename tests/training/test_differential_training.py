"""Differential property-based test: training.rules.evaluate (one person, Python) and its SQL
twin training.queries.evaluation (everyone at once) agree on every requirement and on "met"
(docs/rules-sql.md, "Rules and their SQL twins"), for random files, days and configurations,
reading the year's hours from the completions and from the training_status summary.
EXAMPLES × PEOPLE ≥ 500 files."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from archive.file.loader import rule_settings
from core.extensions import db
from core.registry.models import Person
from tests.differential_files import build_files
from training import queries
from training.models import TrainingStatus
from training.rules import TrainingSettings, evaluate
from training.services import person_training_facts

PEOPLE = 50
EXAMPLES = 11
CONFIGS = st.sampled_from([
    TrainingSettings(),
    TrainingSettings(annual_training_hours=Decimal(12)),
    TrainingSettings(leader_five_year_hours=Decimal(40)),
    TrainingSettings(integrity_hours_per_year=Decimal("4.5"), initial_training_months=24),
    TrainingSettings(appointment_training_months=6),
    TrainingSettings(integrity_hours_per_year=Decimal(0)),
])
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _sql(year, as_of, cfg, ids, source):
    ev = queries.evaluation(year, as_of, cfg, source=source, person_ids=ids)
    sel = ev.apply(sa.select(Person.id, sa.case((ev.condition, sa.true()), else_=sa.false()).label("meets"),
                             *[c.label(code) for code, c in ev.parts.items()]).select_from(Person))
    return {row.id: row._mapping for row in db.session.execute(sel.where(Person.id.in_(ids)))}


@PROPERTY
@given(as_of=st.dates(date(2019, 1, 1), date(2027, 12, 31)), last_year=st.booleans(), cfg=CONFIGS,
       seeds=st.lists(st.integers(0, 2**32 - 1), min_size=PEOPLE, max_size=PEOPLE))
def test_training_met_and_each_requirement(db, as_of, last_year, cfg, seeds):
    year = as_of.year - 1 if last_year else as_of.year
    files = build_files(seeds, as_of, rule_settings(), records=False)
    ids = files.ids
    by_completions = _sql(year, as_of, cfg, ids, "completions")
    # the summary, as the training package refreshes it (hours up to as_of), read back
    db.session.execute(sa.delete(TrainingStatus).where(TrainingStatus.person_id.in_(ids),
                                                       TrainingStatus.year == year))
    queries._upsert(queries.status_select(year, as_of, source="completions", person_ids=ids))
    by_summary = _sql(year, as_of, cfg, ids, "summary")
    for person in files.people:
        ev = evaluate(person_training_facts(person), year, as_of, cfg)
        for got in (by_completions[person.id], by_summary[person.id]):
            assert bool(got["meets"]) is ev.meets, (person.id, year, as_of, cfg, ev)
            codes = {r.code for r in ev.requirements}
            assert {k for k in got if k not in ("id", "meets")} <= codes
            for r in ev.requirements:
                if r.code in got:
                    assert bool(got[r.code]) is (not r.is_gap), (r.code, person.id, year, as_of, cfg, ev)
