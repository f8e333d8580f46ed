"""The ``councils`` command: runs of every shipped scenario, results on disk, figures, errors.

Most tests call :func:`sim.views.cli.main` in-process (it returns the exit status); two run
``python -m sim`` in a subprocess to check the real exit status and that no traceback
reaches the user. Every ``--out`` is under ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

import sim.experiments.results
import sim.storage.atomic
from sim.experiments.results import scenario_to_toml
from sim.run.scenario import Scenario, load_scenario
from sim.views.cli import keywords, load_with_overrides, main, verdict
from sim.views.plots import FIGURES

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml"))
BASELINE = REPO / "scenarios" / "baseline.toml"

YEARS = "0.25"  # 13 weeks
WEEKS = 13
SUMMARY_KEYS = {
    "scenario",
    "seed",
    "converged",
    "converged_week",
    "final_price_value_gap",
    "final_stock_gap",
    "peak_unmet_share",
    "wage_gini_final",
    "income_gini_final",
    "consumption_gini_final",
    "runtime_s",
    "welfare_per_person_last_year",
    "welfare_ede_last_year",
    "rationing_cost_last_year",
    "price_distortion_cost_last_year",
    "unconstrained_welfare_last_year",
    "welfare_gap_last_year",
    "sovereignty_own_prices_last_year",
    "fulfilment_floor_own_prices_last_year",
}
DATA_FILES = ("summary.json", "timeseries.parquet", "scenario.toml", "manifest.json", "price_log.csv")


# Figures take most of a short run's time: drawn here for one shipped scenario with communes, and
# for the baseline in the ``baseline_run`` fixture; the other scenarios run with --no-plots.
PLOTTED = {"peasant_country"}
FIGURE_NAMES = ("stock_price_dynamics", "gaps", "inequality", "hours_output")


def check_figures(run: Path):
    """Every figure of a run in which nothing was voted (the decisions figure only where something was)."""
    assert set(FIGURES) >= {*FIGURE_NAMES, "decisions"}
    for figure in FIGURES:
        for ext in ("png", "svg"):
            drawn = (run / f"{figure}.{ext}").exists()
            assert drawn == (figure != "decisions"), f"{figure}.{ext}"
            assert not drawn or (run / f"{figure}.{ext}").stat().st_size > 0, f"{figure}.{ext}"
    assert (run / "gaps.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (run / "gaps.svg").read_bytes()[:2000]


def small_overrides(path: Path) -> list[str]:
    """``--set`` arguments that make a shipped scenario small enough for a test."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    args = ["--set", "population.consumers=1500", "--set", "population.councils=40"]
    if table.get("population", {}).get("communes", 0) > 0:
        args += ["--set", "population.communes=5"]
    return args


def run_args(path: Path, out: Path, *extra: str, years: str = YEARS, plots: bool = False) -> list[str]:
    args = ["run", str(path), "--years", years, *small_overrides(path), "--out", str(out), *extra]
    return args if plots else [*args, "--no-plots"]


def call(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with its output captured (for module-scoped fixtures, where capsys is not available)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def hidden_entries(directory: Path) -> list[str]:
    """Names starting with '.' (the temporary directories of an atomic write) in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def saved_tables(path: Path) -> dict[str, dict[str, str]]:
    """A lenient reading of a saved scenario.toml: ``{table: {key: raw value text}}`` ("" for top level).

    Used to check what was saved without depending on the whole file being valid TOML.
    """
    tables: dict[str, dict[str, str]] = {"": {}}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            tables.setdefault(current, {})
        elif "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            tables[current][key.strip()] = value.strip()
    return tables


def one_error_line(err: str) -> str:
    """The single line a user error prints on stderr; fails if there is more or a traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("councils:"), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    """A short baseline run with figures, shared read-only by several tests (copy it before changing it)."""
    out = tmp_path_factory.mktemp("baseline") / "baseline-1"
    rc, _, err = call(run_args(BASELINE, out, plots=True))
    assert rc == 0, err
    return out


@pytest.fixture(scope="module")
def other_run(tmp_path_factory) -> Path:
    """A second short run (another scenario, seed and regime), for ``compare``."""
    path = REPO / "scenarios" / "slow_investment.toml"
    if not path.exists():
        path = BASELINE
    out = tmp_path_factory.mktemp("other") / "other-2"
    rc, _, err = call(run_args(path, out, "--seed", "2", "--set", "regime=market"))
    assert rc == 0, err
    return out


# --- every shipped scenario, end to end --------------------------------------------------------------


def test_scenarios_are_shipped():
    assert BASELINE in SCENARIO_FILES
    assert len(SCENARIO_FILES) >= 2


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_runs_end_to_end(path, tmp_path, capsys):
    name = tomllib.loads(path.read_text(encoding="utf-8"))["name"]
    out = tmp_path / "runs" / name
    plots = name in PLOTTED
    assert main(run_args(path, out, plots=plots)) == 0
    stdout = capsys.readouterr().out

    for file in DATA_FILES:
        assert (out / file).is_file(), file
    if plots:
        check_figures(out)
    else:
        assert list(out.glob("*.png")) == [] and list(out.glob("*.svg")) == []

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["scenario"] == name
    assert summary["seed"] == tomllib.loads(path.read_text(encoding="utf-8"))["seed"]
    assert summary["weeks"] == WEEKS
    assert isinstance(summary["converged"], bool)
    if summary["converged"]:
        assert 0 <= summary["converged_week"] < WEEKS
    else:
        assert summary["converged_week"] is None
    for key in ("final_price_value_gap", "final_stock_gap", "runtime_s"):
        assert summary[key] >= 0, key
    for key in ("peak_unmet_share", "wage_gini_final", "income_gini_final", "consumption_gini_final"):
        assert 0 <= summary[key] <= 1, key

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["week", "good", "variable", "value"]
    price = ts[ts["variable"] == "price"]
    assert sorted(price["week"].unique()) == list(range(WEEKS))
    goods = set(price["good"])
    assert set(summary["consumer_goods"]) <= goods
    assert "" not in goods
    assert not price.duplicated(["week", "good"]).any()
    assert (price.groupby("week")["good"].nunique() == len(goods)).all()
    assert len(price) == WEEKS * len(goods)
    assert (price["value"] > 0).all()

    log = pd.read_csv(out / "price_log.csv")
    assert list(log.columns) == ["week", "good", "old_p_over_v", "new_p_over_v", "stock_ratio"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"councils", "python", "mesa", "numpy", "time"} <= manifest.keys()

    assert name in stdout
    assert "converge" in stdout
    assert str(out) in stdout
    assert hidden_entries(out.parent) == []


def test_run_draws_figures(baseline_run):
    check_figures(baseline_run)
    for file in DATA_FILES:
        assert (baseline_run / file).is_file(), file
    assert hidden_entries(baseline_run) == []


def test_no_plots_writes_no_figures(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(run_args(BASELINE, out, years="0.05")) == 0
    for file in DATA_FILES:
        assert (out / file).is_file()
    assert list(out.glob("*.png")) == [] and list(out.glob("*.svg")) == []
    assert "figures" not in capsys.readouterr().out


def test_verdict_of_a_converged_run():
    summary = {
        "scenario": "x",
        "seed": 3,
        "weeks": 104,
        "converged": True,
        "converged_week": 60,
        "welfare_tolerance": 0.005,
        "stock_tolerance": 0.05,
        "welfare_gap_last_year": 0.0012,
        "welfare_per_person_last_year": 23.456,
        "welfare_ede_last_year": 23.101,
        "rationing_cost_last_year": 0.0213,
        "price_distortion_cost_last_year": 0.0049,
        "sovereignty_own_prices_last_year": 0.9975,
        "fulfilment_floor_own_prices_last_year": 0.991,
        "stock_gap_own_prices_last_year": 0.0123,
        "price_value_gap_last_year": 0.0111,
        "peak_unmet_share": 0.02,
        "wage_gini_final": 0.0,
        "income_gini_final": 0.01,
        "consumption_gini_final": 0.05,
    }
    text = verdict(summary)
    assert text.startswith("x (seed 3): converged from week 60 of 104")
    assert "welfare 23.46 h/week per person (equally distributed: 23.10)" in text
    assert "lost to queues 0.021 h, to prices off normal 0.0049 h" in text
    assert "sovereignty at own prices 0.9975, fulfilment floor 0.991, stock gap 0.0123" in text
    assert "2.00 %" in text
    # not converged: the verdict names the criterion that failed, by how much
    stuck = {**summary, "converged": False, "converged_week": None}
    assert "NOT" in verdict(stuck) and "out of tolerance in its last weeks" in verdict(stuck)
    text = verdict({**stuck, "welfare_gap_last_year": 0.0123, "stock_gap_own_prices_last_year": 0.08})
    assert "1.23 % of welfare lost, 0.5 % allowed; stocks 8.0 % off the reserve rule, 5 % allowed" in text


# --- the scenario as run -------------------------------------------------------------------------------


def test_overrides_seed_years_and_set(tmp_path, capsys):
    out = tmp_path / "run"
    argv = run_args(BASELINE, out, "--seed", "7", "--set", "plan.period_weeks=2", years="0.1")
    assert main(argv) == 0
    assert "seed 7" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 7
    assert summary["weeks"] == 5  # round(0.1 × 52)
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert ts["week"].max() == 4

    saved = saved_tables(out / "scenario.toml")
    assert saved[""]["seed"] == "7"
    assert float(saved[""]["years"]) == 0.1
    assert saved["plan"]["period_weeks"] == "2"
    assert saved["population"]["consumers"] == "1500"
    assert saved["population"]["councils"] == "40"


def test_saved_scenario_loads_back_equal(tmp_path):
    out = tmp_path / "run"
    sets = ["plan.period_weeks=2", "wages.initial_gini=0.2"]
    rc, _, err = call(run_args(BASELINE, out, "--seed", "5", *(f"--set={s}" for s in sets), years="0.05"))
    assert rc == 0, err
    small = [arg for arg in small_overrides(BASELINE) if arg != "--set"]
    expected = load_with_overrides(BASELINE, [*small, *sets], seed=5, years=0.05)
    assert expected.plan.period_weeks == 2 and expected.population.consumers == 1500
    assert load_scenario(out / "scenario.toml") == expected


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_to_toml_round_trip(path, tmp_path):
    scenario = load_scenario(path)
    saved = tmp_path / "scenario.toml"
    saved.write_text(scenario_to_toml(scenario), encoding="utf-8")
    assert load_scenario(saved) == scenario


@pytest.mark.parametrize(
    "name",
    [
        "plain",
        "café – ü",
        'quote " and back\\slash',
        "tab\there",
        "party 🎉",
    ],
)
def test_scenario_to_toml_writes_any_name_as_toml(name):
    text = scenario_to_toml(Scenario(name=name))
    line = next(line for line in text.splitlines() if line.startswith("name ="))
    assert tomllib.loads(line)["name"] == name


def test_same_seed_same_results(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    for out, seed in zip(outs, ("3", "3", "4"), strict=True):
        rc, _, err = call(run_args(BASELINE, out, "--seed", seed, years="0.1"))
        assert rc == 0, err
    a, b, c = (pd.read_parquet(out / "timeseries.parquet") for out in outs)
    assert a.equals(b)
    assert not a.equals(c)  # the seed matters, so the equality above is not trivial
    sa, sb = (json.loads((out / "summary.json").read_text(encoding="utf-8")) for out in outs[:2])
    sa.pop("runtime_s"), sb.pop("runtime_s")
    assert sa == sb
    assert (outs[0] / "price_log.csv").read_bytes() == (outs[1] / "price_log.csv").read_bytes()


# --- councils plan ---------------------------------------------------------------------------------


def test_plan_without_scenario(capsys):
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert "Labour values of consumer goods" in out
    assert "Labour requirements" in out
    assert "FOOD" in out
    assert "hours private public invest" in out
    assert "bottlenecks" in out
    assert variant_hours(out) == {30, 35, 40}
    table = out.splitlines()[_table_start(out) :]
    assert max(len(line) for line in table) <= 100
    assert max(len(line) for line in out.splitlines()) <= 100  # the captions and descriptions too


def test_plan_with_scenario(tmp_path, capsys):
    assert main(["plan", str(BASELINE)]) == 0
    assert "bottlenecks" in capsys.readouterr().out
    path = tmp_path / "long_week.toml"
    path.write_text('name = "long_week"\n[plan]\nhours_per_week = 42\n', encoding="utf-8")
    assert main(["plan", str(path)]) == 0
    assert variant_hours(capsys.readouterr().out) == {37, 42, 47}  # the scenario's working week ± 5 hours


def _table_start(report: str) -> int:
    """The line where the variants table of ``councils plan``'s report begins (its heading)."""
    return next(i for i, line in enumerate(report.splitlines()) if line.startswith("hours "))


def variant_hours(report: str) -> set[float]:
    """The hours/week column of the variants table in ``councils plan``'s report."""
    rows = report.splitlines()[_table_start(report) + 2 :]  # below the names and the units
    return {float(line.split()[0]) for line in rows if line[:5].strip()}  # not a bottleneck list's next line


def test_plan_with_a_short_working_week(tmp_path, capsys):
    path = tmp_path / "short_week.toml"
    path.write_text('name = "short_week"\n[plan]\nhours_per_week = 4\n', encoding="utf-8")
    assert load_scenario(path).plan.hours_per_week == 4  # a valid scenario
    assert main(["plan", str(path)]) == 0
    hours = variant_hours(capsys.readouterr().out)
    assert 4 in hours
    assert all(0 < h <= 80 for h in hours), sorted(hours)


# --- councils plot and compare ----------------------------------------------------------------------


def test_plot_redraws_figures(baseline_run, tmp_path, capsys):
    run = tmp_path / "baseline-1"
    shutil.copytree(baseline_run, run)
    for figure in FIGURE_NAMES:
        for ext in ("png", "svg"):
            (run / f"{figure}.{ext}").unlink()
    assert main(["plot", str(run)]) == 0
    printed = capsys.readouterr().out.split()
    assert not (run / "decisions.png").exists()  # nothing was voted
    for figure in FIGURE_NAMES:
        assert (run / f"{figure}.png").stat().st_size > 0
        assert (run / f"{figure}.svg").stat().st_size > 0
        assert str(run / f"{figure}.png") in printed
    assert hidden_entries(run) == []


def test_compare_two_runs(baseline_run, other_run, tmp_path, capsys):
    figure = tmp_path / "tmp" / "compare.png"
    figure.parent.mkdir()
    assert main(["compare", str(baseline_run), str(other_run), "--out", str(figure)]) == 0
    out = capsys.readouterr().out
    assert baseline_run.name in out and other_run.name in out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:4]}
    assert rows == {baseline_run.name: "councils", other_run.name: "market"}  # the regimes side by side
    assert str(figure) in out
    assert figure.stat().st_size > 0
    assert not figure.with_suffix(".svg").exists()  # the file named, in the format of its extension, and no other


def test_compare_default_figure_path(baseline_run, other_run, tmp_path, capsys):
    first = tmp_path / "baseline-1"
    shutil.copytree(baseline_run, first)
    assert main(["compare", str(first), str(other_run)]) == 0
    assert (tmp_path / "compare.png").is_file() and not (tmp_path / "compare.svg").exists()
    capsys.readouterr()


# --- user errors: exit status 2, one line, nothing written -----------------------------------------


def bad_run(tmp_path, capsys, *extra: str, scenario: Path = BASELINE) -> str:
    """Run with a user error; check status 2, one line on stderr and no --out; return that line."""
    out = tmp_path / "out"
    argv = ["run", str(scenario), "--years", "0.05", "--no-plots", "--out", str(out), *extra]
    assert main(argv) == 2
    line = one_error_line(capsys.readouterr().err)
    assert not out.exists()
    assert hidden_entries(tmp_path) == []
    return line


def test_missing_scenario_file(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    line = bad_run(tmp_path, capsys, scenario=missing)
    assert str(missing) in line


def test_set_without_equals(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "population.consumers")
    assert "population.consumers" in line
    assert "KEY.PATH=VALUE" in line


def test_set_below_minimum(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "population.consumers=10")
    assert str(BASELINE) in line
    assert "population.consumers = 10" in line
    assert "100 <= consumers <= 10_000_000" in line


def test_set_unknown_key(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "nosuchkey=1")
    assert "'nosuchkey'" in line
    assert "unknown key" in line


def test_set_near_miss_key_suggests(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "population.consumer=2000")
    assert "population.consumer" in line
    assert "did you mean 'population.consumers'" in line


def test_set_wrong_type(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "population.consumers=abc")
    assert "population.consumers" in line
    assert "abc" in line
    assert "int" in line


def test_set_into_a_scalar(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "years.x=1")
    assert "years" in line and "not a table" in line


def test_seed_override_negative(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--seed", "-1")
    assert "seed = -1" in line and "0 <= seed <= 4_294_967_295" in line


def test_too_few_councils_names_the_file(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "population.councils=5")
    assert "population.councils = 5" in line
    assert str(BASELINE) in line


def test_years_shorter_than_a_week(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--years", "0.005")
    assert "years" in line


def test_years_infinite(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--years", "inf")
    assert "years" in line and "inf" in line


def test_unknown_taste_shift_good_is_refused_before_running(tmp_path, capsys):
    line = bad_run(tmp_path, capsys, "--set", "taste_shift.after_years=1", "--set", 'taste_shift.rises="NOPE"')
    assert "NOPE" in line


def test_bad_value_refused_before_any_progress(tmp_path, monkeypatch, capsys):
    bad_run(tmp_path, capsys, "--set", "prices.response=-3")
    # again without --out (from an empty working directory): the default results/ must not appear
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--set", "prices.response=-3"]) == 2
    err = capsys.readouterr().err
    assert "prices.response = -3" in one_error_line(err)
    assert "week/s" not in err  # no progress bar: the run never started
    assert list(tmp_path.iterdir()) == []


def test_plot_on_a_directory_that_is_not_a_run(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["plot", str(empty)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(empty) in line and "not a results directory" in line
    assert list(empty.iterdir()) == []


def test_compare_with_a_missing_directory(baseline_run, tmp_path, capsys):
    missing = tmp_path / "missing"
    figure = tmp_path / "compare.png"
    assert main(["compare", str(baseline_run), str(missing), "--out", str(figure)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(missing) in line
    assert not figure.exists()


def test_unknown_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert any(line.startswith("councils: error:") and "frobnicate" in line for line in err.splitlines())


def test_no_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "councils: error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["run", "plan", "plot", "compare"]),
        (["run"], ["SCENARIO", "--seed", "--years", "--out", "--set", "--no-plots"]),
        (["plan"], ["SCENARIO"]),
        (["plot"], ["DIR", "--format", "--envelope", "--by"]),
        (["compare"], ["DIR", "--out"]),
    ],
)
def test_help(command, mentions, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: councils")
    for word in mentions:
        assert word in out


def test_version_prints_the_installed_packages_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"councils {metadata.version('councils')}\n"
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert metadata.version("councils") == project["version"]


def test_out_under_a_regular_file(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a directory\n", encoding="utf-8")
    assert main(run_args(BASELINE, blocker / "run", years="0.05")) == 2
    one_error_line(capsys.readouterr().err)
    assert blocker.read_text(encoding="utf-8") == "not a directory\n"


def test_out_never_deletes_a_directory_that_is_not_a_run(tmp_path, capsys):
    mine = tmp_path / "mydata"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious\n", encoding="utf-8")
    rc = main(run_args(BASELINE, mine, years="0.05"))
    capsys.readouterr()
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "precious\n"
    assert rc == 2


# --- the real process: exit status and no traceback ----------------------------------------------------


def python_m_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_process_user_error_exit_status(tmp_path):
    proc = python_m_sim("run", str(BASELINE), "--set", "population.consumers=10", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    line = one_error_line(proc.stderr)
    assert "population.consumers = 10" in line
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_process_run_exit_status(tmp_path):
    proc = python_m_sim(*run_args(BASELINE, Path("out"), years="0.05"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "baseline (seed 1)" in proc.stdout
    assert (tmp_path / "out" / "summary.json").is_file()
    assert not (tmp_path / "results").exists()


# --- atomic results directories ---------------------------------------------------------------------


def test_successful_run_leaves_no_temporary_directory(tmp_path, capsys):
    parent = tmp_path / "runs"
    assert main(run_args(BASELINE, parent / "a", years="0.05")) == 0
    assert main(run_args(BASELINE, parent / "a", years="0.05")) == 0  # replacing an older result
    capsys.readouterr()
    assert sorted(p.name for p in parent.iterdir()) == ["a"]
    assert (parent / "a" / "summary.json").is_file()


def _boom(*args, **kwargs):
    raise RuntimeError("disk on fire")


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch, capsys):
    parent = tmp_path / "runs"
    monkeypatch.setattr(sim.experiments.results, "scenario_to_toml", _boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(run_args(BASELINE, parent / "a", years="0.05"))
    capsys.readouterr()
    assert not (parent / "a").exists()
    assert list(parent.iterdir()) == []


def test_failure_while_writing_parquet_leaves_nothing(tmp_path, monkeypatch, capsys):
    parent = tmp_path / "runs"
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(run_args(BASELINE, parent / "a", years="0.05"))
    capsys.readouterr()
    assert list(parent.iterdir()) == []


def test_failed_rewrite_keeps_the_previous_result(tmp_path, monkeypatch, capsys):
    parent = tmp_path / "runs"
    out = parent / "a"
    assert main(run_args(BASELINE, out, years="0.05")) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(sim.experiments.results, "scenario_to_toml", _boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(run_args(BASELINE, out, "--seed", "2", years="0.05"))
    capsys.readouterr()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in parent.iterdir()) == ["a"]


@pytest.mark.parametrize("swap", ["exchange-fails", "no-exchange-rename-fails"])
def test_failed_final_swap_keeps_the_previous_result(tmp_path, monkeypatch, capsys, swap):
    parent = tmp_path / "runs"
    out = parent / "a"
    assert main(run_args(BASELINE, out, years="0.05")) == 0
    before = (out / "summary.json").read_bytes()
    if swap == "exchange-fails":
        monkeypatch.setattr(sim.storage.atomic, "_exchange", _refuse_rename)
    else:  # a file system without RENAME_EXCHANGE: old aside, new in; the second rename fails
        monkeypatch.setattr(sim.storage.atomic, "_exchange", lambda new, target: False)
        rename = Path.rename

        def flaky_rename(self, target):
            if Path(target) == out and self.name.startswith(".a.new-"):
                raise OSError("rename refused")
            return rename(self, target)

        monkeypatch.setattr(Path, "rename", flaky_rename)
    capsys.readouterr()
    assert main(run_args(BASELINE, out, "--seed", "2", years="0.05")) == 2
    after_progress_bar = capsys.readouterr().err.rsplit("\r", 1)[-1]
    assert "rename refused" in one_error_line(after_progress_bar)
    monkeypatch.undo()
    assert (out / "summary.json").read_bytes() == before
    assert sorted(p.name for p in parent.iterdir()) == ["a"]


def _refuse_rename(new, target):
    raise OSError("rename refused")


def test_results_directory_respects_umask(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(run_args(BASELINE, out, years="0.05")) == 0
    capsys.readouterr()
    reference = tmp_path / "plain"
    reference.mkdir()  # what the umask gives an ordinary directory
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)


def test_set_overrides_become_mesas_keyword_parameters_with_toml_values():
    got = keywords(["population.councils=auto", "population_consumers=100", "noise.harvest=0.1", "x=true"])
    assert got == {"population_councils": "auto", "population_consumers": 100, "noise_harvest": 0.1, "x": True}
