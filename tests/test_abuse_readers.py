"""Readers under abuse (issue 15, case 9): ``plot`` and ``compare`` on damaged results directories.

Each damaged directory must be refused with exit status 2 and one line on stderr naming the
file and what is wrong, before anything is printed on stdout, and nothing may be written
(no figure, no temporary). ``read_run`` is the one reader both commands use.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bounded import address_space
from cli_call import call
from cli_forkserver import one_line

import sim.views.plots
from sim.experiments.results import SUMMARY_SCHEMA, ResultsError, read_run

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "population.consumers=300", "--set", "population.councils=20", "--set", "population.communes=0"]


def listing(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` with its size and modification time: what must not change."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "good-1"
    rc, _, err = call(["run", str(BASELINE), "--years", "0.05", *SMALL, "--no-plots", "--out", str(out)])
    assert rc == 0, err
    return out


def _summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))


def _write_summary(run: Path, text: str):
    (run / "summary.json").write_text(text, encoding="utf-8")


def _drop_key(key):
    def damage(run: Path):
        summary = _summary(run)
        del summary[key]
        _write_summary(run, json.dumps(summary))

    return damage


def _set_key(key, value):
    def damage(run: Path):
        _write_summary(run, json.dumps({**_summary(run), key: value}))

    return damage


def _timeseries(transform):
    def damage(run: Path):
        path = run / "timeseries.parquet"
        transform(pd.read_parquet(path)).to_parquet(path, index=False)

    return damage


def _truncate(name: str, keep: float):
    def damage(run: Path):
        data = (run / name).read_bytes()
        (run / name).write_bytes(data[: int(len(data) * keep)])

    return damage


def _replace(name: str, data: bytes):
    def damage(run: Path):
        (run / name).write_bytes(data)

    return damage


def _sparse(name: str, size: int):
    def damage(run: Path):
        (run / name).unlink()
        with (run / name).open("wb") as file:
            file.truncate(size)

    return damage


def _remove(name: str):
    def damage(run: Path):
        (run / name).unlink()

    return damage


def _device(name: str):
    def damage(run: Path):
        (run / name).unlink()
        (run / name).symlink_to("/dev/zero")

    return damage


DAMAGE = {
    "summary-truncated": (_truncate("summary.json", 0.5), "summary.json", "not valid JSON"),
    "summary-empty": (_replace("summary.json", b""), "summary.json", "not valid JSON"),
    "summary-null": (_replace("summary.json", b"null\n"), "summary.json", "NoneType, not a JSON object"),
    "summary-list": (_replace("summary.json", b"[1, 2]\n"), "summary.json", "list, not a JSON object"),
    "summary-not-utf8": (_replace("summary.json", b'{"scenario": "\xff"}'), "summary.json", "not UTF-8"),
    "summary-huge": (_sparse("summary.json", 5 << 20), "summary.json", "larger than"),
    "summary-device": (_device("summary.json"), "summary.json", "not a regular file"),
    "summary-no-converged": (_drop_key("converged"), "summary.json", "missing key 'converged'"),
    "summary-no-goods": (_drop_key("consumer_goods"), "summary.json", "missing key 'consumer_goods'"),
    "summary-no-gap": (_drop_key("stock_gap_last_year"), "summary.json", "missing key 'stock_gap_last_year'"),
    "summary-text-flag": (_set_key("converged", "yes"), "summary.json", "converged = 'yes': must be bool"),
    "summary-bool-seed": (_set_key("seed", True), "summary.json", "seed = True: must be int"),
    "summary-goods-empty": (_set_key("consumer_goods", []), "summary.json", "consumer_goods = []"),
    "summary-unknown-good": (_set_key("consumer_goods", ["NOPE"]), "timeseries.parquet", "'NOPE'"),
    "timeseries-missing": (_remove("timeseries.parquet"), "timeseries.parquet", "missing"),
    "timeseries-garbage": (_replace("timeseries.parquet", b"garbage" * 100), "timeseries.parquet", "not a readable"),
    "timeseries-empty": (_replace("timeseries.parquet", b""), "timeseries.parquet", "not a readable"),
    "timeseries-truncated": (_truncate("timeseries.parquet", 0.5), "timeseries.parquet", "not a readable"),
    "timeseries-huge": (_sparse("timeseries.parquet", 2 << 30), "timeseries.parquet", "larger than"),
    "timeseries-other-schema": (
        _timeseries(lambda ts: pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})),
        "timeseries.parquet",
        "no column 'week'",
    ),
    "timeseries-text-values": (
        _timeseries(lambda ts: ts.assign(value=ts["value"].astype(str))),
        "timeseries.parquet",
        "column 'value'",
    ),
    "timeseries-no-stock": (
        _timeseries(lambda ts: ts[ts["variable"] != "stock"]),
        "timeseries.parquet",
        "no series 'stock'",
    ),
    "timeseries-no-gaps": (
        _timeseries(lambda ts: ts[ts["variable"] != "stock_gap"]),
        "timeseries.parquet",
        "no series 'stock_gap'",
    ),
    "timeseries-duplicated": (
        _timeseries(lambda ts: pd.concat([ts, ts.head(3)], ignore_index=True)),
        "timeseries.parquet",
        "appears twice",
    ),
}


@pytest.fixture(params=sorted(DAMAGE), ids=sorted(DAMAGE))
def damaged(request, good_run, tmp_path) -> tuple[Path, str, str]:
    """A copy of a good run with one kind of damage; the file it names and a phrase of the message."""
    damage, file, phrase = DAMAGE[request.param]
    run = tmp_path / "damaged-1"
    shutil.copytree(good_run, run)
    damage(run)
    return run, file, phrase


def test_read_run_refuses_damage_naming_the_file(damaged):
    run, file, phrase = damaged
    with pytest.raises(ResultsError) as info, address_space():  # a huge file read whole fails here, not the machine
        read_run(run)
    message = str(info.value)
    assert message.startswith(str(run / file) + ":"), message
    assert phrase in message
    assert "\n" not in message


def test_plot_and_compare_refuse_damage_with_one_line_before_printing_and_write_nothing(damaged, good_run):
    run, file, phrase = damaged
    figure = run.parent / "compare.png"
    before = listing(run.parent)
    for argv in (["plot", str(run)], ["compare", str(good_run), str(run), "--out", str(figure)]):
        with address_space():
            rc, out, err = call(argv)
        assert rc == 2, argv
        line = one_line(err)
        assert str(run / file) in line and phrase in line
        assert out == ""  # not half a table
        assert listing(run.parent) == before
    assert not figure.exists()


def test_every_key_the_readers_use_is_in_the_schema(good_run):
    summary = _summary(good_run)
    assert set(SUMMARY_SCHEMA) <= set(summary)
    for key, kinds in SUMMARY_SCHEMA.items():
        assert isinstance(summary[key], kinds), key


def test_plot_and_compare_of_a_missing_directory(tmp_path, good_run):
    missing = tmp_path / "nope"
    for argv in (["plot", str(missing)], ["compare", str(good_run), str(missing)]):
        rc, out, err = call(argv)
        assert rc == 2 and out == ""
        assert str(missing) in one_line(err) and "no such results directory" in err
    assert list(tmp_path.iterdir()) == []


def test_plot_removes_what_a_killed_redraw_left(good_run, tmp_path, monkeypatch):
    monkeypatch.setattr(sim.views.plots, "FIGURES", ("inequality",))  # the cheapest figure: the redraw is not the point
    run = tmp_path / "run-1"
    shutil.copytree(good_run, run)
    (run / ".gaps.png.tmp").write_bytes(b"\x89PNG half")
    rc, out, err = call(["plot", str(run)])
    assert rc == 0, err
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []
    assert out.split() == [str(run / "inequality.png")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1"]  # the lock is gone


def test_compare_writes_its_figure_atomically_exactly_where_named(good_run, tmp_path):
    figure = tmp_path / "cmp.png"
    rc, out, err = call(["compare", str(good_run), str(good_run), "--out", str(figure)])
    assert rc == 0, err
    assert figure.read_bytes().startswith(b"\x89PNG") and f"figure: {figure}" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp.png"]  # no temporary, no lock, no other format
    assert os.path.getsize(figure) > 0
