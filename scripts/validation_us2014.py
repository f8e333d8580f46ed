"""The US 2014 validation of the capitalist regime, over 20 seeds: the table of docs/validation.md.

Runs the default scenario under ``regime = "market"`` (every other key at its default) for
5 years, seeds 1–20, on two processes, measures years 2–5 (:mod:`sim.analysis.validation`)
and prints the Markdown table; ``--csv FILE`` also writes every run's figures.

    .venv/bin/python scripts/validation_us2014.py --seeds 20 --csv benchmarks/validation_us2014.csv

About 40 s a seed at the default 10,000 persons on one core.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import pandas as pd

from sim.analysis import validation
from sim.model import CouncilsModel
from sim.storage.writes import write_text


def one(seed: int, years: int, persons: int | None) -> dict:
    extra = {} if persons is None else {"population_consumers": persons}
    model = CouncilsModel(seed=seed, regime="market", years=years, **extra)
    return {"seed": seed, **validation.measure(model, first_week=52)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--persons", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    with ProcessPoolExecutor(args.workers) as pool:
        runs = list(pool.map(one, seeds, [args.years] * len(seeds), [args.persons] * len(seeds)))
    table = validation.table_facts(resources.files("sim") / "data" / "us2014")
    if args.csv:
        write_text(args.csv, pd.DataFrame(runs).to_csv(index=False))
    print(validation.markdown(validation.summarise(runs, table)))


if __name__ == "__main__":
    main()
