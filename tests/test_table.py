"""``councils table``: outcomes over seeds with 95 % intervals, reproduced by a hand computation with SciPy.

The sweep is two scenario files (baseline and gradual equality) × 20 seeds, tiny (500
persons, 26 weeks) and with a verdict loose enough (a 4-week window, wider tolerances) that
most runs converge and some do not, so that the convergence week is censored in both.
Every number the table prints is computed again here from ``runs.parquet``: Wilson's
interval by ``scipy.stats.binomtest``, the mean's by ``scipy.stats.t`` or
``scipy.stats.bootstrap`` (Cochran's rule, the documented seed), and the Kaplan–Meier median
and its interval from ``scipy.stats.ecdf``'s survival function and its log-log band.
"""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_call import call
from scipy import stats

from sim.analysis.gather import Gathered
from sim.analysis.intervals import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from sim.analysis.table import outcome_table
from sim.analysis.table_text import decimals
from sim.experiments.sweep import RUNS_FILE, load_sweep, run_sweep
from sim.storage.locks import locked
from sim.views.cli import main

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SEEDS = 20
SMALL = {
    "population.consumers": 500,
    "population.councils": 20,
    "population.represents": "sample",  # the sample's noise: some seeds converge within the horizon, some not
    "population.communes": 0,
    "years": 0.5,  # 26 weeks
    "verdict.window_weeks": 4,
    "verdict.stock_tolerance": 0.1,
}
LAST_YEAR = [
    "in_tolerance_last_year",
    "stock_gap_last_year",
    "fulfilment_floor_last_year",
    "sovereignty_index_last_year",
    "price_value_gap_last_year",
]


def write_sweep(path: Path, files: list[str], replicates: int, settings: dict) -> Path:
    lines = [
        f"name = {json.dumps(path.stem)}",
        f"scenarios = {json.dumps([str(SCENARIOS / f) for f in files])}",
        "seed = 5",
        f"replicates = {replicates}",
        "[set]",
        *(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in settings.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_in_threads(file: Path, out: Path) -> pd.DataFrame:
    with ThreadPoolExecutor(max_workers=2) as executor:
        run_sweep(load_sweep(file), out, executor)
    return pd.read_parquet(out / RUNS_FILE)


@pytest.fixture(scope="module")
def two_scenarios(tmp_path_factory):
    """A finished sweep of baseline and gradual_equality × 20 seeds, and its runs."""
    tmp = tmp_path_factory.mktemp("table")
    file = write_sweep(tmp / "two.toml", ["baseline.toml", "gradual_equality.toml"], SEEDS, SMALL)
    runs = run_in_threads(file, tmp / "out")
    assert len(runs) == 2 * SEEDS and runs["error"].isna().all()
    return tmp / "out", runs


# --- the hand computation ---------------------------------------------------------------------------


def by_hand(runs: pd.DataFrame) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Each scenario's outcomes, computed again with SciPy: key → (estimate, low, high)."""
    out = {}
    for name, group in runs.groupby("scenario"):
        converged = group["converged"].to_numpy(dtype=bool)
        ci = stats.binomtest(int(converged.sum()), len(group)).proportion_ci(method="wilson")
        row = {"converged": (converged.mean(), ci.low, ci.high)}
        censored_at = group["weeks"].to_numpy(dtype=float)
        weeks = np.where(converged, group["converged_week"].to_numpy(dtype=float, na_value=np.nan), censored_at)
        ecdf = stats.ecdf(stats.CensoredData(uncensored=weeks[converged], right=weeks[~converged]))
        band = ecdf.sf.confidence_interval(0.95, method="log-log")
        times = np.unique(weeks[converged])
        row["converged_week"] = tuple(
            times[np.argmax(f.evaluate(times) <= 0.5)] if (f.evaluate(times) <= 0.5).any() else np.nan
            for f in (ecdf.sf, band.low, band.high)
        )
        for key in LAST_YEAR:
            x = group[key].to_numpy(dtype=float)
            if np.ptp(x) == 0:
                row[key] = (x[0], x[0], x[0])
            elif 25 * stats.skew(x, bias=False) ** 2 < SEEDS:
                row[key] = (x.mean(), *stats.t.interval(0.95, SEEDS - 1, loc=x.mean(), scale=stats.sem(x)))
            else:
                rng = np.random.default_rng(BOOTSTRAP_SEED)
                b = stats.bootstrap((x,), np.mean, n_resamples=BOOTSTRAP_RESAMPLES, method="BCa", rng=rng)
                row[key] = (x.mean(), b.confidence_interval.low, b.confidence_interval.high)
        out[name] = row
    return out


def test_the_sweep_is_the_case_the_table_is_for(two_scenarios):
    _, runs = two_scenarios
    for _, group in runs.groupby("scenario"):
        assert 0 < group["converged"].sum() < SEEDS  # some runs censored in each, some converged
    assert runs.groupby("scenario")["seed"].nunique().tolist() == [SEEDS, SEEDS]


def test_csv_reproduces_a_hand_computation_with_scipy(two_scenarios):
    out, runs = two_scenarios
    rc, stdout, stderr = call(
        ["table", str(out), "--format", "csv", "--outcomes", ",".join(["converged", "converged_week", *LAST_YEAR])]
    )
    assert rc == 0, stderr
    assert stderr == ""  # same horizon, same population, one seed each
    table = pd.read_csv(io.StringIO(stdout)).set_index("scenario")
    assert list(table.index) == ["baseline", "gradual_equality"]
    hand = by_hand(runs)
    for name, row in hand.items():
        assert table.loc[name, "seeds"] == SEEDS
        assert (table.loc[name, "weeks"], table.loc[name, "consumers"]) == (26, 500)
        for key, expected in row.items():
            got = [table.loc[name, key], table.loc[name, f"{key}_low"], table.loc[name, f"{key}_high"]]
            np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=f"{name} {key}")
        assert table.loc[name, "converged_week_censored"] == SEEDS - runs[runs["scenario"] == name]["converged"].sum()
    methods = {table.loc[n, f"{k}_method"] for n in hand for k in LAST_YEAR}
    assert methods <= {"t", "bootstrap"}


def test_markdown_prints_the_same_numbers_rounded_to_their_intervals(two_scenarios):
    out, runs = two_scenarios
    rc, stdout, stderr = call(["table", str(out)])
    assert rc == 0, stderr
    lines = stdout.splitlines()
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    assert head[:4] == ["scenario", "seeds", "weeks", "consumers"]
    assert head[4:6] == ["converged", "converged_week"]
    assert set(LAST_YEAR) <= set(head)  # every *_last_year key by default
    assert all(k.endswith("_last_year") for k in head[6:])
    hand = by_hand(runs)
    for line in lines[2:4]:
        cells = dict(zip(head, (c.strip() for c in line.strip("|").split("|")), strict=True))
        expected = hand[cells["scenario"]]
        for key, (estimate, low, high) in expected.items():
            printed = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", cells[key])[:3]]
            places = 0 if key == "converged_week" else decimals(high - low)
            if places is None:
                np.testing.assert_allclose(printed, [estimate, low, high], rtol=5e-4)
            else:
                assert np.all(np.abs(np.array(printed) - [estimate, low, high]) <= 0.5 * 10.0**-places + 1e-12), key
        censored = SEEDS - int(runs[runs["scenario"] == cells["scenario"]]["converged"].sum())
        assert cells["converged_week"].endswith(f"({censored} censored)")
    assert "Wilson" in stdout and "Kaplan–Meier" in stdout


def test_latex_and_out_file(two_scenarios, tmp_path):
    out, _ = two_scenarios
    target = tmp_path / "table.tex"
    rc, stdout, stderr = call(["table", str(out), "--format", "latex", "--outcomes", "converged", "--out", str(target)])
    assert rc == 0, stderr
    assert stdout == f"table: {target}\n"
    text = target.read_text("utf-8")
    assert text.startswith("\\begin{tabular}{lrrrr}") and "\\end{tabular}" in text
    assert "gradual\\_equality & 20 & 26 & 500 &" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.tex"]  # no temporary left beside it


def test_grouping_by_a_key_that_mixes_the_seeds_says_so(two_scenarios):
    out, runs = two_scenarios
    rc, stdout, stderr = call(["table", str(out), "--by", "population.consumers", "--format", "csv"])
    assert rc == 0, stderr
    table = pd.read_csv(io.StringIO(stdout))
    assert len(table) == 1 and table.loc[0, "seeds"] == 2 * SEEDS
    assert table.loc[0, "converged"] == pytest.approx(runs["converged"].mean())
    assert "warning: 500: seed" in stderr and "not independent seeds" in stderr  # the same seed in both scenarios


def test_groups_of_other_horizons_and_populations_are_flagged(two_scenarios, tmp_path):
    out, _ = two_scenarios
    other = write_sweep(
        tmp_path / "longer.toml", ["taste_shift.toml"], 2, SMALL | {"years": 0.6, "population.consumers": 600}
    )
    run_in_threads(other, tmp_path / "longer")
    rc, stdout, stderr = call(["table", str(out), str(tmp_path / "longer"), "--format", "csv"])
    assert rc == 0, stderr
    table = pd.read_csv(io.StringIO(stdout)).set_index("scenario")
    assert table.loc["taste_shift", "seeds"] == 2 and table.loc["taste_shift", "weeks"] == 31
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2, stderr
    assert "differ in horizon (weeks): baseline 26, gradual_equality 26, taste_shift 31" in warnings[0]
    assert (
        "differ in population (population.consumers): baseline 500, gradual_equality 500, taste_shift 600"
        in warnings[1]
    )


def test_run_directories_group_by_scenario_and_read_new_summary_keys(tmp_path):
    dirs = []
    for seed in (1, 2, 3):
        d = tmp_path / f"baseline-{seed}"
        args = ["run", str(SCENARIOS / "baseline.toml"), "--seed", str(seed), "--years", "0.2", "--no-plots"]
        args += [f"--set=population.{k}={v}" for k, v in (("consumers", 500), ("councils", 20), ("communes", 0))]
        assert call([*args, "--out", str(d)])[0] == 0
        dirs.append(d)
    summaries = [json.loads((d / "summary.json").read_text()) for d in dirs]
    for k, (d, s) in enumerate(zip(dirs, summaries, strict=True)):  # a key a newer version records
        s["welfare_per_person_last_year"] = 10.0 + k
        (d / "summary.json").write_text(json.dumps(s))
    rc, stdout, stderr = call(["table", *map(str, dirs), "--format", "csv"])
    assert rc == 0, stderr
    table = pd.read_csv(io.StringIO(stdout))
    assert table["scenario"].tolist() == ["baseline"] and table.loc[0, "seeds"] == 3
    assert table.loc[0, "welfare_per_person_last_year"] == 11.0  # any *_last_year key is a default outcome
    np.testing.assert_allclose(
        [table.loc[0, "welfare_per_person_last_year_low"], table.loc[0, "welfare_per_person_last_year_high"]],
        11.0 + np.array([-1, 1]) * stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3),
        rtol=1e-12,
    )
    gaps = [s["stock_gap_last_year"] for s in summaries]
    assert table.loc[0, "stock_gap_last_year"] == pytest.approx(np.mean(gaps), rel=1e-12)
    rc, stdout, _ = call(["table", *map(str, dirs), "--by", "seed", "--outcomes", "converged", "--format", "csv"])
    assert rc == 0 and pd.read_csv(io.StringIO(stdout))["seed"].tolist() == [1, 2, 3]
    rc, stdout, _ = call(["table", *map(str, dirs), "--by", "consumer_goods", "--outcomes", "converged"])
    assert rc == 0 and "| ('" in stdout  # a list of goods is one group's key


def test_a_run_that_never_converged_is_censored_at_its_horizon():
    """Censored at ``weeks``: at risk until then, no longer (by hand: median 20, not 25)."""
    runs = pd.DataFrame(
        {
            "scenario": "s",
            "seed": range(7),
            "weeks": [52] * 5 + [12, 12],
            "verdict.window_weeks": 12,
            "population.consumers": 500,
            "converged": [True] * 5 + [False] * 2,
            "converged_week": [10, 15, 20, 25, 30, None, None],
        }
    )
    table = outcome_table(Gathered(runs, ["converged", "converged_week"], [], []), outcomes=["converged_week"])
    # at 10, 7 at risk: 6/7; at 15 the two censored at 12 are gone, 4 at risk: 6/7 · 3/4 = 0.643;
    # at 20, 3 at risk: 0.643 · 2/3 = 0.429 ≤ 1/2. Censored at 24 they would be at risk at 15 and 20, and S(20) = 4/7.
    row = table.frame.iloc[0]
    assert (row["converged_week"], row["converged_week_censored"]) == (20.0, 2)
    assert row["weeks"] == "12–52"
    assert table.warnings == [
        "the runs of a group differ in horizon (weeks): s 12–52; their outcomes are not measured alike"
    ]


def test_groups_judged_by_other_verdicts_are_flagged():
    runs = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "seed": [1, 2, 1, 2],
            "weeks": 52,
            "population.consumers": 500,
            "verdict.stock_tolerance": [0.05, 0.05, 0.1, 0.1],
            "verdict.window_weeks": 52,
            "converged": [True, False, True, True],
        }
    )
    table = outcome_table(Gathered(runs, ["converged"], [], []))
    assert table.outcomes == ["converged"]
    assert table.warnings == [
        "the groups differ in verdict (verdict.stock_tolerance): a 0.05, b 0.1; their outcomes are not measured alike"
    ]


# --- bad input: one line, status 2, nothing written ---------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--by", "scenarioo"],
            r"--by 'scenarioo': not a summary key, a swept key or a scenario key \(did you mean 'scenario'\?\)",
        ),
        (
            ["--outcomes", "converged,stock_gap_lastyear"],
            r"--outcomes 'stock_gap_lastyear': .*did you mean 'stock_gap_last_year'",
        ),
        (["--outcomes", "seed"], r"--outcomes 'seed': not an outcome"),
        (["--outcomes", "converged,,stock_gap_last_year"], r"--outcomes .*: an empty key"),
        (["--by", "converged", "--outcomes", "converged"], r"--outcomes 'converged': also a --by key"),
        (["--format", "html"], r"--format 'html': must be one of markdown, latex, csv"),
        (["--out", "missing-dir/table.md"], r"--out .*missing-dir/table.md: no directory"),
    ],
    ids=["by", "outcome", "not-an-outcome", "empty-key", "by-and-outcome", "format", "out-dir"],
)
def test_bad_options_are_refused_in_one_line(two_scenarios, tmp_path, monkeypatch, extra, message):
    out, _ = two_scenarios
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in out.parent.rglob("*"))
    rc, stdout, stderr = call(["table", str(out), *extra])
    assert rc == 2 and stdout == ""
    assert len(stderr.splitlines()) == 1 and stderr.startswith("councils: ")
    assert re.search(message, stderr), stderr
    assert sorted(p.name for p in out.parent.rglob("*")) == before
    assert list(tmp_path.iterdir()) == []


def test_bad_directories_are_refused_in_one_line(two_scenarios, tmp_path):
    out, _ = two_scenarios
    neither = tmp_path / "neither"
    neither.mkdir()
    (neither / "notes.txt").write_text("not a result")
    target = tmp_path / "table.md"
    cases = [
        ([str(tmp_path / "absent")], "absent: no such directory"),
        ([str(neither)], "neither: neither a run's results (summary.json) nor a sweep's (sweep.json)"),
        ([str(out), str(out)], "given twice"),
        ([str(out), str(neither)], "neither a run's results"),  # refused before the sweep is read
    ]
    for dirs, message in cases:
        rc, stdout, stderr = call(["table", *dirs, "--out", str(target)])
        assert rc == 2 and stdout == "", dirs
        assert len(stderr.splitlines()) == 1 and message in stderr, stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["neither"]


def test_a_sweep_still_running_is_refused_naming_its_process(two_scenarios):
    out, _ = two_scenarios
    with locked(out, flag="sweep"):  # as the sweep holds it while it runs
        rc, stdout, stderr = call(["table", str(out)])
    assert rc == 2 and stdout == ""
    assert len(stderr.splitlines()) == 1 and "the sweep is still running (pid" in stderr, stderr


def test_help_names_the_command_and_its_options(capsys):
    for argv, words in (
        (["--help"], ["table"]),
        (["table", "--help"], ["DIR", "--by", "--outcomes", "--format", "--out"]),
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: councils") and all(w in out for w in words)


def test_a_grid_over_tables_is_swept_drawn_and_tabulated_by_each_of_their_keys(tmp_path):
    """``population = [{consumers = 300, …}, {consumers = 400, …}]``: the sweep runs, draws its figures, and the
    table groups by ``population.consumers`` (each table's keys become swept keys of their own)."""
    file = tmp_path / "sizes.toml"
    file.write_text(
        "\n".join(
            [
                'name = "sizes"',
                f"base = {json.dumps(str(SCENARIOS / 'baseline.toml'))}",
                "seed = 3",
                "replicates = 2",
                "[grid]",
                "population = [{ consumers = 300, councils = 20, communes = 0 }, "
                "{ consumers = 400, councils = 24, communes = 0 }]",
                "[set]",
                "years = 0.1",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    rc, _, err = call(["sweep", str(file), "--workers", "1", "--out", str(out)])
    assert rc == 0, err  # its figures drawn with the tables as labels (this design supports none)
    rc, text, err = call(["table", str(out), "--by", "population.consumers", "--format", "csv"])
    assert rc == 0, err
    table = pd.read_csv(io.StringIO(text))
    assert list(table["population.consumers"]) == [300, 400] and list(table["seeds"]) == [2, 2]
