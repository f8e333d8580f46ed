"""Whether the noise's sector aggregates depend on the number of simulated persons: the table of docs/noise.md.

For each size (``--sizes``, persons) and seed (1 … ``--seeds``), builds the default scenario
with enterprises and communes in proportion to persons (one council per ``--per-council``
persons, one commune per ``--per-commune``: units of the same sizes at every size), once as a
sample (``population.represents = "sample"``) and once standing for the economy's persons
engaged (``"economy"``), draws ``--weeks`` weeks of its noise alone
(:func:`sim.analysis.noise_scale.sector_spread`), and prints, per size: the median over
sectors of each sector's weekly spread of output per hour, and the median, least and
greatest of its ratio to the largest size's, sector by sector.

    .venv/bin/python scripts/noise_invariance.py --sizes 2000 20000 200000 --seeds 10

About 40 s at these sizes on one core.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from sim.analysis.noise_scale import sector_spread
from sim.model import CouncilsModel
from sim.run.scenario import Scenario


def spreads(persons: int, represents: str, seeds: int, weeks: int, per_council: int, per_commune: int) -> np.ndarray:
    """Each seed's spread of each sector's weekly output per hour, shape (seeds, n)."""
    base = Scenario()
    population = dataclasses.replace(
        base.population,
        consumers=persons,
        councils=persons // per_council,
        communes=persons // per_commune,
        represents=represents,
    )
    runs = [dataclasses.replace(base, seed=seed, population=population) for seed in range(1, seeds + 1)]
    return np.array([sector_spread(CouncilsModel(run), weeks) for run in runs])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000], help="persons simulated")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--per-council", type=int, default=100, help="persons per enterprise")
    parser.add_argument("--per-commune", type=int, default=500, help="persons per rural commune")
    args = parser.parse_args(argv)
    largest = max(args.sizes)
    print("| represents | persons | median spread, 10⁻⁴ | ratio to largest: median | least | greatest |")
    print("|---|---:|---:|---:|---:|---:|")
    for represents in ("sample", "economy"):
        measured = {
            size: spreads(size, represents, args.seeds, args.weeks, args.per_council, args.per_commune).mean(axis=0)
            for size in args.sizes
        }
        for size in sorted(args.sizes):
            ratio = measured[size] / measured[largest]
            print(
                f"| {represents} | {size:,} | {np.nanmedian(measured[size]) * 1e4:.2f} | {np.nanmedian(ratio):.2f} | "
                f"{np.nanmin(ratio):.2f} | {np.nanmax(ratio):.2f} |"
            )


if __name__ == "__main__":
    main()
