"""Shortages are the economy's, not the bookkeeping's (issue 22).

The first monthly plan used to keep four weeks of inputs from households the week it was
solved: at 2,000 persons a fifth to a third of the households' demand for ``AGR`` went unmet
in week 4, and at 10,000 persons it did not happen. Households now find on sale the stock
less what producers drew from it that week (:meth:`sim.regimes.base.Regime.produce`), so a shortage
happens only where goods are short, at any number of persons.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import CouncilsModel
from sim.run.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
SEEDS = range(1, 11)


def _baseline(persons: int, seed: int) -> CouncilsModel:
    s = load_scenario(BASELINE)
    return CouncilsModel(
        dataclasses.replace(s, seed=seed, population=dataclasses.replace(s.population, consumers=persons))
    )


def _runs(persons: int):
    """Each seed's AGR unmet share of household demand per week, and its peak unmet share over all goods."""
    out = []
    for seed in SEEDS:
        m = _baseline(persons, seed)
        summary = m.run()
        agr = m.economy.technology.index("AGR")
        demand, sales = m.record.goods["demand"][:, agr], m.record.goods["sales"][:, agr]
        unmet = np.divide(demand - sales, demand, out=np.zeros_like(demand), where=demand > 0)
        out.append((unmet, summary["peak_unmet_share"]))
    return out


@pytest.fixture(scope="module")
def small():
    return _runs(2000)


def test_the_first_plans_leave_households_their_food_at_2000_persons(small):
    for seed, (unmet, _) in zip(SEEDS, small, strict=True):
        assert unmet[:13].max() < 0.01, f"seed {seed}: AGR unmet share {unmet[:13].max():.3f} in the first quarter"


def test_the_peak_shortage_does_not_depend_on_the_number_of_persons(small):
    large = _runs(10000)
    peaks = {"2,000": np.array([p for _, p in small]), "10,000": np.array([p for _, p in large])}
    intervals = {}
    for name, x in peaks.items():
        half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size) if x.std() > 0 else 0.0
        intervals[name] = (x.mean() - half, x.mean() + half)
    (lo_a, hi_a), (lo_b, hi_b) = intervals.values()
    assert lo_a <= hi_b and lo_b <= hi_a, f"peak unmet share 95 % intervals do not overlap: {intervals}"


def test_households_find_on_sale_the_stock_less_this_weeks_draw_of_inputs():
    m = _baseline(2000, 1)
    m.run(5)
    s, cg = m.state, m.consumer_goods
    m.noise.draw(m)
    m.regime.produce(m)
    draw = np.maximum(s.inputs_used - s.output, 0.0)  # what production took from the stock
    np.testing.assert_array_equal(s.earmarked, draw)
    m.regime.pay(m)
    m.regime.deliver(m)
    offered = []
    original = m.consumers.buy
    m.consumers.buy = lambda prices, on_sale, *args: offered.append(on_sale.copy()) or original(prices, on_sale, *args)
    stock = s.stock.copy()
    m.regime.buy(m)
    np.testing.assert_array_equal(offered[0], np.maximum(stock[cg] - draw[cg], 0.0))
