"""Sweeps (``sim.experiments.sweep``, ``councils sweep``): expansion, validation, executors, failures, resume,
figures, CLI.

Every sweep here is tiny (500 consumers, 20 councils, no communes, a few weeks) and is written
under ``tmp_path`` with its ``base`` pointing at the shipped ``scenarios/baseline.toml``. Most
sweeps run in-process on a ``ThreadPoolExecutor``. Importing Mesa sets the multiprocessing start
method to "spawn" for the whole process (``mesa/batchrunner.py``), so every process pool here
(ours and the CLI's) spawns fresh workers that import the model again: about 2 s each, which is
why few tests use one. One test starts ``python -m sim sweep`` in a subprocess and kills it with
SIGKILL to check ``--resume``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim.experiments.sweep
import sim.model
from sim.experiments import designs
from sim.experiments.sweep import PARTS_DIR, RUNS_FILE, compact, done_run_ids, load_sweep, run_sweep
from sim.run.scenario import ScenarioError, field_type
from sim.views.cli import main
from sim.views.sweep_plots import compare_conditions, draw_sweep, regime_paths

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
SMALL = {
    "population.consumers": 500,
    "population.councils": 20,
    "population.communes": 0,
    "years": 0.1,  # 5 weeks
}
SUMMARY_FIELDS = [
    "converged",
    "converged_week",
    "final_price_value_gap",
    "final_stock_gap",
    "peak_unmet_share",
    "wage_gini_final",
    "income_gini_final",
    "consumption_gini_final",
]
NONDETERMINISTIC = ["runtime_s", "traceback"]


# --- helpers -------------------------------------------------------------------------------------------


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def write_sweep(
    path: Path,
    *,
    base: Path | str | None = BASELINE,
    scenarios: list | None = None,
    grid: dict | None = None,
    sample: dict | None = None,
    ranges: dict | None = None,
    overrides: dict | None = None,
    seed: int | None = 3,
    replicates: int | None = 1,
    name: str | None = None,
    top: str = "",
) -> Path:
    """Write a sweep TOML file; ``overrides`` go in ``[set]`` on top of :data:`SMALL`."""
    lines = [top] if top else []
    if name is not None:
        lines.append(f"name = {_toml(name)}")
    if scenarios is not None:
        lines.append(f"scenarios = {_toml([str(s) for s in scenarios])}")
    elif base is not None:
        lines.append(f"base = {_toml(str(base))}")
    if seed is not None:
        lines.append(f"seed = {seed}")
    if replicates is not None:
        lines.append(f"replicates = {replicates}")
    if grid:
        lines.append("[grid]")
        lines += [f"{json.dumps(k)} = {_toml(v)}" for k, v in grid.items()]
    if sample is not None:
        lines.append("[sample]")
        lines += [f"{k} = {_toml(v)}" for k, v in sample.items()]
        if ranges:
            lines.append("[sample.ranges]")
            lines += [f"{json.dumps(k)} = {_toml(v)}" for k, v in ranges.items()]
    lines.append("[set]")
    lines += [f"{json.dumps(k)} = {_toml(v)}" for k, v in {**SMALL, **(overrides or {})}.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_runs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / RUNS_FILE)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """``runs.parquet`` without the columns that legitimately differ between two runs of a sweep."""
    return frame.drop(columns=[c for c in NONDETERMINISTIC if c in frame])


def part_files(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every finished part: name → (bytes, mtime in ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((out / PARTS_DIR).glob("*.parquet"))}


def run_in_threads(sweep, out: Path, workers: int = 1, **kw) -> pd.DataFrame:
    with ThreadPoolExecutor(max_workers=workers) as executor:
        return run_sweep(sweep, out, executor, **kw)


def sweep_cli(file: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", str(file), "--workers", "1", "--out", str(out), *extra]


def expected_seeds(seed: int, n: int) -> list[int]:
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A 6-run sweep (3 grid points × 2 replicates) run on one thread: the rows every executor must give.

    Goods are queued for and run short (a fifth of a week of reserves, no spare capacity, prices held at
    value), so the queue's draws from each run's generator decide who goes without: they too must not depend
    on the executor.
    """
    tmp = tmp_path_factory.mktemp("reference")
    scarce = {
        "consumption.rationing": "queue",
        "readjustment.reserve_weeks": 0.2,
        "plan.capacity_headroom": 0.0,
        "prices.response": 0.0,
    }
    file = write_sweep(
        tmp / "six.toml", grid={"readjustment.rebuild_weeks": [2, 4, 8]}, replicates=2, seed=11, overrides=scarce
    )
    run_in_threads(load_sweep(file), tmp / "out")
    return file, read_runs(tmp / "out")


# --- 1. expansion --------------------------------------------------------------------------------------


def test_grid_times_replicates_expands_in_a_stable_order(tmp_path):
    grid = {"prices.response": [0.5, 2.0], "readjustment.rebuild_weeks": [1, 4, 16]}
    file = write_sweep(tmp_path / "grid.toml", grid=grid, replicates=2, seed=42)
    sweep = load_sweep(file)
    assert len(sweep.runs) == 12
    assert sweep.parameters == ["prices.response", "readjustment.rebuild_weeks"]
    expected = [(a, b, rep) for a in (0.5, 2.0) for b in (1, 4, 16) for rep in (0, 1)]
    got = [(r.params["prices.response"], r.params["readjustment.rebuild_weeks"], r.replicate) for r in sweep.runs]
    assert got == expected
    for run in sweep.runs:
        assert run.params["scenario_file"] == "baseline"
        assert run.scenario["prices"]["response"] == run.params["prices.response"]
        assert run.scenario["readjustment"]["rebuild_weeks"] == run.params["readjustment.rebuild_weeks"]
        assert run.scenario["population"] == {"consumers": 500, "councils": 20, "communes": 0}
        assert run.scenario["years"] == 0.1
        assert run.scenario["seed"] == run.seed
    ids = [r.run_id for r in sweep.runs]
    assert len(set(ids)) == 12
    again = load_sweep(file)
    assert [r.run_id for r in again.runs] == ids
    assert [r.seed for r in again.runs] == [r.seed for r in sweep.runs]


def test_seeds_come_from_the_sweep_seed_by_seed_sequence(tmp_path):
    grid = {"prices.response": [0.5, 1.0, 2.0]}
    sweep = load_sweep(write_sweep(tmp_path / "a.toml", grid=grid, replicates=3, seed=42))
    seeds = expected_seeds(42, 3)
    assert len(set(seeds)) == 3
    for run in sweep.runs:  # the same replicate has the same seed at every grid point
        assert run.seed == seeds[run.replicate]
    other = load_sweep(write_sweep(tmp_path / "b.toml", grid=grid, replicates=3, seed=43))
    assert {r.seed for r in other.runs}.isdisjoint({r.seed for r in sweep.runs})
    assert {r.run_id for r in other.runs}.isdisjoint({r.run_id for r in sweep.runs})
    default = load_sweep(write_sweep(tmp_path / "c.toml", grid=grid, replicates=1, seed=None))
    assert [r.seed for r in default.runs] == expected_seeds(0, 1) * 3  # no seed: seed 0


def test_replicates_and_years_overrides(tmp_path):
    file = write_sweep(tmp_path / "grid.toml", grid={"prices.response": [0.5, 1.0]}, replicates=2)
    two = load_sweep(file)
    three = load_sweep(file, replicates=3)
    assert len(three.runs) == 6
    assert [r.replicate for r in three.runs] == [0, 1, 2] * 2
    # more replicates extend the sweep: the first two keep their seeds and run_ids (so --resume can use them)
    assert {r.run_id for r in two.runs} <= {r.run_id for r in three.runs}
    assert [r.seed for r in three.runs if r.replicate < 2] == [r.seed for r in two.runs]
    longer = load_sweep(file, years=0.25)
    assert [r.scenario["years"] for r in longer.runs] == [0.25] * 4
    assert {r.run_id for r in longer.runs}.isdisjoint({r.run_id for r in two.runs})


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_sample_gives_n_points_within_the_ranges_reproducibly(tmp_path, method):
    ranges = {"prices.response": [0.25, 4.0], "wages.initial_gini": [0.1, 0.6]}
    n = 8
    file = write_sweep(tmp_path / "s.toml", sample={"method": method, "n": n}, ranges=ranges, seed=5)
    sweep = load_sweep(file)
    assert len(sweep.runs) == n
    assert sweep.parameters == sorted(ranges)
    for key, (low, high) in ranges.items():
        values = np.array([r.params[key] for r in sweep.runs])
        assert np.all((values >= low) & (values <= high)), key
        assert len(set(values)) == n, key
        if method == "lhs":  # one point in each of the n strata of every range
            strata = np.floor((values - low) / (high - low) * n).astype(int)
            assert sorted(strata) == list(range(n)), key
    for run in sweep.runs:
        assert run.scenario["prices"]["response"] == run.params["prices.response"]
        assert run.scenario["wages"]["initial_gini"] == run.params["wages.initial_gini"]
    assert [r.params for r in load_sweep(file).runs] == [r.params for r in sweep.runs]
    other = load_sweep(write_sweep(tmp_path / "t.toml", sample={"method": method, "n": n}, ranges=ranges, seed=6))
    assert [r.params for r in other.runs] != [r.params for r in sweep.runs]


def test_sample_times_grid_and_replicates(tmp_path):
    file = write_sweep(
        tmp_path / "s.toml",
        grid={"readjustment.rebuild_weeks": [2, 8]},
        sample={"method": "lhs", "n": 3},
        ranges={"prices.response": [0.5, 2.0]},
        replicates=2,
    )
    sweep = load_sweep(file)
    assert len(sweep.runs) == 2 * 3 * 2
    assert sweep.parameters == ["prices.response", "readjustment.rebuild_weeks"]
    assert len({r.run_id for r in sweep.runs}) == 12


def test_scenarios_list_runs_each_file(tmp_path):
    files = [BASELINE, SCENARIOS / "gradual_equality.toml", SCENARIOS / "poor_information.toml"]
    sweep = load_sweep(write_sweep(tmp_path / "t.toml", scenarios=files, replicates=2))
    assert len(sweep.runs) == 6
    assert [r.params["scenario_file"] for r in sweep.runs] == [f.stem for f in files for _ in range(2)]
    assert [r.scenario["name"] for r in sweep.runs] == [f.stem for f in files for _ in range(2)]
    assert sweep.parameters == []
    gradual = [r for r in sweep.runs if r.params["scenario_file"] == "gradual_equality"]
    assert all(r.scenario["wages"]["equalisation_years"] == 5 for r in gradual)
    assert all(r.scenario["population"]["consumers"] == 500 and r.scenario["years"] == 0.1 for r in sweep.runs)
    assert len({r.run_id for r in sweep.runs}) == 6


def test_scenario_files_are_found_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "mine.toml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sweeps").mkdir()
    sweep = load_sweep(write_sweep(tmp_path / "sweeps" / "rel.toml", base="../scen/mine.toml"))
    assert [r.params["scenario_file"] for r in sweep.runs] == ["mine"]


def test_limit_runs_the_first_runs_in_stable_order(tmp_path, reference):
    file, full = reference
    sweep = load_sweep(file)
    frame = run_in_threads(sweep, tmp_path / "out", limit=4)
    runs = read_runs(tmp_path / "out")
    assert runs["run_id"].tolist() == [r.run_id for r in sweep.runs[:4]]
    pd.testing.assert_frame_equal(comparable(runs), comparable(full.iloc[:4]))
    assert frame["run_id"].tolist() == runs["run_id"].tolist()


def test_shipped_sweep_files_load():
    files = sorted((SCENARIOS / "sweeps").glob("*.toml"))
    assert files
    for file in files:
        spec = tomllib.loads(file.read_text(encoding="utf-8"))
        expected = len(spec.get("scenarios", [spec.get("base")]))
        expected *= math.prod(len(v) for v in spec.get("grid", {}).values())
        sample = spec.get("sample", {})
        if sample.get("method") == "saltelli":  # n × (factors + 2) points, those made equal by rounding run once
            keys = list(sample["ranges"])
            second, groups = sample.get("second_order", False), sample.get("groups", {})
            matrix = designs.saltelli(sample["ranges"], sample["n"], second, groups, spec["seed"])
            rows = designs.rounded(keys, matrix, [field_type(k) is int for k in keys])
            expected *= len({tuple(r.values()) for r in rows})
        else:
            expected *= sample.get("n", 1)
        sweep = load_sweep(file, replicates=1, years=0.1)
        assert len(sweep.runs) == expected, file
        assert len({r.run_id for r in sweep.runs}) == len(sweep.runs), file
        assert all(r.replicate == 0 and r.scenario["years"] == 0.1 for r in sweep.runs), file
        assert load_sweep(file).runs[0].seed == expected_seeds(spec.get("seed", 0), 1)[0], file


# --- 2. validation -------------------------------------------------------------------------------------


def expect_error(file: Path, *needles: str, **kw) -> str:
    with pytest.raises(ScenarioError) as info:
        load_sweep(file, **kw)
    message = str(info.value)
    assert str(file) in message
    for needle in needles:
        assert needle in message
    return message


def test_unknown_top_level_key(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", top="replicate = 3"), "unknown key 'replicate'")


def test_missing_base_and_scenarios(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", base=None), "'base'", "'scenarios'")


def test_grid_value_not_a_list(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", grid={"prices.response": 1.0}), "grid.prices.response")


def test_bad_sample_method(tmp_path):
    file = write_sweep(tmp_path / "s.toml", sample={"method": "halton", "n": 4}, ranges={"prices.response": [0, 1]})
    expect_error(file, "sample.method", "halton")


def test_sample_range_low_not_below_high(tmp_path):
    file = write_sweep(tmp_path / "s.toml", sample={"n": 4}, ranges={"prices.response": [2.0, 2.0]})
    expect_error(file, "sample.ranges.prices.response", "low must be < high")


def test_grid_value_outside_the_scenario_rule(tmp_path):
    file = write_sweep(tmp_path / "s.toml", grid={"prices.response": [1.0, -1.0]})
    expect_error(file, "prices.response = -1.0")


def test_grid_value_outside_the_rule_fails_before_any_run(tmp_path, capsys):
    file = write_sweep(tmp_path / "s.toml", grid={"prices.response": [1.0, -1.0]})
    out = tmp_path / "out"
    assert main(sweep_cli(file, out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ") and "prices.response" in err[0]
    assert not out.exists()


def test_grid_key_unknown_to_scenarios(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", grid={"prices.respons": [1.0]}), "prices.respons")


def test_replicates_zero(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", replicates=0), "replicates = 0")
    file = write_sweep(tmp_path / "t.toml", replicates=2)
    expect_error(file, "replicates = 0", replicates=0)


def test_malformed_toml(tmp_path):
    file = tmp_path / "s.toml"
    file.write_text(f'base = "{BASELINE}"\n[grid\n"prices.response" = [1.0]\n', encoding="utf-8")
    expect_error(file, "not valid TOML")


def test_missing_sweep_file(tmp_path):
    expect_error(tmp_path / "nope.toml", "no such file")


def test_sample_not_a_table(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", top="sample = 3"), "sample")


def test_unknown_sample_key(tmp_path):
    file = write_sweep(tmp_path / "s.toml", sample={"metod": "sobol", "n": 4}, ranges={"prices.response": [0, 1]})
    expect_error(file, "sample.metod")


def test_sweep_file_not_utf8(tmp_path):
    file = tmp_path / "s.toml"
    file.write_bytes(b'name = "\xff"\n')
    expect_error(file, "UTF-8")


@pytest.mark.parametrize("base", ["missing.toml", "dir"])
def test_bad_base_file_names_the_sweep_file(tmp_path, base):
    (tmp_path / "dir").mkdir()
    expect_error(write_sweep(tmp_path / "s.toml", base=base), f"'{base}'")


def test_duplicate_grid_values_rejected(tmp_path):
    expect_error(write_sweep(tmp_path / "s.toml", grid={"prices.response": [1.0, 1.0]}), "prices.response")


# --- 3. results do not depend on the executor ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "workers", "batch_size"),
    [("process", 1, None), ("process", 2, 1), ("thread", 2, 4)],
    ids=["process-1", "process-2-batch-1", "thread-2-batch-4"],
)
def test_rows_do_not_depend_on_executor_workers_or_batches(tmp_path, reference, kind, workers, batch_size):
    file, expected = reference
    pool = ProcessPoolExecutor if kind == "process" else ThreadPoolExecutor
    with pool(max_workers=workers) as executor:
        run_sweep(load_sweep(file), tmp_path / "out", executor, batch_size=batch_size)
    runs = read_runs(tmp_path / "out")
    assert len(runs) == 6 and runs["error"].isna().all()
    assert (expected["peak_unmet_share"] > 0).all(), "precondition: the queue should leave demand unmet in every run"
    pd.testing.assert_frame_equal(comparable(runs), comparable(expected))


# --- 4. a failing run ----------------------------------------------------------------------------------


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, reference, monkeypatch):
    file, expected = reference
    sweep = load_sweep(file)
    bad_seed = sweep.runs[1].seed  # replicate 1: fails at every grid point
    original = sim.model.CouncilsModel.run

    def run(self, *args, **kwargs):
        if self.conditions.seed == bad_seed:
            raise RuntimeError("boom in the model")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sim.model.CouncilsModel, "run", run)
    calls = []
    run_in_threads(sweep, tmp_path / "out", batch_size=2, progress=lambda *a: calls.append(a))
    runs = read_runs(tmp_path / "out")
    assert runs["run_id"].tolist() == [r.run_id for r in sweep.runs]
    failed = runs["replicate"] == 1
    assert failed.sum() == 3
    assert runs.loc[failed, "error"].eq("RuntimeError: boom in the model").all()
    assert runs.loc[failed, "traceback"].str.contains("boom in the model").all()
    assert runs.loc[~failed, "error"].isna().all()
    assert runs.loc[~failed, "converged"].notna().all()
    assert calls[0] == (0, 0, 6) and calls[-1] == (6, 3, 6)
    good = comparable(runs[~failed]).dropna(axis=1, how="all").reset_index(drop=True)
    ref = comparable(expected[expected["replicate"] == 0]).reset_index(drop=True)
    pd.testing.assert_frame_equal(good, ref[good.columns], check_dtype=False)


def test_a_taste_shift_the_model_would_refuse_is_refused_before_any_run(tmp_path, capsys):
    # a taste shift larger than the falling good's budget share passes the scenario's rules (and the
    # economy's), and the model refuses it once it has calibrated the households' budget shares: the
    # sweep's validation makes the model's check on the model's draws, so no worker starts (issue 25)
    grid = {"taste_shift.budget_share": [0.01, 0.3], "prices.response": [0.5, 1.0]}
    file = write_sweep(tmp_path / "s.toml", grid=grid, overrides={"taste_shift.after_years": 0.05})
    message = expect_error(file, "taste_shift.budget_share = 0.3: larger than LIGHT's budget share")
    assert "replicate 0" in message  # names the run
    out = tmp_path / "out"
    assert main(sweep_cli(file, out)) == 2
    assert "taste_shift.budget_share = 0.3" in capsys.readouterr().err
    assert not out.exists()


def test_too_few_councils_for_the_economy_is_refused_before_any_run(tmp_path, capsys):
    file = write_sweep(tmp_path / "s.toml", grid={"population.councils": [10, 20]})
    message = expect_error(file, "population.councils = 10", "must be ≥ 20")
    assert "replicate 0" in message  # names the run
    out = tmp_path / "out"
    assert main(sweep_cli(file, out)) == 2
    assert "population.councils = 10" in capsys.readouterr().err
    assert not out.exists()


# --- 5. resume -----------------------------------------------------------------------------------------


def test_resume_runs_only_what_is_missing(tmp_path, reference, monkeypatch):
    file, expected = reference
    sweep = load_sweep(file)
    out = tmp_path / "out"
    run_in_threads(sweep, out, limit=3, batch_size=1)
    first = part_files(out)
    assert len(first) == 3
    assert done_run_ids(out) == {r.run_id for r in sweep.runs[:3]}

    with pytest.raises(ScenarioError, match="--resume"):
        run_in_threads(sweep, out)
    assert part_files(out) == first

    ran = []
    original = sim.experiments.sweep.run_one
    monkeypatch.setattr(
        sim.experiments.sweep, "run_one", lambda spec, ts=None: ran.append(spec.run_id) or original(spec, ts)
    )
    run_in_threads(sweep, out, resume=True)
    assert ran == [r.run_id for r in sweep.runs[3:]]
    after = part_files(out)
    assert {name: after[name] for name in first} == first
    runs = read_runs(out)
    assert runs["run_id"].tolist() == [r.run_id for r in sweep.runs]
    pd.testing.assert_frame_equal(comparable(runs), comparable(expected))

    ran.clear()
    run_in_threads(sweep, out, resume=True)  # nothing left: nothing runs, same rows
    assert ran == []
    assert part_files(out) == after
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(expected))


def test_resume_with_more_replicates_keeps_the_finished_ones(tmp_path, reference):
    file, expected = reference
    out = tmp_path / "out"
    run_in_threads(load_sweep(file, replicates=1), out)
    first = part_files(out)
    run_in_threads(load_sweep(file), out, resume=True)  # the file's 2 replicates
    assert {name: part_files(out)[name] for name in first} == first
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(expected))


def test_resume_with_other_years_is_refused_and_keeps_the_finished_runs(tmp_path, reference):
    file, _ = reference
    out = tmp_path / "out"
    run_in_threads(load_sweep(file), out, limit=2)
    before = part_files(out)
    with pytest.raises(ScenarioError, match=r"--resume of a different sweep: --years: not set → 0.2"):
        run_in_threads(load_sweep(file, years=0.2), out, resume=True)
    assert part_files(out) == before
    assert len(read_runs(out)) == 2


def test_resume_removes_stale_tmp_parts(tmp_path, reference):
    file, _ = reference
    out = tmp_path / "out"
    run_in_threads(load_sweep(file), out, limit=2)
    stale = out / PARTS_DIR / ".0123456789abcdef.tmp"
    stale.write_bytes(b"PAR1 half a part")  # what SIGKILL during a part's write leaves behind
    run_in_threads(load_sweep(file), out, resume=True)
    assert len(read_runs(out)) == 6
    assert not stale.exists()


def test_compact_orders_rows_by_the_sweep_and_drops_duplicates(tmp_path, reference):
    file, expected = reference
    out = tmp_path / "out"
    run_in_threads(load_sweep(file), out, batch_size=1)
    order = [r.run_id for r in load_sweep(file).runs]
    (out / RUNS_FILE).unlink()
    frame = compact(out, order[::-1])
    assert frame["run_id"].tolist() == order[::-1]
    frame = compact(out, order)
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(expected))
    pd.testing.assert_frame_equal(comparable(frame), comparable(expected))


def test_keep_timeseries_writes_one_file_per_run(tmp_path, reference):
    file, _ = reference
    sweep = load_sweep(file)
    run_in_threads(sweep, tmp_path / "out", keep_timeseries=True, limit=2)
    files = sorted((tmp_path / "out" / "timeseries").iterdir())
    assert [f.name for f in files] == sorted(f"{r.run_id}.parquet" for r in sweep.runs[:2])
    ts = pd.read_parquet(files[0])
    assert {"week", "good", "variable", "value"} <= set(ts.columns)
    assert ts["week"].max() == 4  # 5 weeks
    run_in_threads(sweep, tmp_path / "bare", limit=2)
    assert not (tmp_path / "bare" / "timeseries").exists()


def live_members(group: int) -> list[int]:
    """Processes of a process group that are alive (zombies, dead but not yet reaped, do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split() if entry.name.isdigit() else None
        except OSError:
            continue
        if fields and int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_killed_sweep_resumes_without_rerunning_finished_runs(tmp_path, capsys):
    file = write_sweep(tmp_path / "kill.toml", grid={"prices.response": [0.5, 1.0, 2.0]}, replicates=8)
    sweep = load_sweep(file)
    out = tmp_path / "out"
    parts = out / PARTS_DIR
    log = (tmp_path / "killed.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(file), "--workers", "1", "--out", str(out), "--keep-timeseries"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: what is left of the sweep is easy to find
    )
    orphaned = True
    try:
        for _ in range(3000):  # at most 60 s
            if proc.poll() is not None or (parts.exists() and any(parts.glob("*.parquet"))):
                break
            time.sleep(0.02)
        proc.kill()
        proc.wait(timeout=30)
        for _ in range(500):  # the pool worker dies with its parent, within 10 s
            if not live_members(proc.pid):
                orphaned = False
                break
            time.sleep(0.02)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # should a worker have survived, it goes now
        log.close()
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "killed.log").read_text()
    assert not orphaned, "a pool worker outlived its SIGKILLed sweep"
    assert not (out / RUNS_FILE).exists()
    before = part_files(out)
    written = done_run_ids(out)
    assert 0 < len(written) < len(sweep.runs)
    tmp_at_kill = {p.name for p in parts.glob("*.tmp")}

    assert main(sweep_cli(file, out, "--resume", "--keep-timeseries")) == 0
    assert f"{sweep.name}: {len(sweep.runs)} runs, 0 failed" in capsys.readouterr().out
    runs = read_runs(out)
    assert runs["run_id"].tolist() == [r.run_id for r in sweep.runs]
    after = part_files(out)
    assert {name: after[name] for name in before} == before
    new_ids = set().union(*(set(pd.read_parquet(parts / n)["run_id"]) for n in set(after) - set(before)))
    assert new_ids.isdisjoint(written)
    assert new_ids | written == {r.run_id for r in sweep.runs}
    assert {p.name for p in parts.glob("*.tmp")} <= tmp_at_kill  # the resumed sweep leaves no .tmp of its own
    assert sorted(p.name for p in (out / "timeseries").glob("*.parquet")) == sorted(
        f"{r.run_id}.parquet" for r in sweep.runs
    )


# --- 6. runs.parquet and figures -----------------------------------------------------------------------


def test_runs_parquet_columns_and_phase_diagram(tmp_path):
    grid = {"prices.response": [0.5, 2.0], "readjustment.rebuild_weeks": [2, 8]}
    file = write_sweep(tmp_path / "g.toml", grid=grid, replicates=1)
    sweep = load_sweep(file)
    out = tmp_path / "out"
    run_in_threads(sweep, out)
    runs = read_runs(out)
    assert len(runs) == 4 and runs["run_id"].is_unique
    required = ["run_id", "seed", "replicate", *grid, *SUMMARY_FIELDS, "error", "runtime_s"]
    assert set(required) <= set(runs.columns), set(required) - set(runs.columns)
    assert runs["error"].isna().all()
    assert (runs["runtime_s"] > 0).all()
    assert runs[list(grid)].to_dict("list") == {k: [r.params[k] for r in sweep.runs] for k in grid}
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert meta["parameters"] == list(grid) and meta["name"] == "g"
    figures = draw_sweep(runs, sweep.parameters, out, sweep.name)
    assert out / "phase_diagram.png" in figures
    assert (out / "phase_diagram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "phase_diagram.svg").read_bytes()[:2000]
    assert not (out / "transition_conditions.png").exists()


def test_transition_conditions_figure(tmp_path):
    file = write_sweep(tmp_path / "t.toml", scenarios=[BASELINE, SCENARIOS / "gradual_equality.toml"], replicates=2)
    sweep = load_sweep(file)
    run_in_threads(sweep, tmp_path / "out")
    runs = read_runs(tmp_path / "out")
    assert runs["scenario"].tolist() == ["baseline"] * 2 + ["gradual_equality"] * 2
    assert runs["scenario_file"].tolist() == runs["scenario"].tolist()
    figures = draw_sweep(runs, sweep.parameters, tmp_path / "out", sweep.name)
    assert [f.name for f in figures] == ["transition_conditions.png"]
    assert (tmp_path / "out" / "transition_conditions.svg").stat().st_size > 0


def test_regimes_figure_over_time_from_the_kept_time_series(tmp_path):
    """``timeseries = true`` keeps every run's series; a sweep over ``regime`` draws them over time, per regime."""
    file = write_sweep(
        tmp_path / "r.toml", grid={"regime": ["councils", "market"]}, replicates=2, top="timeseries = true"
    )
    sweep = load_sweep(file)
    assert sweep.keep_timeseries
    run_in_threads(sweep, tmp_path / "out", keep_timeseries=sweep.keep_timeseries)
    runs = read_runs(tmp_path / "out")
    assert runs["regime"].tolist() == ["councils", "councils", "market", "market"]
    figures = draw_sweep(runs, sweep.parameters, tmp_path / "out", sweep.name)
    assert [f.name for f in figures] == ["transition_conditions.png", "regimes.png"]
    paths = regime_paths(runs, tmp_path / "out" / "timeseries")
    assert set(paths["variable"]) == {
        "sovereignty_own_prices",
        "welfare_per_person",
        "wage_gini",
        "shortage_and_surplus",
        "unemployment_rate",
        "enterprise_income_gini",
    }
    assert paths.groupby(["scenario", "regime"])["run_id"].nunique().tolist() == [2, 2]
    market_gini = paths[(paths["regime"] == "market") & (paths["variable"] == "wage_gini")]["value"]
    assert market_gini.min() > 0.3  # the market keeps its hierarchy; the councils equalise at once
    assert paths[(paths["regime"] == "councils") & (paths["variable"] == "wage_gini")]["value"].max() == 0.0


def test_a_sweep_file_timeseries_key_must_be_a_boolean(tmp_path):
    expect_error(
        write_sweep(tmp_path / "t.toml", top='timeseries = "yes"'), "timeseries = 'yes': must be true or false"
    )


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_transition_conditions_figure_gives_means_and_intervals_over_seeds():
    runs = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "error": [None] * 4,
            "weeks": [52] * 4,
            "converged": [True, False, True, True],
            "converged_week": [10.0, None, 12.0, 14.0],
            "welfare_per_person_last_year": [23.0, 22.0, 23.5, 23.7],
            "income_gini_final": [0.01, 0.02, 0.03, 0.01],
        }
    )
    figure = compare_conditions(runs, "t")
    try:
        titles = [ax.get_title() for ax in figure.axes]
        assert titles == [
            "runs converged, %",
            "convergence week (Kaplan–Meier median)",
            "welfare, hours a week per person",
            "final income Gini",
        ]  # panels a sweep did not record are left out
        share, _, welfare, _ = figure.axes
        dots = share.lines[0].get_xdata()
        np.testing.assert_allclose(dots, [50.0, 100.0])  # a: one of two runs converged; b: both
        np.testing.assert_allclose(welfare.lines[0].get_xdata(), [22.5, 23.6])
        a = stats.t.interval(0.95, 1, loc=22.5, scale=stats.sem([23.0, 22.0]))
        bars = welfare.collections[0].get_segments()[0][:, 0]
        np.testing.assert_allclose(sorted(bars), a, rtol=1e-12)
    finally:
        plt.close(figure)


def test_sensitivity_figure(tmp_path):
    file = write_sweep(tmp_path / "s.toml", sample={"method": "lhs", "n": 6}, ranges={"prices.response": [0.25, 4.0]})
    sweep = load_sweep(file)
    run_in_threads(sweep, tmp_path / "out")
    runs = read_runs(tmp_path / "out")
    assert len(runs) == 6 and runs["prices.response"].nunique() == 6
    figures = draw_sweep(runs, sweep.parameters, tmp_path / "out", sweep.name)
    assert [f.name for f in figures] == ["sensitivity.png"]
    assert (tmp_path / "out" / "sensitivity.svg").stat().st_size > 0


def test_figures_of_a_string_valued_grid_key(tmp_path):
    grid = {"consumption.rationing": ["proportional", "queue"], "prices.response": [0.5, 2.0]}
    file = write_sweep(tmp_path / "g.toml", grid=grid)
    sweep = load_sweep(file)
    run_in_threads(sweep, tmp_path / "out")
    figures = draw_sweep(read_runs(tmp_path / "out"), sweep.parameters, tmp_path / "out", sweep.name)
    assert tmp_path / "out" / "phase_diagram.png" in figures


# --- 7. the command ------------------------------------------------------------------------------------


def test_cli_sweep_with_limit(tmp_path, reference, capsys):
    file, expected = reference
    out = tmp_path / "out"
    assert main(sweep_cli(file, out, "--limit", "2")) == 0
    stdout = capsys.readouterr().out
    assert "six: 2 runs, 0 failed" in stdout
    assert f"results: {out}/runs.parquet" in stdout
    pd.testing.assert_frame_equal(comparable(read_runs(out)), comparable(expected.iloc[:2]))
    assert not (out / "timeseries").exists()

    assert main(sweep_cli(file, out)) == 2  # results there already, no --resume
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("councils: ") and "--resume" in err[-1]


def test_cli_overrides_replicates_and_years(tmp_path, capsys):
    file = write_sweep(tmp_path / "s.toml", grid={"prices.response": [1.0]}, replicates=1)
    out = tmp_path / "out"
    assert main(sweep_cli(file, out, "--replicates", "2", "--years", "0.05")) == 0
    assert "2 runs, 0 failed" in capsys.readouterr().out
    runs = read_runs(out)
    assert runs["replicate"].tolist() == [0, 1]
    assert runs["seed"].tolist() == expected_seeds(3, 2)
    assert (runs["weeks"] == 3).all()  # round(0.05 × 52)


@pytest.mark.parametrize(
    "extra",
    [["--workers", "0"], ["--limit", "0"], ["--years", "-1"], ["--replicates", "0"], ["--years", "0.001"]],
    ids=["workers-0", "limit-0", "years-negative", "replicates-0", "years-under-a-week"],
)
def test_cli_bad_flags_exit_2_with_one_line(tmp_path, reference, capsys, extra):
    file, _ = reference
    out = tmp_path / "out"
    assert main(sweep_cli(file, out, *extra)) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: "), captured.err
    assert extra[0] in err[0] or extra[0].lstrip("-") in err[0]
    assert not out.exists()


def test_cli_missing_sweep_file(tmp_path, capsys):
    assert main(sweep_cli(tmp_path / "nope.toml", tmp_path / "out")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ") and "nope.toml" in err[0]


def _sweep_in_subprocess(*args: str, env_extra=None) -> subprocess.CompletedProcess:
    """The CLI in its own process: a failed Dask client leaves event-loop state that later clients trip on."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_scheduler_with_nothing_listening_fails_clearly(tmp_path, reference):
    pytest.importorskip("distributed")
    file, _ = reference
    out = tmp_path / "out"
    # the default would wait 30 s for a connection
    done = _sweep_in_subprocess(
        *sweep_cli(file, out, "--scheduler", "tcp://127.0.0.1:1"),
        env_extra={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
    )
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ") and "tcp://127.0.0.1:1" in err[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / RUNS_FILE).exists()


def test_cli_scheduler_malformed_address(tmp_path, reference):
    pytest.importorskip("distributed")
    file, _ = reference
    done = _sweep_in_subprocess(*sweep_cli(file, tmp_path / "out", "--scheduler", "nonsense"))
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("councils: ") and "nonsense" in err[0], done.stderr


# --- Dask (last: its event-loop thread outlives the test) -----------------------------------------------


def test_dask_cluster_gives_the_same_rows(tmp_path, reference):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    file, expected = reference
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
        client.get_executor() as executor,
    ):
        run_sweep(load_sweep(file), tmp_path / "out", executor, batch_size=2)
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "out")), comparable(expected))


def test_transition_conditions_figure_names_every_condition():
    """The shared y axis names every condition, top to bottom in the order they came."""
    names = ["baseline", "slow_investment", "taste_shift"]
    runs = pd.DataFrame(
        {
            "scenario": [n for n in names for _ in range(3)],
            "error": None,
            "weeks": 52,
            "converged": [True, True, False] * 3,
            "converged_week": [20.0, 25.0, None] * 3,
            "peak_unmet_share": 0.0,
            "income_gini_final": [0.01, 0.02, 0.03] * 3,
            "stock_gap_last_year": [0.0, 0.001, 0.1] * 3,
            "fulfilment_floor_last_year": [1.0, 0.999, 0.9] * 3,
        }
    )
    fig = compare_conditions(runs)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == names
    plt.close(fig)


def test_an_interval_to_one_side_of_its_estimate_draws_no_bar_below_it():
    """A Kaplan–Meier median can be its interval's lower limit, a BCa interval can miss the mean."""
    from matplotlib.figure import Figure

    from sim.views.sweep_plots import _points

    ax = Figure().subplots()
    _points(ax, np.array([[10.0, 12.0, 20.0], [5.0, 4.0, 6.0]]), np.arange(2), "k")
    low, high = (segment[:, 0] for segment in np.array(ax.collections[0].get_segments()).transpose(1, 0, 2))
    np.testing.assert_allclose(low, [10.0, 4.0])
    np.testing.assert_allclose(high, [20.0, 6.0])


def test_a_panel_that_is_zero_for_every_condition_is_drawn_from_zero():
    runs = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "error": None,
            "weeks": 52,
            "converged": True,
            "converged_week": [3.0, 4.0, 5.0, 6.0],
            "unmet_share_last_year": 0.0,
        }
    )
    fig = compare_conditions(runs)
    unmet = next(ax for ax in fig.axes if ax.get_title().startswith("demand unmet"))
    assert unmet.get_xlim() == (-0.05, 1.0)
    plt.close(fig)
