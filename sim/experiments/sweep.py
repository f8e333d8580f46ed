"""Sweeps: many runs over parameters and seeds, on any ``concurrent.futures`` executor, resumable.

A sweep file names a base scenario and what varies:

- ``[grid]``: key path → list of values; every combination is run.
- ``[sample]``: ``method = "lhs"`` or ``"sobol"``, ``n`` points, and ``[sample.ranges]``
  key path → ``[low, high]`` (``scipy.stats.qmc``, seeded from the sweep seed); an integer
  key is rounded to the nearest integer.
- ``method = "saltelli"``: Saltelli's design for Sobol' indices (:mod:`sim.experiments.designs`), ``n``
  base samples giving ``n × (G + 2)`` points over ``G`` factors (``n × (2G + 2)`` with
  ``second_order = true``); ``[sample.groups]`` name → list of keys makes those keys one
  factor. Points that rounding makes equal run once. It needs one base scenario and no grid:
  ``councils analyse`` reads the design whole.
- ``scenarios``: a list of scenario files, each run as it is (transition conditions).
- ``[set]``: key path → value, applied to every run (population, years, …).
- ``timeseries = true``: keep every run's time series (as ``--keep-timeseries``), for the
  figures drawn over time (the regimes compared week by week).

Each point is run ``replicates`` times with seeds derived from the sweep's ``seed`` by
``numpy.random.SeedSequence``; the same replicate uses the same seed at every point (common
random numbers), so ``seed`` itself cannot be swept or set: ``replicates`` gives more seeds.
Every run has a stable ``run_id`` (a hash of its scenario, parameters and replicate), so
the rows of ``runs.parquet`` do not depend on the executor, the number of workers or the
order runs finish in. Finished runs are written in Parquet parts as they come (:mod:`sim.experiments.sweep_store`);
``--resume`` skips every ``run_id`` already written, and refuses a sweep whose definition changed.
A sweep is refused before it starts if it has more than :data:`MAX_RUNS` runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from sim.economics.economy import SHIPPED_ECONOMIES
from sim.experiments import designs
from sim.experiments.budget import Need, run_need
from sim.experiments.sweep_store import (
    PARTS_DIR,
    RUNS_FILE,
    TIMESERIES_DIR,
    compact,
    done_run_ids,
    prepare,
    write_part,
)
from sim.run.scenario import ScenarioError, check_name, field_type, from_dict, read_scenario, read_toml
from sim.run.scenario_economy import build_key, check_against_economy, check_model_builds, economy_of
from sim.storage.files import show
from sim.storage.writes import WriteRefused, real_directory, replacing

__all__ = [
    "MAX_RUNS",
    "PARTS_DIR",
    "RUNS_FILE",
    "RunSpec",
    "Sweep",
    "compact",
    "done_run_ids",
    "load_sweep",
    "read_sample",
    "run_batch",
    "run_one",
    "run_sweep",
]

_SWEEP_KEYS = {"name", "base", "seed", "replicates", "grid", "sample", "scenarios", "set", "timeseries"}
#: The most runs a sweep may have (about a day of a 32-core machine at a few seconds a run).
MAX_RUNS = 100_000
#: The most replicates per point.
MAX_REPLICATES = 10_000
#: Sweep seeds, like scenario seeds, are 32-bit.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a scenario table (already overridden), its parameters and seed."""

    run_id: str
    scenario: dict
    params: dict
    replicate: int
    seed: int


@dataclass
class Sweep:
    """A parsed, validated sweep file."""

    path: Path
    name: str
    runs: list[RunSpec] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)
    definition: dict = field(default_factory=dict)
    need: Need = field(default_factory=lambda: Need(0, 0.0))  # the largest run's memory, and all runs' time on one core
    keep_timeseries: bool = False  # the file's ``timeseries = true``
    longest: float = 0.0  # the longest run's time by estimate, seconds


def _fail(path, message):
    raise ScenarioError(f"{path}: {message}")


def _set_path(table: dict, key: str, value, where: str):
    node = table
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            _fail(where, f"key '{key}': '{part}' is not a table")
    node[parts[-1]] = value


def load_sweep(path: str | Path, replicates: int | None = None, years: float | None = None) -> Sweep:
    """Read a sweep file and expand it into validated runs (in a stable order).

    Every run is validated, checked against its economy and against what building its model
    would refuse, before any starts; the number of runs is checked before they are expanded.

    Parameters
    ----------
    path : path
        The sweep TOML file.
    replicates : int, optional
        Replicates per point (overrides the file's).
    years : float, optional
        Horizon of every run (overrides the scenarios').
    """
    path = Path(path)
    spec = read_toml(path)
    unknown = set(spec) - _SWEEP_KEYS
    if unknown:
        _fail(path, f"unknown key '{sorted(unknown)[0]}'; allowed: {', '.join(sorted(_SWEEP_KEYS))}")
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        _fail(path, f"seed = {show(seed)}: must be an integer, 0 <= seed <= {MAX_SEED:_}")
    n_rep = spec.get("replicates", 1) if replicates is None else replicates
    if not isinstance(n_rep, int) or isinstance(n_rep, bool) or not 1 <= n_rep <= MAX_REPLICATES:
        _fail(path, f"replicates = {show(n_rep)}: must be an integer, 1 <= replicates <= {MAX_REPLICATES:_}")
    keep_timeseries = spec.get("timeseries", False)
    if not isinstance(keep_timeseries, bool):
        _fail(path, f"timeseries = {show(keep_timeseries)}: must be true or false")
    common = spec.get("set", {})
    if not isinstance(common, dict):
        _fail(path, "set: must be a table of key path = value")
    common = _relative_economy(common, path)
    bases = _bases(path, spec)
    grid = _grid(path, spec)
    sample = read_sample(path, spec)
    _refuse_swept_seed(path, grid, sample, common)
    if sample and sample.method == "saltelli" and (grid or len(bases) > 1):
        _fail(
            path,
            "sample.method = 'saltelli' needs one base scenario and no [grid]: its analysis reads its design whole",
        )
    sampled = sample.points if sample else 1
    count = len(bases) * math.prod(len(v) for v in grid.values()) * sampled * n_rep
    if count > MAX_RUNS:
        _fail(
            path,
            f"{count:,} runs ({len(bases)} scenario file(s) × {math.prod(len(v) for v in grid.values()):,} grid "
            f"points × {sampled:,} sampled points × {n_rep:,} replicates): at most {MAX_RUNS:,}; "
            "use fewer grid values, a smaller sample.n or fewer replicates",
        )
    points = _points(grid, sample, seed, path)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_rep)]
    runs, economies, built, largest, seconds, longest = [], {}, set(), 0, 0.0, 0.0
    for (base_name, base), params, (rep, run_seed) in itertools.product(bases, points, enumerate(seeds)):
        table = json.loads(json.dumps(base))
        for key, value in {**common, **params}.items():
            _set_path(table, key, value, str(path))
        table["seed"] = run_seed
        if years is not None:
            table["years"] = years
        label = f"{path} (run {base_name} {params} replicate {rep})"
        scenario = from_dict(json.loads(json.dumps(table)), label)  # validate every run before any starts
        if scenario.economy not in economies:
            economies[scenario.economy] = economy_of(scenario)
        check_against_economy(scenario, economies[scenario.economy], label)
        if build_key(scenario) not in built:  # what the model refuses when built, refused before any worker
            check_model_builds(scenario, economies[scenario.economy], label)
            built.add(build_key(scenario))
        need = run_need(scenario, economies[scenario.economy].technology.n, figures=False)
        largest, seconds, longest = max(largest, need.memory), seconds + need.seconds, max(longest, need.seconds)
        key = json.dumps({"scenario": table, "params": params, "replicate": rep}, sort_keys=True)
        run_id = hashlib.sha1(key.encode()).hexdigest()[:12]
        runs.append(RunSpec(run_id, table, {"scenario_file": base_name, **params}, rep, run_seed))
    seen = {}
    for run in runs:
        if run.run_id in seen:
            _fail(
                path,
                f"{run.params} and {seen[run.run_id]} are the same run (replicate {run.replicate}): "
                "remove the duplicate value or scenario file (or widen the range of a sampled integer key)",
            )
        seen[run.run_id] = run.params
    name = spec.get("name", path.stem)
    check_name(name, str(path))
    parameters = sorted({k for r in runs for k in r.params if k != "scenario_file"})
    need = Need(largest, seconds)
    definition = {
        "sweep": {k: v for k, v in spec.items() if k != "replicates"},
        "scenarios": dict(bases),
        "years": years,
        "replicates": n_rep,
    }
    return Sweep(path, name, runs, parameters, json.loads(json.dumps(definition)), need, keep_timeseries, longest)


def _relative_economy(common: dict, path: Path) -> dict:
    """``[set] economy`` names a directory relative to the sweep file (or a shipped economy, kept as it is)."""
    economy = common.get("economy")
    if isinstance(economy, str) and economy not in SHIPPED_ECONOMIES and "\0" not in economy:
        return {**common, "economy": str((path.parent / economy).resolve())}
    return common


def _refuse_swept_seed(path: Path, grid: dict, sample, common: dict):
    """``seed`` cannot vary or be set: each run's seed comes from the sweep's seed and its replicate."""
    for where, table in (("grid", grid), ("sample.ranges", sample.ranges if sample else {}), ("set", common)):
        if "seed" in table:
            _fail(
                path,
                f"{where}.seed: a sweep's runs take their seeds from the sweep's 'seed' and their replicate "
                "(the same seeds at every point): use replicates = N for N seeds, or seed = … for other seeds",
            )


def _bases(path: Path, spec: dict) -> list[tuple[str, dict]]:
    files = spec.get("scenarios")
    if files is None:
        if "base" not in spec:
            _fail(path, "missing key 'base' (a scenario file) or 'scenarios' (a list of them)")
        files = [spec["base"]]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not files:
        _fail(path, f"scenarios = {show(files)}: must be a non-empty list of scenario files")
    out = []
    for name in files:
        file = (path.parent / name).resolve()
        try:
            out.append((Path(name).stem, read_scenario(file)))
        except ScenarioError as err:
            _fail(path, f"scenario file {show(name)}: {err}")
    return out


def _grid(path: Path, spec: dict) -> dict:
    grid = spec.get("grid", {})
    if not isinstance(grid, dict):
        _fail(path, "grid: must be a table of key path = [values]")
    if "grid" in spec and not grid:
        _fail(path, "[grid] is empty: give at least one key path = [values], or remove [grid]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            _fail(path, f"grid.{key} = {show(values)}: must be a non-empty list of values")
    return grid


@dataclass(frozen=True)
class Sample:
    """A checked ``[sample]`` table; ``points`` is how many points its design has (before rounding)."""

    method: str
    n: int
    ranges: dict
    second_order: bool = False
    groups: dict = field(default_factory=dict)

    @property
    def points(self) -> int:
        if self.method != "saltelli":
            return self.n
        return designs.size(self.n, len(designs.factors(list(self.ranges), self.groups)), self.second_order)


_SAMPLE_KEYS = {"method", "n", "ranges", "second_order", "groups"}
_METHODS = ("lhs", "sobol", "saltelli")


def read_sample(path: Path, spec: dict) -> Sample | None:
    """The checked ``[sample]`` table of a sweep file (or of a sweep's recorded definition), or ``None``.

    Raises
    ------
    ScenarioError
        A key, method, size, range or group the sweep file could not have, named with its value.
    """
    sample = spec.get("sample")
    if sample is None:
        return None
    if not isinstance(sample, dict):
        _fail(path, "sample: must be a table with method, n and [sample.ranges]")
    unknown = set(sample) - _SAMPLE_KEYS
    if unknown:
        allowed = ", ".join(f"sample.{k}" for k in sorted(_SAMPLE_KEYS))
        _fail(path, f"unknown key 'sample.{sorted(unknown)[0]}'; allowed: {allowed}")
    method = sample.get("method", "lhs")
    n = sample.get("n")
    ranges = sample.get("ranges", {})
    if method not in _METHODS:
        _fail(path, f"sample.method = {show(method)}: must be one of {', '.join(_METHODS)}")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_RUNS:
        _fail(path, f"sample.n = {show(n)}: must be an integer, 1 <= n <= {MAX_RUNS:_}")
    if method in ("sobol", "saltelli") and n & (n - 1):
        _fail(
            path,
            f"sample.n = {n}: a Sobol' sample keeps its balance only for a power of 2 (e.g. {1 << n.bit_length()})",
        )
    if not isinstance(ranges, dict) or not ranges:
        _fail(path, "sample.ranges: must be a table of key path = [low, high]")
    for key, bounds in ranges.items():
        numbers = isinstance(bounds, list) and all(
            isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in bounds
        )
        if not (numbers and len(bounds) == 2):
            _fail(path, f"sample.ranges.{key} = {show(bounds)}: must be [low, high], two finite numbers")
        if not bounds[0] < bounds[1]:
            _fail(path, f"sample.ranges.{key} = {show(bounds)}: low must be < high")
        if field_type(key) not in (int, float, None):
            _fail(path, f"sample.ranges.{key}: not a numeric key, so it cannot be sampled; put it in [grid]")
    second_order = sample.get("second_order", False)
    groups = sample.get("groups", {})
    for key in ("second_order", "groups"):
        if key in sample and method != "saltelli":
            _fail(path, f"sample.{key}: only for sample.method = 'saltelli'")
    if not isinstance(second_order, bool):
        _fail(path, f"sample.second_order = {show(second_order)}: must be true or false")
    _check_groups(path, groups, ranges)
    return Sample(method, n, ranges, second_order, groups)


def _check_groups(path: Path, groups, ranges: dict):
    """``[sample.groups]``: name → non-empty list of keys of ``[sample.ranges]``, each key in one group at most."""
    if not isinstance(groups, dict):
        _fail(path, "sample.groups: must be a table of group name = [key paths of sample.ranges]")
    seen = {}
    for name, members in groups.items():
        if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
            _fail(path, f"sample.groups.{name} = {show(members)}: must be a non-empty list of key paths")
        if name in ranges and members != [name]:
            _fail(path, f"sample.groups.{name}: a group cannot take the name of a sampled key")
        for key in members:
            if key not in ranges:
                _fail(path, f"sample.groups.{name}: {show(key)} is not in [sample.ranges]")
            if key in seen:
                _fail(path, f"sample.groups: {show(key)} is in both {show(seen[key])} and {show(name)}")
            seen[key] = name


def _points(grid: dict, sample: Sample | None, seed: int, path: Path) -> list[dict]:
    keys = list(grid)
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(grid[k] for k in keys))]
    if sample is None:
        return points
    keys = list(sample.ranges)
    sampled = designs.rounded(keys, _sample_matrix(sample, seed, path), [field_type(k) is int for k in keys])
    if sample.method == "saltelli":  # rows that rounding made equal are one run; the analysis finds it for each
        sampled = list({tuple(s.items()): s for s in sampled}.values())
    return [{**p, **s} for p, s in itertools.product(points or [{}], sampled)]


def _sample_matrix(sample: Sample, seed: int, path: Path) -> np.ndarray:
    """The sampled points, one row each, one column per key of ``sample.ranges``."""
    names = list(sample.ranges)
    if sample.method == "saltelli":
        try:
            return designs.saltelli(sample.ranges, sample.n, sample.second_order, sample.groups, seed)
        except designs.ExtraMissing as err:
            _fail(path, f"sample.method = 'saltelli': {err}")
    engine = qmc.Sobol(len(names), seed=seed) if sample.method == "sobol" else qmc.LatinHypercube(len(names), seed=seed)
    low = np.array([sample.ranges[k][0] for k in names], dtype=float)
    high = np.array([sample.ranges[k][1] for k in names], dtype=float)
    return qmc.scale(engine.random(sample.n), low, high)


# --- running -----------------------------------------------------------------------------------------


def run_one(spec: RunSpec, timeseries_dir: str | None = None) -> dict:
    """Run one sweep point; return its row (a failure is a row with its error, never an exception)."""
    from sim.model import CouncilsModel

    row = {"run_id": spec.run_id, "replicate": spec.replicate, "seed": spec.seed, **spec.params}
    start = time.perf_counter()
    try:
        scenario = from_dict(spec.scenario, f"run {spec.run_id}")
        model = CouncilsModel(scenario)
        summary = model.run()
        if timeseries_dir is not None:
            with replacing(Path(timeseries_dir) / f"{spec.run_id}.parquet", "run's time series") as file:
                model.record.timeseries().to_parquet(file, index=False)
        row.update({"scenario": scenario.name, **summary, "error": None})
    except Exception as err:  # a failing run is a result of the sweep, not its end
        row.update({"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc(limit=5)})
    row["runtime_s"] = time.perf_counter() - start
    return row


def _batches(runs: list[RunSpec], size: int):
    for start in range(0, len(runs), size):
        yield runs[start : start + size]


def run_batch(specs: list[RunSpec], timeseries_dir: str | None = None) -> list[dict]:
    """Run several sweep points in one task (amortises the executor's per-task cost).

    BLAS runs single-threaded inside a sweep's task: the parallelism is across runs, and
    two workers each asking for every core's BLAS thread slow each other down.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return [run_one(spec, timeseries_dir) for spec in specs]


def run_sweep(
    sweep: Sweep,
    out_dir: Path,
    executor: Executor,
    *,
    resume: bool = False,
    limit: int | None = None,
    keep_timeseries: bool = False,
    batch_size: int | None = None,
    progress=None,
    notice=None,
) -> pd.DataFrame:
    """Run every (remaining) run of ``sweep`` on ``executor``; write parts, then ``runs.parquet``.

    Hold the lock of ``out_dir`` (:func:`sim.storage.locks.locked`) while calling this.

    Parameters
    ----------
    resume : bool
        Skip runs already written under ``out_dir``; without it, ``out_dir`` must not hold a sweep.
        A resumed sweep must have the same definition (more replicates are allowed).
    limit : int, optional
        Only the first ``limit`` runs, in the sweep's stable order.
    batch_size : int, optional
        Runs per task (default: enough for about four tasks per worker slot, at most 8).
    progress : callable, optional
        Called as ``progress(done, failed, total)`` after each finished batch.
    notice : callable, optional
        Called with a sentence for each damaged part set aside.
    """
    out_dir = Path(out_dir)
    runs = sweep.runs[:limit] if limit is not None else sweep.runs
    done = prepare(out_dir, sweep, resume, notice)
    todo = [r for r in runs if r.run_id not in done]
    ts_dir = None
    if keep_timeseries:
        try:
            ts_dir = str(real_directory(out_dir / TIMESERIES_DIR, "sweep directory's"))  # never a link
        except WriteRefused as err:
            raise ScenarioError(str(err)) from None
    size = batch_size or max(1, min(8, len(todo) // (4 * (os.cpu_count() or 1)) or 1))
    finished, failed = len(runs) - len(todo), 0
    if progress:
        progress(finished, failed, len(runs))
    pending = {executor.submit(run_batch, batch, ts_dir) for batch in _batches(todo, size)}
    while pending:
        complete, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in complete:
            rows = future.result()
            write_part(out_dir, rows)
            finished += len(rows)
            failed += sum(r["error"] is not None for r in rows)
            if progress:
                progress(finished, failed, len(runs))
    return compact(out_dir, [r.run_id for r in sweep.runs], notice)
