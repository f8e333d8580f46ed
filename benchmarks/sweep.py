"""Sweep machinery: 200 short runs with 1 and with 2 local workers, in one invocation.

Usage::

    .venv/bin/python benchmarks/sweep.py [--runs 200] [--years 0.5] [--consumers 2000]

Reports wall time per worker count, the speed-up, and the machinery's overhead: the
workers' busy time not spent inside the runs themselves (process start-up, task
dispatch, Parquet parts, compaction), as a share of the runs' own time
(``Σ runtime_s``): ``(workers × wall − Σ runtime_s) / Σ runtime_s``.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.experiments.sweep import load_sweep, run_sweep

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def sweep_file(directory: Path, runs: int, years: float, consumers: int) -> Path:
    side = math.ceil(math.sqrt(runs))
    responses = [round(0.25 + 3.75 * k / (side - 1), 4) for k in range(side)]
    rebuild = [round(1 + 15 * k / (side - 1), 4) for k in range(side)]
    path = directory / "bench.toml"
    path.write_text(
        f'name = "bench"\nbase = "{SCENARIOS / "baseline.toml"}"\nseed = 1\nreplicates = 1\n'
        f'[grid]\n"prices.response" = {responses}\n"readjustment.rebuild_weeks" = {rebuild}\n'
        f'[set]\nyears = {years}\n"population.consumers" = {consumers}\n"population.councils" = 40\n'
        f'"population.communes" = 5\n',
        encoding="utf-8",
    )
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--years", type=float, default=0.5)
    parser.add_argument("--consumers", type=int, default=2000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = load_sweep(sweep_file(tmp, args.runs, args.years, args.consumers))
        for workers in (1, 2):
            start = time.perf_counter()
            with ProcessPoolExecutor(max_workers=workers) as pool:
                runs = run_sweep(sweep, tmp / f"out{workers}", pool, limit=args.runs)
            wall = time.perf_counter() - start
            own = float(runs["runtime_s"].sum())
            results[workers] = (wall, own, runs)
            print(
                f"{workers} worker(s): {len(runs)} runs in {wall:.1f} s; runs' own time {own:.1f} s; "
                f"overhead {100 * (workers * wall - own) / own:.1f} %"
            )
        a = results[1][2].drop(columns=["runtime_s"]).reset_index(drop=True)
        b = results[2][2].drop(columns=["runtime_s"]).reset_index(drop=True)
        print(f"same rows with 1 and 2 workers: {a.equals(b)}")
    speedup = results[1][0] / results[2][0]
    overhead = (results[1][0] - results[1][1]) / results[1][1]
    print(f"speed-up 2 workers vs 1: {speedup:.2f}× (target ≥ 1.8×) {'PASS' if speedup >= 1.8 else 'FAIL'}")
    print(f"overhead with 1 worker: {100 * overhead:.1f} % (target < 5 %) {'PASS' if overhead < 0.05 else 'FAIL'}")


if __name__ == "__main__":
    main()
