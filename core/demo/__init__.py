"""The demo region: 山东省 → 东营市 → its five counties and their towns and departments.

``load_demo(people, seed)`` builds the registry with batch inserts (100,000 people in well
under two minutes), one account per role, then runs the steps other packages registered
in core.wiring's ``DEMO_STEP`` table (records, pledges, training...), each receiving the DemoContext.
Deterministic for a seed: the same seed gives the same region, people and data.

This module is the loader; ``steps`` holds the step registration and the DemoContext,
``bulk`` the set-based writes the steps use, ``region`` the departments and people, and
``accounts`` the demo accounts. The steps of other packages import the step interface
(``DemoStep``, ``DemoContext``, ``bulk_insert``, ``indexes_deferred``, ``reset_sequence``)
from ``core.demo``.
"""
from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from core import changes, clock
from core.demo.accounts import _build_accounts
from core.demo.bulk import bulk_insert, indexes_deferred, reset_sequence
from core.demo.region import _build_departments, _build_people
from core.demo.steps import FIRST_WRITING_STEP, DemoContext, DemoStep, registered_steps
from core.extensions import db

__all__ = ["DemoContext", "DemoStep", "bulk_insert", "database_is_empty", "indexes_deferred", "load_demo",
           "registered_steps", "reset_sequence"]


def database_is_empty() -> bool:
    from core.registry.models import Person
    return db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one() == 0


def build_registry(ctx: DemoContext, password: str) -> None:
    """The region's departments, people and accounts (not committed)."""
    employers = _build_departments(ctx)
    from core.registry.models import DepartmentAssignment, Person
    with indexes_deferred(Person, DepartmentAssignment):
        _build_people(ctx, employers)
    _build_accounts(ctx, password)
    changes.changed(None, changes.PERSON)      # a whole region of new people (core.changes)


def load_demo(*, people: int, seed: int, echo: Callable = print, password: str | None = None,
              today: date | None = None, steps: list[DemoStep] | None = None) -> str:
    """The demo region and the registered steps (``steps``: only these, e.g. one package's)."""
    from flask import current_app

    from core.audit.services import record_event, write_checkpoint
    password = password or current_app.config["DEMO_PASSWORD"]
    ctx = DemoContext(seed=seed, people=people, today=today or clock.today(), rng=random.Random(seed))
    t0 = time.perf_counter()
    # millions of rows and tuples live at once: generational GC passes over them would cost
    # more than the load creates in cycles (collected once at the end)
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        _bulk_transaction()
        steps = sorted(registered_steps() if steps is None else steps, key=lambda s: s.order)
        for step in (s for s in steps if s.order < FIRST_WRITING_STEP):
            step.fn(ctx)     # preparations (coverage: refresh its facts once, at the end)
        build_registry(ctx, password)
        db.session.commit()
        ctx.timings["registry"] = time.perf_counter() - t0
        echo(f"registry: {people} people in {ctx.timings['registry']:.1f} s")
        for step in (s for s in steps if s.order >= FIRST_WRITING_STEP):
            name = step.name
            t = time.perf_counter()
            _bulk_transaction()
            step.fn(ctx)
            db.session.commit()
            ctx.timings[name] = time.perf_counter() - t
            echo(f"{name}: {ctx.timings[name]:.1f} s")
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))   # bulk loads leave the planner blind (100k people seen as ~100)
        record_event("demo_load", None, f"载入演示数据：{people} 人，随机种子 {seed}", actor=None)
        write_checkpoint()          # the demo's chain is anchored at once (the automatic one comes every 1,000 events)
        db.session.commit()
        _vacuum(VACUUMED_TABLES)
    finally:
        if gc_enabled:
            gc.enable()
    gc.collect()
    total = time.perf_counter() - t0
    return f"demo region loaded: {people} people, seed {seed}, {total:.1f} s"


#: tables read by index-only scans (coverage dashboards and gap pages, the people list): their
#: visibility map is set right after the load instead of whenever autovacuum comes by
VACUUMED_TABLES = ("coverage_facts", "people")


def _vacuum(tables) -> None:
    """VACUUM (ANALYZE) ``tables`` on PostgreSQL (outside a transaction, as VACUUM must be)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE) " + ", ".join(f'"{t}"' for t in tables)))


def _bulk_transaction() -> None:
    """Settings of this transaction only (PostgreSQL, SET LOCAL): the demo's set-based
    statements aggregate millions of rows once; memory for their hashes and sorts instead of
    spilling to disk, and no JIT compilation (seconds of it for a single run of each)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
        db.session.execute(sa.text("SET LOCAL jit = off"))
