"""A sweep's directory: its definition, the Parquet parts of finished runs, and ``runs.parquet``.

``sweep.json`` records the sweep's definition (the sweep file as parsed, its scenario files,
``--years`` and the replicates) and its hash before the first run starts, so ``--resume``
can refuse a changed sweep and say what changed. Finished runs arrive in parts; a part that
cannot be read is set aside (renamed ``*.corrupt``) and its runs run again. Every file is
written under a temporary name and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pandas as pd
import pyarrow

from sim.run.scenario import ScenarioError
from sim.storage.files import FileRefused, check_nesting, read_text, shorten, show
from sim.storage.writes import WriteRefused, clear_temporaries, real_directory, refuse_link, replacing, write_text

PARTS_DIR = "parts"
RUNS_FILE = "runs.parquet"
META_FILE = "sweep.json"
#: Where every run's time series goes when the sweep keeps them.
TIMESERIES_DIR = "timeseries"
#: The largest ``sweep.json`` read, bytes.
MAX_META_BYTES = 64 << 20
#: The largest part read, bytes (a part holds a batch of at most a few runs' rows).
MAX_PART_BYTES = 256 << 20


def definition_hash(definition: dict) -> str:
    """SHA-256 of a definition's canonical JSON, without the replicates (more replicates extend a sweep)."""
    body = {k: v for k, v in definition.items() if k != "replicates"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def definition_changes(old: dict, new: dict) -> list[str]:
    """What differs between two definitions, as short phrases (empty if the sweep is the same).

    More replicates are not a change (the finished runs keep their ``run_id``); fewer are,
    since ``runs.parquet`` would then leave finished runs out.
    """
    changes = [
        f"sweep file {key}: {_show(a)} → {_show(b)}"
        for key, (a, b) in _flat_diff(old.get("sweep", {}), new["sweep"]).items()
    ]
    old_bases, new_bases = old.get("scenarios", {}), new["scenarios"]
    for name in sorted(set(old_bases) | set(new_bases)):
        if name not in new_bases or name not in old_bases:
            changes.append(f"scenario file {show(name)} {'removed' if name not in new_bases else 'added'}")
            continue
        changes += [
            f"scenario file {show(name)}: {key}: {_show(a)} → {_show(b)}"
            for key, (a, b) in _flat_diff(old_bases[name], new_bases[name]).items()
        ]
    if old.get("years") != new["years"]:
        changes.append(f"--years: {_show(old.get('years'))} → {_show(new['years'])}")
    if new["replicates"] < old.get("replicates", 0):
        changes.append(f"replicates: {old['replicates']} → {new['replicates']} (fewer would leave finished runs out)")
    return changes


def check_out(out_dir: Path, sweep, resume: bool):
    """Refuse an ``out_dir`` that cannot take ``sweep`` (reads only; safe to call before anything starts).

    Raises
    ------
    ScenarioError
        ``out_dir`` is not a sweep directory; holds an earlier sweep and ``resume`` is off;
        or ``resume`` is on and the sweep's definition changed (naming what changed).
    """
    out_dir = Path(out_dir)
    meta = out_dir / META_FILE
    try:
        refuse_link(out_dir, "--out")
        for sub in (PARTS_DIR, TIMESERIES_DIR):
            refuse_link(out_dir / sub, "sweep directory's")
    except WriteRefused as err:
        raise ScenarioError(str(err)) from None
    if out_dir.exists() and not out_dir.is_dir():
        raise ScenarioError(f"{out_dir}: exists and is not a directory")
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    if not meta.exists():
        parts = (out_dir / PARTS_DIR).exists()
        what = "holds parts but no sweep.json (an older version wrote it)" if parts else "is not a sweep"
        raise ScenarioError(f"{out_dir}: exists and {what}: not writing into it; choose another --out")
    if not resume:
        raise ScenarioError(f"{out_dir}: holds results of an earlier sweep: use --resume, or another --out")
    changes = definition_changes(_read_meta(meta).get("definition", {}), sweep.definition)
    if changes:
        more = f" (and {len(changes) - 3} more)" if len(changes) > 3 else ""
        raise ScenarioError(
            f"{out_dir}: --resume of a different sweep: {'; '.join(changes[:3])}{more}; "
            "undo the change or use another --out"
        )


def prepare(out_dir: Path, sweep, resume: bool, notice=None) -> set[str]:
    """Check ``out_dir`` can take ``sweep`` (:func:`check_out`), record its definition; return the runs done."""
    check_out(out_dir, sweep, resume)
    try:
        real_directory(out_dir, "--out")
    except WriteRefused as err:
        raise ScenarioError(str(err)) from None
    for directory in (out_dir / PARTS_DIR, out_dir / TIMESERIES_DIR, out_dir):
        clear_temporaries(directory)  # half-written files of a sweep that was killed (we hold its lock)
    write_meta(out_dir, sweep)
    return done_run_ids(out_dir, notice)


def write_meta(out_dir: Path, sweep):
    """Write ``sweep.json`` atomically: the sweep file, its name, swept parameters, definition and its hash."""
    meta = {
        "sweep": str(sweep.path),
        "name": sweep.name,
        "parameters": sweep.parameters,
        "definition_hash": definition_hash(sweep.definition),
        "definition": sweep.definition,
    }
    _replace_text(Path(out_dir) / META_FILE, json.dumps(meta, indent=2, sort_keys=False) + "\n")


def done_run_ids(out_dir: Path, notice=None) -> set[str]:
    """The ``run_id`` of every run already written under ``out_dir``; unreadable parts are set aside."""
    ids = set()
    for part in readable_parts(out_dir, notice):
        ids.update(pd.read_parquet(part, columns=["run_id"])["run_id"])
    return ids


def readable_parts(out_dir: Path, notice=None) -> list[Path]:
    """The finished parts that can be read; any other is renamed ``<name>.corrupt`` and named to ``notice``."""
    parts = Path(out_dir) / PARTS_DIR
    good = []
    for part in sorted(parts.glob("*.parquet")) if parts.exists() else []:
        try:
            _check_part(part)
        except (OSError, ValueError, KeyError, pyarrow.ArrowException) as err:
            aside = part.with_suffix(".corrupt")
            part.replace(aside)
            if notice is not None:
                reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
                notice(f"{part}: unreadable ({reason}); set aside as {aside.name}, its runs will run again")
            continue
        good.append(part)
    return good


def _check_part(part: Path):
    """Refuse a part that is not a regular file of at most :data:`MAX_PART_BYTES`, or whose runs are not a sweep's.

    A part's rows each have a ``run_id`` (text, once) and an ``error`` (empty for a finished run).

    Raises
    ------
    ValueError
        Naming what is wrong.
    """
    info = part.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    if info.st_size > MAX_PART_BYTES:
        raise ValueError(f"{info.st_size:,} bytes, larger than any part a sweep writes")
    rows = pd.read_parquet(part, columns=["run_id", "error"])
    ids = rows["run_id"]
    if not all(isinstance(i, str) for i in ids):
        raise ValueError("run_id is not text")
    if ids.duplicated().any():
        raise ValueError("a run_id appears twice")
    if not all(isinstance(e, str) for e in rows["error"].dropna()):
        raise ValueError("error is not text")


def write_part(out_dir: Path, rows: list[dict]):
    """Write the rows of a finished batch as one part, atomically (never through a link)."""
    parts = real_directory(Path(out_dir) / PARTS_DIR, "sweep directory's")
    name = hashlib.sha1("".join(sorted(r["run_id"] for r in rows)).encode()).hexdigest()[:16]
    with replacing(parts / f"{name}.parquet", "sweep part") as file:
        text_where_mixed(pd.DataFrame(rows)).to_parquet(file, index=False)


def text_where_mixed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column that mixes text and numbers as text: a Parquet column holds one type.

    A grid over a key that takes a number or a word (``"population.councils" = ["auto", 40]``)
    gives such a column; ``40`` becomes ``"40"``, missing values stay missing.
    """
    for name in frame.columns:
        if not pd.api.types.is_object_dtype(frame[name].dtype):
            continue
        kinds = {type(v) for v in frame[name].dropna()}
        if str in kinds and len(kinds) > 1:
            frame[name] = frame[name].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return frame


def compact(out_dir: Path, run_order: list[str], notice=None) -> pd.DataFrame:
    """Merge the parts into ``runs.parquet``, one row per run, in the sweep's own order."""
    parts = readable_parts(out_dir, notice)
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()
    if frame.empty:
        return frame
    order = {run_id: k for k, run_id in enumerate(run_order)}
    frame = frame[frame["run_id"].isin(order)]  # parts of runs that are not this sweep's stay out
    frame = frame.drop_duplicates("run_id", keep="last")
    frame = frame.assign(_order=frame["run_id"].map(order)).sort_values("_order").drop(columns="_order")
    frame = frame.reset_index(drop=True)
    frame = text_where_mixed(frame)
    with replacing(Path(out_dir) / RUNS_FILE, "sweep's runs") as file:
        frame.to_parquet(file, index=False)
    return frame


def _read_meta(path: Path) -> dict:
    """``sweep.json``, read with a size and a depth limit; a damaged one is one line."""
    try:
        text = read_text(path, MAX_META_BYTES, "a sweep's definition")
        check_nesting(text, path, "a sweep's definition")
        meta = json.loads(text)
    except FileRefused as err:
        raise ScenarioError(f"{err}: cannot tell which sweep this is; use another --out") from None
    except ValueError as err:
        reason = shorten(str(err).splitlines()[0] if str(err).strip() else type(err).__name__, 100)
        raise ScenarioError(
            f"{path}: unreadable ({reason}): cannot tell which sweep this is; use another --out"
        ) from None
    if not isinstance(meta, dict):
        raise ScenarioError(f"{path}: not a JSON object: cannot tell which sweep this is; use another --out")
    return meta


def _replace_text(path: Path, text: str):
    write_text(path, text, "sweep's definition")


def _flat_diff(old, new, prefix: str = "") -> dict[str, tuple]:
    """Key paths whose values differ between two nested tables: path → (old, new)."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return {} if old == new else {prefix or "(all)": (old, new)}
    out = {}
    for key in sorted(set(old) | set(new), key=str):
        out |= _flat_diff(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
    return out


def _show(value) -> str:
    text = "not set" if value is None else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"
