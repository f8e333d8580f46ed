"""The ``councils`` command: run scenarios, show the plan factory's variants, draw and compare results."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
import tomllib
from importlib import metadata
from pathlib import Path

import numpy as np

from sim.analysis.formats import DEFAULT_FORMATS, FORMATS, parse_formats
from sim.economics.economy import EconomyDataError, default_economy
from sim.economics.plan_factory import PlanFactory, variants_table
from sim.economics.units import WEEKS_PER_YEAR
from sim.experiments.budget import BudgetError
from sim.experiments.results import ResultsError, check_out_dir
from sim.experiments.scheduler import DEFAULT_TIMEOUT, SchedulerError
from sim.run.scenario import Scenario, ScenarioError, from_dict, read_scenario
from sim.run.scenario_economy import check_against_economy, check_model_builds, economy_of
from sim.storage.files import shorten, show
from sim.storage.locks import LockError
from sim.storage.writes import WriteRefused, check_file_target, clear_temporaries, refuse_link, write_text

DEFAULT_RESULTS = Path("results")
#: The widest line of ``councils plan``'s report, characters.
PLAN_WIDTH = 100
#: A run estimated to take longer than this, seconds, says so before it starts.
LONG_RUN_SECONDS = 600


class UsageError(Exception):
    """A user's mistake: printed as one line, exit status 2."""


#: Every error that is the user's input or the machine's limits: one line, exit status 2.
USER_ERRORS = (
    UsageError,
    ScenarioError,
    EconomyDataError,
    BudgetError,
    LockError,
    ResultsError,
    SchedulerError,
    WriteRefused,
    OSError,
)
#: The help of ``--format``, for the commands that write figures into a directory.
FORMAT_HELP = f"figure formats, a comma list of {', '.join(FORMATS)} (default {','.join(DEFAULT_FORMATS)})"
#: The longest line ``say`` prints, characters: a message is one short line whatever a file holds.
MAX_LINE = 300


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``councils`` and ``python -m sim``."""
    parser = _parser()
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None  # cleans up as after Ctrl-C
    try:
        return args.func(args)
    except USER_ERRORS as err:
        say(str(err))
        return 2
    except MemoryError:
        say("out of memory: the run needs more than its estimate; lower population.consumers or years")
        return 2
    except KeyboardInterrupt:
        say("interrupted: finished results are kept (a sweep continues with --resume)")
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def say(message: str):
    """One line on stderr, prefixed ``councils:``, at most :data:`MAX_LINE` characters (cut with an ellipsis)."""
    print(shorten(f"councils: {' '.join(message.split())}", MAX_LINE), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="councils",
        description="Simulate Castoriadis's self-managed economy of workers' councils.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {metadata.version('councils')}")
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

    plot = sub.add_parser(
        "plot", help="(re)draw the figures of a saved run or a finished sweep; a sweep's envelopes over time"
    )
    plot.add_argument("results", type=Path, metavar="DIR", help="a run's results directory, or a sweep's --out")
    plot.add_argument("--format", default=",".join(DEFAULT_FORMATS), metavar="FORMATS", help=FORMAT_HELP)
    plot.add_argument(
        "--envelope",
        metavar="VARIABLE",
        help="of a sweep that kept its time series: the median and 10–90 %% band over its runs, week by week, "
        "of this per-week series (e.g. stock_gap), written as envelope_VARIABLE[_by_KEY] in the sweep's directory",
    )
    plot.add_argument(
        "--by", metavar="KEY", help="with --envelope: one band per value of this swept key, or of 'scenario'"
    )
    plot.set_defaults(func=cmd_plot)

    sweep = sub.add_parser("sweep", help="run a sweep of many runs (parameters × seeds), resumable")
    sweep.add_argument(
        "sweep", metavar="SWEEP", help="sweep TOML file, e.g. scenarios/sweeps/transition_conditions.toml"
    )
    sweep.add_argument(
        "--workers", type=int, help="local worker processes (default: one per core, at most one per run)"
    )
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument(
        "--scheduler-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds to wait for the Dask scheduler to answer (default {DEFAULT_TIMEOUT:g})",
    )
    sweep.add_argument("--resume", action="store_true", help="skip the runs an earlier, interrupted sweep finished")
    sweep.add_argument("--out", type=Path, help="results directory (default results/sweep-<name>)")
    sweep.add_argument("--years", type=float, help="horizon of every run, years (to try a sweep quickly)")
    sweep.add_argument("--replicates", type=int, help="seeds per point (overrides the file's)")
    sweep.add_argument("--limit", type=int, help="only the first N runs, in the sweep's stable order")
    sweep.add_argument("--keep-timeseries", action="store_true", help="also keep every run's time series")
    sweep.add_argument("--format", default=",".join(DEFAULT_FORMATS), metavar="FORMATS", help=FORMAT_HELP)
    sweep.set_defaults(func=cmd_sweep)

    compare = sub.add_parser("compare", help="verdicts of several saved runs side by side, and their gaps overlaid")
    compare.add_argument("results", type=Path, nargs="+", metavar="DIR")
    compare.add_argument(
        "--out",
        type=Path,
        help="figure file, written there in the format of its extension: .png, .svg or .pdf "
        "(default: compare.png in the first DIR's parent)",
    )
    compare.set_defaults(func=cmd_compare)

    decisions = sub.add_parser("decisions", help="the yearly fundamental decisions of a saved run, as a table")
    decisions.add_argument("results", type=Path, metavar="RESULTS_DIR")
    decisions.set_defaults(func=cmd_decisions)

    dashboard = sub.add_parser("dashboard", help="watch a scenario run in the browser (needs the dashboard extra)")
    dashboard.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario TOML file (default: baseline)")
    dashboard.add_argument(
        "--port", type=int, default=DASHBOARD_PORT, help=f"port on localhost (default {DASHBOARD_PORT})"
    )
    dashboard.add_argument("--full-size", action="store_true", help="the scenario's own population, not a small one")
    dashboard.set_defaults(func=cmd_dashboard)

    analyse = sub.add_parser(
        "analyse",
        aliases=["analyze"],
        help="which conditions decide a finished sweep's outcomes: Sobol' indices, PRIM boxes, feature scores",
    )
    analyse.add_argument("sweep_dir", type=Path, metavar="SWEEP_DIR", help="the --out of a finished councils sweep")
    analyse.add_argument(
        "--outcome",
        dest="outcomes",
        action="extend",
        nargs="+",
        metavar="KEY",
        help="outcomes to analyse, columns of runs.parquet (default: the verdict, the censored convergence week, "
        "the last year's stock gap and sovereignty, the peak shortage, the final wage Gini)",
    )
    analyse.set_defaults(func=cmd_analyse)
    _table_parser(sub)

    economy = sub.add_parser("economy", help="bring your own country: build an economy directory (docs/economy.md)")
    economy_actions = economy.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = economy_actions.add_parser(
        "build", help="an economy directory from one region of a pymrio table (WIOD, OECD ICIO, EXIOBASE, …)"
    )
    build.add_argument("table", type=Path, metavar="PYMRIO_DIR", help="a pymrio IOSystem saved by its save_all")
    build.add_argument("--region", required=True, help="the region to build, e.g. USA")
    build.add_argument("--capital", type=Path, required=True, metavar="CSV", help="code,capital_stock per sector")
    build.add_argument(
        "--rules",
        type=Path,
        required=True,
        metavar="TOML",
        help="the derivation rules: [derivation] and [income_elasticities] as in an economy.toml "
        "(any economy.toml will do, e.g. sim/data/us2014_55/economy.toml)",
    )
    build.add_argument(
        "--employment",
        type=Path,
        metavar="CSV",
        help="code,hours,persons per sector (default: the table's extension 'employment')",
    )
    build.add_argument("--out", type=Path, required=True, help="the new economy directory")
    build.set_defaults(func=cmd_economy_build)

    keys = sub.add_parser("keys", help="every scenario key: its meaning, unit, default and range (docs/scenario.md)")
    keys.set_defaults(func=cmd_keys)
    return parser


def _table_parser(sub):
    """``councils table``'s arguments."""
    table = sub.add_parser(
        "table", help="outcomes of runs and sweeps, one row per group: means and 95 %% intervals over seeds"
    )
    table.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="run directories and/or sweep directories")
    table.add_argument(
        "--by",
        metavar="KEY[,KEY...]",
        help="group by these keys: a summary key, a swept key or any scenario key "
        "(default: the scenario's name and every key a sweep varied)",
    )
    table.add_argument(
        "--outcomes",
        metavar="KEY[,KEY...]",
        help="numeric or true/false summary keys (default: converged, converged_week, every *_last_year key)",
    )
    table.add_argument("--format", default="markdown", metavar="FORMAT", help="markdown (default), latex or csv")
    table.add_argument("--out", type=Path, metavar="FILE", help="write the table to FILE (default: standard output)")
    table.set_defaults(func=cmd_table)


# --- scenarios with overrides -------------------------------------------------------------------


def parse_override(text: str) -> tuple[list[str], object]:
    """``"population.consumers=100000"`` → (["population", "consumers"], 100000); TOML syntax for values."""
    if "=" not in text:
        raise UsageError(f"--set {show(text)}: must be KEY.PATH=VALUE")
    key, raw = text.split("=", 1)
    path = [part.strip() for part in key.strip().split(".")]
    if not any(path):
        raise UsageError(f"--set {show(text)}: empty key")
    if "" in path:
        raise UsageError(f"--set {show(text)}: empty part in the key path {show(key.strip())}")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word is a string
    return path, value


def keywords(overrides) -> dict:
    """Mesa's keyword parameters from ``--set`` overrides: ``population.councils=auto`` → ``population_councils``."""
    return {"_".join(path): value for path, value in map(parse_override, overrides)}


def load_with_overrides(path: str | Path, overrides=(), seed=None, years=None) -> Scenario:
    """Read a scenario file, apply ``--set`` overrides (and ``--seed``, ``--years``), validate."""
    path = Path(path)
    table = read_scenario(path)
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

    from sim.experiments.budget import check_run, keep_freed_memory
    from sim.experiments.results import is_complete, write_run
    from sim.model import CouncilsModel
    from sim.storage.atomic import clean_leftovers
    from sim.storage.locks import locked
    from sim.views import plots

    scenario = load_with_overrides(args.scenario, args.overrides, args.seed, args.years)
    economy = economy_of(scenario)
    check_against_economy(scenario, economy, str(args.scenario))
    need = check_run(scenario, economy.technology.n, str(args.scenario), figures=not args.no_plots)
    check_model_builds(scenario, economy, str(args.scenario))  # before the lock, and before --out's parents
    if need.seconds > LONG_RUN_SECONDS:
        say(f"note: this run takes {_duration(need.seconds)} by estimate ({_grows_with(economy, not args.no_plots)})")
    out = args.out or DEFAULT_RESULTS / f"{scenario.name}-{scenario.seed}"
    _check_run_out(out)
    with locked(out) as lock:
        if lock.stale:
            say(f"note: {out}: took over the lock of a writer that died ({lock.stale})")
        for note in clean_leftovers(out, is_complete):
            say(f"note: {note}")
        _check_run_out(out)
        start = time.perf_counter()
        keep_freed_memory(scenario.population.consumers)
        try:
            model = CouncilsModel(scenario, economy)
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
        write_run(out, model, summary, draw=None if args.no_plots else plots.draw_all)
    print(verdict(summary))
    print(f"results: {out}/ (summary.json, timeseries.parquet{'' if args.no_plots else ', figures *.png and *.svg'})")
    return 0


def _grows_with(economy, figures: bool) -> str:
    """What a run's time grows with, for the note on a long run."""
    goods = f"{economy.technology.n} goods"
    return f"persons × weeks, {goods}{' and their figures' if figures else ''}"


def _check_run_out(out: Path):
    """Refuse an ``--out`` that is a link, is not a results directory, or is under a file."""
    refuse_link(out, "--out")
    try:
        if out.parent.exists() and not out.parent.is_dir():
            raise NotADirectoryError(f"--out {out}: {out.parent} is not a directory")
        check_out_dir(out)
    except OSError as err:
        raise UsageError(str(err)) from None


def verdict(summary: dict) -> str:
    """A short verdict of a run for the terminal, saying which criterion failed and by how much (docs/welfare.md)."""
    years = summary["weeks"] / WEEKS_PER_YEAR
    lost, stock = summary["welfare_gap_last_year"], summary["stock_gap_own_prices_last_year"]
    if summary["converged"]:
        head = f"converged from week {summary['converged_week']} of {summary['weeks']}"
    else:
        failed = []
        if lost > summary["welfare_tolerance"]:
            failed.append(f"{100 * lost:.2f} % of welfare lost, {100 * summary['welfare_tolerance']:g} % allowed")
        if stock > summary["stock_tolerance"]:
            allowed = 100 * summary["stock_tolerance"]
            failed.append(f"stocks {100 * stock:.1f} % off the reserve rule, {allowed:g} % allowed")
        reason = "; ".join(failed) or "out of tolerance in its last weeks"
        head = f"did NOT converge within {years:g} years (last year: {reason})"
    return (
        f"{summary['scenario']} (seed {summary['seed']}): {head}\n"
        f"  welfare {summary['welfare_per_person_last_year']:.2f} h/week per person (equally distributed: "
        f"{summary['welfare_ede_last_year']:.2f}); lost to queues {summary['rationing_cost_last_year']:.3f} h, "
        f"to prices off normal {summary['price_distortion_cost_last_year']:.4f} h\n"
        f"  last year: sovereignty at own prices {summary['sovereignty_own_prices_last_year']:.4f}, fulfilment floor "
        f"{summary['fulfilment_floor_own_prices_last_year']:.3f}, stock gap {stock:.4f}, price–value gap "
        f"{summary['price_value_gap_last_year']:.4f}; peak shortage {100 * summary['peak_unmet_share']:.2f} % "
        f"of demand unmet\n"
        f"  final Ginis: hourly wages {summary['wage_gini_final']:.3f}, incomes {summary['income_gini_final']:.3f}, "
        f"consumption {summary['consumption_gini_final']:.3f}"
    )


def cmd_plan(args) -> int:
    if args.scenario:
        scenario = load_with_overrides(args.scenario)
        economy = economy_of(scenario)
        check_against_economy(scenario, economy, str(args.scenario))  # what `run` would refuse, `plan` refuses
        check_model_builds(scenario, economy, str(args.scenario))
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
        lines.append(shorten(f"  {t.names[g]:<6} {values[g]:>10,.0f} h   {t.descriptions[g]}", PLAN_WIDTH))
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
        f"Plan variants (seed §7f): {economy.workers / 1e6:.1f} million workers, {WEEKS_PER_YEAR} weeks a year;",
        "consumption in hours of labour value per person (whole population) and year; growth = yearly",
        "growth of capacity that net investment buys (balanced, scarcest capital good); bottlenecks =",
        "sectors above current capacity.",
        variants_table(variants),
    ]
    return "\n".join(lines)


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from sim.experiments.sweep import load_sweep, run_sweep
    from sim.experiments.sweep_store import check_out
    from sim.storage.locks import locked
    from sim.views.envelope import EnvelopeError
    from sim.views.sweep_plots import draw_sweep

    for flag in ("workers", "replicates", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} {value}: must be ≥ 1")
    if args.years is not None and args.years <= 0:
        raise UsageError(f"--years {args.years}: must be > 0")
    if not 0 < args.scheduler_timeout <= 600:
        raise UsageError(f"--scheduler-timeout {args.scheduler_timeout:g}: must be 0 < seconds <= 600")
    formats = _formats(args.format)
    sweep = load_sweep(args.sweep, replicates=args.replicates, years=args.years)
    out = args.out or DEFAULT_RESULTS / f"sweep-{sweep.name}"
    check_out(out, sweep, args.resume)
    total = len(sweep.runs) if args.limit is None else min(args.limit, len(sweep.runs))
    executor, client, where, plan = _executor(args, sweep, total)
    bar = None
    try:
        with locked(out):
            if plan:
                say(f"note: {plan}")
            if sweep.longest > LONG_RUN_SECONDS:
                say(f"note: its longest run takes {_duration(sweep.longest)} by estimate (persons × weeks, goods)")
            bar = tqdm(total=total, unit="run", desc=sweep.name, file=sys.stderr)

            def progress(done, failed, total):
                bar.n = done
                bar.set_postfix(failed=failed)
                bar.refresh()

            runs = run_sweep(
                sweep,
                out,
                executor,
                resume=args.resume,
                limit=args.limit,
                keep_timeseries=args.keep_timeseries or sweep.keep_timeseries,
                progress=progress,
                notice=lambda note: tqdm.write(f"councils: note: {' '.join(note.split())}", file=sys.stderr),
            )
            bar.close()
            try:
                figures = draw_sweep(runs, sweep.parameters, out, sweep.name, formats)
            except EnvelopeError as err:  # a kept time series damaged while the sweep ran
                raise UsageError(f"{err} (the sweep's runs are in {out}/runs.parquet)") from None
        executor.shutdown(wait=True)
    except BaseException:
        if client is None:
            executor.stop()  # kill the local workers: their runs in progress are lost, finished ones kept
        else:
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        if bar is not None:
            bar.close()
        if client is not None:
            client.close()
    print(sweep_line(sweep.name, runs) + f" ({where})")
    print(f"results: {out}/runs.parquet" + "".join(f"\nfigure: {f}" for f in figures))
    if "error" in runs and runs["error"].notna().all():
        say(f"{sweep.name}: no run finished; the first error: {runs['error'].dropna().iloc[0]}")
        return 1
    return 0


def sweep_line(name: str, runs) -> str:
    """``name: N runs, F failed, C % converged``, or what happened when every run failed."""
    failed = int(runs["error"].notna().sum()) if "error" in runs else 0
    if len(runs) == failed:
        return f"{name}: {len(runs)} runs, {failed} failed: no run finished (see the error column of runs.parquet)"
    converged = runs.loc[runs["error"].isna(), "converged"].mean()
    return f"{name}: {len(runs)} runs, {failed} failed, {100 * converged:.0f} % converged"


def _executor(args, sweep, total):
    """The executor of a sweep, its Dask client (or ``None``), where it runs, and its estimate (or "")."""
    from sim.experiments import budget
    from sim.experiments.pool import LocalPool
    from sim.experiments.scheduler import check_scheduler

    if args.scheduler:
        check_scheduler(args.scheduler, args.scheduler_timeout)
        try:
            from dask.distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs dask.distributed: pip install 'councils[distributed]'") from None
        try:
            client = Client(args.scheduler, timeout=args.scheduler_timeout)
        except (OSError, TimeoutError, ValueError) as err:
            raise UsageError(f"--scheduler {args.scheduler}: cannot connect: {err}") from None
        return client.get_executor(), client, f"on {args.scheduler}", ""
    parent = budget.PROCESS_BYTES + len(sweep.runs) * budget.BYTES_PER_SWEEP_RUN
    workers = budget.plan_workers(args.workers, total, sweep.need.memory, parent)
    memory = budget.gigabytes(parent + workers * sweep.need.memory)
    hours = _duration(sweep.need.seconds * total / max(len(sweep.runs), 1) / workers)
    plan = f"{total} runs on {workers} local worker(s); estimated {memory} of memory and {hours}"
    return LocalPool(workers), None, f"{workers} local worker(s)", plan


def _duration(seconds: float) -> str:
    """A rough duration: ``"about 40 s"``, ``"about 12 min"``, ``"about 3.5 h"``."""
    if seconds < 120:
        return f"about {seconds:.0f} s"
    return f"about {seconds / 60:.0f} min" if seconds < 7200 else f"about {seconds / 3600:.1f} h"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_plot(args) -> int:
    from sim.experiments.results import read_run
    from sim.experiments.sweep_store import META_FILE
    from sim.storage.locks import locked
    from sim.views import plots

    formats = _formats(args.format)
    if args.by is not None and args.envelope is None:
        raise UsageError(f"--by {args.by}: only with --envelope VARIABLE (the series whose bands it groups)")
    if args.results.is_dir() and (args.results / META_FILE).exists():
        paths = _plot_sweep(args.results, formats, args.envelope, args.by)
    else:
        if args.envelope is not None:
            raise UsageError(
                f"--envelope {args.envelope}: {args.results} is not a sweep directory (no {META_FILE}): "
                "an envelope is drawn over a sweep's runs"
            )
        summary, ts = read_run(args.results)
        with locked(args.results, flag="plot"):
            clear_temporaries(args.results)  # a figure half-written by a killed redraw
            paths = plots.draw_all(summary, ts, args.results, formats)
    for path in paths:
        print(path)
    return 0


def _plot_sweep(directory: Path, formats: tuple[str, ...], envelope: str | None, by: str | None) -> list[Path]:
    """Redraw a finished sweep's figures, or draw one envelope, under the sweep's lock; return the paths."""
    from sim.analysis.analyse import AnalysisError, read_sweep
    from sim.storage.locks import locked
    from sim.views.envelope import EnvelopeError, draw_envelope
    from sim.views.sweep_plots import draw_sweep

    with locked(directory, flag="plot"):  # a sweep still running holds it: refused, naming it
        clear_temporaries(directory)  # a figure half-written by a killed redraw
        try:
            sweep = read_sweep(directory)
            if envelope is not None:
                return [draw_envelope(sweep, envelope, by, formats)]
            return draw_sweep(sweep.runs, sweep.parameters, directory, sweep.name, formats)
        except (AnalysisError, EnvelopeError) as err:
            raise UsageError(str(err)) from None


def _formats(text: str) -> tuple[str, ...]:
    """``--format png,pdf`` → ``("png", "pdf")``; a bad list is a usage error, before anything runs."""
    try:
        return parse_formats(text)
    except ValueError as err:
        raise UsageError(str(err)) from None


def cmd_decisions(args) -> int:
    from sim.experiments.results import read_decisions
    from sim.views.decision_table import decisions_table

    print(decisions_table(read_decisions(args.results)))
    return 0


def cmd_compare(args) -> int:
    from sim.experiments.results import read_run
    from sim.storage.locks import locked
    from sim.views import plots

    out = args.out or args.results[0].parent / "compare.png"
    _check_figure_out(out, FORMATS)
    runs = [read_run(d) for d in args.results]  # every directory checked before a line is printed
    print(compare_table(args.results, [s for s, _ in runs]))
    with locked(out, flag="--out"):
        clear_temporaries(out.parent, out.name)  # what a killed compare left beside this figure
        print(f"figure: {plots.write_comparison(runs, out)}")
    return 0


#: What ``compare`` prints of each run's last year: summary key, heading, format (docs/welfare.md).
COMPARED = (
    ("welfare_per_person_last_year", "welfare", "{:.2f}"),
    ("welfare_ede_last_year", "EDE", "{:.2f}"),
    ("welfare_gap_last_year", "lost %", "{:.3%}"),
    ("rationing_cost_last_year", "queues", "{:.4f}"),
    ("stock_gap_own_prices_last_year", "stock gap", "{:.4f}"),
    ("sovereignty_own_prices_last_year", "sovereignty", "{:.4f}"),
    ("hours_used_last_year", "hours", "{:.2f}"),
    ("wage_gini_final", "wage Gini", "{:.3f}"),
)


def compare_table(dirs: list[Path], summaries: list[dict]) -> str:
    """Each run's verdict and last year side by side; for conditions run with several seeds, means and intervals.

    Runs of the same scenario and regime are seeds of one condition: the share converged with
    Wilson's interval, every other measure's mean with its t (or bootstrap) interval
    (:mod:`sim.analysis.intervals`). A condition run with one seed has no interval.
    """
    from sim.analysis.intervals import mean_interval, wilson_interval

    head = f"{'run':<32} {'regime':<19} {'converged':>9} {'week':>5} " + " ".join(f"{h:>11}" for _, h, _ in COMPARED)
    lines = [head, f"{'':<68}{'(the last year: welfare in hours a week per person)':^96}"]
    groups: dict[tuple, list[dict]] = {}
    for d, s in zip(dirs, summaries, strict=True):
        week = "-" if s["converged_week"] is None else str(s["converged_week"])
        regime = s.get("regime", "councils")  # results written before there were other regimes
        values = " ".join(f"{_cell(s.get(k), f):>11}" for k, _, f in COMPARED)
        lines.append(f"{d.name:<32} {regime:<19} {('yes' if s['converged'] else 'no'):>9} {week:>5} {values}")
        groups.setdefault((s["scenario"], regime), []).append(s)
    several = {key: runs for key, runs in groups.items() if len(runs) > 1}
    if several:
        lines += ["", "over seeds: mean [95 % interval]"]
        for (scenario, regime), runs in several.items():
            share, low, high = wilson_interval(sum(bool(r["converged"]) for r in runs), len(runs))
            lines.append(f"{scenario} ({regime}), {len(runs)} seeds: converged {share:.0%} [{low:.0%}, {high:.0%}]")
            for key, heading, fmt in COMPARED:
                values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
                if len(values) > 1:
                    i = mean_interval(values)
                    cells = (_cell(i.estimate, fmt), _cell(i.low, fmt), _cell(i.high, fmt))
                    lines.append(f"  {heading:<12} {cells[0]} [{cells[1]}, {cells[2]}]")
    return "\n".join(lines)


def _cell(value, fmt: str) -> str:
    return "-" if not isinstance(value, (int, float)) or isinstance(value, bool) else fmt.format(value)


def _check_figure_out(out: Path, formats: tuple[str, ...]):
    """Refuse a figure's ``--out`` that is a link, a device or a directory, has no known extension, or no directory.

    The figure is written to ``out`` exactly, in the format its extension names.
    """
    ext = out.suffix.lstrip(".").lower()
    if ext not in formats:
        named = f"extension {show(out.suffix)}" if out.suffix else "no extension"
        raise UsageError(
            f"--out {out}: {named}: the figure is written where named, in the format of its extension: "
            f"{', '.join('.' + f for f in formats)}"
        )
    check_file_target(out, "--out")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: no directory {out.parent} to write the figure in")


# --- the dashboard ------------------------------------------------------------------------------

DASHBOARD_PORT = 8765


def cmd_dashboard(args) -> int:
    """Serve the dashboard (:mod:`sim.views.app`) on localhost until Ctrl-C."""
    import importlib.util
    import os
    import socket

    from sim.views.dashboard import (
        DEFAULT_SCENARIO,
        PERSONS_VARIABLE,
        SCENARIO_VARIABLE,
        SMALL_POPULATION,
        Start,
        check_first_scenario,
    )

    path = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO
    scenario = load_with_overrides(path)
    persons = None if args.full_size else min(SMALL_POPULATION, scenario.population.consumers)
    check_first_scenario(path, persons)  # the first model's scenario, as the page will build it
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be 1 to 65535")
    if any(importlib.util.find_spec(name) is None for name in ("solara", "altair")):
        raise UsageError("the dashboard needs its extra: pip install -e '.[dashboard]'")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: a closed one's port is free
        try:
            probe.bind(("127.0.0.1", args.port))
        except OSError:
            message = f"--port {args.port}: in use on localhost; choose another, e.g. --port {args.port + 1}"
            raise UsageError(message) from None
    for note in Start(path.resolve(), persons).scan()[1]:
        say(f"note: {note}")
    os.environ.update({SCENARIO_VARIABLE: str(path.resolve()), PERSONS_VARIABLE: str(persons or "full")})
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")  # nothing leaves the machine
    from click.exceptions import Abort
    from solara.__main__ import cli as solara_cli

    print(f"dashboard of {path} at http://localhost:{args.port} (Ctrl-C stops it)", flush=True)
    options = ["--host", "127.0.0.1", "--port", str(args.port), "--production", "--no-open", "--no-check-version"]
    with contextlib.suppress(KeyboardInterrupt, Abort):  # Ctrl-C or SIGTERM stops a server; click says Abort
        solara_cli.main(["run", "sim.views.app", *options], standalone_mode=False)
    print("dashboard stopped", flush=True)
    return 0


def cmd_analyse(args) -> int:
    from sim.analysis.analyse import AnalysisError, analyse_dir

    try:
        text, out = analyse_dir(args.sweep_dir, args.outcomes, notice=lambda note: say(f"note: {note}"))
    except AnalysisError as err:
        raise UsageError(str(err)) from None
    print(text)
    print(f"written: {out}/ (analysis.json, analysis.txt, tables *.csv, figures *.png and *.svg)")
    return 0


def cmd_table(args) -> int:
    """Print (or write to ``--out``) the table of outcomes over seeds; every input is checked before a write."""
    from sim.analysis.analyse import AnalysisError
    from sim.analysis.gather import gather
    from sim.analysis.table import outcome_table
    from sim.analysis.table_text import FORMATS, render

    if args.format not in FORMATS:
        raise UsageError(f"--format {show(args.format)}: must be one of {', '.join(FORMATS)}")
    by, outcomes = _key_list(args.by, "--by"), _key_list(args.outcomes, "--outcomes")
    if args.out is not None:
        check_file_target(args.out, "--out")
        if not args.out.parent.is_dir():
            raise UsageError(f"--out {args.out}: no directory {args.out.parent} to write the table in")
    try:
        gathered = gather(args.dirs)
        table = outcome_table(gathered, by, outcomes)
    except AnalysisError as err:
        raise UsageError(str(err)) from None
    text = render(table, args.format)
    for note in gathered.notes:
        say(f"note: {note}")
    for warning in table.warnings:
        say(f"warning: {warning}")
    if args.out is None:
        print(text, end="")
    else:
        write_text(args.out, text, "--out")
        print(f"table: {args.out}")
    return 0


def _key_list(text: str | None, flag: str) -> list[str] | None:
    """``"a,b"`` → ``["a", "b"]``; ``None`` stays ``None``; an empty key is refused."""
    if text is None:
        return None
    keys = [k.strip() for k in text.split(",")]
    if not all(keys):
        raise UsageError(f"{flag} {show(text)}: an empty key; give KEY or KEY,KEY,...")
    return keys


def cmd_keys(args) -> int:
    """Print the scenario reference, the Markdown of ``docs/scenario.md``."""
    from sim.run.scenario_reference import reference_markdown

    print(reference_markdown(), end="")
    return 0


def cmd_economy_build(args) -> int:
    """Build an economy directory from a saved pymrio table; say what it holds and how to run it."""
    from sim.economics.economy import load_economy
    from sim.run.economy_builder import from_pymrio_files

    out = from_pymrio_files(
        args.table, args.region, args.out, capital=args.capital, rules=args.rules, employment=args.employment
    )
    t = load_economy(out).technology
    print(f"{out}/: {t.n} sectors, {len(t.consumer_goods)} of them consumer goods (economy.toml, README.md)")
    print(f'run it with economy = "{out}" in a scenario, or --set economy={out}')
    return 0
