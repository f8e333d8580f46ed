"""Results on disk: one directory per run, written atomically.

``results/<scenario>-<seed>/`` holds ``timeseries.parquet`` (tidy: week, good, variable,
value; ``good`` is empty for per-week series), ``summary.json``, ``scenario.toml`` (the
scenario as run, overrides applied), ``price_log.csv`` (every logged price change with
its cause) and ``manifest.json`` (versions, git commit, time). The directory is built
under a temporary name and renamed into place, so a killed run leaves either a
complete result or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.scenario import Scenario

SUMMARY_FILE = "summary.json"
TIMESERIES_FILE = "timeseries.parquet"


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text that :func:`sim.scenario.load_scenario` reads back unchanged."""
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


def write_run(out_dir: Path, model, summary: dict) -> Path:
    """Write one run's results into ``out_dir`` atomically; return the directory."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.{os.getpid()}.{secrets.token_hex(4)}"
    tmp.mkdir()  # not tempfile.mkdtemp: its mode 0700 would ignore the umask
    try:
        model.record.timeseries().to_parquet(tmp / TIMESERIES_FILE, index=False)
        (tmp / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.toml").write_text(scenario_to_toml(model.conditions), encoding="utf-8")
        log = pd.DataFrame(
            model.record.price_log, columns=["week", "good", "old_p_over_v", "new_p_over_v", "stock_ratio"]
        )
        log["good"] = [model.technology.names[g] for g in log["good"]]
        log.to_csv(tmp / "price_log.csv", index=False)
        (tmp / "manifest.json").write_text(json.dumps(manifest(), indent=2) + "\n", encoding="utf-8")
        _replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def check_out_dir(out_dir: Path):
    """Refuse an ``out_dir`` that exists and is not a results directory (it would be replaced)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not (out_dir / SUMMARY_FILE).is_file():
        raise FileExistsError(f"{out_dir}: exists and is not a results directory; not replacing it")


def _replace_dir(new: Path, target: Path):
    """Put ``new`` at ``target``; an older result there is moved aside first, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_run(run_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The summary and the tidy time series of a saved run."""
    run_dir = Path(run_dir)
    summary_path = run_dir / SUMMARY_FILE
    if not summary_path.exists():
        raise FileNotFoundError(f"{run_dir}: not a results directory (no {SUMMARY_FILE})")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return summary, pd.read_parquet(run_dir / TIMESERIES_FILE)
