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
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow

from sim.run.scenario import Scenario
from sim.storage.atomic import install_dir, temporary_name
from sim.storage.files import FileRefused, read_text

SUMMARY_FILE = "summary.json"
TIMESERIES_FILE = "timeseries.parquet"
#: What ``plot`` and ``compare`` read of ``summary.json``: key → accepted types.
SUMMARY_SCHEMA = {
    "scenario": (str,),
    "seed": (int,),
    "weeks": (int,),
    "converged": (bool,),
    "converged_week": (int, type(None)),
    "stock_tolerance": (int, float),
    "fulfilment_tolerance": (int, float),
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
        timeseries.to_parquet(tmp / TIMESERIES_FILE, index=False)
        (tmp / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.toml").write_text(scenario_to_toml(model.conditions), encoding="utf-8")
        log = pd.DataFrame(
            model.record.price_log, columns=["week", "good", "old_p_over_v", "new_p_over_v", "stock_ratio"]
        )
        log["good"] = [model.technology.names[g] for g in log["good"]]
        log.to_csv(tmp / "price_log.csv", index=False)
        (tmp / DECISIONS_FILE).write_text(json.dumps(model.record.decisions, indent=1) + "\n", encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest(), indent=2) + "\n", encoding="utf-8")
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
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such results directory")
    summary_path = run_dir / SUMMARY_FILE
    if not summary_path.exists():
        raise ResultsError(f"{run_dir}: not a results directory (no {SUMMARY_FILE})")
    summary = _read_summary(summary_path)
    return summary, _read_timeseries(run_dir / TIMESERIES_FILE, summary["consumer_goods"])


def _read_summary(path: Path) -> dict:
    try:
        summary = json.loads(read_text(path, MAX_SUMMARY_BYTES, "a run's summary"))
    except FileRefused as err:
        raise ResultsError(str(err)) from None
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path}: not valid JSON ({err}): damaged or truncated; rerun the scenario") from None
    if not isinstance(summary, dict):
        raise ResultsError(f"{path}: holds {type(summary).__name__}, not a JSON object: damaged; rerun the scenario")
    for key, kinds in SUMMARY_SCHEMA.items():
        if key not in summary:
            raise ResultsError(f"{path}: missing key '{key}': damaged or from another version; rerun the scenario")
        value = summary[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            allowed = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise ResultsError(f"{path}: {key} = {value!r}: must be {allowed}; damaged, rerun the scenario")
    goods = summary["consumer_goods"]
    if not goods or not all(isinstance(g, str) for g in goods):
        raise ResultsError(f"{path}: consumer_goods = {goods!r}: must be a non-empty list of sector codes")
    if summary["weeks"] < 1:
        raise ResultsError(f"{path}: weeks = {summary['weeks']}: must be ≥ 1")
    return summary


def _read_timeseries(path: Path, goods: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise ResultsError(f"{path}: missing or not a regular file: the run's time series; rerun the scenario")
    size = path.stat().st_size
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
    priced = set(ts.loc[ts["variable"] == "price", "good"])
    missing = [g for g in goods if g not in priced]
    if missing:
        raise ResultsError(f"{path}: no price series for consumer good {missing[0]!r} named in {SUMMARY_FILE}")
    return ts


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) and all(isinstance(v, str) for v in column.head(1000))


def read_decisions(run_dir: Path) -> list[dict]:
    """The yearly decisions of a saved run (``decisions.json``), checked enough to print them."""
    path = Path(run_dir) / DECISIONS_FILE
    if not Path(run_dir).is_dir() or not (Path(run_dir) / SUMMARY_FILE).is_file():
        raise ResultsError(f"{run_dir}: not a results directory (no {SUMMARY_FILE}); run a scenario first")
    if not path.is_file():
        raise ResultsError(f"{path}: missing: the run was saved by an older councils; rerun the scenario")
    try:
        decisions = json.loads(read_text(path, MAX_DECISIONS_BYTES, "a run's decisions"))
    except FileRefused as err:
        raise ResultsError(str(err)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: not valid JSON ({err}): damaged; rerun the scenario") from None
    if not isinstance(decisions, list) or not all(isinstance(d, dict) and "variants" in d for d in decisions):
        raise ResultsError(f"{path}: not a list of yearly decisions: damaged; rerun the scenario")
    return decisions
