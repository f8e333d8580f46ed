"""Speed benchmark of the plan factory (``sim/economics/plan_factory.py``) against the bare SciPy calls.

Run from the repository root::

    .venv/bin/python benchmarks/plan_factory.py           # full run (dense, sparse up to n = 1e6, LP)
    .venv/bin/python benchmarks/plan_factory.py --quick   # skips sparse n = 1e6

Every case builds one system from a fixed seed and times, in the same run, the plan
factory and the bare SciPy call on that same system. Where the plan factory starts
from ``A`` (construction, construction + solve) the bare call starts from ``A`` too and
forms ``I − A`` inside the timed call; where the plan factory reuses what it built
(a solve) the bare call reuses ``I − A`` or its LU factors, built once. So the ratio
plan factory / bare is the plan factory's own overhead.

- dense n = 100, 1000: ``PlanFactory(Technology(A, l))`` (forms ``I − A``, factorises
  it) vs ``scipy.linalg.lu_factor(np.eye(n) − A)``; ``intermediate_targets(y)`` vs
  ``scipy.linalg.lu_solve(lu, y)``. The bare calls pass ``check_finite=False``, as the
  plan factory does. ``Technology(...)`` (dense eigenvalues) is timed on its own.
- sparse n = 1e4, 1e5, 1e6 (CSR, ~10 inputs per sector at random rows, every column
  summing to 0.9, so the spectral radius is 0.9): ``PlanFactory(...)`` construction,
  ``intermediate_targets(y)`` vs ``scipy.sparse.linalg.bicgstab(M, y, rtol=1e-10,
  atol=0)`` with ``M = I − A`` built once, and construction + solve vs
  ``bicgstab(I − A, y, ...)``. ``Technology(...)`` (which validates the matrix: entries
  and the spectral-radius bound) is timed separately and is not in the targets; the
  n = 1e5 and 1e6 targets are on construction + solve. Each sparse size runs in a
  fresh child interpreter so that its peak RSS is its own; the peak RSS of the
  plan-factory path (Technology + PlanFactory + one solve, A already resident) is read
  from ``VmHWM`` in ``/proc/self/status`` after resetting it through
  ``/proc/self/clear_refs``, or is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of the
  child where that reset is not possible; ``tracemalloc`` gives the plan factory's own
  allocations on top of ``A``. Each solve's relative residual ``‖y − (I − A) x‖ / ‖y‖``
  must be below 1e-8.
- activity analysis, 1,000 goods × 3,000 processes: ``PlanFactory.activity_analysis(
  targets, Processes(...), method="highs-ipm")`` vs ``scipy.optimize.linprog`` of the
  same LP with its matrices prebuilt (so building the LP from ``Processes`` counts as
  the plan factory's overhead); both must find the same least labour.

Times are medians over repeats (``time.perf_counter``, garbage collector off during
a repeat, plan factory and bare call alternated); sub-millisecond calls are looped
timeit-style so that one repeat lasts at least ~20 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.economics.economy import Technology  # noqa: E402
from sim.economics.plan_factory import PlanFactory, Processes  # noqa: E402

SEED = 20_251_127
INPUTS_PER_SECTOR = 10
COLUMN_SUM = 0.9
RTOL = 1e-10
RESIDUAL_LIMIT = 1e-8
OVERHEAD_LIMIT = 1.5
DENSE_SIZES = (100, 1_000)
SPARSE_SIZES = (10_000, 100_000, 1_000_000)
BUSY_LIMIT = 0.05  # warn when other processes used more than this share of the CPU during a case
MIN_REPEAT_TIME = 0.02  # seconds per repeat for fast calls (timeit-style loop)


# --- timing helpers ------------------------------------------------------------------------


def _loop(fn: Callable[[], object], number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def _number_for(fns: list[Callable[[], object]]) -> int:
    """Calls per repeat so that one repeat of the slowest function lasts ``MIN_REPEAT_TIME``."""
    for fn in fns:  # warm-up
        fn()
    est = max(_loop(fn, 1) for fn in fns)
    if est >= MIN_REPEAT_TIME:
        return 1
    est = max(_loop(fn, max(1, int(0.002 / max(est, 1e-9)))) for fn in fns)
    return max(1, math.ceil(MIN_REPEAT_TIME / est))


def median_times(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median per-call time of each function; the functions alternate within each repeat."""
    number = _number_for(fns)
    samples: list[list[float]] = [[] for _ in fns]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeat):
            order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
            for i in order:
                samples[i].append(_loop(fns[i], number))
    finally:
        if enabled:
            gc.enable()
    return [statistics.median(s) for s in samples]


class ForeignLoad:
    """CPU time used by *other* processes (and stolen by the hypervisor) while a case runs.

    ``fraction()`` is that time over wall time × cores, from ``/proc/stat`` minus this
    process's and its children's CPU time: a check that the timing run had the machine
    to itself (Linux only; ``nan`` elsewhere).
    """

    def __init__(self):
        self._start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                ticks = [int(v) for v in f.readline().split()[1:]]
        except OSError:
            return None
        busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
        t = os.times()
        return time.perf_counter(), busy, t.user + t.system + t.children_user + t.children_system

    def fraction(self) -> float:
        end = self._sample()
        if self._start is None or end is None:
            return float("nan")
        wall = end[0] - self._start[0]
        foreign = (end[1] - self._start[1]) - (end[2] - self._start[2])
        return max(0.0, foreign) / (wall * (os.cpu_count() or 1))


def rel_residual(M, x, y) -> float:
    return float(np.linalg.norm(y - M @ x) / np.linalg.norm(y))


# --- systems ---------------------------------------------------------------------------------


def dense_system(n: int, rng: np.random.Generator):
    A = rng.random((n, n))
    A *= COLUMN_SUM / A.sum(axis=0)
    return A, rng.uniform(0.5, 1.5, n), rng.uniform(1.0, 10.0, n)


def sparse_inputs(n_rows: int, n_cols: int, rng: np.random.Generator, column_sums) -> sp.csr_array:
    """``INPUTS_PER_SECTOR`` non-negative inputs per column at random rows, columns summing to ``column_sums``."""
    k = INPUTS_PER_SECTOR
    rows = rng.integers(0, n_rows, size=n_cols * k, dtype=np.int32)
    vals = rng.uniform(0.1, 1.0, size=(n_cols, k))
    vals *= np.reshape(column_sums, (-1, 1)) / vals.sum(axis=1, keepdims=True)
    indptr = np.arange(0, n_cols * k + 1, k, dtype=np.int32)
    m = sp.csc_array((vals.ravel(), rows, indptr), shape=(n_rows, n_cols))
    m.sum_duplicates()  # a row drawn twice in a column: summed, the column sum is unchanged
    return m.tocsr()


def sparse_system(n: int, rng: np.random.Generator):
    A = sparse_inputs(n, n, rng, np.full(n, COLUMN_SUM))
    return A, rng.uniform(0.5, 1.5, n), rng.uniform(1.0, 10.0, n)


# --- dense ----------------------------------------------------------------------------------


def dense_case(n: int, quick: bool) -> dict:
    rng = np.random.default_rng([SEED, n])
    A, labour, y = dense_system(n, rng)
    M = np.eye(n) - A
    (t_tech,) = median_times([lambda: Technology(A, labour)], repeat=3 if n >= 1000 else 15)
    tech = Technology(A, labour)
    repeat = 9 if quick else 25
    t_pf, t_lu = median_times(
        [lambda: PlanFactory(tech), lambda: la.lu_factor(np.eye(n) - A, check_finite=False)], repeat
    )
    pf = PlanFactory(tech)
    lu = la.lu_factor(M, check_finite=False)
    t_pf_solve, t_lu_solve = median_times(
        [lambda: pf.intermediate_targets(y), lambda: la.lu_solve(lu, y, check_finite=False)], repeat=repeat * 2
    )
    x_pf = pf.intermediate_targets(y)
    x_bare = la.lu_solve(lu, y, check_finite=False)
    return {
        "n": n,
        "technology": t_tech,
        "construct": (t_pf, t_lu),
        "solve": (t_pf_solve, t_lu_solve),
        "residual": (rel_residual(M, x_pf, y), rel_residual(M, x_bare, y)),
    }


# --- sparse (one child interpreter per size) -------------------------------------------------


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def sparse_case(n: int) -> dict:
    """Runs in a fresh interpreter (see :func:`run_sparse_child`); returns plain JSON-able figures."""
    rng = np.random.default_rng([SEED, n])
    A, labour, y = sparse_system(n, rng)
    gc.collect()
    rss_data_kb = _status_kb("VmRSS")

    # 1. memory of the plan-factory path: Technology + PlanFactory + one solve, untimed.
    hwm_reset = _reset_peak_rss()
    tracemalloc.start()
    tech = Technology(A, labour)
    pf = PlanFactory(tech)
    x_pf = pf.intermediate_targets(y)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak_rss_kb = _status_kb("VmHWM") if hwm_reset else None
    peak_rss_source = "VmHWM after clear_refs reset" if peak_rss_kb else "ru_maxrss (whole child)"
    if peak_rss_kb is None:
        peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del pf, tech
    gc.collect()

    # 2. times.
    M = (sp.identity(n, format="csr") - A).tocsr()  # the bare call's I − A, built once
    repeat = {10_000: 15, 100_000: 9}.get(n, 5)
    (t_tech,) = median_times([lambda: Technology(A, labour)], repeat)
    tech = Technology(A, labour)
    (t_construct,) = median_times([lambda: PlanFactory(tech)], repeat)
    pf = PlanFactory(tech)

    def bare(matrix=None):
        x, info = spla.bicgstab(M if matrix is None else matrix, y, rtol=RTOL, atol=0.0)
        if info != 0:
            raise RuntimeError(f"bicgstab info={info}")
        return x

    t_solve, t_bare = median_times([lambda: pf.intermediate_targets(y), bare], repeat)
    t_end_to_end, t_bare_from_A = median_times(
        [lambda: PlanFactory(tech).intermediate_targets(y), lambda: bare(sp.identity(n, format="csr") - A)], repeat
    )

    iterations = [0]

    def count(_xk):
        iterations[0] += 1

    x_bare, _ = spla.bicgstab(M, y, rtol=RTOL, atol=0.0, callback=count)
    return {
        "n": n,
        "nnz": int(A.nnz),
        "technology": t_tech,
        "construct": t_construct,
        "solve": (t_solve, t_bare),
        "end_to_end": (t_end_to_end, t_bare_from_A),
        "residual": (rel_residual(M, x_pf, y), rel_residual(M, x_bare, y)),
        "iterations": iterations[0],
        "rss_data_mb": (rss_data_kb or 0) / 1024,
        "peak_rss_mb": peak_rss_kb / 1024,
        "peak_rss_source": peak_rss_source,
        "child_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "traced_peak_mb": traced_peak / 2**20,
    }


def run_sparse_child(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--sparse-case", str(n)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"sparse case n={n} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- activity analysis ------------------------------------------------------------------------


def activity_case(quick: bool, n_goods: int = 1_000, per_good: int = 3) -> dict:
    rng = np.random.default_rng([SEED, n_goods, per_good])
    n_proc = n_goods * per_good
    produces = np.tile(np.arange(n_goods), per_good)  # process s·n_goods + g makes good g
    inputs = sparse_inputs(n_goods, n_proc, rng, rng.uniform(0.5, 0.9, n_proc))
    labour = rng.uniform(0.5, 2.0, n_proc)
    y = rng.uniform(1.0, 10.0, n_goods)
    # Generous capacities: twice the largest output any single set of processes would need.
    inputs_csc = inputs.tocsc()
    need = np.zeros(n_goods)
    for s in range(per_good):
        A_s = inputs_csc[:, s * n_goods : (s + 1) * n_goods].toarray()
        need = np.maximum(need, np.linalg.solve(np.eye(n_goods) - A_s, y))
    capacity = 2.0 * need[produces]
    processes = Processes(inputs, produces, labour, capacity)
    pf = PlanFactory(Technology(inputs_csc[:, :n_goods], labour[:n_goods]))

    # The same LP, built once for the bare call.
    outputs = sp.csr_array((np.ones(n_proc), (produces, np.arange(n_proc))), shape=(n_goods, n_proc))
    A_ub = -(outputs - inputs).tocsr()
    b_ub = -y
    bounds = np.column_stack([np.zeros(n_proc), capacity])

    def bare():
        return linprog(labour, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs-ipm")

    t_pf, t_bare = median_times(
        [lambda: pf.activity_analysis(y, processes, method="highs-ipm"), bare], repeat=5 if quick else 11
    )
    plan = pf.activity_analysis(y, processes, method="highs-ipm")
    res = bare()
    made = (outputs - inputs) @ plan.levels
    return {
        "goods": n_goods,
        "processes": n_proc,
        "time": (t_pf, t_bare),
        "feasible": plan.feasible and res.status == 0,
        "objective": (plan.labour, float(res.fun)),
        "shortfall": float(np.max(np.maximum(y - made, 0.0) / y)),
    }


# --- report -------------------------------------------------------------------------------------


def fmt_time(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.1f} µs"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.3f} s"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def build_rows(dense: list[dict], sparse: list[dict], lp: dict) -> list[dict]:
    """One row per figure: case, what, plan factory, bare, ratio, target, verdict."""
    rows = []

    def row(case, what, pf, bare=None, target="", ok=None, note=""):
        ratio = None if bare is None else pf / bare
        checks = []
        if ok is not None:
            checks.append(ok)
        if ratio is not None:
            checks.append(ratio < OVERHEAD_LIMIT)
            target = f"{target}; ratio < {OVERHEAD_LIMIT}" if target else f"ratio < {OVERHEAD_LIMIT}"
        rows.append(
            {
                "case": case,
                "what": what,
                "plan factory": pf if isinstance(pf, str) else fmt_time(pf),
                "bare": "—" if bare is None else fmt_time(bare),
                "ratio": "—" if ratio is None else f"{ratio:.2f}",
                "target": target or "—",
                "result": verdict(all(checks)) if checks else "",
                "note": note,
            }
        )

    for d in dense:
        case = f"dense n={d['n']:,}"
        res = f"residual {d['residual'][0]:.1e} / {d['residual'][1]:.1e}"
        row(case, "Technology(A, l) (validation, eigvals)", d["technology"])
        row(case, "PlanFactory(...) vs lu_factor(I − A)", *d["construct"])
        ok_res = max(d["residual"]) < RESIDUAL_LIMIT
        if d["n"] == 100:
            row(
                case,
                "intermediate_targets vs lu_solve",
                *d["solve"],
                "< 50 µs; res < 1e-8",
                d["solve"][0] < 50e-6 and ok_res,
                res,
            )
        else:
            row(case, "intermediate_targets vs lu_solve", *d["solve"], "res < 1e-8", ok_res, res)
    for s in sparse:
        n = s["n"]
        case = f"sparse n=1e{round(math.log10(n))} (nnz {s['nnz']:,})"
        row(case, "Technology(A, l) (validation, not in target)", s["technology"])
        row(case, "PlanFactory(...) (forms I − A)", s["construct"])
        res = f"residual {s['residual'][0]:.1e} / {s['residual'][1]:.1e}; {s['iterations']} it"
        ok_res = max(s["residual"]) < RESIDUAL_LIMIT
        row(case, "intermediate_targets vs bicgstab(M)", *s["solve"], "res < 1e-8", ok_res, res)
        limit = {100_000: 0.3, 1_000_000: 3.0}.get(n)
        if limit is None:
            row(case, "PlanFactory + intermediate_targets vs bicgstab(I − A)", *s["end_to_end"])
        else:
            row(
                case,
                "PlanFactory + intermediate_targets vs bicgstab(I − A)",
                *s["end_to_end"],
                f"< {limit:g} s",
                s["end_to_end"][0] < limit,
            )
        mem = f"{s['peak_rss_mb']:,.0f} MB"
        note = (
            f"{s['peak_rss_source']}; RSS before (interpreter + A, l, y) {s['rss_data_mb']:,.0f} MB; "
            f"plan factory's own allocations (tracemalloc) {s['traced_peak_mb']:,.0f} MB; "
            f"whole child {s['child_maxrss_mb']:,.0f} MB"
        )
        if n == 1_000_000:
            row(case, "peak RSS, Technology + PlanFactory + solve", mem, None, "< 2 GB", s["peak_rss_mb"] < 2048, note)
        else:
            row(case, "peak RSS, Technology + PlanFactory + solve", mem, None, note=note)
    case = f"activity analysis {lp['goods']:,} goods × {lp['processes']:,} processes"
    rel = abs(lp["objective"][0] - lp["objective"][1]) / abs(lp["objective"][1])
    note = (
        f"feasible {lp['feasible']}; labour {lp['objective'][0]:.6g} (rel. diff {rel:.1e}); short {lp['shortfall']:.1e}"
    )
    row(
        case,
        "activity_analysis vs linprog (highs-ipm)",
        *lp["time"],
        "< 1 s",
        lp["time"][0] < 1.0 and lp["feasible"] and rel < 1e-6,
        note,
    )
    return rows


def text_table(rows: list[dict]) -> str:
    keys = ["case", "what", "plan factory", "bare", "ratio", "target", "result"]
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
    lines = ["  ".join(k.ljust(widths[k]) for k in keys), "  ".join("-" * widths[k] for k in keys)]
    for r in rows:
        lines.append("  ".join(r[k].ljust(widths[k]) for k in keys) + (f"   [{r['note']}]" if r["note"] else ""))
    return "\n".join(lines)


def markdown_table(rows: list[dict]) -> str:
    keys = ["case", "what", "plan factory", "bare", "ratio", "target", "result", "note"]
    lines = ["| " + " | ".join(keys) + " |", "|" + "|".join("---" for _ in keys) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r[k] or " " for k in keys) + " |")
    return "\n".join(lines)


def environment() -> str:
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    mem = first("/proc/meminfo", "MemTotal")
    mem = f"{int(mem.split()[0]) / 2**20:.1f} GiB" if mem != "?" else mem
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs "
        f"({first('/proc/cpuinfo', 'model name')}), {mem} RAM; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}" + (f"; OPENBLAS_CORETYPE={coretype}" if coretype else "")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip sparse n = 1e6")
    parser.add_argument("--sparse-case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sparse_case is not None:
        print(json.dumps(sparse_case(args.sparse_case)))
        return 0

    t0 = time.perf_counter()
    load: dict[str, float] = {}

    def run(label, fn, *a):
        print(f"{label} …", file=sys.stderr, flush=True)
        meter = ForeignLoad()
        out = fn(*a)
        load[label] = meter.fraction()
        return out

    dense = [run(f"dense n={n:,}", dense_case, n, args.quick) for n in DENSE_SIZES]
    sizes = [n for n in SPARSE_SIZES if not (args.quick and n >= 1_000_000)]
    sparse = [run(f"sparse n=1e{round(math.log10(n))}", run_sparse_child, n) for n in sizes]
    lp = run("activity analysis", activity_case, args.quick)

    rows = build_rows(dense, sparse, lp)
    env = environment()
    busy = {k: v for k, v in load.items() if v > BUSY_LIMIT}
    load_line = "CPU used by other processes during each case: " + ", ".join(
        f"{k} {100 * v:.0f} %" for k, v in load.items()
    )
    print(env)
    print(text_table(rows))
    print(load_line)
    if busy:
        print(
            f"WARNING: other processes used > {100 * BUSY_LIMIT:.0f} % of the CPU during {', '.join(busy)}; "
            "times there are not trustworthy; rerun on a quiet machine."
        )
    print()
    print("```markdown")
    print(env)
    print()
    print(markdown_table(rows))
    print()
    print(load_line)
    print("```")
    passed = sum(r["result"] == "PASS" for r in rows)
    failed = sum(r["result"] == "FAIL" for r in rows)
    print(f"\n{passed} PASS, {failed} FAIL; {time.perf_counter() - t0:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
