"""Shared benchmark plumbing: timing, percentiles, the results table."""
from __future__ import annotations

import json
import statistics
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


@dataclass
class Figure:
    operation: str
    value: float
    unit: str
    limit: float | None = None          # the same work done the fastest known way, measured in this run
    limit_label: str = ""
    target: float | None = None         # the target (same unit)
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.value / self.limit if self.limit else None

    @property
    def within_target(self) -> bool | None:
        if self.target is None:
            return None
        higher_is_better = self.unit.endswith("/s")
        return self.value >= self.target if higher_is_better else self.value <= self.target


@contextmanager
def timer():
    box = {}
    t0 = time.perf_counter()
    yield box
    box["s"] = time.perf_counter() - t0


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return float("nan"), float("nan")
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return p50, p95


def print_table(figures: list[Figure], machine: str) -> None:
    print()
    print(f"Integrity Archive benchmark — {machine}")
    head = f"{'operation':<52} {'figure':>12} {'limit':>12} {'ratio':>7} {'target':>10}  ok"
    print(head)
    print("-" * len(head))
    for f in figures:
        limit = f"{f.limit:.3f}" if f.limit is not None else "—"
        ratio = f"{f.ratio:.1f}x" if f.ratio is not None else "—"
        target = f"{f.target:g}" if f.target is not None else "—"
        ok = {True: "yes", False: "NO", None: ""}[f.within_target]
        print(f"{f.operation:<52} {f.value:>9.3f} {f.unit:<2} {limit:>12} {ratio:>7} {target:>10}  {ok}")
        if f.notes:
            print(f"    {f.notes}")


def write_results(figures: list[Figure], meta: dict) -> None:
    RESULTS.write_text(json.dumps({"meta": meta, "figures": [
        asdict(f) | {"ratio": f.ratio, "within_target": f.within_target} for f in figures]},
        ensure_ascii=False, indent=2))
