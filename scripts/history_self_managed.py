"""The self-managed market's record over ten years, 20 seeds: the table of docs/validation.md (issue 29).

Runs the default scenario under ``regime = "self_managed_market"`` and, for employment, under
``"councils"`` (every other key at its default; ``--no-councils`` skips them), seeds 1–20, on two
processes, and prints the Markdown table of each measure's mean and 95 % interval over the seeds.

    .venv/bin/python scripts/history_self_managed.py --seeds 20 [--market-power 0.2] [--entry 2]

Other keys go with ``--set KEY=VALUE`` (``population.councils=100`` as ``councils run`` takes it, or Mesa's
keyword form ``population_councils=100``; values in TOML), for
both regimes.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

from sim.analysis.intervals import mean_interval
from sim.model import CouncilsModel
from sim.views.cli import keywords

#: (summary key, what it measures, a share)
MEASURES = (
    ("enterprise_income_gini_trend", "trend of the Gini of income per member between enterprises, a year", False),
    ("enterprise_income_gini_last_year", "Gini of income per member between enterprises, year 10", False),
    ("enterprise_income_cv_last_year", "its coefficient of variation, year 10", False),
    ("sector_income_gini_last_year", "Gini between sectors' mean incomes per member, year 10", False),
    ("income_capital_correlation_last_year", "correlation of income and capital per member, year 10", False),
    ("market_rent_per_member_last_year", "rent per member from market power, tokens a week, year 10", False),
    ("credit_rent_per_member_last_year", "rent per member from cheap credit, tokens a week, year 10", False),
    ("hiring_refused_last_year", "places refused under Ward's rule, share of persons, year 10", True),
    ("unemployment_rate_last_year", "unemployment, year 10", True),
    ("hours_paid_last_year", "hours paid a person a week, year 10", False),
    ("councils_hours_paid_last_year", "… under the councils, year 10", False),
    ("founded", "enterprises founded over the run (`entry`)", False),
)


def one(seed: int, years: int, market_power: float, entry: float, councils: bool, extra: dict) -> dict:
    smm = CouncilsModel(
        seed=seed,
        regime="self_managed_market",
        years=years,
        self_managed_market_market_power=market_power,
        self_managed_market_entry=entry,
        **extra,
    )
    summary = {**smm.run(), "founded": smm.regime.founded}
    if councils:
        run = CouncilsModel(seed=seed, regime="councils", years=years, **extra).run()
        summary["councils_hours_paid_last_year"] = run["hours_paid_last_year"]
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--market-power", type=float, default=0.0, help="self_managed_market.market_power")
    parser.add_argument("--entry", type=float, default=0.0, help="self_managed_market.entry, enterprises a year")
    parser.add_argument(
        "--councils", action=argparse.BooleanOptionalAction, default=True, help="run the councils too, for hours"
    )
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a keyword parameter")
    args = parser.parse_args()
    extra = keywords(args.set)
    with ProcessPoolExecutor(args.workers) as pool:
        seeds = range(1, args.seeds + 1)
        runs = list(
            pool.map(
                one,
                seeds,
                *([value] * args.seeds for value in (args.years, args.market_power, args.entry, args.councils, extra)),
            )
        )
    print("| measure | model (95 % interval over the seeds) |\n|---|---|")
    for key, name, share in MEASURES:
        if key not in runs[0]:
            continue
        e = mean_interval([run[key] for run in runs])
        show = (lambda x: f"{100 * x:.1f} %") if share else (lambda x: f"{x:.4f}")
        print(f"| {name} | {show(e.estimate)} ({show(e.low)} – {show(e.high)}) |")


if __name__ == "__main__":
    main()
