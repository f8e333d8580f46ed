"""Two checkouts of the model timed side by side: the same run, alternating, in fresh processes.

Usage::

    git archive COMMIT | tar -x -C /tmp/before          # the checkout to compare with
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/side_by_side.py --before /tmp/before [--after .]
        [--rounds 3] [--consumers 100000] [--councils 1000] [--years 10] [--scenario scenarios/baseline.toml]

Each round runs the scenario once under each checkout (before first, then after), each in
a fresh interpreter of this virtualenv with ``PYTHONPATH`` set to the checkout, from the
checkout's own directory: each reads its own scenario file, with its own defaults. A child
builds the model (its population set to ``--consumers`` and ``--councils``, its length to
``--years``), runs it, and reports the run's wall time (``time.perf_counter``), the
process's CPU time (``time.process_time``, construction included) and how many yearly
decisions it took. The script prints one row per run and the means, and the ratio
after ÷ before.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import dataclasses, json, sys, time
import sim
from sim.model import CouncilsModel
from sim.run.scenario import load_scenario
consumers, councils, years, path = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
scenario = load_scenario(path)
population = dataclasses.replace(scenario.population, consumers=consumers, councils=councils)
model = CouncilsModel(dataclasses.replace(scenario, years=years, population=population))
start = time.perf_counter()
model.run()
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "cpu": time.process_time(), "decisions": len(model.record.decisions),
                  "module": sim.__file__}))
"""


def run_once(checkout: Path, args) -> dict:
    """One run of the scenario under ``checkout``, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    argv = [sys.executable, "-c", CHILD, str(args.consumers), str(args.councils), str(args.years), args.scenario]
    done = subprocess.run(argv, cwd=checkout, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--after", type=Path, default=Path("."), help="the checkout measured (default: here)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--councils", type=int, default=1_000)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--scenario", default="scenarios/baseline.toml", help="relative to each checkout")
    args = parser.parse_args()
    rows = {"before": [], "after": []}
    for k in range(args.rounds):
        for name in ("before", "after"):
            got = run_once(getattr(args, name).resolve(), args)
            rows[name].append(got)
            print(
                f"round {k + 1} {name:6}: run {got['wall']:.2f} s, CPU {got['cpu']:.2f} s, "
                f"{got['decisions']} decisions ({got['module']})",
                flush=True,
            )
    mean = {name: {key: sum(r[key] for r in rs) / len(rs) for key in ("wall", "cpu")} for name, rs in rows.items()}
    for key in ("wall", "cpu"):
        print(
            f"mean {key}: before {mean['before'][key]:.2f} s, after {mean['after'][key]:.2f} s, "
            f"after ÷ before {mean['after'][key] / mean['before'][key]:.3f}"
        )


if __name__ == "__main__":
    main()
