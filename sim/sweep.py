"""Sweeps: many runs over parameters and seeds, on any ``concurrent.futures`` executor, resumable.

A sweep file names a base scenario and what varies:

- ``[grid]``: key path → list of values; every combination is run.
- ``[sample]``: ``method = "lhs"`` or ``"sobol"``, ``n`` points, and ``[sample.ranges]``
  key path → ``[low, high]`` (``scipy.stats.qmc``, seeded from the sweep seed).
- ``scenarios``: a list of scenario files, each run as it is (transition conditions).
- ``[set]``: key path → value, applied to every run (population, years, …).

Each point is run ``replicates`` times with seeds derived from the sweep's ``seed`` by
``numpy.random.SeedSequence``; the same replicate uses the same seed at every point.
Every run has a stable ``run_id`` (a hash of its scenario, parameters and replicate), so
the rows of ``runs.parquet`` do not depend on the executor, the number of workers or the
order runs finish in. Finished runs are written in Parquet parts as they come; ``--resume``
skips every ``run_id`` already written.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from sim.scenario import ScenarioError, from_dict, read_toml

PARTS_DIR = "parts"
RUNS_FILE = "runs.parquet"
_SWEEP_KEYS = {"name", "base", "seed", "replicates", "grid", "sample", "scenarios", "set"}


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
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        _fail(path, f"seed = {seed!r}: must be an integer ≥ 0")
    n_rep = spec.get("replicates", 1) if replicates is None else replicates
    if not isinstance(n_rep, int) or isinstance(n_rep, bool) or n_rep < 1:
        _fail(path, f"replicates = {n_rep!r}: must be an integer ≥ 1")
    common = spec.get("set", {})
    if not isinstance(common, dict):
        _fail(path, "set: must be a table of key path = value")
    bases = _bases(path, spec)
    points = _points(path, spec, seed)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_rep)]
    runs = []
    for (base_name, base), params, (rep, run_seed) in itertools.product(bases, points, enumerate(seeds)):
        table = json.loads(json.dumps(base))
        for key, value in {**common, **params}.items():
            _set_path(table, key, value, str(path))
        table["seed"] = run_seed
        if years is not None:
            table["years"] = years
        label = f"{path} (run {base_name} {params} replicate {rep})"
        from_dict(json.loads(json.dumps(table)), label)  # validate every run before any starts
        key = json.dumps({"scenario": table, "params": params, "replicate": rep}, sort_keys=True)
        run_id = hashlib.sha1(key.encode()).hexdigest()[:12]
        runs.append(RunSpec(run_id, table, {"scenario_file": base_name, **params}, rep, run_seed))
    seen = {}
    for run in runs:
        if run.run_id in seen:
            _fail(
                path,
                f"{run.params} and {seen[run.run_id]} are the same run (replicate {run.replicate}): "
                "remove the duplicate value or scenario file",
            )
        seen[run.run_id] = run.params
    parameters = sorted({k for r in runs for k in r.params if k != "scenario_file"})
    return Sweep(path, spec.get("name", path.stem), runs, parameters)


def _bases(path: Path, spec: dict) -> list[tuple[str, dict]]:
    files = spec.get("scenarios")
    if files is None:
        if "base" not in spec:
            _fail(path, "missing key 'base' (a scenario file) or 'scenarios' (a list of them)")
        files = [spec["base"]]
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not files:
        _fail(path, f"scenarios = {files!r}: must be a non-empty list of scenario files")
    out = []
    for name in files:
        file = (path.parent / name).resolve()
        try:
            out.append((Path(name).stem, read_toml(file)))
        except ScenarioError as err:
            _fail(path, f"scenario file {name!r}: {err}")
    return out


def _points(path: Path, spec: dict, seed: int) -> list[dict]:
    grid = spec.get("grid", {})
    sample = spec.get("sample")
    if not isinstance(grid, dict):
        _fail(path, "grid: must be a table of key path = [values]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            _fail(path, f"grid.{key} = {values!r}: must be a non-empty list of values")
    keys = list(grid)
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(grid[k] for k in keys))]
    if sample is None:
        return points
    if not isinstance(sample, dict):
        _fail(path, "sample: must be a table with method, n and [sample.ranges]")
    unknown = set(sample) - {"method", "n", "ranges"}
    if unknown:
        _fail(path, f"unknown key 'sample.{sorted(unknown)[0]}'; allowed: sample.method, sample.n, sample.ranges")
    method = sample.get("method", "lhs")
    n = sample.get("n")
    ranges = sample.get("ranges", {})
    if method not in ("lhs", "sobol"):
        _fail(path, f"sample.method = {method!r}: must be one of lhs, sobol")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        _fail(path, f"sample.n = {n!r}: must be an integer ≥ 1")
    if method == "sobol" and n & (n - 1):
        _fail(
            path,
            f"sample.n = {n}: a Sobol' sample keeps its balance only for a power of 2 (e.g. {1 << n.bit_length()})",
        )
    if not isinstance(ranges, dict) or not ranges:
        _fail(path, "sample.ranges: must be a table of key path = [low, high]")
    for key, bounds in ranges.items():
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)):
            _fail(path, f"sample.ranges.{key} = {bounds!r}: must be [low, high]")
        if not bounds[0] < bounds[1]:
            _fail(path, f"sample.ranges.{key} = {bounds!r}: low must be < high")
    names = list(ranges)
    engine = qmc.Sobol(len(names), seed=seed) if method == "sobol" else qmc.LatinHypercube(len(names), seed=seed)
    unit = engine.random(n)
    low = np.array([ranges[k][0] for k in names], dtype=float)
    high = np.array([ranges[k][1] for k in names], dtype=float)
    values = qmc.scale(unit, low, high)
    sampled = [{k: float(v) for k, v in zip(names, row, strict=True)} for row in values]
    return [{**p, **s} for p, s in itertools.product(points or [{}], sampled)]


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
            path = Path(timeseries_dir) / f"{spec.run_id}.parquet"
            tmp = path.with_suffix(".tmp")
            model.record.timeseries().to_parquet(tmp, index=False)
            os.replace(tmp, path)
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


def done_run_ids(out_dir: Path) -> set[str]:
    """The ``run_id`` of every run already written under ``out_dir``."""
    ids = set()
    parts = Path(out_dir) / PARTS_DIR
    for part in sorted(parts.glob("*.parquet")) if parts.exists() else []:
        ids.update(pd.read_parquet(part, columns=["run_id"])["run_id"])
    return ids


def _write_part(out_dir: Path, rows: list[dict]):
    parts = Path(out_dir) / PARTS_DIR
    parts.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    name = hashlib.sha1("".join(sorted(r["run_id"] for r in rows)).encode()).hexdigest()[:16]
    tmp = parts / f".{name}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, parts / f"{name}.parquet")


def compact(out_dir: Path, run_order: list[str]) -> pd.DataFrame:
    """Merge the parts into ``runs.parquet``, one row per run, in the sweep's own order."""
    parts = sorted((Path(out_dir) / PARTS_DIR).glob("*.parquet"))
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        return frame
    order = {run_id: k for k, run_id in enumerate(run_order)}
    frame = frame[frame["run_id"].isin(order)]  # parts of runs that are not this sweep's stay out
    frame = frame.drop_duplicates("run_id", keep="last")
    frame = frame.assign(_order=frame["run_id"].map(order)).sort_values("_order").drop(columns="_order")
    frame = frame.reset_index(drop=True)
    tmp = Path(out_dir) / f".{RUNS_FILE}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, Path(out_dir) / RUNS_FILE)
    return frame


def make_executor(workers: int | None, scheduler: str | None) -> tuple[Executor, object]:
    """A local process pool (default: one worker per core) or a Dask cluster's executor."""
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ScenarioError("--scheduler needs dask.distributed: pip install 'councils[distributed]'") from None
        try:
            client = Client(scheduler)
        except (OSError, TimeoutError, ValueError) as err:
            raise ScenarioError(f"--scheduler {scheduler}: cannot connect: {err}") from None
        return client.get_executor(), client
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count()), None


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
) -> pd.DataFrame:
    """Run every (remaining) run of ``sweep`` on ``executor``; write parts, then ``runs.parquet``.

    Parameters
    ----------
    resume : bool
        Skip runs already written under ``out_dir``; without it, ``out_dir`` must hold no parts.
    limit : int, optional
        Only the first ``limit`` runs, in the sweep's stable order.
    batch_size : int, optional
        Runs per task (default: enough for about four tasks per worker slot, at most 8).
    progress : callable, optional
        Called as ``progress(done, failed, total)`` after each finished batch.
    """
    out_dir = Path(out_dir)
    runs = sweep.runs[:limit] if limit is not None else sweep.runs
    done = done_run_ids(out_dir)
    if done and not resume:
        raise ScenarioError(f"{out_dir}: holds results of an earlier sweep: use --resume, or another --out")
    todo = [r for r in runs if r.run_id not in done]
    for stale in [*(out_dir / PARTS_DIR).glob(".*.tmp"), *(out_dir / "timeseries").glob("*.tmp")]:
        stale.unlink(missing_ok=True)  # half-written files of a sweep that was killed
    out_dir.mkdir(parents=True, exist_ok=True)
    ts_dir = None
    if keep_timeseries:
        ts_dir = out_dir / "timeseries"
        ts_dir.mkdir(exist_ok=True)
        ts_dir = str(ts_dir)
    size = batch_size or max(1, min(8, len(todo) // (4 * (os.cpu_count() or 1)) or 1))
    finished, failed = len(runs) - len(todo), 0
    if progress:
        progress(finished, failed, len(runs))
    pending = {executor.submit(run_batch, batch, ts_dir) for batch in _batches(todo, size)}
    while pending:
        complete, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in complete:
            rows = future.result()
            _write_part(out_dir, rows)
            finished += len(rows)
            failed += sum(r["error"] is not None for r in rows)
            if progress:
                progress(finished, failed, len(runs))
    frame = compact(out_dir, [r.run_id for r in sweep.runs])
    (out_dir / "sweep.json").write_text(
        json.dumps({"sweep": str(sweep.path), "name": sweep.name, "parameters": sweep.parameters}, indent=2) + "\n",
        encoding="utf-8",
    )
    return frame
