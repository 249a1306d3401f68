"""The demo steps: each package's ``demo.register()`` (called from its ``register_cli``, a step
of the factory) puts a :class:`DemoStep` into core.wiring's ``DEMO_STEP`` table, and the
DemoContext every step receives (the seed, the region's ids, the people, the accounts, a random
stream per step)."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

#: steps ordered before this one prepare (they write nothing) and run before the registry
FIRST_WRITING_STEP = 10


@dataclass
class DemoContext:
    seed: int
    people: int
    today: date
    rng: random.Random
    root_id: int = 0
    city_id: int = 0
    county_ids: dict[str, int] = field(default_factory=dict)
    department_paths: dict[int, str] = field(default_factory=dict)
    person_ids: list[int] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)          # username -> user id
    account_people: dict[str, int] = field(default_factory=dict)    # username -> person id
    timings: dict[str, float] = field(default_factory=dict)

    def rng_for(self, name: str) -> random.Random:
        """An independent, deterministic random stream per step."""
        return random.Random(f"{self.seed}:{name}")


@dataclass(frozen=True)
class DemoStep:
    """``fn(ctx)`` of a package, run in ``order`` (below FIRST_WRITING_STEP: a preparation that
    writes nothing and runs before the registry is built)."""
    order: int
    fn: Callable[[DemoContext], None]

    @property
    def name(self) -> str:
        return self.fn.__qualname__


def registered_steps() -> list[DemoStep]:
    """The steps the packages registered (core.wiring DEMO_STEP), in their order."""
    from core import wiring
    return sorted(wiring.table(wiring.DEMO_STEP).values(), key=lambda s: s.order)
