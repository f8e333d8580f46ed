"""Peak memory of the whole model for 10⁵ and 10⁶ consumers (each size in its own process).

Usage::

    .venv/bin/python benchmarks/memory.py [--weeks 4] [--sizes 100000 1000000] [--councils auto]

Each size is built and run for a few weeks in a fresh Python process; the figure is
that process's peak resident set size (``ru_maxrss``), which includes the interpreter
and the imported libraries (shown as "after imports"). ``--councils`` is a number of
enterprises (default 1,000) or ``auto`` (enterprises at national proportions,
``docs/firm_sizes.md``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
from agents import FactoryCouncil, PrimaryWorkGroup, RuralCommune
from sim.experiments.budget import keep_freed_memory
from sim.model import CouncilsModel
from sim.run.scenario import Population, Scenario
n, weeks = int(sys.argv[1]), int(sys.argv[2])
councils = sys.argv[3] if sys.argv[3] == "auto" else int(sys.argv[3])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
keep_freed_memory(n)  # as ``councils run`` does
start = time.perf_counter()
model = CouncilsModel(Scenario(years=1, population=Population(consumers=n, councils=councils, communes=20)))
built = time.perf_counter() - start
after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
model.run(weeks)
week_s = (time.perf_counter() - start) / weeks
made = sum(len(model.agents_by_type[kind]) for kind in (FactoryCouncil, RuralCommune, PrimaryWorkGroup))
print(json.dumps({
    "consumers": n, "agents": made, "councils": len(model.agents_by_type[FactoryCouncil]),
    "imports_mb": base, "built_mb": after_build,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "build_s": built, "week_s": week_s,
}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--councils", default="1000", help="enterprises: a number, or auto (default 1000)")
    args = parser.parse_args()
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), str(args.weeks), args.councils],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['consumers']:>9,} consumers ({r['councils']:,} councils, {r['agents']:,} agents besides persons): "
            f"peak {r['peak_mb']:,.0f} MB "
            f"(after imports {r['imports_mb']:,.0f} MB, after building {r['built_mb']:,.0f} MB); "
            f"build {r['build_s']:.1f} s, {r['week_s']:.3f} s per week"
        )


if __name__ == "__main__":
    main()
