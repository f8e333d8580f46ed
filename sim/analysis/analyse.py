"""``councils analyse``: which conditions decide the outcomes of a finished sweep.

It reads only the sweep's directory (``runs.parquet`` and ``sweep.json``), so a sweep run on
Dask is analysed exactly as a local one, and writes ``analysis/`` inside it
(:mod:`sim.analysis.report`):

- **Sobol' indices** (:func:`sim.analysis.sensitivity.sobol_indices`), for a sweep with a Saltelli
  design (``sample.method = "saltelli"``): first-order and total indices of each outcome,
  with bootstrap confidence intervals. The design is rebuilt from ``sweep.json`` and every
  point found among the runs (a point run with several replicates counts by its mean).
  They need every point: if a point has no finished run, they are not computed, and the
  summary says why.
- **PRIM** (:func:`sim.analysis.discovery.peeling_trajectory`), for any sweep with numeric factors:
  the boxes in which runs do *not* converge, and the boxes in which each boolean outcome
  given is true.
- **Feature scores** (:func:`sim.analysis.sensitivity.feature_scores`), for any sweep with numeric
  factors: a ranking of the factors for each outcome, the check on the Sobol' indices.

**The convergence week of runs that never converge.** A run that has not converged has no
convergence week; all that is known is that it would come after the run's last week (the
verdict, docs/welfare.md, can name any week up to it). The analysis therefore uses the week
*censored* at ``C = weeks``: a run that converged counts by its week, one that did not by
``C``. The indices of this outcome then mix how late runs converge with whether they converge
at all; the summary states how many runs were censored, and at which week.

Outcomes are the numeric and boolean columns of ``runs.parquet`` that a run produced (not
its parameters, seed or run time); a factor is a numeric parameter the sweep varies (a group
of keys, in a Saltelli design with ``[sample.groups]``). A categorical factor (the scenario
files of a comparison) is not analysed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow

from sim.analysis import discovery, sensitivity
from sim.experiments import designs
from sim.experiments.sweep_store import META_FILE, RUNS_FILE
from sim.run.scenario import ScenarioError, field_type
from sim.storage.files import FileRefused, check_nesting, read_text, shorten, show

#: Where the analysis is written, inside the sweep's directory.
ANALYSIS_DIR = "analysis"
#: The outcomes analysed when none is named.
DEFAULT_OUTCOMES = (
    "converged",
    "converged_week",
    "welfare_gap_last_year",
    "stock_gap_own_prices_last_year",
    "sovereignty_own_prices_last_year",
    "peak_unmet_share",
    "wage_gini_final",
)
#: Columns of ``runs.parquet`` that are not outcomes of a run: its identity, horizon, verdict's tolerances, run time.
NOT_OUTCOMES = {
    "run_id",
    "replicate",
    "seed",
    "scenario_file",
    "scenario",
    "weeks",
    "stock_tolerance",
    "fulfilment_tolerance",
    "error",
    "traceback",
    "runtime_s",
}
#: Name of the PRIM analysis of the verdict: its cases are the runs that did not converge.
NOT_CONVERGED = "not converged"
MAX_META_BYTES = 64 << 20
MAX_RUNS_BYTES = 4 << 30


class AnalysisError(ValueError):
    """A directory that cannot be analysed, or an outcome that is not there; one line naming it."""


@dataclass(frozen=True)
class SweepRuns:
    """What ``analyse`` reads of a sweep's directory."""

    path: Path
    name: str
    definition: dict
    parameters: list[str]
    runs: pd.DataFrame  # every row of runs.parquet

    @property
    def finished(self) -> pd.DataFrame:
        """The runs that finished (no error)."""
        return self.runs[self.runs["error"].isna()] if "error" in self.runs else self.runs

    @property
    def sample(self) -> dict:
        """The sweep's ``[sample]`` table (empty without one)."""
        return self.definition.get("sweep", {}).get("sample") or {}

    @property
    def saltelli(self) -> bool:
        return self.sample.get("method") == "saltelli"

    @property
    def groups(self) -> dict:
        return self.sample.get("groups", {}) if self.saltelli else {}


def read_sweep(path: str | Path) -> SweepRuns:
    """Read a finished sweep's ``sweep.json`` and ``runs.parquet``, each checked against what a sweep writes.

    Hold the sweep's lock (:func:`sim.storage.locks.locked`) while calling this, so that a
    sweep still running is not read half-done (:func:`analyse_dir` does).

    Raises
    ------
    AnalysisError
        Not a sweep directory, no ``runs.parquet`` yet, a file that is damaged or does not
        hold what a sweep writes (:func:`check_meta`, :func:`check_runs`), or no run finished.
    """
    path = Path(path)
    if not path.is_dir():
        raise AnalysisError(f"{path}: no such sweep directory")
    meta_path, runs_path = path / META_FILE, path / RUNS_FILE
    if not meta_path.exists():
        raise AnalysisError(f"{path}: not a sweep directory (no {META_FILE}); give the --out of a councils sweep")
    meta = check_meta(_read_json(meta_path), meta_path)
    if not runs_path.is_file():
        raise AnalysisError(
            f"{path}: no {RUNS_FILE}: the sweep has not finished; finish it with councils sweep … --resume"
        )
    if runs_path.stat().st_size > MAX_RUNS_BYTES:
        raise AnalysisError(f"{runs_path}: larger than any sweep writes; not a sweep's runs")
    try:
        runs = pd.read_parquet(runs_path)
    except (OSError, ValueError, pyarrow.ArrowException) as err:
        reason = shorten((str(err).strip().splitlines() or [type(err).__name__])[0], 100)
        raise AnalysisError(f"{runs_path}: not a readable Parquet file ({reason}); rerun the sweep") from None
    check_runs(runs, meta["parameters"], runs_path)
    sweep = SweepRuns(path, meta.get("name", path.name), meta["definition"], meta["parameters"], runs)
    if sweep.finished.empty:
        raise AnalysisError(f"{runs_path}: no run finished (see its error column): nothing to analyse")
    return sweep


def _read_json(path: Path):
    """``sweep.json`` parsed, with a size and a nesting limit."""
    try:
        text = read_text(path, MAX_META_BYTES, "a sweep's definition")
        check_nesting(text, path, "a sweep's definition")
        return json.loads(text)
    except FileRefused as err:
        raise AnalysisError(str(err)) from None
    except ValueError as err:
        reason = shorten(str(err).splitlines()[0] if str(err).strip() else type(err).__name__, 100)
        raise AnalysisError(f"{path}: not valid JSON ({reason}): damaged; rerun the sweep") from None


def check_meta(meta, path: Path) -> dict:
    """Refuse a ``sweep.json`` that does not hold what :func:`sim.experiments.sweep_store.write_meta` writes.

    Its ``name`` is text, its ``parameters`` a list of key paths, its ``definition`` a table
    whose ``sweep`` (the sweep file as parsed) has a seed and a ``[sample]`` the sweep file
    could have had (:func:`sim.experiments.sweep.read_sample`), whose ``scenarios`` are tables
    and whose ``replicates`` is a positive integer.

    Returns
    -------
    dict
        ``meta``, unchanged.

    Raises
    ------
    AnalysisError
        Naming the key, its value and what it must be.
    """
    from sim.experiments.sweep import read_sample

    def refuse(what: str):
        raise AnalysisError(f"{path}: {what}: damaged, or not written by councils sweep; rerun the sweep")

    if not isinstance(meta, dict):
        refuse(f"holds {type(meta).__name__}, not a JSON object")
    if not isinstance(meta.get("name", ""), str):
        refuse(f"name = {show(meta['name'])}: must be text")
    parameters = meta.get("parameters")
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters):
        refuse(f"parameters = {show(parameters)}: must be a list of key paths")
    definition = meta.get("definition")
    if not isinstance(definition, dict) or not isinstance(definition.get("sweep"), dict):
        refuse("no sweep definition in it")
    spec = definition["sweep"]
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        refuse(f"definition.sweep.seed = {show(seed)}: must be an integer ≥ 0")
    replicates = definition.get("replicates", 1)
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 1:
        refuse(f"definition.replicates = {show(replicates)}: must be an integer ≥ 1")
    scenarios = definition.get("scenarios", {})
    if not isinstance(scenarios, dict) or not all(isinstance(t, dict) for t in scenarios.values()):
        refuse("definition.scenarios: must be a table of scenario tables")
    for key in ("set", "grid"):
        if not isinstance(spec.get(key, {}), dict):
            refuse(f"definition.sweep.{key} = {show(spec[key])}: must be a table")
    try:
        read_sample(path, spec)
    except ScenarioError as err:
        raise AnalysisError(f"{err} (in definition.sweep): damaged; rerun the sweep") from None
    return meta


def check_runs(runs: pd.DataFrame, parameters: list[str], path: Path):
    """Refuse a ``runs.parquet`` that is not one row per run, of the types a sweep writes.

    Every ``run_id`` is text and appears once; ``error`` is empty or text; every finished
    run has ``converged`` true or false, ``weeks`` a whole number ≥ 1, and a finite value
    of each numeric parameter the sweep varied (``parameters``, each a column).

    Raises
    ------
    AnalysisError
        Naming the column and what is wrong.
    """

    def refuse(what: str):
        raise AnalysisError(f"{path}: {what}: not a sweep's runs; rerun the sweep")

    for column in ("run_id", "converged", "weeks"):
        if column not in runs:
            refuse(f"no {column} column")
    ids = runs["run_id"]
    if not all(isinstance(i, str) for i in ids):
        refuse("run_id holds something that is not text")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        refuse(
            f"run_id {show(repeated.iloc[0])} appears {int((ids == repeated.iloc[0]).sum())} times (one row per run)"
        )
    if "error" in runs and not all(isinstance(e, str) for e in runs["error"].dropna()):
        refuse("error holds something that is not text")
    finished = runs[runs["error"].isna()] if "error" in runs else runs
    if not all(isinstance(c, bool | np.bool_) for c in finished["converged"]):
        refuse("converged is not true or false in every finished run (it holds a missing value or another type)")
    weeks = pd.to_numeric(finished["weeks"], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(weeks).all() and (weeks >= 1).all() and (weeks == np.round(weeks)).all()):
        refuse("weeks is not a whole number ≥ 1 in every finished run")
    for key in parameters:
        if key not in runs:
            refuse(f"no column {show(key)}, a parameter sweep.json says the sweep varied")
        column = finished[key]
        if _numeric_or_bool(column) and not np.isfinite(column.to_numpy(dtype=float, na_value=np.nan)).all():
            refuse(f"{key} holds NaN or an infinity in a finished run: a factor must be a finite number")
    if "converged_week" in runs and not (
        _numeric_or_bool(runs["converged_week"]) or runs["converged_week"].isna().all()
    ):
        refuse("converged_week is not a number")


def allowed_outcomes(sweep: SweepRuns) -> list[str]:
    """The columns that can be analysed as outcomes: numeric or boolean, produced by the runs."""
    runs = sweep.runs
    skip = NOT_OUTCOMES | set(sweep.parameters)
    week = "converged_week" in runs and "weeks" in runs  # no week at all (nothing converged) is still an outcome
    return [
        c for c in runs.columns if c not in skip and (_numeric_or_bool(runs[c]) or (c == "converged_week" and week))
    ]


def _numeric_or_bool(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)


def check_outcomes(sweep: SweepRuns, outcomes) -> list[str]:
    """The outcomes to analyse (the defaults if none is named), each checked against the runs' columns."""
    allowed = allowed_outcomes(sweep)
    chosen = list(dict.fromkeys(outcomes or DEFAULT_OUTCOMES))
    for key in chosen:
        if key not in allowed:
            what = "not in" if key not in sweep.runs else "not an outcome of"
            named = "--outcome" if outcomes else "default outcome"
            raise AnalysisError(f"{named} {show(key)}: {what} {sweep.path / RUNS_FILE}; allowed: {', '.join(allowed)}")
    return chosen


# --- outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """An outcome's values over the finished runs, as analysed."""

    key: str
    values: np.ndarray  # float, one per finished run (0/1 for a boolean)
    boolean: bool
    note: str = ""


def outcome(sweep: SweepRuns, key: str) -> Outcome:
    """The values of ``key`` over the finished runs; the convergence week censored (see the module's doc)."""
    runs = sweep.finished
    column = runs[key]
    if key == "converged_week":
        cap = runs["weeks"].to_numpy(dtype=float)
        converged = runs["converged"].to_numpy(dtype=bool)
        values = np.where(converged, column.to_numpy(dtype=float, na_value=np.nan), cap)
        censored = int((~converged).sum())
        if not censored:
            return Outcome(key, values, False, "every run converged: no censoring")
        weeks = sorted({int(c) for c in cap[~converged]})
        at = f"week {weeks[0]}" if len(weeks) == 1 else f"weeks {weeks[0]}–{weeks[-1]}"
        note = f"{censored} of {len(runs)} runs never converged and count as {at} (censored at their horizon)"
        return Outcome(key, values, False, note)
    if pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
        return Outcome(key, values, True, f"true in {int(values.sum())} of {len(values)} runs")
    return Outcome(key, column.to_numpy(dtype=float, na_value=np.nan), False)


def analyse(sweep: SweepRuns, outcomes: list[str], notice=None) -> dict:
    """Sobol' indices (Saltelli designs), PRIM boxes and feature scores of ``outcomes``, as one JSON-able dict.

    A part whose optional library (SALib, ``prim``, scikit-learn: the ``analysis`` extra) is
    missing is skipped, each of its entries saying why, and ``notice`` is told once per part;
    the other parts are computed.
    """
    finished = sweep.finished
    values = {key: outcome(sweep, key) for key in outcomes}
    factors = numeric_factors(sweep)
    cases = [NOT_CONVERGED, *(k for k, o in values.items() if o.boolean and k != "converged")]
    sobol = _optional("Sobol' indices", lambda: _sobol(sweep, values), values, notice) if sweep.saltelli else {}
    result = {
        "sweep": sweep.name,
        "runs": len(sweep.runs),
        "finished": len(finished),
        "design": _design(sweep, factors),
        "outcomes": {k: {"boolean": o.boolean, "note": o.note} for k, o in values.items()},
        "sobol": sobol,
        "prim": _optional("PRIM", lambda: _prim(sweep, factors, values), cases, notice),
        "feature_scores": _optional("feature scores", lambda: _feature_scores(sweep, factors, values), values, notice),
    }
    return json.loads(json.dumps(result, allow_nan=True))


def _optional(part: str, compute, keys, notice) -> dict:
    """``compute()``, or, if an optional library it needs is missing, every key skipped saying which, and a note."""
    try:
        return compute()
    except designs.ExtraMissing as err:
        if notice is not None:
            notice(f"{part} skipped: {err}")
        return {key: {"skipped": str(err)} for key in keys}


def numeric_factors(sweep: SweepRuns) -> list[str]:
    """The numeric parameters that vary among the finished runs."""
    runs = sweep.finished
    return [
        p
        for p in sweep.parameters
        if _numeric_or_bool(runs[p]) and not pd.api.types.is_bool_dtype(runs[p]) and runs[p].nunique() > 1
    ]


def _design(sweep: SweepRuns, factors: list[str]) -> dict:
    sample = sweep.sample
    design = {"method": sample.get("method", "scenario files" if not sweep.parameters else "grid"), "keys": factors}
    if sweep.saltelli:
        keys = list(sample["ranges"])
        design |= {
            "n": sample["n"],
            "second_order": sample.get("second_order", False),
            "factors": designs.factors(keys, sweep.groups),
            "groups": sweep.groups,
            "replicates": sweep.definition.get("replicates", 1),
        }
    return design


def _sobol(sweep: SweepRuns, values: dict[str, Outcome]) -> dict:
    """Sobol' indices of every outcome, or ``{"skipped": reason}`` for an outcome (or all) they cannot be had for."""
    sample = sweep.sample
    keys = list(sample["ranges"])
    second = bool(sample.get("second_order", False))
    seed = sweep.definition.get("sweep", {}).get("seed", 0)
    integer = [field_type(k) is int for k in keys]
    points = designs.rounded(keys, designs.saltelli(sample["ranges"], sample["n"], second, sweep.groups, seed), integer)
    runs = sweep.finished
    missing = [k for k in keys if k not in runs]
    if missing:
        reason = f"the runs have no column {show(missing[0])} of the design"
        return {key: {"skipped": reason} for key in values}
    at = [
        tuple(int(v) if whole else float(v) for v, whole in zip(row, integer, strict=True))
        for row in runs[keys].to_numpy()
    ]
    rows: dict[tuple, list[int]] = {}
    for i, point in enumerate(at):
        rows.setdefault(point, []).append(i)
    wanted = [tuple(p.values()) for p in points]
    absent = sum(point not in rows for point in wanted)
    if absent:
        reason = (
            f"{absent} of {len(wanted)} points of the Saltelli design have no finished run (failed, or not run): "
            "the indices need every point"
        )
        return {key: {"skipped": reason} for key in values}
    problem = designs.problem(sample["ranges"], sweep.groups)
    out = {}
    for key, o in values.items():
        y = np.array([np.mean(o.values[rows[p]]) for p in wanted])
        if not np.all(np.isfinite(y)):
            out[key] = {"skipped": "not a number in some runs"}
        elif np.ptp(y) == 0:
            out[key] = {"skipped": f"the same in every run ({y[0]:g}): no variance to apportion"}
        else:
            out[key] = sensitivity.sobol_indices(problem, y, second)
    return out


def _prim(sweep: SweepRuns, factors: list[str], values: dict[str, Outcome]) -> dict:
    """PRIM's boxes for non-convergence and for each boolean outcome (other than ``converged``) that is true."""
    runs = sweep.finished
    cases = {NOT_CONVERGED: ~runs["converged"].to_numpy(dtype=bool)}
    cases |= {k: o.values > 0.5 for k, o in values.items() if o.boolean and k != "converged"}
    out = {}
    for name, y in cases.items():
        if not factors:
            out[name] = {"skipped": "no numeric factor varies in this sweep"}
        elif not y.any() or y.all():
            out[name] = {"skipped": f"{'no' if not y.any() else 'every'} run is a case: no box to find"}
        else:
            out[name] = {"cases": int(y.sum()), "runs": len(y)} | discovery.peeling_trajectory(runs[factors], y)
    return out


def _feature_scores(sweep: SweepRuns, factors: list[str], values: dict[str, Outcome]) -> dict:
    """Extra trees' feature scores of every outcome, per key and, with groups, per factor."""
    runs = sweep.finished
    group_of = {k: name for name, keys in sweep.groups.items() for k in keys}
    out = {}
    for key, o in values.items():
        ok = np.isfinite(o.values)
        if not factors:
            out[key] = {"skipped": "no numeric factor varies in this sweep"}
        elif ok.sum() < 10 or np.ptp(o.values[ok]) == 0:
            out[key] = {"skipped": "fewer than 10 runs, or the same value in every run"}
        else:
            scored = sensitivity.feature_scores(runs.loc[ok, factors], o.values[ok], o.boolean)
            per_factor: dict[str, float] = {}
            for k, s in scored["scores"].items():
                per_factor[group_of.get(k, k)] = per_factor.get(group_of.get(k, k), 0.0) + s
            out[key] = scored | {"factors": per_factor}
    return out


def analyse_dir(path: str | Path, outcomes=None, notice=None) -> tuple[str, Path]:
    """Read, analyse and write a finished sweep's directory: the summary text and where the analysis went.

    The sweep's own lock is held throughout, so a sweep still running (which holds it) is
    refused, naming its process, and no sweep starts writing while it is analysed. Everything
    is checked and computed before anything is written; ``analysis/`` is written under its
    lock and swapped in whole (what a killed analysis left is removed first).

    Parameters
    ----------
    outcomes : list of str, optional
        The outcomes to analyse (default :data:`DEFAULT_OUTCOMES`).
    notice : callable, optional
        Called with a sentence for each leftover of a killed analysis that was removed, and
        for each part skipped because its optional library is missing.

    Raises
    ------
    AnalysisError
        The directory is not a finished sweep (:func:`read_sweep`), a sweep is still writing
        it, or an outcome is not there.
    """
    from sim.storage.locks import LockError, locked

    path = Path(path)
    if not path.is_dir():  # before the lock, which would make the directories above it
        raise AnalysisError(f"{path}: no such sweep directory")
    try:
        with locked(path, flag="analyse"):
            return _analyse_locked(path, outcomes, notice)
    except LockError as err:
        if err.holder is None:
            raise
        raise AnalysisError(
            f"analyse {path}: the sweep is still running ({err.holder}): analyse it once it has finished"
        ) from None


def _analyse_locked(path: Path, outcomes, notice) -> tuple[str, Path]:
    """:func:`analyse_dir`'s work, with the sweep's lock held."""
    from sim.analysis.figures import draw_analysis
    from sim.analysis.report import summary_text, write_analysis
    from sim.storage.atomic import clean_leftovers
    from sim.storage.locks import locked

    sweep = read_sweep(path)
    chosen = check_outcomes(sweep, outcomes)
    try:
        result = analyse(sweep, chosen, notice)
    except designs.ExtraMissing as err:
        raise AnalysisError(str(err)) from None
    text = summary_text(result)
    target = sweep.path / ANALYSIS_DIR
    with locked(target, flag="analyse"):
        for note in clean_leftovers(target, lambda p: (p / "analysis.json").is_file()):
            if notice is not None:
                notice(note)
        write_analysis(target, result, text, draw_analysis)
    return text, target
