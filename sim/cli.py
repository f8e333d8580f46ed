"""The ``councils`` command: run scenarios, show the plan factory's variants, draw and compare results."""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

from sim.economy import EconomyDataError, default_economy, load_economy
from sim.plan_factory import PlanFactory, variants_table
from sim.scenario import Scenario, ScenarioError, from_dict, read_toml
from sim.units import WEEKS_PER_YEAR

DEFAULT_RESULTS = Path("results")


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``councils`` and ``python -m sim``."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, ScenarioError, EconomyDataError, OSError) as err:
        print(f"councils: {err}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="councils",
        description="Simulate Castoriadis's self-managed economy of workers' councils.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario, write results and figures, print the verdict")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file, e.g. scenarios/baseline.toml")
    run.add_argument("--seed", type=int, help="random seed (overrides the scenario's)")
    run.add_argument("--years", type=float, help="horizon in years (overrides the scenario's)")
    run.add_argument("--out", type=Path, help="results directory (default results/<scenario>-<seed>)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override any scenario key, e.g. --set population.consumers=100000 (repeatable)",
    )
    run.add_argument("--no-plots", action="store_true", help="write results but no figures")
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="the plan factory's report: labour values, labour requirements, variants")
    plan.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario TOML file (default economy if none)")
    plan.set_defaults(func=cmd_plan)

    plot = sub.add_parser("plot", help="(re)draw the figures of a saved run")
    plot.add_argument("results", type=Path, metavar="RESULTS_DIR")
    plot.set_defaults(func=cmd_plot)

    sweep = sub.add_parser("sweep", help="run a sweep of many runs (parameters × seeds), resumable")
    sweep.add_argument(
        "sweep", metavar="SWEEP", help="sweep TOML file, e.g. scenarios/sweeps/transition_conditions.toml"
    )
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--resume", action="store_true", help="skip the runs an earlier, interrupted sweep finished")
    sweep.add_argument("--out", type=Path, help="results directory (default results/sweep-<name>)")
    sweep.add_argument("--years", type=float, help="horizon of every run, years (to try a sweep quickly)")
    sweep.add_argument("--replicates", type=int, help="seeds per point (overrides the file's)")
    sweep.add_argument("--limit", type=int, help="only the first N runs, in the sweep's stable order")
    sweep.add_argument("--keep-timeseries", action="store_true", help="also keep every run's time series")
    sweep.set_defaults(func=cmd_sweep)

    compare = sub.add_parser("compare", help="verdicts of several saved runs side by side, and their gaps overlaid")
    compare.add_argument("results", type=Path, nargs="+", metavar="DIR")
    compare.add_argument("--out", type=Path, help="figure path (default: compare.png in the first DIR's parent)")
    compare.set_defaults(func=cmd_compare)
    return parser


# --- scenarios with overrides -------------------------------------------------------------------


def parse_override(text: str) -> tuple[list[str], object]:
    """``"population.consumers=100000"`` → (["population", "consumers"], 100000); TOML syntax for values."""
    if "=" not in text:
        raise UsageError(f"--set {text!r}: must be KEY.PATH=VALUE")
    key, raw = text.split("=", 1)
    path = [part for part in key.strip().split(".") if part]
    if not path:
        raise UsageError(f"--set {text!r}: empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word is a string
    return path, value


def load_with_overrides(path: str | Path, overrides=(), seed=None, years=None) -> Scenario:
    """Read a scenario file, apply ``--set`` overrides (and ``--seed``, ``--years``), validate."""
    path = Path(path)
    table = read_toml(path)
    changes = [parse_override(o) for o in overrides]
    if seed is not None:
        changes.append((["seed"], seed))
    if years is not None:
        changes.append((["years"], years))
    where = str(path)
    for keys, value in changes:
        node = table
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ScenarioError(f"{path}: --set {'.'.join(keys)}: '{k}' is not a table")
        node[keys[-1]] = value
    if changes:
        where = f"{path} (with overrides)"
    return from_dict(table, where)


# --- commands -------------------------------------------------------------------------------------


def cmd_run(args) -> int:
    from tqdm import tqdm

    from sim import plots
    from sim.model import CouncilsModel
    from sim.results import check_out_dir, write_run

    scenario = load_with_overrides(args.scenario, args.overrides, args.seed, args.years)
    out = args.out or DEFAULT_RESULTS / f"{scenario.name}-{scenario.seed}"
    try:
        check_out_dir(out)
        if out.parent.exists() and not out.parent.is_dir():
            raise NotADirectoryError(f"--out {out}: {out.parent} is not a directory")
    except OSError as err:
        raise UsageError(str(err)) from None
    start = time.perf_counter()
    try:
        model = CouncilsModel(scenario)
    except ScenarioError as err:
        raise ScenarioError(f"{args.scenario}: {err}") from None
    with tqdm(total=scenario.weeks, unit="week", desc=scenario.name, leave=False, file=sys.stderr) as bar:
        summary = model.run(progress=lambda week: bar.update(1))
    summary = {
        "scenario": scenario.name,
        "seed": scenario.seed,
        **summary,
        "consumer_goods": [model.technology.names[g] for g in model.consumer_goods],
        "runtime_s": round(time.perf_counter() - start, 3),
    }
    write_run(out, model, summary)
    if not args.no_plots:
        from sim.results import read_run

        plots.draw_all(*read_run(out), out)
    print(verdict(summary))
    print(f"results: {out}/ (summary.json, timeseries.parquet{'' if args.no_plots else ', figures *.png and *.svg'})")
    return 0


def verdict(summary: dict) -> str:
    """A short verdict of a run for the terminal (DESIGN §4)."""
    years = summary["weeks"] / WEEKS_PER_YEAR
    if summary["converged"]:
        head = f"converged from week {summary['converged_week']} of {summary['weeks']}"
    else:
        head = f"did NOT converge within {years:g} years"
    return (
        f"{summary['scenario']} (seed {summary['seed']}): {head} "
        f"(every trailing year: stocks within {100 * summary['stock_tolerance']:g} % of reserve and sales within "
        f"{100 * summary['fulfilment_tolerance']:g} % of demand at labour values, in enough weeks)\n"
        f"  last year: stock gap {summary['stock_gap_last_year']:.4f}, fulfilment floor "
        f"{summary['fulfilment_floor_last_year']:.3f}, sovereignty {summary['sovereignty_index_last_year']:.4f}, "
        f"price–value gap {summary['price_value_gap_last_year']:.4f}; peak shortage "
        f"{100 * summary['peak_unmet_share']:.2f} % of demand unmet\n"
        f"  final Ginis: hourly wages {summary['wage_gini_final']:.3f}, incomes {summary['income_gini_final']:.3f}, "
        f"consumption {summary['consumption_gini_final']:.3f}"
    )


def cmd_plan(args) -> int:
    if args.scenario:
        scenario = load_with_overrides(args.scenario)
        economy = default_economy() if scenario.economy == "default" else load_economy(scenario.economy)
        h = scenario.plan.hours_per_week
        hours = [x for x in (h - 5, h, h + 5) if 0 < x <= 80]
    else:
        scenario, economy, hours = Scenario(), default_economy(), [30.0, 35.0, 40.0]
    print(plan_report(economy, hours))
    return 0


def plan_report(economy, hours_per_week) -> str:
    """The plan factory's report for an economy (seed §7b, §7f): values, labour, variants."""
    t = economy.technology
    pf = PlanFactory(t)
    values = pf.labour_values()
    fd = economy.final_demand
    y = fd[["private", "public", "investment"]].sum(axis=1).to_numpy()
    hours = pf.labour_requirements(y)
    lines = [
        f"Plan factory report — {economy.name}",
        "Unit of each good: one million 2014 US dollars' worth; flows per year.",
        "",
        "Labour values of consumer goods (hours per unit, capital used up included):",
    ]
    for g in t.consumer_goods:
        lines.append(f"  {t.names[g]:<6} {values[g]:>10,.0f} h   {t.descriptions[g]}")
    lines += ["", "Labour requirements of the observed final demand (billion hours per year):"]
    order = np.argsort(-hours)
    for j in order:
        lines.append(f"  {t.names[j]:<6} {hours[j] / 1e9:>8.1f}   {100 * hours[j] / hours.sum():5.1f} %")
    lines.append(f"  total  {hours.sum() / 1e9:>8.1f}   ({hours.sum() / economy.workers:,.0f} h per worker per year)")
    variants = pf.variants(
        economy.workers,
        economy.population,
        fd["private"],
        fd["public"],
        fd["investment"],
        hours_per_week=hours_per_week,
        capacity=economy.capacity,
    )
    lines += [
        "",
        f"Plan variants (seed §7f): {economy.workers / 1e6:.1f} million workers, {WEEKS_PER_YEAR} weeks a year; "
        "consumption in hours of labour value per person (whole population) and year;",
        "growth = yearly growth of capacity that net investment buys (balanced, scarcest capital good); "
        "bottlenecks = sectors above current capacity.",
        variants_table(variants),
    ]
    return "\n".join(lines)


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from sim.sweep import load_sweep, make_executor, run_sweep
    from sim.sweep_plots import draw_sweep

    for flag in ("workers", "replicates", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} {value}: must be ≥ 1")
    if args.years is not None and args.years <= 0:
        raise UsageError(f"--years {args.years}: must be > 0")
    sweep = load_sweep(args.sweep, replicates=args.replicates, years=args.years)
    out = args.out or DEFAULT_RESULTS / f"sweep-{sweep.name}"
    total = len(sweep.runs) if args.limit is None else min(args.limit, len(sweep.runs))
    executor, client = make_executor(args.workers, args.scheduler)
    bar = tqdm(total=total, unit="run", desc=sweep.name, file=sys.stderr)

    def progress(done, failed, total):
        bar.n = done
        bar.set_postfix(failed=failed)
        bar.refresh()

    try:
        with executor:
            runs = run_sweep(
                sweep,
                out,
                executor,
                resume=args.resume,
                limit=args.limit,
                keep_timeseries=args.keep_timeseries,
                progress=progress,
            )
    finally:
        bar.close()
        if client is not None:
            client.close()
    figures = draw_sweep(runs, sweep.parameters, out, sweep.name)
    failed = int(runs["error"].notna().sum()) if "error" in runs else 0
    converged = runs.loc[runs["error"].isna(), "converged"].mean() if len(runs) > failed else float("nan")
    print(f"{sweep.name}: {len(runs)} runs, {failed} failed, {100 * converged:.0f} % converged")
    print(f"results: {out}/runs.parquet" + "".join(f"\nfigure: {f}" for f in figures))
    return 0


def cmd_plot(args) -> int:
    from sim import plots
    from sim.results import read_run

    summary, ts = read_run(args.results)
    for path in plots.draw_all(summary, ts, args.results):
        print(path)
    return 0


def cmd_compare(args) -> int:
    from sim import plots
    from sim.results import read_run

    runs = [read_run(d) for d in args.results]
    header = f"{'run':<32} {'converged':>9} {'week':>6} {'price gap':>10} {'stock gap':>10} {'peak unmet':>10} "
    header += f"{'wage Gini':>9} {'income Gini':>11}"
    print(header)
    for d, (s, _) in zip(args.results, runs, strict=True):
        week = "-" if s["converged_week"] is None else str(s["converged_week"])
        print(
            f"{d.name:<32} {('yes' if s['converged'] else 'no'):>9} {week:>6} {s['final_price_value_gap']:>10.4f} "
            f"{s['final_stock_gap']:>10.4f} {s['peak_unmet_share']:>10.4f} {s['wage_gini_final']:>9.3f} "
            f"{s['income_gini_final']:>11.3f}"
        )
    out = args.out or args.results[0].parent / "compare.png"
    print(f"figure: {plots.compare_gaps(runs, out)}")
    return 0
