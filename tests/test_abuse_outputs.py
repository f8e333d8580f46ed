"""Outputs and locks under abuse (issue 15, cases 3, 8 and the output points of 12).

An output directory is locked while it is written: a second writer is refused with one line,
a lock left by a dead writer is taken over. What killed writers leave beside ``--out`` is
cleaned by the next writer (or a result they moved aside is put back). The old result is
swapped for the new one in one step, and the figures are part of the new result.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from cli_call import call
from cli_forkserver import one_line

import sim.storage.atomic
import sim.views.plots
from sim.experiments.results import is_complete
from sim.storage.atomic import clean_leftovers
from sim.storage.locks import lock_path, locked
from sim.views.cli import main

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "population.consumers=300", "--set", "population.councils=20", "--set", "population.communes=0"]
DATA_FILES = ("summary.json", "timeseries.parquet", "scenario.toml", "price_log.csv", "manifest.json")


def run_argv(out: Path, *extra: str, plots: bool = False) -> list[str]:
    return [
        "run",
        str(BASELINE),
        "--years",
        "0.02",
        *SMALL,
        "--out",
        str(out),
        *extra,
        *([] if plots else ["--no-plots"]),
    ]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def seed_of(run: Path) -> int:
    return json.loads((run / "summary.json").read_text(encoding="utf-8"))["seed"]


@pytest.fixture(scope="module")
def old_result(tmp_path_factory) -> Path:
    """A complete result (seed 1, no figures) to copy as the old result at ``--out``."""
    out = tmp_path_factory.mktemp("old") / "r"
    rc, _, err = call(run_argv(out, "--seed", "1"))
    assert rc == 0, err
    return out


@pytest.fixture
def out(tmp_path, old_result) -> Path:
    """``--out`` holding the old result."""
    target = tmp_path / "results" / "r"
    shutil.copytree(old_result, target)
    return target


# --- one writer at a time (case 3) -------------------------------------------------------------------------


def test_a_second_writer_is_refused_with_one_line_while_the_first_holds_the_lock(out):
    before = snapshot(out)
    with locked(out):
        rc, stdout, err = call(run_argv(out, "--seed", "2"))
    assert rc == 2 and stdout == ""
    line = one_line(err)
    assert f"--out {out}: being written by another councils process (pid {os.getpid()} on " in line
    assert "week/s" not in err  # refused before the simulation
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_two_runs_at_once_leave_one_complete_result_of_one_seed(forkserver, tmp_path):
    """The audit's case: two runs on one --out mixed the summary of one seed with the figures of the other.

    The second is now refused while the first writes; figures are inside the atomic result
    (``test_figures_are_part_of_the_atomic_result``), so they cannot come from another run.
    """
    import sim.model  # noqa: F401  (imported before the race: the second writer must be refused in well under a second)

    out = tmp_path / "r"
    long_run = ["run", str(BASELINE), "--seed", "1"]  # 20,000 people for 3 years: seconds, against 0.3 s to refuse
    forkserver.start([*long_run, "--no-plots", "--out", str(out)], tmp_path)
    assert wait_for(lambda: lock_path(out).exists()), "the first writer never took its lock"
    rc, _, err = call(run_argv(out, "--seed", "2"))
    first = forkserver.finish(timeout=180)
    assert first.status == 0, first.stderr
    assert rc == 2 and "being written by another councils process" in one_line(err)
    assert seed_of(out) == 1
    assert "seed = 1" in (out / "scenario.toml").read_text(encoding="utf-8").splitlines()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("out-", "err-"))) == ["r"]


def wait_for(condition, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.002)
    return False


def test_a_lock_left_by_a_dead_writer_is_taken_over(out):
    lock_path(out).write_text("pid 999999 on nowhere, since 2020-01-01T00:00:00\n", encoding="utf-8")
    rc, _, err = call(run_argv(out, "--seed", "2"))
    assert rc == 0, err
    assert "took over the lock of a writer that died (pid 999999 on nowhere" in err
    assert seed_of(out) == 2
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_plot_is_refused_while_the_directory_is_written(out):
    with locked(out):
        rc, stdout, err = call(["plot", str(out)])
    assert rc == 2 and stdout == "" and "being written" in one_line(err)
    assert not any(p.suffix == ".png" for p in out.iterdir())


def test_a_sweep_is_refused_while_its_directory_is_written(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'base = "{BASELINE}"\n[grid]\n"prices.response" = [1.0]\n', encoding="utf-8")
    target = tmp_path / "sw"
    with locked(target):
        rc, _, err = call(["sweep", str(sweep), "--out", str(target)])
    assert rc == 2 and "being written by another councils process" in one_line(err)
    assert not target.exists()


# --- what killed writers leave (case 8) ---------------------------------------------------------------------


def test_partial_results_of_killed_writers_are_removed_by_the_next_writer(out):
    parent = out.parent
    (parent / ".r.new-123-deadbeef").mkdir()
    (parent / ".r.new-123-deadbeef" / "timeseries.parquet").write_bytes(b"PAR1 half")
    (parent / ".r.old-77-0123abcd").mkdir()  # an old result moved aside; --out exists, so it is stale
    (parent / ".r.4242.cafe0123").mkdir()  # the name an earlier version gave its temporaries
    (parent / ".r.notes").write_text("mine\n", encoding="utf-8")  # not ours: kept
    rc, _, err = call(run_argv(out, "--seed", "2"))
    assert rc == 0, err
    assert "removed 3 partial result(s) left by killed writers" in err
    assert sorted(p.name for p in parent.iterdir()) == [".r.notes", "r"]
    assert seed_of(out) == 2


def test_a_result_moved_aside_by_a_writer_killed_between_two_renames_is_restored(out, old_result):
    """Where RENAME_EXCHANGE is missing the swap takes two renames; a kill between them hides the old result."""
    aside = out.parent / ".r.old-99-abcdef12"
    out.rename(aside)
    notes = clean_leftovers(out, is_complete)
    assert notes == [f"{out}: restored the complete result a killed writer had moved aside"]
    assert snapshot(out) == snapshot(old_result)
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_an_incomplete_directory_moved_aside_is_not_restored(out):
    aside = out.parent / ".r.old-99-abcdef12"
    out.rename(aside)
    (aside / "timeseries.parquet").write_bytes(b"garbage")
    assert clean_leftovers(out, is_complete) == [f"{out}: removed 1 partial result(s) left by killed writers"]
    assert not out.exists() and list(out.parent.iterdir()) == []


# --- the swap and the figures (case 8) -------------------------------------------------------------------


def test_figures_are_part_of_the_atomic_result(out, monkeypatch):
    before = snapshot(out)
    draw = sim.views.plots.draw_all

    def draw_then_fail(summary, ts, directory):
        monkeypatch.setattr(sim.views.plots, "FIGURES", ("inequality",))
        draw(summary, ts, directory)  # one figure is in the new result being built …
        raise RuntimeError("killed while plotting")  # … when plotting stops

    monkeypatch.setattr(sim.views.plots, "draw_all", draw_then_fail)
    with pytest.raises(RuntimeError, match="killed while plotting"):
        main(run_argv(out, "--seed", "2", plots=True))
    assert snapshot(out) == before  # the old result, whole; no figure of the new run in it
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_the_swap_leaves_the_new_result_when_stopped_while_removing_the_old(out, monkeypatch):
    def stop(path, ignore_errors=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.storage.atomic.shutil, "rmtree", stop)
    rc, _, err = call(run_argv(out, "--seed", "2"))
    monkeypatch.undo()
    assert rc == 130 and "interrupted" in err
    assert seed_of(out) == 2 and is_complete(out)
    assert all((out / name).is_file() for name in DATA_FILES)
    leftovers = [p.name for p in out.parent.iterdir() if p.name != "r"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".r.new-")  # the old result, under a hidden name
    rc, _, err = call(run_argv(out, "--seed", "3"))
    assert rc == 0 and "removed 1 partial result(s)" in err
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]


def test_a_new_result_never_leaves_out_without_a_result(out, monkeypatch):
    """Between the old and the new result there is no instant without one: the swap is one exchange."""
    seen = []
    exchange = sim.storage.atomic._exchange

    def watched(new, target):
        seen.append(is_complete(target))
        done = exchange(new, target)
        seen.append(is_complete(target))
        return done

    monkeypatch.setattr(sim.storage.atomic, "_exchange", watched)
    rc, _, err = call(run_argv(out, "--seed", "2"))
    assert rc == 0, err
    assert seen == [True, True] and seed_of(out) == 2


# --- where nothing can be written (case 12) --------------------------------------------------------------


def test_an_unwritable_out_is_refused_before_the_simulation(tmp_path):
    if os.geteuid() == 0:
        target = Path("/sys/councils-abuse-test/r")  # root writes anywhere but in /sys
    else:
        locked_dir = tmp_path / "ro"
        locked_dir.mkdir(mode=0o500)
        target = locked_dir / "sub" / "r"
    rc, stdout, err = call(run_argv(target))
    assert rc == 2 and stdout == ""
    line = one_line(err)
    assert f"--out {target}: cannot write there" in line
    assert "week/s" not in err
    assert not target.parent.exists()


def test_sweep_out_into_a_directory_that_is_not_a_sweep_is_refused(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious\n", encoding="utf-8")
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'base = "{BASELINE}"\n[grid]\n"prices.response" = [1.0]\n', encoding="utf-8")
    rc, _, err = call(["sweep", str(sweep), "--workers", "1", "--out", str(mine)])
    assert rc == 2 and "exists and is not a sweep" in one_line(err)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "s.toml"]
