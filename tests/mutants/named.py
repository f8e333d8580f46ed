"""The breakages issue 16 found passing the suite: apply each to a copy of the code and run the tests.

Issue 16 broke the economics one plausible way at a time; six broken versions passed the whole
suite and a seventh (queue rationing from numpy's global generator) was caught only sometimes.
This script applies each of them, as the code now stands, to a fresh copy of the project, runs
the economics' test files twice (with two hypothesis seeds) and prints, per breakage, the tests
that failed in both runs and those that failed in one only. It exits 1 if any breakage passes a
run, or if a breakage no longer applies (the code it changes has moved: update it here).

Usage: ``python tests/mutants/named.py [DIRECTORY]`` (the copies go to DIRECTORY, default a
temporary one). About ten minutes on two cores.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The breakages: name → (file, the code as it is, the code broken); every occurrence is broken.
BREAKAGES = {
    "the price rule reads last week's stock": (
        "sim/regimes/councils.py",
        "new = market.price_from_stock(s.values[cg], s.stock[cg], s.reserve[cg], **vars(model.conditions.prices))",
        "r = model.record\n"
        "        last = r.goods['stock'][r.weeks - 1][cg] if r.weeks else s.stock[cg]\n"
        "        new = market.price_from_stock(s.values[cg], last, s.reserve[cg], **vars(model.conditions.prices))",
    ),
    "commune credits divided by all members, not each commune's": (
        "agents/rural_commune.py",
        "consumers.income[in_commune] = (credits / members)[consumers.commune[in_commune]]",
        "consumers.income[in_commune] = (credits / members.sum())[consumers.commune[in_commune]]",
    ),
    "the verdict's stock tolerance 10× looser": (
        "sim/run/record.py",
        "stock_gap <= v.stock_tolerance and",
        "stock_gap <= 10 * v.stock_tolerance and",
    ),
    "the verdict's fulfilment tolerance 10× looser": (
        "sim/run/record.py",
        "np.all(np.abs(fulfilment - 1.0) <= v.fulfilment_tolerance)",
        "np.all(np.abs(fulfilment - 1.0) <= 10 * v.fulfilment_tolerance)",
    ),
    "the verdict ignores the stock gap": (
        "sim/run/record.py",
        "stock_gap <= v.stock_tolerance and",
        "True and",
    ),
    "production ignores input shortages": (
        "sim/economics/production.py",
        "    output = wanted * fill[sector]\n",
        "    output = wanted * 1.0\n",
    ),
    "demand without its price terms (every price taken at value)": (
        "sim/economics/market.py",
        "    if theta == 0:\n        return log_prices, np.ones_like(log_prices)\n",
        "    log_prices = 0.0 * np.asarray(log_prices)\n"
        "    if theta == 0:\n        return log_prices, np.ones_like(log_prices)\n",
    ),
    "demand calibrated with θ = 0": (
        "sim/economics/market.py",
        "return Preferences(alpha, beta, float(price_response), s, x_ref)",
        "return Preferences(alpha, beta, 0.0, s, x_ref)",
    ),
    "queue rationing draws from numpy's global generator": (
        "sim/economics/market.py",
        "order = rng.permutation(wanted.shape[0])",
        "order = np.random.permutation(wanted.shape[0])",
    ),
}

#: The test files run against each breakage: the economics, without the CLI, sweeps and abuse tests.
TESTS = [
    "tests/test_market_rules.py",
    "tests/test_aids_reference.py",
    "tests/test_rules_production.py",
    "tests/test_rules_wages.py",
    "tests/test_metrics.py",
    "tests/test_record.py",
    "tests/test_planner.py",
    "tests/test_agents.py",
    "tests/test_week_phases.py",
    "tests/test_economics_regressions.py",
    "tests/test_what_councils_see.py",
    "tests/test_oracle.py",
    "tests/test_model_invariants.py",
    "tests/test_model_runs.py",
    "tests/test_demand_shift.py",
    "tests/test_corrective_loop.py",
]
SEEDS = (1, 2)


def failures(copy: Path, seed: int) -> set[str]:
    """The tests that fail in ``copy``, by node id, with hypothesis seeded by ``seed``."""
    report = copy / f"junit-{seed}.xml"
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--hypothesis-seed={seed}"]
    subprocess.run(
        [*pytest, "--junitxml", str(report), *TESTS],
        cwd=copy,
        capture_output=True,
        check=False,
    )
    failed = set()
    for case in ET.parse(report).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(f"{case.get('classname').rsplit('.', 1)[-1]}.py::{case.get('name')}")
    return failed


def break_copy(name: str, where: Path) -> Path:
    path, old, new = BREAKAGES[name]
    copy = where / re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if copy.exists():
        shutil.rmtree(copy)
    for part in ("sim", "agents", "tests"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy)
    text = (copy / path).read_text("utf-8")
    if old not in text:
        raise SystemExit(f"named.py: {name!r} no longer applies: {old!r} is not in {path}")
    (copy / path).write_text(text.replace(old, new), "utf-8")
    return copy


def main() -> int:
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="named-breakages-"))
    passed = []
    for name in BREAKAGES:
        copy = break_copy(name, where)
        runs = [failures(copy, seed) for seed in SEEDS]
        always, sometimes = set.intersection(*runs), set.union(*runs) - set.intersection(*runs)
        print(f"\n{name}: {len(always)} test(s) fail in every run, {len(sometimes)} in some")
        for test in sorted(always):
            print(f"  every run: {test}")
        for test in sorted(sometimes):
            print(f"  some runs: {test}")
        if not all(runs):
            passed.append(name)
    if passed:
        print(f"\nbreakages that passed a run: {', '.join(passed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
