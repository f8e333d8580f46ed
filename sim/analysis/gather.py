"""The finished runs of run and sweep directories, gathered into one table for ``councils table``.

A *run directory* (``councils run``'s ``--out``) holds ``summary.json`` and the scenario as
run (``scenario.toml``); it is read with :func:`sim.experiments.results.read_summary`. A
*sweep directory* (``councils sweep``'s ``--out``) holds ``sweep.json`` and ``runs.parquet``;
it is read with :func:`sim.analysis.analyse.read_sweep` under the sweep's lock, so a sweep
still running is refused, naming its process.

Each finished run is one row: every key of its summary (any, numeric or not, so keys added
to the summary later are read as they come), and every key of its scenario as a dotted key
path (``population.consumers``, ``prices.response``), so that runs can be grouped by
any of them. A run directory's scenario is its ``scenario.toml``; a sweep run's is the
defaults, overlaid by its scenario file, the sweep's ``[set]``, ``--years`` and its swept
parameters, in the order the sweep applied them (:func:`sim.experiments.sweep.load_sweep`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.analyse import AnalysisError, read_sweep
from sim.experiments.results import SUMMARY_FILE, ResultsError, read_summary
from sim.experiments.sweep_store import META_FILE
from sim.run.scenario import Scenario, ScenarioError, read_toml
from sim.storage.files import show

#: The scenario as run, in a run directory.
SCENARIO_FILE = "scenario.toml"
#: Scenario keys that are a run's identity, already columns of their own (``scenario``, ``seed``).
IDENTITY_KEYS = ("name", "seed")


@dataclass(frozen=True)
class Gathered:
    """Finished runs, one row each, and what the table needs to know of their columns.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per finished run: its summary's keys, ``source`` (the directory read), and
        every scenario key as a dotted key path.
    summary_keys : list of str
        The columns that came from the runs' summaries (the candidates for outcomes).
    parameters : list of str
        The keys a sweep read varied (the default groups, with the scenario's name).
    notes : list of str
        Sentences for the user: runs of a sweep that failed and are left out.
    """

    runs: pd.DataFrame
    summary_keys: list[str]
    parameters: list[str]
    notes: list[str]


def gather(paths) -> Gathered:
    """Read every directory, a run's or a sweep's, into one table of finished runs.

    Every directory is checked before any is read: one that does not exist, is given twice,
    or is neither a run's (``summary.json``) nor a sweep's (``sweep.json``) is refused.

    Raises
    ------
    AnalysisError
        Naming the directory and what is wrong, or that a sweep is still running.
    ResultsError
        A run directory's summary is damaged (:func:`sim.experiments.results.read_summary`).
    """
    paths = [Path(p) for p in paths]
    kinds = [_kind(p) for p in paths]
    seen: dict[Path, Path] = {}
    for path in paths:
        real = path.resolve()
        if real in seen:
            raise AnalysisError(f"{path}: given twice (as {seen[real]}): each run would count twice")
        seen[real] = path
    frames, summary_keys, parameters, notes = [], {}, {}, []
    for path, kind in zip(paths, kinds, strict=True):
        if kind == "run":
            summary, scenario = _read_run(path)
            frames.append(pd.DataFrame([{**scenario, **summary, "source": str(path)}]))
            summary_keys |= dict.fromkeys(summary)
        else:
            frame, keys, swept, note = _read_sweep(path)
            frames.append(frame)
            summary_keys |= dict.fromkeys(keys)
            parameters |= dict.fromkeys(swept)
            notes += note
    runs = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return Gathered(runs, [k for k in summary_keys if k not in parameters], list(parameters), notes)


def _kind(path: Path) -> str:
    """``"run"`` or ``"sweep"``: what the directory holds, or refused."""
    if not path.is_dir():
        raise AnalysisError(f"{path}: no such directory (a run's or a sweep's results)")
    if (path / SUMMARY_FILE).exists():
        return "run"
    if (path / META_FILE).exists():
        return "sweep"
    raise AnalysisError(
        f"{path}: neither a run's results ({SUMMARY_FILE}) nor a sweep's ({META_FILE}): "
        "give the --out of councils run or councils sweep"
    )


def _read_run(path: Path) -> tuple[dict, dict]:
    """A run directory's summary, and its scenario's keys flattened."""
    summary = read_summary(path)
    file = path / SCENARIO_FILE
    try:
        table = read_toml(file)
    except ScenarioError as err:
        raise ResultsError(f"{err}: the scenario the run wrote; rerun the scenario") from None
    return summary, _scenario_keys(table)


def _read_sweep(path: Path) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """A sweep's finished runs with their scenarios' keys; its summary columns, swept keys and notes."""
    from sim.storage.locks import LockError, locked

    try:
        with locked(path, flag="table"):
            sweep = read_sweep(path)
    except LockError as err:
        if err.holder is None:
            raise
        raise AnalysisError(
            f"{path}: the sweep is still running ({err.holder}): tabulate it once it has finished"
        ) from None
    runs, swept = _expand_tables(sweep.finished.reset_index(drop=True), sweep.parameters)
    definition = sweep.definition
    common = _flat(definition.get("sweep", {}).get("set", {}))
    if definition.get("years") is not None:
        common["years"] = definition["years"]
    bases = definition.get("scenarios", {})
    files = runs["scenario_file"] if "scenario_file" in runs else pd.Series([next(iter(bases), "")] * len(runs))
    scenarios = {name: _scenario_keys({**_flat(bases.get(name, {})), **common}) for name in files.unique()}
    keys = pd.DataFrame.from_dict(scenarios, orient="index").loc[files.to_numpy()].reset_index(drop=True)
    keys = keys.drop(columns=[c for c in keys if c in runs])  # a swept key's column is the run's own value
    frame = pd.concat([keys, runs.assign(source=str(path))], axis=1)
    failed = len(sweep.runs) - len(runs)
    notes = [f"{path}: {failed} of {len(sweep.runs)} runs failed and are left out"] if failed else []
    return frame, [c for c in runs.columns if c not in swept], swept, notes


def _expand_tables(runs: pd.DataFrame, parameters: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A swept key whose values are tables (``population = [{consumers = 2000, …}, …]``) as one column per key.

    ``population`` becomes ``population.consumers``, ``population.councils``, …, each a swept
    key of its own, so that runs can be grouped by them.
    """
    swept = []
    for key in parameters:
        if key in runs and runs[key].map(lambda v: isinstance(v, dict)).any():
            flat = pd.DataFrame([_flat(v) for v in runs[key]]).add_prefix(key + ".")
            runs = pd.concat([runs.drop(columns=key), flat], axis=1)
            swept += list(flat.columns)
        else:
            swept.append(key)
    return runs, swept


def _scenario_keys(table: dict) -> dict:
    """Every scenario key as a dotted path: the defaults overlaid by ``table`` (nested or dotted); lists as tuples."""
    keys = _flat(dataclasses.asdict(Scenario())) | _flat(table)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in keys.items() if k not in IDENTITY_KEYS}


def _flat(table: dict, prefix: str = "") -> dict:
    """A nested table as ``{"a.b": value}``; a dotted key stays as it is."""
    if not isinstance(table, dict):
        raise AnalysisError(f"a scenario table holds {show(table)} where a table was expected: damaged")
    out = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flat(value, path + ".")
        else:
            out[path] = value
    return out
