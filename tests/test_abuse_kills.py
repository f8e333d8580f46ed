"""kill -9 under abuse (issue 15, cases 4 and 8): a killed run or sweep loses nothing it had finished.

A run is killed at random moments (at least 20 times: anywhere, while writing, while plotting);
after each kill ``--out`` holds the old complete result, the new complete result, or nothing
(if there was no old one). A sweep's main process is killed at random moments (at least 5
times); after each, none of its workers survives, and what it wrote is readable. The next
writer cleans up what the killed ones left. Runs are tiny and forked from a warm process
(``cli_forkserver``), so twenty kills take seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.results import read_run
from sim.experiments.sweep_store import PARTS_DIR, RUNS_FILE
from sim.views.plots import FIGURES

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "population.consumers=300", "--set", "population.councils=20", "--set", "population.communes=0"]
DATA_FILES = ("summary.json", "timeseries.parquet", "scenario.toml", "price_log.csv", "manifest.json")
KILLS = 20
SWEEP_KILLS = 5


def run_argv(out: Path, seed: int, plots: bool) -> list[str]:
    return ["run", str(BASELINE), "--years", "0.04", *SMALL, "--seed", str(seed), "--out", str(out)] + (
        [] if plots else ["--no-plots"]
    )


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def building(out: Path) -> Path | None:
    """The hidden directory a writer of ``out`` is building, if any."""
    return next(iter(sorted(out.parent.glob(f".{out.name}.new-*"))), None)


def wait_for(condition, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.001)
    return None


def kill(pid: int):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def check_old_new_or_nothing(out: Path, old: dict[str, bytes] | None, new_seed: int, plots: bool):
    """After a kill: the old result untouched, a complete new one, or nothing where there was nothing."""
    if not out.exists():
        assert old is None, "the old result is gone"
        return
    if old is not None and snapshot(out) == old:
        return
    summary, _ = read_run(out)  # complete and readable
    assert summary["seed"] == new_seed
    for name in DATA_FILES:
        assert (out / name).is_file(), name
    if plots:
        for figure in (f for f in FIGURES if f != "decisions"):  # the baseline votes on nothing
            for ext in ("png", "svg"):
                assert (out / f"{figure}.{ext}").stat().st_size > 0, figure


def test_runs_killed_at_random_moments_leave_old_new_or_nothing(forkserver, tmp_path):
    rng = random.Random(15)
    out = tmp_path / "results" / "r"
    start = time.monotonic()
    reference = forkserver.run(run_argv(out, 1, plots=False), tmp_path)
    assert reference.status == 0, reference.stderr
    whole = time.monotonic() - start
    old = snapshot(out)
    moments = {
        "anywhere": lambda: time.sleep(rng.uniform(0, 1.2 * whole)),
        # the writing takes a few hundredths of a second in a forked writer: kill within its first 20 ms
        "writing": lambda: wait_for(lambda: building(out)) and time.sleep(rng.uniform(0, 0.02)),
        "plotting": lambda: (
            wait_for(lambda: (b := building(out)) and (b / "manifest.json").exists())
            and time.sleep(rng.uniform(0, 1.0))
        ),
    }
    plan = ["anywhere"] * 8 + ["writing"] * 6 + ["plotting"] * 6
    killed = {name: 0 for name in moments}
    attempts = 0
    while sum(killed.values()) < KILLS and attempts < 2 * KILLS:
        moment = plan[attempts % len(plan)]
        attempts += 1
        had_old = rng.random() < 0.5
        shutil.rmtree(out, ignore_errors=True)
        if had_old:
            out.mkdir(parents=True)
            for name, data in old.items():
                (out / name).write_bytes(data)
        pid = forkserver.start(run_argv(out, 2, plots=moment == "plotting"), tmp_path)
        moments[moment]()
        kill(pid)
        result = forkserver.finish(timeout=60)
        assert "Traceback" not in result.stderr
        if result.status == -signal.SIGKILL:
            killed[moment] += 1
        check_old_new_or_nothing(out, old if had_old else None, 2, plots=moment == "plotting")
    assert sum(killed.values()) >= KILLS, killed
    assert killed["writing"] >= 3 and killed["plotting"] >= 3, killed

    final = forkserver.run(run_argv(out, 3, plots=False), tmp_path)  # the next writer cleans up
    assert final.status == 0, final.stderr
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == 3
    assert sorted(p.name for p in out.parent.iterdir()) == ["r"]  # no temporary, no stale lock


# --- a sweep's main process --------------------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def sweep_file(tmp_path) -> Path:
    path = tmp_path / "k.toml"
    path.write_text(
        f'name = "k"\nbase = "{BASELINE}"\nseed = 3\nreplicates = 3\n[grid]\n"prices.response" = [0.5, 1.0, 2.0]\n'
        '[set]\n"population.consumers" = 300\n"population.councils" = 20\n"population.communes" = 0\nyears = 1\n',
        encoding="utf-8",
    )
    return path


def test_killed_sweeps_leave_no_worker_and_a_readable_directory(forkserver, tmp_path, sweep_file):
    """At least five kills of a sweep in progress; each resumed, until the last resume finishes it.

    A sweep can finish before the moment drawn to kill it (its nine runs take about a second);
    that is not a kill: the directory is cleared and the sweep starts again.
    """
    rng = random.Random(4)
    out = tmp_path / "sw"
    orphans: set[int] = set()
    kills = attempts = 0
    try:
        while kills < SWEEP_KILLS and attempts < 4 * SWEEP_KILLS:
            attempts += 1
            resume = ["--resume"] if out.exists() else []
            pid = forkserver.start(["sweep", str(sweep_file), "--workers", "2", "--out", str(out), *resume], tmp_path)
            workers = wait_for(lambda pid=pid: children(pid), timeout=60)
            if workers:
                time.sleep(rng.uniform(0, 0.6))
                workers = children(pid) | workers
                kill(pid)
            result = forkserver.finish(timeout=60)
            if result.status == 0:  # finished before the kill (or had nothing left to run)
                assert len(pd.read_parquet(out / RUNS_FILE)) == 9
                shutil.rmtree(out)
                continue
            assert result.status == -signal.SIGKILL, result.stderr
            kills += 1
            survivors = wait_for(lambda w=workers: not any(alive(p) for p in w), timeout=10)
            orphans |= {p for p in workers if alive(p)}
            assert survivors, f"workers {sorted(p for p in workers if alive(p))} outlived the sweep"
            meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
            assert meta["name"] == "k"
            for part in (out / PARTS_DIR).glob("*.parquet"):
                assert not pd.read_parquet(part).empty
            if (out / RUNS_FILE).exists():
                assert len(pd.read_parquet(out / RUNS_FILE)) <= 9
        assert kills >= SWEEP_KILLS, f"{kills} kills in {attempts} attempts"
        done = forkserver.run(["sweep", str(sweep_file), "--resume", "--workers", "2", "--out", str(out)], tmp_path)
        assert done.status == 0, done.stderr
        runs = pd.read_parquet(out / RUNS_FILE)
        assert len(runs) == 9 and runs["run_id"].is_unique and runs["error"].isna().all()
    finally:
        for orphan in orphans:
            kill(orphan)
