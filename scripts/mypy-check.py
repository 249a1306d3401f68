"""Run mypy (config in pyproject.toml) and hold the line: the error count of each package may only
go down. Prints the count per package; fails when a package has more errors than in
scripts/mypy-baseline.json, or when the strict modules (the clock, the working-day calendar) have
any. ``--update`` writes the current counts as the new baseline (after fixing errors)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scripts" / "mypy-baseline.json"
STRICT = ("core/clock.py", "core/workcal/", "core/wiring.py", "core/changes.py", "archive/rules/")
LINE = re.compile(r"^(?P<path>[\w/.-]+\.py):\d+: error:")


def package(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def main() -> int:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    errors = [m["path"] for m in map(LINE.match, proc.stdout.splitlines()) if m]
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not errors):
        print(proc.stdout + proc.stderr)
        return 2
    counts = Counter(package(p) for p in errors)
    strict = [line for line in proc.stdout.splitlines() if line.startswith(STRICT)]
    if "--update" in sys.argv:
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    worse = {p: (n, baseline.get(p, 0)) for p, n in counts.items() if n > baseline.get(p, 0)}
    print(f"mypy: {len(errors)} errors remaining (baseline {sum(baseline.values())})")
    for p in sorted(set(counts) | set(baseline)):
        mark = "  <-- more than the baseline" if p in worse else ""
        print(f"  {p:24} {counts.get(p, 0):4}  (baseline {baseline.get(p, 0)}){mark}")
    if strict or worse:
        print("\n".join(line for line in proc.stdout.splitlines()
                        if line.startswith(STRICT) or package(line.split(":")[0]) in worse))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
