"""Results on disk: one directory per run, written atomically.

``results/<scenario>-<seed>/`` holds ``timeseries.parquet`` (tidy: week, good, variable,
value; ``good`` is empty for per-week series), ``summary.json``, ``scenario.toml`` (the
scenario as run, overrides applied), ``price_log.csv`` (every logged price change with
its cause) and ``manifest.json`` (versions, git commit, time), and the figures. The directory, figures
included, is built under a temporary name and swapped into place (:mod:`sim.storage.atomic`), so a
killed run leaves the old complete result or the new one. :func:`read_run` checks what it
reads, so a damaged directory is refused with one line naming the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import platform
import shutil
import stat
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow

from sim.run.scenario import Scenario
from sim.storage.atomic import install_dir, temporary_name
from sim.storage.files import FileRefused, check_nesting, kind, read_text, shorten, show
from sim.storage.writes import replacing, write_text

SUMMARY_FILE = "summary.json"
TIMESERIES_FILE = "timeseries.parquet"
#: What ``plot`` and ``compare`` read of ``summary.json``: key → accepted types.
SUMMARY_SCHEMA = {
    "scenario": (str,),
    "seed": (int,),
    "weeks": (int,),
    "converged": (bool,),
    "converged_week": (int, type(None)),
    "welfare_tolerance": (int, float),
    "stock_tolerance": (int, float),
    "welfare_gap_last_year": (int, float),
    "welfare_per_person_last_year": (int, float),
    "welfare_ede_last_year": (int, float),
    "rationing_cost_last_year": (int, float),
    "price_distortion_cost_last_year": (int, float),
    "sovereignty_own_prices_last_year": (int, float),
    "fulfilment_floor_own_prices_last_year": (int, float),
    "stock_gap_own_prices_last_year": (int, float),
    "stock_gap_last_year": (int, float),
    "fulfilment_floor_last_year": (int, float),
    "sovereignty_index_last_year": (int, float),
    "price_value_gap_last_year": (int, float),
    "peak_unmet_share": (int, float),
    "wage_gini_final": (int, float),
    "income_gini_final": (int, float),
    "consumption_gini_final": (int, float),
    "consumer_goods": (list,),
}
#: The series the figures draw: per good, and per week (``good`` empty).
PLOTTED_GOOD_SERIES = ("price", "value", "stock", "reserve", "output")
PLOTTED_WEEK_SERIES = (
    "stock_gap",
    "fulfilment_floor",
    "unmet_share",
    "sovereignty_index",
    "wage_gini",
    "income_gini",
    "consumption_gini",
    "hours_per_week",
    "hours_used",
    "investment_share",
    "consumption_per_person",
)
MAX_SUMMARY_BYTES = 1 << 20
#: Each year's fundamental decision (seed §7f): a JSON list, empty where the assemblies did not vote.
DECISIONS_FILE = "decisions.json"
#: The largest decisions file read, bytes (twenty years of nine variants are about 200 kB).
MAX_DECISIONS_BYTES = 64 << 20
MAX_TIMESERIES_BYTES = 1 << 30


class ResultsError(ValueError):
    """A results directory that is missing or damaged; the message names the file and what is wrong."""


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text that :func:`sim.run.scenario.load_scenario` reads back unchanged."""
    top, tables = [], []
    for f in dataclasses.fields(scenario):
        value = getattr(scenario, f.name)
        if dataclasses.is_dataclass(value):
            body = "\n".join(f"{k.name} = {_toml_value(getattr(value, k.name))}" for k in dataclasses.fields(value))
            tables.append(f"[{f.name}]\n{body}\n")
        else:
            top.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(top) + "\n\n" + "\n".join(tables)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _toml_string(text: str) -> str:
    """A TOML basic string: escape quote, backslash and control characters; keep the rest as it is."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\t":
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def manifest() -> dict:
    """What produced a result: package version, git commit, Python, Mesa and NumPy versions, time."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "councils": metadata.version("councils"),
        "git_commit": commit or None,
        "python": platform.python_version(),
        "mesa": metadata.version("mesa"),
        "numpy": metadata.version("numpy"),
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_run(out_dir: Path, model, summary: dict, draw=None) -> Path:
    """Write one run's results, and its figures, into ``out_dir`` atomically; return the directory.

    Hold the lock of ``out_dir`` (:func:`sim.storage.locks.locked`) while calling this.

    Parameters
    ----------
    out_dir : Path
        The results directory; an older result there is replaced.
    model : CouncilsModel
        The finished run.
    summary : dict
        Its verdict, written as ``summary.json``.
    draw : callable, optional
        ``draw(summary, timeseries, directory)`` draws the figures into the directory being
        built, so that they are part of the atomic result.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(out_dir)
    tmp.mkdir()  # not tempfile.mkdtemp: its mode 0700 would ignore the umask
    try:
        timeseries = model.record.timeseries()
        with replacing(tmp / TIMESERIES_FILE) as file:  # every file created exclusively, even in our own directory
            timeseries.to_parquet(file, index=False)
        write_text(tmp / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
        write_text(tmp / "scenario.toml", scenario_to_toml(model.conditions))
        log = pd.DataFrame(
            model.record.price_log, columns=["week", "good", "old_p_over_v", "new_p_over_v", "stock_ratio"]
        )
        log["good"] = [model.technology.names[g] for g in log["good"]]
        write_text(tmp / "price_log.csv", log.to_csv(index=False))
        write_text(tmp / DECISIONS_FILE, json.dumps(model.record.decisions, indent=1) + "\n")
        write_text(tmp / "manifest.json", json.dumps(manifest(), indent=2) + "\n")
        if draw is not None:
            draw(summary, timeseries, tmp)
        install_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def check_out_dir(out_dir: Path):
    """Refuse an ``out_dir`` that exists and is not a results directory (it would be replaced)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not (out_dir / SUMMARY_FILE).is_file():
        raise FileExistsError(f"{out_dir}: exists and is not a results directory; not replacing it")


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a readable result (what :func:`read_run` accepts)."""
    try:
        read_run(run_dir)
    except ResultsError:
        return False
    return True


def read_run(run_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The summary and the tidy time series of a saved run, checked against what the figures and tables read.

    Raises
    ------
    ResultsError
        No such directory, not a results directory, or a file that is unreadable, truncated,
        of the wrong shape or missing what is read; the message names the file.
    """
    summary = read_summary(run_dir)
    return summary, _read_timeseries(Path(run_dir) / TIMESERIES_FILE, summary["consumer_goods"])


def read_summary(run_dir: Path) -> dict:
    """The summary of a saved run, checked as :func:`read_run` checks it, without reading the time series.

    Raises
    ------
    ResultsError
        No such directory, not a results directory, or a ``summary.json`` that is unreadable,
        of the wrong shape or missing what is read; the message names the file.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such results directory")
    summary_path = run_dir / SUMMARY_FILE
    if not summary_path.exists():
        raise ResultsError(f"{run_dir}: not a results directory (no {SUMMARY_FILE})")
    return _read_summary(summary_path)


def read_json(path: Path, max_bytes: int, what: str, hint: str):
    """A JSON file of at most ``max_bytes``, nested at most :data:`~sim.storage.files.MAX_DEPTH` deep, parsed.

    Parameters
    ----------
    path : Path
        The file.
    max_bytes : int
        Its largest size accepted.
    what : str
        What it should be, for messages (``"a run's summary"``).
    hint : str
        What to do about a damaged file, for messages (``"rerun the scenario"``).

    Raises
    ------
    ResultsError
        Missing, not a regular file, too large, not UTF-8, nested too deep, or not JSON.
    """
    try:
        text = read_text(path, max_bytes, what)
        check_nesting(text, path, what)
        return json.loads(text)
    except FileRefused as err:
        raise ResultsError(str(err)) from None
    except ValueError as err:  # JSONDecodeError, or an integer of more digits than Python converts
        reason = shorten(str(err).splitlines()[0] if str(err).strip() else type(err).__name__, 100)
        raise ResultsError(f"{path}: not valid JSON ({reason}): damaged or truncated; {hint}") from None


def _read_summary(path: Path) -> dict:
    summary = read_json(path, MAX_SUMMARY_BYTES, "a run's summary", "rerun the scenario")
    if not isinstance(summary, dict):
        raise ResultsError(f"{path}: holds {type(summary).__name__}, not a JSON object: damaged; rerun the scenario")
    for key, kinds in SUMMARY_SCHEMA.items():
        if key not in summary:
            raise ResultsError(f"{path}: missing key '{key}': damaged or from another version; rerun the scenario")
        value = summary[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            allowed = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise ResultsError(f"{path}: {key} = {show(value)}: must be {allowed}; damaged, rerun the scenario")
    goods = summary["consumer_goods"]
    if not goods or not all(isinstance(g, str) for g in goods):
        raise ResultsError(f"{path}: consumer_goods = {show(goods)}: must be a non-empty list of sector codes")
    if summary["weeks"] < 1:
        raise ResultsError(f"{path}: weeks = {show(summary['weeks'])}: must be ≥ 1")
    for key in ("welfare_tolerance", "stock_tolerance"):  # drawn as lines on the figures
        if not math.isfinite(summary[key]):
            raise ResultsError(f"{path}: {key} = {summary[key]}: must be a finite number; damaged, rerun the scenario")
    return summary


def _read_timeseries(path: Path, goods: list[str]) -> pd.DataFrame:
    """The tidy time series, checked: columns and their types, each series once per week, every plotted series there.

    Every series the figures draw must hold at least one finite number, and each per-good
    series must be there for every consumer good the summary names.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing: the run's time series; rerun the scenario") from None
    except OSError as err:
        raise ResultsError(f"{path}: cannot read: {err.strerror or err}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ResultsError(f"{path}: not a regular file ({kind(info.st_mode)}): must be the run's time series")
    size = info.st_size
    if size > MAX_TIMESERIES_BYTES:
        raise ResultsError(f"{path}: {size:,} bytes: larger than any run writes; not a run's time series")
    try:
        ts = pd.read_parquet(path)
    except (OSError, ValueError, pyarrow.ArrowException) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ResultsError(f"{path}: not a readable Parquet file ({reason}); rerun the scenario") from None
    columns = {"week": pd.api.types.is_integer_dtype, "value": pd.api.types.is_float_dtype}
    columns |= dict.fromkeys(("good", "variable"), _is_text)
    for column, ok in columns.items():
        if column not in ts.columns:
            raise ResultsError(f"{path}: no column '{column}': must have columns week, good, variable, value")
        if not ok(ts[column]):
            raise ResultsError(f"{path}: column '{column}' holds {ts[column].dtype}: wrong type for a time series")
    if ts.duplicated(["week", "good", "variable"]).any():
        raise ResultsError(f"{path}: a (week, good, variable) appears twice: damaged; rerun the scenario")
    per_good = set(ts.loc[ts["good"] != "", "variable"])
    per_week = set(ts.loc[ts["good"] == "", "variable"])
    for name, have in [*((n, per_good) for n in PLOTTED_GOOD_SERIES), *((n, per_week) for n in PLOTTED_WEEK_SERIES)]:
        if name not in have:
            raise ResultsError(f"{path}: no series '{name}': must hold every series a run records")
    pairs = set(map(tuple, ts.loc[ts["good"] != "", ["variable", "good"]].drop_duplicates().to_numpy()))
    for name in PLOTTED_GOOD_SERIES:
        missing = [g for g in goods if (name, g) not in pairs]
        if missing:
            raise ResultsError(f"{path}: no {name} series for consumer good {show(missing[0])} named in {SUMMARY_FILE}")
    plotted = ts[ts["variable"].isin([*PLOTTED_GOOD_SERIES, *PLOTTED_WEEK_SERIES])]
    finite = np.isfinite(plotted["value"].to_numpy(dtype=float))
    empty = sorted(set(plotted["variable"]) - set(plotted.loc[finite, "variable"]))
    if empty:
        raise ResultsError(f"{path}: series '{empty[0]}' holds no finite number: damaged; rerun the scenario")
    return ts


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) and all(isinstance(v, str) for v in column.head(1000))


#: What ``councils decisions`` reads of each year's decision: key → (accepted types, required).
NUMBER = (int, float)
DECISION_SCHEMA = {
    "year": ((int,), True),
    "week": ((int,), True),
    "how": ((str,), True),
    "variants": ((list,), True),
    "result": ((int, type(None)), False),
    "aggregation": ((str,), False),
    "rule": ((str,), False),
    "in_force": ((int, type(None)), False),
    "robustness": ((dict, type(None)), False),
    "first_preferences": ((list, type(None)), False),
    "assemblies": ((list,), False),
    "proposals": ((list,), False),
    "methods": ((dict, type(None)), False),
    "delegates": ((dict, type(None)), False),
}
VARIANT_SCHEMA = {
    key: (NUMBER, True)
    for key in (
        "hours_per_week",
        "private_share",
        "investment_share",
        "public_share",
        "consumption_per_person",
        "consumption_in_5_years",
        "consumption_growth",
    )
} | {"offered": ((bool,), True), "bottlenecks": ((list,), True)}
PROPOSAL_SCHEMA = {
    "good": ((str,), True),
    "capacity": (NUMBER, True),
    "status": ((str,), True),
    "implies": ((dict,), True),
}
DELEGATE_SCHEMA = {key: ((int,), True) for key in ("elected", "recalled", "rotated", "moved")}
#: What ``councils decisions`` reads of how firm a year's decision was (``voting_rules.robustness``).
ROBUSTNESS_SCHEMA = {
    "runner_up": ((int, type(None)), True),
    "margin": (NUMBER, True),
    "margin_share": (NUMBER, True),
    "condorcet_winner": ((int, type(None)), True),
    "smith_set": ((list,), True),
    "rules": ((dict,), True),
    "agree": ((bool,), True),
    "direct": ((dict,), True),
    "differs": ((dict,), True),
}
#: The ways a decision is reached and the ways votes are added up (``sim.views.decision_table``).
HOW = ("majority", "cycle", "not condorcet", "no variant within capacity")
AGGREGATIONS = ("persons", "assemblies")


def read_decisions(run_dir: Path) -> list[dict]:
    """The yearly decisions of a saved run (``decisions.json``), checked against what the table prints.

    Raises
    ------
    ResultsError
        Not a results directory; the file missing, not a regular file, too large, nested too
        deep or not JSON; or a decision missing a key the table reads, or holding a value of
        the wrong type or out of range. The message names the file, the year's position and
        the key.
    """
    path = Path(run_dir) / DECISIONS_FILE
    if not Path(run_dir).is_dir() or not (Path(run_dir) / SUMMARY_FILE).is_file():
        raise ResultsError(f"{run_dir}: not a results directory (no {SUMMARY_FILE}); run a scenario first")
    if not os.path.lexists(path):
        raise ResultsError(f"{path}: missing: the run was saved by an older councils; rerun the scenario")
    decisions = read_json(path, MAX_DECISIONS_BYTES, "a run's decisions", "rerun the scenario")
    if not isinstance(decisions, list):
        raise ResultsError(f"{path}: holds {type(decisions).__name__}, not a list of yearly decisions: damaged")
    for k, decision in enumerate(decisions):
        _check_decision(decision, f"{path}: decision [{k}]")
    return decisions


def _check_decision(d, where: str):
    """Refuse a year's decision that lacks what the table prints, or holds it with the wrong type or out of range."""
    _check_fields(d, DECISION_SCHEMA, where)
    variants = d["variants"]
    for k, v in enumerate(variants):
        _check_fields(v, VARIANT_SCHEMA, f"{where}, variants[{k}]")
        _check_list(v["bottlenecks"], (str,), f"{where}, variants[{k}].bottlenecks")
    result = d.get("result")
    if result is not None and not 0 <= result < len(variants):
        raise ResultsError(f"{where}: result = {show(result)}: not the position of one of its {len(variants)} variants")
    if d["how"] not in HOW:
        raise ResultsError(f"{where}: how = {show(d['how'])}: must be one of {', '.join(HOW)}")
    if result is not None and d.get("aggregation") not in AGGREGATIONS:
        raise ResultsError(f"{where}: aggregation = {show(d.get('aggregation'))}: must be persons or assemblies")
    first = d.get("first_preferences")
    if first is not None:
        _check_list(first, (int,), f"{where}, first_preferences")
        if len(first) != len(variants):
            raise ResultsError(f"{where}: first_preferences has {len(first)} entries for {len(variants)} variants")
    for k, assembly in enumerate(d.get("assemblies", [])):
        choice = assembly.get("choice") if isinstance(assembly, dict) else None
        if not _is(choice, (int,)) or not 0 <= choice < len(variants):
            raise ResultsError(f"{where}, assemblies[{k}]: choice = {show(choice)}: not the position of a variant")
    for k, proposal in enumerate(d.get("proposals", [])):
        _check_fields(proposal, PROPOSAL_SCHEMA, f"{where}, proposals[{k}]")
        implies = proposal["implies"]
        if not all(isinstance(g, str) and _is(q, NUMBER) for g, q in implies.items()):
            raise ResultsError(f"{where}, proposals[{k}].implies: must map goods to numbers")
    methods = d.get("methods") or {}
    if not all(isinstance(g, str) and _is(q, NUMBER) for g, q in methods.items()):
        raise ResultsError(f"{where}, methods: must map goods to numbers")
    if d.get("delegates"):
        _check_fields(d["delegates"], DELEGATE_SCHEMA, f"{where}, delegates")
    if d.get("robustness"):
        _check_robustness(d["robustness"], len(variants), f"{where}, robustness")


def _check_robustness(r, variants: int, where: str):
    """Refuse a robustness row whose variants are not positions on the ballot, or whose rules' map is not one."""
    _check_fields(r, ROBUSTNESS_SCHEMA, where)
    named = [r["runner_up"], r["condorcet_winner"], *r["smith_set"], *r["rules"].values(), *r["direct"].values()]
    for k in named:
        if k is not None and not (_is(k, (int,)) and 0 <= k < variants):
            raise ResultsError(f"{where}: {show(k)} is not the position of one of its {variants} variants")
    if not all(isinstance(name, str) and isinstance(d, bool) for name, d in r["differs"].items()):
        raise ResultsError(f"{where}, differs: must map rules to true or false")


def _is(value, kinds) -> bool:
    """Whether ``value`` is one of ``kinds``, a bool counting only where ``bool`` is named."""
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _check_fields(obj, schema: dict, where: str):
    """Refuse ``obj`` unless it is a JSON object with every required key of ``schema``, each of its types."""
    if not isinstance(obj, dict):
        raise ResultsError(f"{where}: holds {type(obj).__name__}, not a JSON object: damaged; rerun the scenario")
    for key, (kinds, required) in schema.items():
        if key not in obj:
            if required:
                raise ResultsError(f"{where}: missing key '{key}': damaged or from another version; rerun the scenario")
            continue
        if not _is(obj[key], kinds):
            allowed = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise ResultsError(f"{where}: {key} = {show(obj[key])}: must be {allowed}; damaged, rerun the scenario")


def _check_list(values: list, kinds, where: str):
    """Refuse a list holding anything but ``kinds``."""
    bad = [v for v in values if not _is(v, kinds)][:1]
    if bad:
        raise ResultsError(f"{where}: holds {show(bad[0])}: must be a list of {kinds[0].__name__}")
