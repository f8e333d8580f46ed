"""``councils analyse`` (``sim.analysis.analyse``) on sweeps whose answers are known, and the Saltelli design it reads.

No model runs here. Each sweep is expanded by ``load_sweep`` from a real sweep file (so its
design, run ids and ``sweep.json`` are the sweep's own), and its ``runs.parquet`` is written
by the sweep store from rows whose outcomes the test computes from the run's parameters:
the Ishigami function, a failure box, a convergence week. The analysis then runs through
the command line, exactly as on a finished sweep.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import sensitivity
from sim.analysis.analyse import ANALYSIS_DIR, outcome, read_sweep
from sim.experiments import designs
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_store import RUNS_FILE, compact, prepare, write_part
from sim.run.scenario import ScenarioError
from sim.views.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = {"population.consumers": 500, "population.councils": 20, "population.communes": 0}
TWO_PI = 2 * math.pi
#: Three keys whose rules allow a range 2π wide: the Ishigami function's x1, x2, x3 after a shift.
ISHIGAMI_KEYS = {"prices.response": 0.0, "readjustment.rebuild_weeks": 1.0, "readjustment.reserve_weeks": 1.0}


def write_sweep_file(path: Path, sample: dict, ranges: dict, groups: dict | None = None, extra: dict | None = None):
    lines = [f'base = "{BASELINE}"', "seed = 3", "[sample]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in sample.items()]
    lines.append("[sample.ranges]")
    lines += [f'"{k}" = [{lo!r}, {hi!r}]' for k, (lo, hi) in ranges.items()]
    if groups:
        lines.append("[sample.groups]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in groups.items()]
    lines.append("[set]")
    lines += [f'"{k}" = {json.dumps(v)}' for k, v in {**SMALL, **(extra or {})}.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fake_sweep(out: Path, file: Path, outcomes, weeks: int = 156) -> pd.DataFrame:
    """Expand ``file`` and write a finished sweep to ``out`` whose runs' outcomes are ``outcomes(params)``."""
    sweep = load_sweep(file)
    prepare(out, sweep, resume=False)
    rows = [
        {
            "run_id": r.run_id,
            "replicate": r.replicate,
            "seed": r.seed,
            **r.params,
            "scenario": "baseline",
            "weeks": weeks,
            "converged": True,
            "converged_week": 60,
            "error": None,
            **outcomes(r.params),
        }
        for r in sweep.runs
    ]
    write_part(out, rows)
    return compact(out, [r.run_id for r in sweep.runs])


def analyse(out: Path, *outcomes: str, capsys=None) -> dict:
    argv = ["analyse", str(out)] + (["--outcome", *outcomes] if outcomes else [])
    assert main(argv) == 0
    return json.loads((out / ANALYSIS_DIR / "analysis.json").read_text(encoding="utf-8"))


# --- Sobol' indices against the Ishigami function ------------------------------------------------------


def ishigami(x1, x2, x3, a=7.0, b=0.1):
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def ishigami_indices(a=7.0, b=0.1) -> dict:
    """Analytic Sobol' indices of the Ishigami function on [−π, π]³ (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * math.pi**8 / 225
    v = v1 + v2 + v13
    return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v], "V": (v1, v2, v13, v)}


def ishigami_outcomes(params: dict) -> dict:
    x = [params[k] - low - math.pi for k, low in ISHIGAMI_KEYS.items()]
    y = ishigami(*x)
    return {"ishigami": y, "converged": y < 3.5}


@pytest.fixture(scope="module")
def ishigami_sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ishigami")
    ranges = {k: [low, low + TWO_PI] for k, low in ISHIGAMI_KEYS.items()}
    file = write_sweep_file(tmp / "ishigami.toml", {"method": "saltelli", "n": 512}, ranges)
    fake_sweep(tmp / "out", file, ishigami_outcomes)
    return tmp / "out", analyse(tmp / "out", "ishigami")


def test_sobol_indices_of_the_ishigami_function_match_ishigami_homma_1990_within_their_intervals(ishigami_sweep):
    out, result = ishigami_sweep
    assert result["design"]["method"] == "saltelli" and result["finished"] == 512 * 5
    found = result["sobol"]["ishigami"]
    assert found["factors"] == list(ISHIGAMI_KEYS)
    known = ishigami_indices()
    for index in ("S1", "ST"):
        for k, key in enumerate(ISHIGAMI_KEYS):
            estimate, half, truth = found[index][k], found[f"{index}_conf"][k], known[index][k]
            assert 0 < half < 0.15, (index, key, half)  # an interval that says something
            assert abs(estimate - truth) <= half, (index, key, estimate, truth, half)
    table = pd.read_csv(out / ANALYSIS_DIR / "sobol_indices.csv")
    assert table["factor"].tolist() == list(ISHIGAMI_KEYS)
    assert np.allclose(table["ST"], found["ST"])
    assert (out / ANALYSIS_DIR / "sobol_indices.png").is_file()


def test_feature_scores_put_the_ishigami_factor_with_the_least_total_index_last(ishigami_sweep):
    # impurity scores are not variance shares: x1 and x2 may come in either order, x3 (ST 0.24, S1 0) comes last
    _, result = ishigami_sweep
    scores = result["feature_scores"]["ishigami"]
    assert scores["fit"] > 0.8  # the trees explain the function
    ranked = sorted(scores["factors"], key=lambda f: -scores["factors"][f])
    keys = list(ISHIGAMI_KEYS)
    assert set(ranked[:2]) == {keys[0], keys[1]} and ranked[2] == keys[2]


def test_a_group_gets_the_indices_of_its_keys_together_and_row_order_does_not_matter(tmp_path):
    # y = x1 + 2 x2 + x3 over three ranges of width 1: x2 holds 4/6 of the variance, x1 and x3 together 2/6
    keys = list(ISHIGAMI_KEYS)
    ranges = {k: [low, low + 1.0] for k, low in ISHIGAMI_KEYS.items()}
    groups = {"x1_x3": [keys[0], keys[2]]}
    file = write_sweep_file(tmp_path / "g.toml", {"method": "saltelli", "n": 256}, ranges, groups)
    runs = fake_sweep(tmp_path / "out", file, lambda p: {"linear": p[keys[0]] + 2 * p[keys[1]] + p[keys[2]]})
    assert len(runs) == 256 * (2 + 2)
    # a sweep run on Dask finishes its runs in another order: the analysis finds points by their values
    runs.sample(frac=1.0, random_state=1).to_parquet(tmp_path / "out" / RUNS_FILE, index=False)
    result = analyse(tmp_path / "out", "linear")
    found = result["sobol"]["linear"]
    assert found["factors"] == ["x1_x3", keys[1]]
    for index in ("S1", "ST"):
        for k, truth in enumerate((1 / 3, 2 / 3)):
            assert abs(found[index][k] - truth) <= found[f"{index}_conf"][k] < 0.15, (index, k)
    scores = result["feature_scores"]["linear"]
    assert set(scores["factors"]) == {"x1_x3", keys[1]}
    assert scores["factors"]["x1_x3"] == pytest.approx(scores["scores"][keys[0]] + scores["scores"][keys[2]])


# --- PRIM against a known box --------------------------------------------------------------------------

#: Runs fail when the price response is in the middle of its range and the rebuild is fast.
BOX = {"prices.response": (1.15, 2.35), "readjustment.rebuild_weeks": (1.0, 7.0)}
PRIM_RANGES = {
    "prices.response": [0.25, 3.25],
    "readjustment.rebuild_weeks": [1.0, 16.0],
    "plan.capacity_headroom": [0.0, 0.3],
}


def in_box(params: dict, box: dict) -> bool:
    return all(lo <= params[k] <= hi for k, (lo, hi) in box.items())


def test_prim_recovers_a_known_failure_box_within_a_tenth_of_each_range(tmp_path, capsys):
    shortage_box = {"plan.capacity_headroom": (0.0, 0.1)}
    file = write_sweep_file(tmp_path / "box.toml", {"method": "lhs", "n": 600}, PRIM_RANGES)

    def outcomes(params):
        return {"converged": not in_box(params, BOX), "shortage": in_box(params, shortage_box)}

    runs = fake_sweep(tmp_path / "out", file, outcomes)
    failures = int((~runs["converged"]).sum())
    assert 100 < failures < 300
    result = analyse(tmp_path / "out", "converged", "shortage")
    assert "sobol" in result and result["sobol"] == {}  # not a Saltelli design
    for name, box in (("not converged", BOX), ("shortage", shortage_box)):
        found = result["prim"][name]
        chosen = found["trajectory"][found["chosen"]]
        assert chosen["coverage"] >= 0.8 and chosen["density"] >= 0.8, name
        assert set(chosen["restricted"]) <= set(box), (name, chosen["restricted"])
        for key, (low, high) in PRIM_RANGES.items():
            got = chosen["restricted"].get(key, found["ranges"][key])
            want = box.get(key, (low, high))
            tenth = 0.1 * (high - low)
            assert abs(got[0] - want[0]) <= tenth and abs(got[1] - want[1]) <= tenth, (name, key, got, want)
    assert found["cases"] == int(runs["shortage"].sum())
    text = capsys.readouterr().out
    assert "PRIM, not converged" in text and "prices.response" in text
    boxes = pd.read_csv(tmp_path / "out" / ANALYSIS_DIR / "prim_boxes.csv")
    assert set(boxes["cases"]) == {"not converged", "shortage"}
    assert boxes.groupby("cases")["chosen"].any().all()
    assert (tmp_path / "out" / ANALYSIS_DIR / "prim_not_converged.png").is_file()


# --- the convergence week of runs that never converge ----------------------------------------------------


def test_runs_that_never_converge_count_at_their_horizon(tmp_path):
    # 2 years: a verdict can name any week up to the last; runs that never converged count as week 104
    ranges = {"prices.response": [0.25, 3.25], "readjustment.rebuild_weeks": [1.0, 16.0]}
    extra = {"verdict.window_weeks": 26, "years": 2}
    file = write_sweep_file(tmp_path / "c.toml", {"method": "saltelli", "n": 16}, ranges, extra=extra)

    def outcomes(params):
        converged = params["prices.response"] < 1.5
        week = round(30 + 20 * params["readjustment.rebuild_weeks"] / 16) if converged else None
        return {"converged": converged, "converged_week": week}

    runs = fake_sweep(tmp_path / "out", file, outcomes, weeks=104)
    never = ~runs["converged"].to_numpy()
    assert 0 < never.sum() < len(runs)
    expected = np.where(never, 104.0, runs["converged_week"].to_numpy(dtype=float, na_value=np.nan))
    assert np.array_equal(outcome(read_sweep(tmp_path / "out"), "converged_week").values, expected)
    result = analyse(tmp_path / "out", "converged_week")
    assert result["outcomes"]["converged_week"]["note"].startswith(f"{never.sum()} of {len(runs)} runs never converged")
    assert "count as week 104" in result["outcomes"]["converged_week"]["note"]
    # the Sobol' indices are those of the censored week, at the design's points in its order
    sample = {"method": "saltelli", "n": 16}
    points = designs.saltelli(ranges, sample["n"], False, {}, 3)
    censored = [104.0 if p[0] >= 1.5 else round(30 + 20 * p[1] / 16) for p in points]
    direct = sensitivity.sobol_indices(designs.problem(ranges, {}), np.array(censored, dtype=float), False)
    assert np.allclose(result["sobol"]["converged_week"]["ST"], direct["ST"])
    assert np.allclose(result["sobol"]["converged_week"]["S1"], direct["S1"])


def test_when_every_run_converged_nothing_is_censored(tmp_path):
    file = write_sweep_file(tmp_path / "c.toml", {"method": "lhs", "n": 12}, {"prices.response": [0.25, 3.25]})
    fake_sweep(tmp_path / "out", file, lambda p: {"converged_week": round(40 + 10 * p["prices.response"])})
    result = analyse(tmp_path / "out", "converged_week")
    assert result["outcomes"]["converged_week"]["note"] == "every run converged: no censoring"
    assert result["prim"]["not converged"] == {"skipped": "no run is a case: no box to find"}


# --- what the analysis refuses or leaves out ----------------------------------------------------------


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_a_directory_that_is_not_a_finished_sweep_is_refused_in_one_line(tmp_path, capsys):
    assert main(["analyse", str(tmp_path / "nowhere")]) == 2
    assert "no such sweep directory" in one_line(capsys)
    assert main(["analyse", str(tmp_path)]) == 2
    assert "not a sweep directory (no sweep.json)" in one_line(capsys)
    file = write_sweep_file(tmp_path / "s.toml", {"method": "lhs", "n": 4}, {"prices.response": [0.25, 3.25]})
    prepare(tmp_path / "out", load_sweep(file), resume=False)
    assert main(["analyse", str(tmp_path / "out")]) == 2
    assert "the sweep has not finished" in one_line(capsys)
    (tmp_path / "out" / RUNS_FILE).write_bytes(b"PAR1 not really")
    assert main(["analyse", str(tmp_path / "out")]) == 2
    assert "not a readable Parquet file" in one_line(capsys)
    assert not (tmp_path / "out" / ANALYSIS_DIR).exists()


def test_an_unknown_outcome_is_refused_naming_the_allowed_ones_and_nothing_is_written(tmp_path, capsys):
    file = write_sweep_file(tmp_path / "s.toml", {"method": "lhs", "n": 12}, {"prices.response": [0.25, 3.25]})
    fake_sweep(tmp_path / "out", file, lambda p: {"stock_gap_last_year": p["prices.response"] / 10})
    for bad, why in (("stock_gap", "not in"), ("prices.response", "not an outcome of"), ("seed", "not an outcome of")):
        assert main(["analyse", str(tmp_path / "out"), "--outcome", bad]) == 2
        err = one_line(capsys)
        assert f"--outcome '{bad}': {why}" in err
        assert "allowed: converged, converged_week, stock_gap_last_year" in err
    assert not (tmp_path / "out" / ANALYSIS_DIR).exists()


def test_a_sweep_in_which_no_run_finished_is_refused_in_one_line(tmp_path, capsys):
    file = write_sweep_file(tmp_path / "s.toml", {"method": "lhs", "n": 4}, {"prices.response": [0.25, 3.25]})
    fake_sweep(tmp_path / "out", file, lambda p: {"error": "RuntimeError: boom"})
    assert main(["analyse", str(tmp_path / "out")]) == 2
    assert "no run finished (see its error column): nothing to analyse" in one_line(capsys)
    assert not (tmp_path / "out" / ANALYSIS_DIR).exists()


def test_sobol_indices_are_not_computed_when_a_design_point_has_no_finished_run(tmp_path, capsys):
    ranges = {"prices.response": [0.25, 3.25], "readjustment.rebuild_weeks": [1.0, 16.0]}
    file = write_sweep_file(tmp_path / "s.toml", {"method": "saltelli", "n": 8}, ranges)
    runs = fake_sweep(tmp_path / "out", file, lambda p: {"converged": p["prices.response"] < 1.5})
    runs.loc[3, "error"] = "RuntimeError: boom"
    runs.to_parquet(tmp_path / "out" / RUNS_FILE, index=False)
    result = analyse(tmp_path / "out", "converged")
    assert result["finished"] == len(runs) - 1
    assert result["sobol"]["converged"]["skipped"].startswith(
        "1 of 32 points of the Saltelli design have no finished run"
    )
    assert "not computed: 1 of 32 points" in capsys.readouterr().out
    assert "trajectory" in result["prim"]["not converged"]  # PRIM and the scores still use the finished runs
    assert "scores" in result["feature_scores"]["converged"]


# --- the Saltelli design of a sweep ----------------------------------------------------------------------


def test_a_saltelli_sweep_runs_the_design_of_salib_once_per_distinct_point(tmp_path):
    ranges = {"prices.response": [0.25, 3.0], "plan.period_weeks": [1, 3], "noise.harvest": [0.0, 0.1]}
    groups = {"noise": ["noise.harvest"]}
    file = write_sweep_file(tmp_path / "s.toml", {"method": "saltelli", "n": 8, "second_order": True}, ranges, groups)
    sweep = load_sweep(file)
    matrix = designs.saltelli(ranges, 8, True, groups, 3)
    assert matrix.shape == (8 * (2 * 3 + 2), 3)
    points = designs.rounded(list(ranges), matrix, [False, True, False])
    distinct = list(dict.fromkeys(tuple(p.values()) for p in points))
    assert len(distinct) < len(points)  # the rounded integer key makes some A and AB rows equal
    got = [tuple(r.params[k] for k in ranges) for r in sweep.runs]
    assert got == distinct
    assert all(isinstance(r.params["plan.period_weeks"], int) for r in sweep.runs)
    assert [r.scenario["plan"]["period_weeks"] for r in sweep.runs] == [p[1] for p in distinct]
    assert sweep.definition["sweep"]["sample"]["groups"] == groups


SALTELLI = {"method": "saltelli", "n": 8}
GROUPS = "[sample.groups]\n"


@pytest.mark.parametrize(
    ("sample", "extra", "needle"),
    [
        ({"method": "saltelli", "n": 12}, "", "sample.n = 12: a Sobol' sample keeps its balance only for a power of 2"),
        (
            {"method": "lhs", "n": 8, "second_order": True},
            "",
            "sample.second_order: only for sample.method = 'saltelli'",
        ),
        ({**SALTELLI, "second_order": 1}, "", "sample.second_order = 1: must be true or false"),
        (SALTELLI, '[grid]\n"readjustment.reserve_weeks" = [2, 4]\n', "needs one base scenario and no [grid]"),
        (SALTELLI, GROUPS + "noise = []\n", "sample.groups.noise = []: must be a non-empty list"),
        (SALTELLI, GROUPS + 'noise = ["noise.reports"]\n', "'noise.reports' is not in [sample.ranges]"),
        (SALTELLI, GROUPS + 'a = ["prices.response"]\nb = ["prices.response"]\n', "'prices.response' is in both"),
    ],
)
def test_a_saltelli_sample_is_checked_before_anything_runs(tmp_path, sample, extra, needle):
    file = write_sweep_file(tmp_path / "s.toml", sample, {"prices.response": [0.25, 3.0], "plan.period_weeks": [1, 13]})
    text = file.read_text(encoding="utf-8").replace("[set]", extra + "[set]")
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_sweep(file)
    assert str(file) in str(info.value) and needle in str(info.value)


def test_a_saltelli_sweep_counts_its_design_points_against_the_largest_sweep(tmp_path):
    ranges = {k: [0.0, 0.1] for k in ("noise.taste_drift", "noise.productivity", "noise.harvest", "noise.reports")}
    file = write_sweep_file(tmp_path / "s.toml", {"method": "saltelli", "n": 1 << 14, "second_order": True}, ranges)
    with pytest.raises(ScenarioError) as info:  # 16,384 × (2 × 4 + 2) points, refused before they are drawn
        load_sweep(file)
    assert "163,840 sampled points" in str(info.value) and "at most 100,000" in str(info.value)


def test_analyse_help_names_its_directory_and_outcomes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyse", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: councils analyse") and "SWEEP_DIR" in out and "--outcome KEY" in out
