"""Demo reviews: an open promotion review in 东营区 (~30 candidates, some blocked) with the demo
committee account as member, and a closed award review (its members no longer see anything)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core import changes, wiring
from core.demo import DemoContext, DemoStep
from core.extensions import db

CANDIDATES = 30
BLOCKED = 5


def _county_people(ctx: DemoContext, county: str, limit: int = 3000) -> list[int]:
    from core.registry.models import Person
    path = ctx.department_paths[ctx.county_ids[county]]
    return list(db.session.execute(sa.select(Person.id).where(
        Person.department_path.startswith(path), Person.status == "active").order_by(Person.id).limit(limit)).scalars())


def _block(ctx: DemoContext, rng, people, hr) -> None:
    """Give a few candidates an effective sanction (when the file demo gave them none)."""
    from archive.file import services as file_services
    kinds = [("discipline_gov", "demerit", "违反工作纪律，造成不良影响"),
             ("accountability", "admonition", "履职不力，被诫勉谈话"),
             ("discipline_gov", "warning", "违规使用公务用车")]
    for i, person in enumerate(people):
        category, sanction, facts = kinds[i % len(kinds)]
        decided = ctx.today - timedelta(days=rng.randrange(40, 150))
        record = file_services.record_misconduct(person, category=category, sanction=sanction, severity="general",
                                                 decided_on=decided, authority="东营区纪委监委", facts=facts,
                                                 document_no=f"东纪〔{decided.year}〕{rng.randrange(10, 99)}号", by=hr)
        file_services.notify_record(record, person, by=hr, on=decided + timedelta(days=3))


def demo_reviews(ctx: DemoContext) -> None:
    from archive.enums import RestrictionKind, ReviewPurpose
    from archive.file.services import evaluate_people
    from archive.reviews import services
    from core.accounts.models import User
    from core.registry.models import Person
    if "hr" not in ctx.accounts or "东营区" not in ctx.county_ids:
        return
    rng = ctx.rng_for("reviews")
    changes.changed(None, changes.RECORD)      # the records that block candidates (core.changes)
    hr = db.session.get_one(User, ctx.accounts["hr"])       # the demo accounts exist (core.demo)
    members = [db.session.get_one(User, ctx.accounts["committee"])] if "committee" in ctx.accounts else []
    ids = [i for i in _county_people(ctx, "东营区") if i not in ctx.account_people.values()]
    if not ids:
        return
    evaluations = evaluate_people(ids, ctx.today)
    blocked = [i for i in ids if evaluations[i].blocks(RestrictionKind.PROMOTION)]
    clean = [i for i in ids if i not in set(blocked)]
    chosen_blocked = rng.sample(blocked, min(BLOCKED, len(blocked)))
    chosen_clean = rng.sample(clean, min(CANDIDATES - len(chosen_blocked), len(clean)))
    load = lambda pids: [db.session.get(Person, pid) for pid in pids]  # noqa: E731
    if len(chosen_blocked) < 3:
        _block(ctx, rng, load(chosen_clean[:3 - len(chosen_blocked)]), hr)
    candidates = load(sorted(chosen_blocked + chosen_clean))
    services.create_review(name=f"{ctx.today.year}年度东营区科级干部晋升考察", purpose=ReviewPurpose.PROMOTION,
                           closes_on=ctx.today + timedelta(days=21), candidates=candidates, members=members,
                           created_by=hr, today=ctx.today)

    past = load(rng.sample(ids, min(12, len(ids))))
    closed = services.create_review(name=f"{ctx.today.year - 1}年度东营区评先评优考察", purpose=ReviewPurpose.AWARD,
                                    closes_on=ctx.today, candidates=past, members=members, created_by=hr,
                                    today=ctx.today)
    services.close_review(closed, by=hr)
    closed.closes_on = ctx.today - timedelta(days=45)
    db.session.flush()


def register() -> None:
    """This package's demo step(s), in core.wiring (called from the package's register_cli)."""
    wiring.register(wiring.DEMO_STEP, "demo_reviews", DemoStep(60, demo_reviews))
