"""Do findings depend on how many people are simulated? The table of docs/invariance.md (issue 28).

Runs the baseline and two harsher conditions (every noise twice and three times the
baseline's) at several population sizes, the same seeds at every size, and prints a Markdown
table: for each condition and size, the share of runs that converged, the convergence week,
the last year's stock gap, the peak share of demand unmet and welfare per person, each with
its 95 % interval over the seeds (``sim.analysis.intervals``: Wilson's for the share that
converged). A size agrees with the largest
where every measure's interval overlaps the largest size's.

    .venv/bin/python scripts/invariance.py --sizes 2000 20000 200000 2000000 --seeds 10 10 10 3 --workers 2

Extra keys go with ``--set KEY=VALUE`` (``population.councils=auto`` as ``councils run`` takes it, or Mesa's
keyword form ``population_councils=auto``; values in TOML).
Time: about 0.3 µs a person a week on one core, so a 3-year run of 2,000,000 persons takes about
2 minutes, of 200,000 about 15 s.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.analysis.intervals import Interval, kaplan_meier_median, mean_interval, wilson_interval
from sim.model import CouncilsModel
from sim.views.cli import keywords

#: The baseline's noise (scenarios/baseline.toml), which the harsher conditions multiply.
NOISE = {"noise_taste_drift": 0.002, "noise_productivity": 0.02, "noise_harvest": 0.05, "noise_reports": 0.02}
#: (name, keyword parameters) of each condition.
CONDITIONS = (
    ("baseline", {}),
    ("noise × 2", {key: 2 * value for key, value in NOISE.items()}),
    ("noise × 3", {key: 3 * value for key, value in NOISE.items()}),
)
#: (summary key, what it is, how to show it)
MEASURES = (
    ("converged", "converged, share of runs", "share"),
    ("converged_week", "convergence week (Kaplan–Meier median)", "week"),
    ("stock_gap_last_year", "stock gap, last year", "share"),
    ("peak_unmet_share", "peak unmet share of demand", "share"),
    ("welfare_per_person_last_year", "welfare per person, last year (hours)", "number"),
)


def one(seed: int, persons: int, parameters: dict) -> dict:
    """One run's summary: the baseline scenario at ``persons``, with ``parameters`` changed."""
    return CouncilsModel(seed=seed, population_consumers=persons, **parameters).run()


def table(runs: dict, sizes: list[int]) -> list[str]:
    """Markdown rows: a condition and size per row, a measure per column, means and 95 % intervals."""
    lines = [
        "| condition | persons | seeds | "
        + " | ".join(what for _, what, _ in MEASURES)
        + " | agrees with the largest |"
    ]
    lines.append("|---" * (len(MEASURES) + 4) + "|")
    for name, _ in CONDITIONS:
        largest = _intervals(runs[name, sizes[-1]])
        for size in sizes:
            estimates = _intervals(runs[name, size])
            cells = [_cell(estimates.get(key), kind) for key, _, kind in MEASURES]
            agrees = all(_overlap(estimates.get(key), largest.get(key)) for key, _, _ in MEASURES)
            lines.append(f"| {name} | {size:,} | {len(runs[name, size])} | " + " | ".join(cells) + f" | {agrees} |")
    return lines


def _intervals(summaries: list[dict]) -> dict:
    out = {}
    for key, _, _ in MEASURES:
        values = [float(s[key]) for s in summaries if s[key] is not None]
        if key == "converged":  # a share of runs: Wilson's interval
            out[key] = Interval(*wilson_interval(int(sum(values)), len(values)), n=len(values), method="wilson")
        elif key == "converged_week":  # censored at the horizon where a run did not converge
            times = [s[key] if s["converged"] else s["weeks"] for s in summaries]
            km = kaplan_meier_median(times, [bool(s["converged"]) for s in summaries])
            out[key] = Interval(km.median, km.low, km.high, n=km.n, method="kaplan-meier")
        elif values:
            out[key] = mean_interval(values)
    return out


def _overlap(a, b) -> bool:
    """Two intervals overlap (a measure no run of either size had counts as agreeing)."""
    if a is None or b is None:
        return a is None and b is None
    low_a, high_a, low_b, high_b = (np.nan_to_num(x, nan=edge) for x, edge in _edges(a) + _edges(b))
    return low_a <= high_b and low_b <= high_a


def _edges(e) -> list[tuple[float, float]]:
    """An interval's limits, an unreached one (NaN, as a median beyond the horizon has) open-ended."""
    return [(e.low, -np.inf), (e.high, np.inf)]


def _cell(e, kind: str) -> str:
    if e is None:
        return "–"
    if np.isnan(e.estimate):
        return "not reached"
    show = {"share": lambda x: f"{100 * x:.2f} %", "week": lambda x: f"{x:.0f}", "number": lambda x: f"{x:.2f}"}[kind]
    low, high = ("…" if np.isnan(x) else show(x) for x in (e.low, e.high))  # … : not reached
    return f"{show(e.estimate)} ({low} – {high})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 200_000, 2_000_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[10, 10, 10, 3], help="seeds at each size")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a keyword parameter")
    args = parser.parse_args()
    if len(args.seeds) != len(args.sizes):
        parser.error("--seeds: one count for each of --sizes")
    extra = keywords(args.set)
    jobs = [
        (name, size, seed, {**parameters, **extra})
        for name, parameters in CONDITIONS
        for size, count in zip(args.sizes, args.seeds, strict=True)
        for seed in range(1, count + 1)
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        done = pool.map(one, *zip(*((seed, size, parameters) for _, size, seed, parameters in jobs), strict=True))
        runs = {}
        for (name, size, _, _), summary in zip(jobs, done, strict=True):
            runs.setdefault((name, size), []).append(summary)
    print("\n".join(table(runs, args.sizes)))


if __name__ == "__main__":
    main()
