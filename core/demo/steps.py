"""The demo steps: ``@demo_step(order)`` registers a package's step, and the DemoContext every
step receives (the seed, the region's ids, the people, the accounts, a random stream per step)."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

DEMO_STEPS: list[tuple[int, str, Callable]] = []

#: steps ordered before this one prepare (they write nothing) and run before the registry
FIRST_WRITING_STEP = 10


def demo_step(order: int):
    def decorator(fn):
        if not any(name == fn.__qualname__ and o == order for o, name, _ in DEMO_STEPS):
            DEMO_STEPS.append((order, fn.__qualname__, fn))
        return fn
    return decorator


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
