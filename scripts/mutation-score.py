"""Print the kill rate of the last `mutmut run` (make mutation); exit 1 below MUTATION_MIN (default 0)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

stats_path = Path("mutants/mutmut-cicd-stats.json")
if not stats_path.exists():
    print("no mutation results: run `make mutation`")
    sys.exit(2)
s = json.loads(stats_path.read_text())
# a mutant no test reaches counts as surviving: the rule it changes is untested
tested = s["killed"] + s["survived"] + s["timeout"] + s["suspicious"] + s["segfault"] + s["no_tests"]
killed = s["killed"] + s["timeout"]          # a mutant that hangs the tests is caught too
rate = 100.0 * killed / tested if tested else 0.0
print(f"mutation: {killed} of {tested} mutants killed ({rate:.1f}%); survived {s['survived']}, "
      f"no tests {s['no_tests']}, skipped {s['skipped']}")
sys.exit(1 if rate < float(os.environ.get("MUTATION_MIN", "0")) else 0)
