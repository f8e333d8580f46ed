"""Whole-model speed: weeks per second, time per phase, total time and peak memory of a run.

Usage::

    .venv/bin/python benchmarks/model_step.py [--consumers 100000] [--councils 1000 | auto] [--years 10]
        [--scenario scenarios/poor_information.toml] [--regime fixed_plan]

Runs the baseline scenario on the default economy (or the scenario file given, with its
population set to ``--consumers`` and ``--councils`` and its length to ``--years``, and its
regime to ``--regime`` if given) and times each phase of the week
(the regime's produce, pay, deliver, buy, price, readjust, invest, plan and yearly
decision; the scheduled events; the recording) with ``time.perf_counter``. Peak memory
is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import resource
import time
from collections import defaultdict

import numpy as np

from sim.experiments.budget import keep_freed_memory
from sim.model import CouncilsModel
from sim.run.scenario import WEEKS_PER_YEAR, Population, Scenario, load_scenario

PHASES = ("produce", "pay", "deliver", "buy", "price", "readjust", "invest", "plan", "decide")


def _wrap(owner, name: str, label: str, totals: dict):
    method = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = method(*args, **kwargs)
        totals[label] += time.perf_counter() - start
        return result

    setattr(owner, name, wrapper)


def timed(model: CouncilsModel, totals: dict):
    """Wrap the regime's phases, the events and the recorder so that each call adds its time to ``totals``."""
    for name in PHASES:
        _wrap(model.regime, name, name, totals)
    _wrap(model.events, "fire", "events", totals)
    _wrap(model.record, "week_done", "record", totals)


def _councils(text: str):
    return text if text == "auto" else int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--councils", type=_councils, default=1_000, help='a number, or "auto"')
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--scenario", help="a scenario file instead of the baseline")
    parser.add_argument("--regime", help="the regime to run it under, instead of the file's")
    args = parser.parse_args()
    scenario = Scenario(
        years=args.years, population=Population(consumers=args.consumers, councils=args.councils, communes=20)
    )
    if args.scenario:
        scenario = load_scenario(args.scenario)
        population = dataclasses.replace(scenario.population, consumers=args.consumers, councils=args.councils)
        scenario = dataclasses.replace(scenario, years=args.years, population=population)
    if args.regime:
        scenario = dataclasses.replace(scenario, regime=args.regime)
    keep_freed_memory(scenario.population.consumers)  # as ``councils run`` does
    start = time.perf_counter()
    model = CouncilsModel(scenario)
    setup = time.perf_counter() - start
    totals = defaultdict(float)
    timed(model, totals)
    start = time.perf_counter()
    summary = model.run()
    run = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    weeks = scenario.weeks
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    councils = model.councils.rows.size
    print(f"{scenario.name}, {scenario.regime}: {args.consumers:,} consumers, {councils:,} councils, ", end="")
    print(f"{weeks} weeks ({weeks / WEEKS_PER_YEAR:g} years)")
    print(f"set-up {setup:.2f} s; run {run:.2f} s; {weeks / run:.1f} weeks/s; peak RSS {peak_mb:,.0f} MB")
    print(f"converged: {summary['converged']} (week {summary['converged_week']})")
    accounted = sum(totals.values())
    print("share of run time per phase:")
    for name in (*PHASES, "events", "record"):
        print(f"  {name:<9} {totals[name]:7.2f} s  {100 * totals[name] / run:5.1f} %")
    print(f"  other     {run - accounted:7.2f} s  {100 * (run - accounted) / run:5.1f} %  (DataCollector, loop)")
    print(f"weeks/s: {np.round(weeks / run, 2)}")


if __name__ == "__main__":
    main()
