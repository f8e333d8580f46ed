"""No write follows a symbolic link the user did not name (issue 25).

A hostile neighbour (or a careless user) plants links where councils writes: the lock file
beside an output, the temporaries of a figure or of a sweep's files, a sweep's
``timeseries/`` or ``parts/``, the output itself. Each case has a *victim*, a file or a
directory the link points at, whose content must be unchanged afterwards; the command either
runs without touching it or is refused with exit status 2 and one line on stderr, no
traceback, and nothing written.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest
from cli_call import call
from cli_forkserver import one_line

from sim.experiments.results import is_complete, read_run
from sim.experiments.sweep import load_sweep
from sim.experiments.sweep_store import compact, prepare, write_part
from sim.storage.atomic import clean_leftovers
from sim.storage.locks import LockError, lock_path, locked
from sim.storage.writes import WriteRefused, clear_temporaries, replacing

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "population.consumers=300", "--set", "population.councils=20", "--set", "population.communes=0"]
SECRET = b"the victim's own content\n"


def run_argv(out: Path, *extra: str) -> list[str]:
    return ["run", str(BASELINE), "--years", "0.02", *SMALL, "--no-plots", "--out", str(out), *extra]


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def victim(tmp_path) -> Path:
    """A file of the user's, outside every output, that no command may change."""
    path = tmp_path / "victim" / "precious.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def untouched(victim: Path):
    assert victim.read_bytes() == SECRET
    assert names(victim.parent) == [victim.name]


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("saved") / "r"
    rc, _, err = call(run_argv(out))
    assert rc == 0, err
    return out


@pytest.fixture
def results(tmp_path, saved_run) -> Path:
    """A complete result at ``tmp_path/out/r``."""
    target = tmp_path / "out" / "r"
    shutil.copytree(saved_run, target)
    return target


# --- locks ---------------------------------------------------------------------------------------------


def test_a_lock_file_linked_to_a_victim_is_refused_and_the_victim_kept(tmp_path, victim):
    out = tmp_path / "out" / "r"
    out.parent.mkdir()
    lock_path(out).symlink_to(victim)
    rc, stdout, err = call(run_argv(out))
    assert rc == 2 and stdout == ""
    assert "the lock file is a symbolic link" in one_line(err)
    untouched(victim)
    assert names(out.parent) == [".r.lock"]  # the planted link, and nothing of ours


def test_a_lock_file_hard_linked_to_a_victim_is_refused_and_the_victim_kept(tmp_path, victim):
    out = tmp_path / "r"
    os.link(victim, lock_path(out))
    with pytest.raises(LockError, match="a hard link"), locked(out):
        pass
    untouched(victim)


def test_the_analysis_lock_linked_to_a_victim_is_refused_and_the_victim_kept(tmp_path, victim):
    out = finished_sweep(tmp_path)
    (out / ".analysis.lock").symlink_to(victim)
    rc, _, err = call(["analyse", str(out), "--outcome", "converged"])
    assert rc == 2 and "the lock file is a symbolic link" in one_line(err)
    untouched(victim)
    assert not (out / "analysis").exists()


# --- outputs that are links -------------------------------------------------------------------------------


def test_a_run_out_that_is_a_link_is_refused_and_leaves_nothing(tmp_path, results):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(results, elsewhere)
    before = {p.name: p.read_bytes() for p in elsewhere.iterdir()}
    link = tmp_path / "link"
    link.symlink_to(elsewhere, target_is_directory=True)
    rc, _, err = call(run_argv(link, "--seed", "2"))
    assert rc == 2 and f"--out {link}: is a symbolic link" in one_line(err)
    assert {p.name: p.read_bytes() for p in elsewhere.iterdir()} == before
    assert names(tmp_path) == ["elsewhere", "link", "out"]  # no .link.new-…, no lock


def test_a_leftover_that_is_a_link_is_unlinked_not_followed_and_counted_truly(results, tmp_path, victim):
    planted = results.parent / ".r.new-123-deadbeef"
    planted.symlink_to(victim.parent, target_is_directory=True)
    notes = clean_leftovers(results, is_complete)
    assert notes == [f"{results}: removed 1 partial result(s) left by killed writers"]
    assert not os.path.lexists(planted)
    untouched(victim)
    assert clean_leftovers(results, is_complete) == []  # nothing claimed that is not there


def test_plot_of_a_results_directory_that_is_a_link_is_refused(results, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(results, target_is_directory=True)
    before = names(results)
    rc, _, err = call(["plot", str(link)])
    assert rc == 2 and "is a symbolic link" in one_line(err)
    assert names(results) == before


def test_drawing_a_figure_never_writes_through_a_planted_temporary(results, victim, monkeypatch):
    """The temporary a redraw used had a fixed name: a link planted there after the cleanup was written through."""
    import sim.views.plots

    monkeypatch.setattr(sim.views.plots, "FIGURES", ("inequality",))
    (results / ".inequality.png.tmp").symlink_to(victim)
    sim.views.plots.draw_all(*read_run(results), results)
    untouched(victim)
    png = results / "inequality.png"
    assert not png.is_symlink() and png.read_bytes().startswith(b"\x89PNG")


# --- compare --out ------------------------------------------------------------------------------------------


def test_compare_never_writes_through_a_planted_temporary(saved_run, tmp_path, victim):
    figure = tmp_path / "cmp.png"
    (tmp_path / ".cmp.png.tmp").symlink_to(victim)  # the fixed name compare used to write through
    rc, _, err = call(["compare", str(saved_run), "--out", str(figure)])
    assert rc == 0, err
    untouched(victim)
    assert not figure.is_symlink() and figure.read_bytes().startswith(b"\x89PNG")
    assert names(tmp_path) == ["cmp.png", "victim"]  # the stale temporaries cleared, no lock left


@pytest.mark.parametrize(
    ("out", "phrase"),
    [
        ("full", "no extension"),  # the audit's /dev/full, whose extension was replaced: /dev/full.png was written
        ("fig.txt", "extension '.txt'"),
        ("missing/fig.png", "no directory"),
    ],
)
def test_compare_out_is_written_where_named_or_refused(saved_run, tmp_path, out, phrase):
    target = tmp_path / out
    if out == "full":
        os.mkfifo(target)  # a device-like file, inside tmp_path
    before = names(tmp_path)
    rc, stdout, err = call(["compare", str(saved_run), "--out", str(target)])
    assert rc == 2 and stdout == ""
    assert f"--out {target}: {phrase}" in one_line(err)
    assert names(tmp_path) == before


def test_compare_out_that_is_a_device_a_directory_or_a_link_is_refused(saved_run, tmp_path, victim):
    (tmp_path / "dir.png").mkdir()
    (tmp_path / "link.png").symlink_to(victim)
    os.mkfifo(tmp_path / "pipe.png")
    for target, phrase in (
        (tmp_path / "dir.png", "is a directory"),
        (tmp_path / "link.png", "is a symbolic link"),
        (tmp_path / "pipe.png", "is a named pipe"),
    ):
        rc, _, err = call(["compare", str(saved_run), "--out", str(target)])
        assert rc == 2 and phrase in one_line(err), err
    untouched(victim)
    assert names(tmp_path) == ["dir.png", "link.png", "pipe.png", "victim"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe.png").st_mode)


@pytest.mark.parametrize(("ext", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF"), ("PNG", b"\x89PNG")])
def test_compare_writes_the_format_of_the_extension_named(saved_run, tmp_path, ext, magic):
    figure = tmp_path / f"cmp.{ext}"
    rc, out, err = call(["compare", str(saved_run), "--out", str(figure)])
    assert rc == 0, err
    assert figure.read_bytes().startswith(magic)
    assert names(tmp_path) == [figure.name] and out.rstrip().endswith(f"figure: {figure}")


# --- sweeps ---------------------------------------------------------------------------------------------------


def sweep_file(tmp_path: Path, timeseries: bool = False) -> Path:
    file = tmp_path / "s.toml"
    file.write_text(
        f'name = "s"\nbase = "{BASELINE}"\nseed = 5\ntimeseries = {str(timeseries).lower()}\n'
        '[grid]\n"prices.response" = [1.0, 2.0]\n[set]\n"population.consumers" = 300\n'
        '"population.councils" = 20\n"population.communes" = 0\nyears = 0.02\n',
        encoding="utf-8",
    )
    return file


def finished_sweep(tmp_path: Path) -> Path:
    """A finished sweep of two runs whose rows the test writes (no model runs)."""
    sweep = load_sweep(sweep_file(tmp_path))
    out = tmp_path / "sweep"
    prepare(out, sweep, resume=False)
    rows = [
        {"run_id": r.run_id, "replicate": r.replicate, "seed": r.seed, **r.params, "weeks": 52, "converged": k == 0}
        | {"converged_week": 10 if k == 0 else None, "error": None}
        for k, r in enumerate(sweep.runs)
    ]
    write_part(out, rows)
    compact(out, [r.run_id for r in sweep.runs])
    return out


@pytest.mark.parametrize("sub", ["timeseries", "parts"])
def test_a_sweeps_subdirectory_that_is_a_link_is_refused_before_anything_runs(tmp_path, sub):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "sweep"
    out.mkdir()
    (out / sub).symlink_to(elsewhere, target_is_directory=True)
    rc, _, err = call(["sweep", str(sweep_file(tmp_path, timeseries=True)), "--workers", "1", "--out", str(out)])
    assert rc == 2 and f"{out / sub}: is a symbolic link" in one_line(err)
    assert names(elsewhere) == [] and names(out) == [sub]
    assert names(tmp_path) == ["elsewhere", "s.toml", "sweep"]


def test_a_sweep_out_that_is_a_link_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere, target_is_directory=True)
    rc, _, err = call(["sweep", str(sweep_file(tmp_path)), "--workers", "1", "--out", str(link)])
    assert rc == 2 and f"--out {link}: is a symbolic link" in one_line(err)
    assert names(elsewhere) == []


def test_a_sweep_never_writes_through_planted_temporaries(tmp_path, victim):
    """The temporaries of a part and of runs.parquet had fixed names: links planted there were written through."""
    sweep = load_sweep(sweep_file(tmp_path))
    out = tmp_path / "sweep"
    prepare(out, sweep, resume=False)
    rows = [{"run_id": r.run_id, "replicate": r.replicate, "seed": r.seed, "error": None} for r in sweep.runs]
    part = hashlib.sha1("".join(sorted(r["run_id"] for r in rows)).encode()).hexdigest()[:16]
    (out / "parts").mkdir()
    for planted in (out / ".runs.parquet.tmp", out / "parts" / f".{part}.tmp"):
        planted.symlink_to(victim)
    write_part(out, rows)
    compact(out, [r.run_id for r in sweep.runs])
    untouched(victim)
    assert not (out / "runs.parquet").is_symlink() and (out / "parts" / f"{part}.parquet").is_file()
    with locked(out):
        prepare(out, sweep, resume=True)  # what a killed sweep left is cleared: the links unlinked, not followed
    untouched(victim)
    assert sorted(p.name for p in out.rglob("*.tmp")) == []


# --- the helper itself ---------------------------------------------------------------------------------------


def test_replacing_creates_a_unique_temporary_and_leaves_the_target_whole_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing(target) as file:
        file.write(b"half")
        assert names(tmp_path)[0].startswith(".f.txt.") and names(tmp_path)[0].endswith(".tmp")
        raise RuntimeError("killed")
    assert target.read_text(encoding="utf-8") == "old" and names(tmp_path) == ["f.txt"]


def test_replacing_refuses_a_target_that_is_a_link(tmp_path, victim):
    target = tmp_path / "f.txt"
    target.symlink_to(victim)
    with pytest.raises(WriteRefused, match="is a symbolic link"), replacing(target) as file:
        file.write(b"never")
    untouched(victim)


def test_clearing_temporaries_unlinks_links_and_keeps_what_is_not_ours(tmp_path, victim):
    (tmp_path / ".a.png.1-0123abcd.tmp").symlink_to(victim)
    (tmp_path / ".b.tmp").write_text("half", encoding="utf-8")
    (tmp_path / "notes.tmp").write_text("mine", encoding="utf-8")
    (tmp_path / ".dir.tmp").mkdir()
    assert clear_temporaries(tmp_path) == 2
    assert names(tmp_path) == [".dir.tmp", "notes.tmp", "victim"]
    untouched(victim)
