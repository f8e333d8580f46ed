"""The fixed plan's marks of a shortage economy over the seeds: the table of docs/validation.md (issue 29).

Runs the default scenario under ``regime = "fixed_plan"`` in three conditions, each for the
same seeds: the baseline; the taste shift of ``scenarios/taste_shift.toml`` (at the start of
year 3 an information product draws 2 % of every budget away from light industry); and that
shift with hoarding and forced substitution switched off. It prints, for each condition, the
Markdown table of Kornai's indicators from the second year on (weeks 52 to the end), with each
mean's 95 % interval over the seeds (``sim.analysis.intervals.mean_interval``), and the stock of
forced savings in the year before the shift and the year after it.

    .venv/bin/python scripts/history_fixed_plan.py --seeds 20 --workers 1

The default scenario's persons (20,000, enterprises at national proportions) unless ``--persons`` says otherwise.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from sim.analysis.intervals import mean_interval
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel

#: The taste shift of scenarios/taste_shift.toml, as keyword parameters.
SHIFT = {
    "taste_shift_after_years": 2,
    "taste_shift_rises": "INFO",
    "taste_shift_falls": "LIGHT",
    "taste_shift_budget_share": 0.02,
}
#: (name, keyword parameters) of each condition.
CONDITIONS = (
    ("baseline", {}),
    ("taste shift", SHIFT),
    ("taste shift, no hoarding or substitution", {**SHIFT, "fixed_plan_hoarding": 0.0, "fixed_plan_substitution": 0.0}),
)
#: (series, what it measures, how to show it)
MEASURES = (
    ("shortage_and_surplus", "weeks with a queued good and a piled good at once", "share"),
    ("queued_goods_share", "consumer goods with a queue, share", "share"),
    ("queue_length", "unmet ÷ demand, mean over the goods queued", "share"),
    ("piled_goods_share", "consumer goods piled above reserve (+5 %), share", "share"),
    ("unmet_share", "demand unmet, share at labour values", "share"),
    ("forced_saving", "stock of forced savings, tokens a person", "number"),
    ("substituted_spending", "substituted spending, tokens a person a week", "number"),
    ("hoarded_stock", "hoarded inputs, hours a person (week-0 values)", "number"),
)


def one(seed: int, years: int, persons: int | None, parameters: dict) -> dict:
    """One run's indicators from the second year on, and its forced savings around the shift's week."""
    size = {} if persons is None else {"population_consumers": persons}
    model = CouncilsModel(seed=seed, regime="fixed_plan", years=years, **size, **parameters)
    model.run()
    series = model.record.series
    after = slice(WEEKS_PER_YEAR, None)
    shift = 2 * WEEKS_PER_YEAR
    return {
        **{name: float(series(name)[after].mean()) for name, _, _ in MEASURES},
        "forced_saving_before": float(series("forced_saving")[shift - WEEKS_PER_YEAR : shift].mean()),
        "forced_saving_after": float(series("forced_saving")[shift : shift + WEEKS_PER_YEAR].mean()),
    }


def _show(kind: str):
    return (lambda x: f"{100 * x:.1f} %") if kind == "share" else (lambda x: f"{x:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--persons", type=int, default=None, help="default: the scenario's")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with ProcessPoolExecutor(args.workers) as pool:
        runs = {}
        for name, parameters in CONDITIONS:
            same = ([value] * len(seeds) for value in (args.years, args.persons, parameters))
            runs[name] = list(pool.map(one, seeds, *same))
    names = [name for name, _ in CONDITIONS]
    print("| measure, weeks 52 on | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    rows = [*MEASURES, ("forced_saving_before", "forced savings, year 2 (before the shift)", "number")]
    rows.append(("forced_saving_after", "forced savings, year 3 (after the shift)", "number"))
    for key, what, kind in rows:
        show, cells = _show(kind), []
        for name in names:
            e = mean_interval([run[key] for run in runs[name]])
            cells.append(f"{show(e.estimate)} ({show(e.low)} – {show(e.high)})")
        print(f"| {what} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
