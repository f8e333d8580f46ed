"""``councils analyse`` reads only finished sweeps, checked before anything is computed (issue 25).

It takes the sweep's lock (a sweep running in another process holds it: the analysis is
refused, naming that process); it refuses a ``runs.parquet`` with a run repeated, a factor
that is not a finite number, no ``weeks``, a ``converged`` that is missing in a finished run,
and a ``sweep.json`` whose parameters or sample are not what a sweep writes; a missing
optional library skips its part with a note. Every refusal: exit status 2, one line,
nothing written.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_call import call
from cli_forkserver import one_line

from sim.analysis.analyse import ANALYSIS_DIR
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_store import META_FILE, RUNS_FILE, compact, prepare, write_part
from sim.storage.locks import lock_path

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"


def sweep_file(path: Path, n: int = 40, population: int = 300, years: float = 0.5) -> Path:
    path.write_text(
        f'name = "lhs"\nbase = "{BASELINE}"\nseed = 3\n[sample]\nmethod = "lhs"\nn = {n}\n[sample.ranges]\n'
        '"prices.response" = [0.25, 3.25]\n"readjustment.rebuild_weeks" = [1.0, 16.0]\n[set]\n'
        f'"population.consumers" = {population}\n"population.councils" = 20\n"population.communes" = 0\n'
        f"years = {years}\n",
        encoding="utf-8",
    )
    return path


def finished(out: Path, file: Path) -> pd.DataFrame:
    """A finished sweep of ``file`` whose rows the test writes: a run converges where the price responds weakly."""
    sweep = load_sweep(file)
    prepare(out, sweep, resume=False)
    rows = [
        {"run_id": r.run_id, "replicate": r.replicate, "seed": r.seed, **r.params, "scenario": "baseline"}
        | {"weeks": 26, "converged": r.params["prices.response"] < 1.5, "error": None}
        | {
            "converged_week": 5 if r.params["prices.response"] < 1.5 else None,
            "wage_gini_final": r.params["prices.response"],
        }
        for r in sweep.runs
    ]
    write_part(out, rows)
    return compact(out, [r.run_id for r in sweep.runs])


@pytest.fixture
def sweep_dir(tmp_path) -> Path:
    out = tmp_path / "sweep"
    finished(out, sweep_file(tmp_path / "s.toml"))
    return out


def listing(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def refused(sweep_dir: Path, *phrases: str, outcomes=("converged",)) -> str:
    before = listing(sweep_dir.parent)
    rc, out, err = call(["analyse", str(sweep_dir), "--outcome", *outcomes])
    assert rc == 2, err
    line = one_line(err)
    for phrase in phrases:
        assert phrase in line, line
    assert out == "" and len(line) <= 300
    assert listing(sweep_dir.parent) == before  # no analysis/, no lock left
    return line


def edit_runs(sweep_dir: Path, edit):
    path = sweep_dir / RUNS_FILE
    edit(pd.read_parquet(path)).to_parquet(path, index=False)


def edit_meta(sweep_dir: Path, edit):
    path = sweep_dir / META_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    edit(meta)
    path.write_text(json.dumps(meta), encoding="utf-8")


# --- a sweep still running ----------------------------------------------------------------------------------


def test_a_sweep_running_in_another_process_is_not_analysed_and_its_pid_is_named(forkserver, tmp_path):
    """The audit's case: 3 runs of an eventual 16 were analysed, and a stale analysis/ left behind."""
    file = sweep_file(tmp_path / "s.toml", n=4, population=3000, years=1.0)
    out = tmp_path / "sweep"
    finished(out, file)  # runs.parquet of a first part of the sweep is there
    pid = forkserver.start(
        ["sweep", str(file), "--resume", "--replicates", "3", "--workers", "1", "--out", out], tmp_path
    )
    try:
        deadline = time.monotonic() + 60
        while not lock_path(out).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lock_path(out).exists(), "the sweep never took its lock"
        rc, stdout, err = call(["analyse", str(out), "--outcome", "converged"])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        forkserver.finish(timeout=60)
    assert rc == 2 and stdout == ""
    line = one_line(err)
    assert f"the sweep is still running (pid {pid} on " in line and "analyse it once it has finished" in line
    assert not (out / ANALYSIS_DIR).exists()


# --- runs.parquet ------------------------------------------------------------------------------------------


def test_a_run_repeated_50_times_is_refused(sweep_dir):
    edit_runs(sweep_dir, lambda runs: pd.concat([runs, *[runs.head(1)] * 50], ignore_index=True))
    refused(sweep_dir, str(sweep_dir / RUNS_FILE), "appears 51 times (one row per run)")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_factor_that_is_not_finite_is_refused(sweep_dir, bad):
    def damage(runs):
        runs.loc[4, "prices.response"] = bad
        return runs

    edit_runs(sweep_dir, damage)
    refused(sweep_dir, "prices.response holds NaN or an infinity in a finished run")


def test_no_weeks_column_is_refused(sweep_dir):
    edit_runs(sweep_dir, lambda runs: runs.drop(columns="weeks"))
    refused(sweep_dir, "no weeks column", outcomes=("converged_week",))


def test_a_nullable_converged_with_a_missing_value_is_refused(sweep_dir):
    def damage(runs):
        converged = runs["converged"].astype("boolean")
        converged.iloc[2] = pd.NA
        return runs.assign(converged=converged)

    edit_runs(sweep_dir, damage)
    refused(sweep_dir, "converged is not true or false in every finished run")


def test_a_parameter_that_runs_parquet_lacks_is_refused(sweep_dir):
    edit_runs(sweep_dir, lambda runs: runs.drop(columns="readjustment.rebuild_weeks"))
    refused(sweep_dir, "no column 'readjustment.rebuild_weeks', a parameter sweep.json says the sweep varied")


# --- sweep.json ----------------------------------------------------------------------------------------------


def test_parameters_that_are_a_string_are_refused_not_read_letter_by_letter(sweep_dir):
    """The audit's case: "no numeric factor varies" when two did."""
    edit_meta(sweep_dir, lambda meta: meta.update(parameters="prices.response"))
    refused(sweep_dir, str(sweep_dir / META_FILE), "parameters = 'prices.response': must be a list of key paths")


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (lambda sample: sample.pop("ranges"), "sample.ranges: must be a table"),
        (lambda sample: sample.update(ranges={"prices.response": "wide"}), "sample.ranges.prices.response = 'wide'"),
        (lambda sample: sample.update(ranges={"prices.response": 5}), "sample.ranges.prices.response = 5"),
        (lambda sample: sample.update(n="many"), "sample.n = 'many'"),
        (lambda sample: sample.update(method=["lhs"]), "sample.method = ['lhs']"),
    ],
    ids=["no-ranges", "text-range", "number-range", "text-n", "list-method"],
)
def test_a_sample_that_a_sweep_file_could_not_have_is_refused(sweep_dir, edit, phrase):
    edit_meta(sweep_dir, lambda meta: edit(meta["definition"]["sweep"]["sample"]))
    refused(sweep_dir, str(sweep_dir / META_FILE), phrase, "rerun the sweep")


def test_a_sweep_json_nested_100000_deep_is_refused(sweep_dir):
    (sweep_dir / META_FILE).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    refused(sweep_dir, "nested more than 64 deep")


# --- a missing optional library --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "part", "entry", "kept"),
    [("prim", "PRIM", "prim", "feature_scores"), ("sklearn.ensemble", "feature scores", "feature_scores", "prim")],
)
def test_a_missing_optional_library_skips_its_part_with_a_note(sweep_dir, monkeypatch, module, part, entry, kept):
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    rc, out, err = call(["analyse", str(sweep_dir), "--outcome", "converged", "wage_gini_final"])
    assert rc == 0, err
    assert f"councils: note: {part} skipped: " in err and "pip install 'councils[analysis]'" in err
    result = json.loads((sweep_dir / ANALYSIS_DIR / "analysis.json").read_text(encoding="utf-8"))
    assert all("skipped" in v and module.split(".")[0] in v["skipped"] for v in result[entry].values())
    assert any("skipped" not in v for v in result[kept].values())
    assert "written:" in out


def test_a_sweep_file_with_a_range_that_is_a_number_is_refused_in_one_line(tmp_path):
    """The sample's check, shared by the sweep and its analysis, iterated over a number before checking its type."""
    file = sweep_file(tmp_path / "s.toml")
    file.write_text(file.read_text(encoding="utf-8").replace("[0.25, 3.25]", "5"), encoding="utf-8")
    rc, _, err = call(["sweep", str(file), "--out", str(tmp_path / "out")])
    assert rc == 2 and "sample.ranges.prices.response = 5: must be [low, high]" in one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]
