"""Readers check the structure of what they read (issue 25): nesting, types, per-good series, devices, BOMs.

``plot``, ``compare`` and ``decisions`` on results directories damaged in the ways the audit
found, and ``run`` and ``sweep`` on scenario and sweep files nested thousands deep or holding
huge values. Each must be refused with exit status 2 and one line of at most about 300
characters on stderr, naming the file, with nothing written; a file that begins with a UTF-8
byte-order mark is read as if it had none.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bounded import address_space
from cli_forkserver import one_line

from sim.experiments.results import read_decisions, read_run
from sim.views import plots
from sim.views.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "population.consumers=300", "--set", "population.councils=20", "--set", "population.communes=0"]
#: The longest refusal line accepted, characters.
MAX_LINE = 300
DEEP = 100_000
#: A year's decision as a run writes it, with two variants: what the table reads of it.
DECISION = {
    "year": 1,
    "week": 52,
    "aggregation": "persons",
    "how": "majority",
    "result": 1,
    "first_preferences": [3, 7],
    "assemblies": [{"assembly": "council 0", "members": 10, "choice": 1}],
    "proposals": [{"good": "FOOD", "capacity": 2.5, "status": "feasible", "implies": {"AGR": 1.0}}],
    "methods": {"FOOD": 0.98},
    "delegates": {"elected": 10, "recalled": 0, "rotated": 1, "moved": 0},
    "variants": [
        {
            "hours_per_week": h,
            "private_share": 0.7,
            "investment_share": 0.15,
            "public_share": 0.15,
            "consumption_per_person": 1200.0,
            "consumption_in_5_years": 1350.0,
            "consumption_growth": 0.02,
            "bottlenecks": [],
            "offered": True,
        }
        for h in (33.0, 35.0)
    ],
}


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), address_space():
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def listing(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` with its size and modification time: what must not change."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def refused(argv: list[str], root: Path, *phrases: str) -> str:
    """``councils argv``: exit 2, one short line with the phrases, nothing on stdout, nothing under root changed."""
    before = listing(root)
    rc, out, err = call(argv)
    assert rc == 2, err
    line = one_line(err)
    assert len(line) <= MAX_LINE, line
    for phrase in phrases:
        assert phrase in line, line
    assert out == ""
    assert listing(root) == before
    return line


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "good-1"
    rc, _, err = call(["run", str(BASELINE), "--years", "0.05", *SMALL, "--no-plots", "--out", str(out)])
    assert rc == 0, err
    return out


@pytest.fixture
def run(good_run, tmp_path) -> Path:
    """A copy of a good run to damage, with a decisions file of one year."""
    copy = tmp_path / "run-1"
    shutil.copytree(good_run, copy)
    (copy / "decisions.json").write_text(json.dumps([DECISION]), encoding="utf-8")
    return copy


def edit_series(run: Path, edit):
    path = run / "timeseries.parquet"
    edit(pd.read_parquet(path)).to_parquet(path, index=False)


def plot_and_compare_refuse(run: Path, good_run: Path, *phrases: str):
    for argv in (["plot", str(run)], ["compare", str(good_run), str(run), "--out", str(run.parent / "c.png")]):
        refused(argv, run.parent, *phrases)


# --- results: nesting, series, devices ------------------------------------------------------------------


def test_a_summary_nested_100000_deep_is_refused_before_it_is_parsed(run, good_run):
    (run / "summary.json").write_text('{"scenario": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    plot_and_compare_refuse(run, good_run, str(run / "summary.json"), "nested more than 64 deep")


def test_a_plotted_series_all_nan_is_refused(run, good_run):
    def all_nan(ts):
        return ts.assign(value=ts["value"].where(ts["variable"] != "unmet_share", float("nan")))

    edit_series(run, all_nan)
    plot_and_compare_refuse(run, good_run, str(run / "timeseries.parquet"), "series 'unmet_share' holds no finite")


def test_one_consumer_goods_stock_series_missing_is_refused(run, good_run):
    good = json.loads((run / "summary.json").read_text(encoding="utf-8"))["consumer_goods"][2]
    edit_series(run, lambda ts: ts[~((ts["variable"] == "stock") & (ts["good"] == good))])
    plot_and_compare_refuse(run, good_run, "timeseries.parquet", f"no stock series for consumer good {good!r}")


def test_a_summary_with_a_byte_order_mark_is_read(run):
    path = run / "summary.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    summary, _ = read_run(run)
    assert summary["weeks"] == 3


def test_the_figure_of_four_goods_or_fewer_is_drawn(good_run):
    """One row of panels: the figure drew its x labels on every panel of the last row, which was not a row."""
    summary, ts = read_run(good_run)
    figure = plots.stock_price_dynamics({**summary, "consumer_goods": summary["consumer_goods"][:3]}, ts)
    assert sum(ax.get_xlabel() == "week" for ax in figure.axes) == 4


# --- decisions.json ----------------------------------------------------------------------------------------


def write_decisions(run: Path, decisions):
    (run / "decisions.json").write_text(json.dumps(decisions), encoding="utf-8")


def without(table: dict, key: str) -> dict:
    return {k: v for k, v in table.items() if k != key}


DAMAGED_DECISIONS = {
    "missing-how": ([without(DECISION, "how")], "decision [0]: missing key 'how'"),
    "missing-year": ([without(DECISION, "year")], "decision [0]: missing key 'year'"),
    "text-hours": (
        [{**DECISION, "variants": [{**DECISION["variants"][0], "hours_per_week": "35"}]}],
        "variants[0]: hours_per_week = '35': must be int or float",
    ),
    "text-year": ([{**DECISION, "year": "one"}], "year = 'one': must be int"),
    "result-out-of-range": ([{**DECISION, "result": 7}], "result = 7: not the position of one of its 2 variants"),
    "unknown-how": ([{**DECISION, "how": "coin"}], "how = 'coin': must be one of"),
    "choice-text": (
        [{**DECISION, "assemblies": [{"choice": "first"}]}],
        "assemblies[0]: choice = 'first': not the position of a variant",
    ),
    "variant-not-object": ([{**DECISION, "variants": [1]}], "variants[0]: holds int, not a JSON object"),
    "not-a-list": ({"year": 1}, "holds dict, not a list of yearly decisions"),
    "delegates-text": (
        [{**DECISION, "delegates": {**DECISION["delegates"], "elected": "ten"}}],
        "delegates: elected = 'ten': must be int",
    ),
}


def test_a_good_decisions_file_prints(run):
    rc, out, err = call(["decisions", str(run)])
    assert rc == 0, err
    assert out.startswith(
        "Year 1 (week 52), one person one vote, copeland: 35 hours a week"
    )  # no rule: before the registry


@pytest.mark.parametrize("case", sorted(DAMAGED_DECISIONS))
def test_decisions_with_missing_keys_or_wrong_types_are_refused_in_one_line(run, case):
    decisions, phrase = DAMAGED_DECISIONS[case]
    write_decisions(run, decisions)
    refused(["decisions", str(run)], run.parent, str(run / "decisions.json"), phrase)


def test_decisions_nested_100000_deep_are_refused(run):
    (run / "decisions.json").write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    refused(["decisions", str(run)], run.parent, "decisions.json: nested more than 64 deep")


def test_decisions_pointing_at_a_device_say_it_is_a_device(run):
    (run / "decisions.json").unlink()
    (run / "decisions.json").symlink_to("/dev/zero")
    line = refused(["decisions", str(run)], run.parent, "not a regular file (a character device)")
    assert "older councils" not in line


def test_a_decision_with_a_byte_order_mark_is_read(run):
    path = run / "decisions.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_decisions(run)[0]["year"] == 1


# --- scenario and sweep files ---------------------------------------------------------------------------


def test_a_scenario_nested_3000_deep_is_refused_in_one_line(tmp_path):
    file = tmp_path / "deep.toml"
    file.write_text('name = "deep"\nx = ' + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    refused(["run", str(file), "--out", str(tmp_path / "out")], tmp_path, str(file), "nested more than 64 deep")


def test_a_scenario_of_dotted_keys_3000_deep_is_refused_in_one_line(tmp_path):
    file = tmp_path / "dotted.toml"
    file.write_text('name = "dotted"\n' + ".".join(["a"] * 3000) + " = 1\n", encoding="utf-8")
    refused(["run", str(file), "--out", str(tmp_path / "out")], tmp_path, str(file), "nested more than 64 deep")


def test_a_sweep_nested_3000_deep_is_refused_in_one_line(tmp_path):
    file = tmp_path / "deep.toml"
    file.write_text(f'base = "{BASELINE}"\n[grid]\n"prices.response" = ' + "[" * 3000 + "]" * 3000, encoding="utf-8")
    refused(["sweep", str(file), "--out", str(tmp_path / "out")], tmp_path, str(file), "nested more than 64 deep")


def test_a_900_kB_value_is_shortened_with_an_ellipsis(tmp_path):
    file = tmp_path / "huge.toml"
    file.write_text('name = "' + "x" * 900_000 + '"\n', encoding="utf-8")
    line = refused(["run", str(file), "--out", str(tmp_path / "out")], tmp_path, str(file), "name = 'xxx", "…")
    assert "letters, digits" in line


def test_a_900_kB_value_in_a_sweep_is_shortened_with_an_ellipsis(tmp_path):
    file = tmp_path / "huge.toml"
    file.write_text(f'base = "{BASELINE}"\nseed = "' + "7" * 900_000 + '"\n', encoding="utf-8")
    refused(["sweep", str(file), "--out", str(tmp_path / "out")], tmp_path, "seed = '777", "…")


def test_a_scenario_with_a_byte_order_mark_runs(tmp_path):
    file = tmp_path / "bom.toml"
    file.write_bytes(b"\xef\xbb\xbf" + BASELINE.read_bytes())
    rc, _, err = call(["run", str(file), "--years", "0.02", *SMALL, "--no-plots", "--out", str(tmp_path / "out")])
    assert rc == 0, err
    assert (tmp_path / "out" / "summary.json").is_file()
