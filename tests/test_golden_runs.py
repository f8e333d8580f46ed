"""The layout of ``sim/`` into packages changed no result, bit for bit (issue 21).

Every shipped scenario at 3,000 persons, seeds 1 and 2, and two short sweeps (every regime
under the first transition conditions, and the first runs of a Saltelli design) were run
through the command line on the commit before the move; their ``summary.json``,
``timeseries.parquet``, ``decisions.json``, ``price_log.csv`` and the sweeps'
``runs.parquet`` are kept in ``tests/golden/``. The same commands now must give the same
files as tables, to the last bit (``runtime_s`` aside). The test goes once the move is done.

``python tests/test_golden_runs.py`` records them again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
SEEDS = (1, 2)
RUNS = [(name, seed) for name in SCENARIOS for seed in SEEDS]
SWEEPS = {
    "regimes": ["--years", "1", "--replicates", "1", "--limit", "16", "--keep-timeseries"],
    "what_decides": ["--years", "1", "--limit", "12"],
}
RUN_FILES = ("summary.json", "timeseries.parquet", "decisions.json", "price_log.csv")


def councils(*args: str):
    subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, check=True, capture_output=True, timeout=600)


def run(name: str, seed: int, out: Path):
    councils(
        "run", f"scenarios/{name}.toml", "--seed", str(seed), "--set", "population.consumers=3000",
        "--out", str(out), "--no-plots",
    )  # fmt: skip


def sweep(name: str, out: Path):
    councils("sweep", f"scenarios/sweeps/{name}.toml", "--workers", "2", "--out", str(out), *SWEEPS[name])


def without_runtime(path: Path):
    if path.suffix == ".json":
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, dict):
            data.pop("runtime_s", None)
        return data
    if path.suffix == ".parquet":
        return pd.read_parquet(path).drop(columns=["runtime_s"], errors="ignore")
    return path.read_text("utf-8")


def assert_same(now: Path, then: Path):
    a, b = without_runtime(now), without_runtime(then)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    else:
        assert a == b, now.name


@pytest.mark.parametrize(("name", "seed"), RUNS, ids=[f"{n}-{s}" for n, s in RUNS])
def test_a_shipped_scenario_gives_its_golden_run(name, seed, tmp_path):
    run(name, seed, tmp_path / "run")
    for file in RUN_FILES:
        if (GOLDEN / f"{name}-{seed}" / file).exists() or (tmp_path / "run" / file).exists():
            assert_same(tmp_path / "run" / file, GOLDEN / f"{name}-{seed}" / file)


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_a_short_sweep_gives_its_golden_runs(name, tmp_path):
    sweep(name, tmp_path / "sweep")
    assert_same(tmp_path / "sweep" / "runs.parquet", GOLDEN / f"sweep-{name}" / "runs.parquet")


def record():
    shutil.rmtree(GOLDEN, ignore_errors=True)
    scratch = GOLDEN.with_name("golden.tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    for name, seed in RUNS:
        run(name, seed, scratch / f"{name}-{seed}")
        (GOLDEN / f"{name}-{seed}").mkdir(parents=True)
        for file in RUN_FILES:
            if (scratch / f"{name}-{seed}" / file).exists():
                shutil.copy(scratch / f"{name}-{seed}" / file, GOLDEN / f"{name}-{seed}" / file)
    for name in SWEEPS:
        sweep(name, scratch / f"sweep-{name}")
        (GOLDEN / f"sweep-{name}").mkdir(parents=True)
        shutil.copy(scratch / f"sweep-{name}" / "runs.parquet", GOLDEN / f"sweep-{name}" / "runs.parquet")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    record()
