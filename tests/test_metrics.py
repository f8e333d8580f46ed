"""What a run measures (``sim.economics.metrics``, DESIGN §4), against formulas computed by brute force.

The Gini coefficient is checked against its definition as a mean absolute difference,
``Σ_ij w_i w_j |x_i − x_j| / (2 W² μ)``, over every pair; the gaps, the sovereignty index
and fulfilment against hand-worked numbers. The verdict's rule is tested in ``test_market_rules.py``
(``verdict_week``) and ``test_economics_regressions.py`` (the weekly tolerances).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.economics import metrics

FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}


def brute_force_gini(values, weights=None):
    """Mean absolute difference over all pairs, divided by twice the mean (Gini 1912), with weights."""
    x = [float(v) for v in values]
    w = [1.0] * len(x) if weights is None else [float(v) for v in weights]
    total_w = sum(w)
    mean = sum(wi * xi for wi, xi in zip(w, x, strict=True)) / total_w
    diff = sum(wi * wj * abs(xi - xj) for (wi, xi), (wj, xj) in itertools.product(zip(w, x, strict=True), repeat=2))
    return diff / (2 * total_w**2 * mean)


# --- Gini ---------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(arrays(np.float64, st.integers(1, 30), elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e3, **FINITE))))
def test_gini_equals_the_mean_absolute_difference_over_all_pairs(x):
    """Unweighted, any order, zeros included."""
    if x.sum() == 0:
        assert metrics.gini(x) == 0.0
        return
    assert metrics.gini(x) == pytest.approx(brute_force_gini(x), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, n, elements=st.one_of(st.just(0.0), st.floats(1e-3, 1e3, **FINITE))),
            arrays(np.float64, n, elements=st.one_of(st.just(0.0), st.floats(1e-2, 50.0, **FINITE))),
        )
    )
)
def test_weighted_gini_equals_the_weighted_mean_absolute_difference(case):
    """Weighted (e.g. incomes per person of households of different sizes), unsorted, zero weights dropped."""
    x, w = case
    if (w * x).sum() == 0:
        assert metrics.gini(x, weights=w) == 0.0
        return
    assert metrics.gini(x, weights=w) == pytest.approx(brute_force_gini(x, w), abs=1e-12)


def test_gini_hand_worked_unsorted_weighted_and_small_amounts():
    """Worked numbers: order and scale do not matter, integer weights replicate values."""
    assert metrics.gini([3.0, 1.0, 2.0]) == pytest.approx(2.0 / 9.0)  # Σ|xi − xj| = 8, 2 n² μ = 36
    assert metrics.gini([0.3, 0.1, 0.2]) == pytest.approx(2.0 / 9.0)  # amounts below 1 token
    assert metrics.gini([3.0, 1.0, 2.0], weights=[1.0, 2.0, 1.0]) == pytest.approx(metrics.gini([3.0, 1.0, 1.0, 2.0]))
    assert metrics.gini([0.3, 0.1, 0.2], weights=[1.0, 2.0, 1.0]) == pytest.approx(brute_force_gini([3, 1, 1, 2]))
    assert metrics.gini([5.0, 1.0, 9.0], weights=[0.0, 1.0, 1.0]) == pytest.approx(metrics.gini([1.0, 9.0]))


def test_gini_degenerate_weighted_distributions_are_zero():
    """Nobody weighted, or nothing to share: 0, not a division by zero or 1."""
    assert metrics.gini([], weights=[]) == 0.0
    assert metrics.gini([1.0, 2.0], weights=[0.0, 0.0]) == 0.0
    assert metrics.gini([0.0, 0.0], weights=[1.0, 3.0]) == 0.0
    assert metrics.gini([0.2], weights=[0.5]) == 0.0


def test_gini_of_large_integer_amounts_does_not_overflow():
    """Integer amounts (e.g. token counts) are computed in floating point: no int64 overflow."""
    x = np.arange(1, 101, dtype=np.int64) * 10**15
    assert metrics.gini(x) == pytest.approx(metrics.gini(x.astype(float)), rel=1e-12)
    assert metrics.gini(x) == pytest.approx(brute_force_gini(x / 1e15), rel=1e-9)
    big = np.array([2**62, 2**62, 1, 1], dtype=np.int64)  # the integer sum would wrap past 2**63
    assert metrics.gini(big) == pytest.approx(brute_force_gini([1.0, 1.0, 0.0, 0.0]), rel=1e-9)
    ones = np.ones(100, dtype=np.int64)
    assert metrics.gini(x, weights=ones) == pytest.approx(metrics.gini(x.astype(float)), rel=1e-9)


# --- gaps ---------------------------------------------------------------------------------------


def test_price_value_gap_is_the_worst_log_deviation_either_way():
    """``max |ln(p/v)|``: a price half its value is as far off as one twice its value."""
    assert metrics.price_value_gap([0.5, 1.0], [1.0, 1.0]) == pytest.approx(np.log(2.0), rel=1e-15)
    assert metrics.price_value_gap([1.1, 0.25], [1.0, 1.0]) == pytest.approx(np.log(4.0), rel=1e-15)
    assert metrics.price_value_gap([3.0, 2.0], [3.0, 2.0]) == 0.0


def test_stock_gap_is_the_worst_relative_deviation_either_way_over_goods_with_a_reserve():
    """``max |S/S* − 1|``: below and above reserve alike; reserves under one unit count; no reserve, no gap."""
    assert metrics.stock_gap([0.25, 1.0], [0.5, 1.0]) == pytest.approx(0.5, rel=1e-15)
    assert metrics.stock_gap([13.0, 9.0], [10.0, 10.0]) == pytest.approx(0.3, rel=1e-12)
    assert metrics.stock_gap([7.0, 100.0], [10.0, 0.0]) == pytest.approx(0.3, rel=1e-12)


# --- demand met ------------------------------------------------------------------------------------


def test_unmet_share_is_valued_at_labour_value():
    """Unmet 1 unit of a 10-hour good and 5 of a 1-hour good, out of 2 and 10 wanted: 15 / 30 hours."""
    assert metrics.unmet_share([1.0, 5.0], [2.0, 10.0], [10.0, 1.0]) == pytest.approx(0.5, rel=1e-15)
    assert metrics.unmet_share([1.0, 0.0], [2.0, 10.0], [10.0, 1.0]) == pytest.approx(1.0 / 3.0, rel=1e-15)
    assert metrics.unmet_share([0.0, 0.0], [0.0, 0.0], [1.0, 1.0]) == 0.0


def test_sovereignty_index_hand_worked():
    """``1 − ½ Σ |production share − demand share|``, shares in labour value."""
    values = np.array([2.0, 1.0])
    assert metrics.sovereignty_index([10.0, 20.0], [5.0, 10.0], values) == pytest.approx(1.0)  # same structure
    # production in value (20, 20) → shares (½, ½); demand (30, 10) → (¾, ¼): 1 − ½ (¼ + ¼) = ¾
    assert metrics.sovereignty_index([10.0, 20.0], [15.0, 10.0], values) == pytest.approx(0.75, rel=1e-15)
    # weighting by value matters: at equal values the shares are (⅓, ⅔) against (0.6, 0.4)
    assert metrics.sovereignty_index([10.0, 20.0], [15.0, 10.0], [1.0, 1.0]) == pytest.approx(1 - (0.6 - 1 / 3))
    assert metrics.sovereignty_index([0.0, 10.0], [10.0, 0.0], values) == pytest.approx(0.0, abs=1e-15)


def test_demand_measures_are_the_same_for_amounts_below_one_unit():
    """Small economies and fractional units: nothing special happens below a total of 1."""
    assert metrics.sovereignty_index([0.1, 0.2], [0.15, 0.1], [1.0, 1.0]) == pytest.approx(1 - (0.6 - 1 / 3))
    assert metrics.sovereignty_index([0.2, 0.2], [2.0, 2.0], [1.0, 1.0]) == pytest.approx(1.0)
    assert metrics.sovereignty_index([2.0, 2.0], [0.2, 0.2], [1.0, 1.0]) == pytest.approx(1.0)
    assert metrics.unmet_share([0.1, 0.0], [0.2, 0.3], [1.0, 1.0]) == pytest.approx(0.2)


def test_sovereignty_index_ignores_negative_production_and_is_zero_without_either_side():
    """Negative net production counts as none; nothing produced or nothing asked gives 0."""
    assert metrics.sovereignty_index([-5.0, 10.0], [0.0, 4.0], [1.0, 1.0]) == pytest.approx(1.0)
    assert metrics.sovereignty_index([0.0, 0.0], [1.0, 1.0], [1.0, 1.0]) == 0.0
    assert metrics.sovereignty_index([1.0, 1.0], [0.0, 0.0], [1.0, 1.0]) == 0.0


def test_fulfilment_floor_is_the_worst_served_good():
    """``min sales/demand`` over goods someone asked for; no demand at all counts as fully served."""
    assert metrics.fulfilment([4.0, 9.0, 0.0], [8.0, 10.0, 0.0]).min() == pytest.approx(0.5, rel=1e-15)
    assert metrics.fulfilment([0.0, 0.0], [0.0, 0.0]).min() == 1.0
    assert metrics.fulfilment([0.3, 0.2], [0.5, 0.2]).min() == pytest.approx(0.6, rel=1e-15)


def test_excess_stock_share_against_a_loop_over_goods():
    """``Σ v max(S − S*, 0) / Σ v S*``: only stock above its reserve counts, valued at labour value."""
    stock, reserve, values = [12.0, 3.0, 7.0, 0.0], [10.0, 5.0, 7.0, 2.0], [2.0, 1.0, 3.0, 4.0]
    above = sum(v * max(s - r, 0.0) for s, r, v in zip(stock, reserve, values, strict=True))
    held = sum(v * r for r, v in zip(reserve, values, strict=True))
    assert metrics.excess_stock_share(stock, reserve, values) == pytest.approx(above / held, rel=1e-15)
    assert above / held == pytest.approx(4.0 / 54.0)
    assert metrics.excess_stock_share([1, 2], [1, 3], [1, 1]) == 0.0  # nothing above reserve: no pile
    assert metrics.excess_stock_share([5, 5], [0, 0], [1, 1]) == 0.0  # no reserve to measure against
    assert metrics.excess_stock_share([3, 1], [1, 1], [1, 2]) == pytest.approx(2.0 / 3.0)  # integers alike
    assert metrics.excess_stock_share([0.5], [0.25], [1.0]) == pytest.approx(1.0)  # reserves worth under one hour


def test_price_level_is_the_stone_index_of_prices_against_values():
    """``exp Σ s ln(p/v)``: 1 at value, k when every price is k times its value, a weighted geometric mean."""
    values, weights = np.array([2.0, 5.0, 1.0]), np.array([0.5, 0.3, 0.2])
    assert metrics.price_level(values, values, weights) == pytest.approx(1.0, rel=1e-15)
    assert metrics.price_level(1.1 * values, values, weights) == pytest.approx(1.1, rel=1e-14)
    prices = np.array([3.0, 5.0, 0.5])
    geometric = 1.5**0.5 * 1.0**0.3 * 0.5**0.2
    assert metrics.price_level(prices, values, weights) == pytest.approx(geometric, rel=1e-14)
    assert metrics.price_level([2, 10], [1, 5], [1, 0]) == pytest.approx(2.0, rel=1e-15)  # integers alike


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng: rng.lognormal(0.0, 0.6, 50_000),  # incomes
        lambda rng: rng.lognormal(0.0, 0.02, 50_000),  # near-equal wages
        lambda rng: np.r_[np.ones(45_000), 20.0 * np.ones(5_000)],  # two classes
        lambda rng: np.r_[np.zeros(1_000), rng.random(9_000)],  # some without income
        lambda rng: rng.pareto(1.2, 50_000),  # a tail long enough that sorting is cheaper
        lambda rng: rng.random(3),
    ],
)
def test_the_binned_gini_is_within_its_stated_error_of_the_exact_one(draw):
    values = draw(np.random.default_rng(7))
    exact = metrics.gini(values)
    binned = metrics.gini_binned(values)
    assert exact - 1e-4 <= binned <= exact + 1e-12  # within-bin pairs are left out: never above
    assert metrics.gini_binned(values, error=1e-6) == pytest.approx(exact, abs=1e-6)


def test_the_binned_gini_of_nothing_of_equals_and_of_one_who_has_all():
    assert metrics.gini_binned([]) == 0.0
    assert metrics.gini_binned(np.zeros(5)) == 0.0
    assert metrics.gini_binned(np.full(10, 3.0)) == 0.0
    one = np.zeros(1_000)
    one[17] = 5.0
    assert metrics.gini_binned(one) == pytest.approx(metrics.gini(one), abs=1e-12)  # (n − 1) / n
    assert metrics.gini_binned([0.1, 0.3]) == pytest.approx(0.25, rel=1e-12)  # amounts under a token in all


def test_the_binned_gini_of_values_far_from_zero_bins_from_their_least():
    """A thousand values spread evenly over [100, 101]: the Gini is about (1/3) / (2 · 100.5) = 0.00166, small
    beside the bins' width only if the bins span [100, 101], not [0, 101]."""
    values = np.linspace(100.0, 101.0, 1_000)
    assert metrics.gini(values) == pytest.approx(1 / 3 / (2 * 100.5), rel=0.01)
    assert metrics.gini(values) - 1e-4 <= metrics.gini_binned(values) <= metrics.gini(values) + 1e-12


def test_capacity_utilisation_is_output_over_capacity_weighted_by_value():
    """``Σ w·output / Σ w·capacity``: outputs 3 and 1 of capacities 4 and 4 at values 2 and 1: (6 + 1) / (8 + 4)."""
    assert metrics.utilisation([3.0, 1.0], [4.0, 4.0], [2.0, 1.0]) == pytest.approx(7.0 / 12.0, rel=1e-15)
    assert metrics.utilisation([3, 1], [4, 4], [2, 1]) == pytest.approx(7.0 / 12.0, rel=1e-15)  # integers alike
    assert metrics.utilisation([0.3], [0.5], [1.0]) == pytest.approx(0.6, rel=1e-15)  # capacity worth under one hour
    assert metrics.utilisation([0.0, 0.0], [0.0, 0.0], [1.0, 1.0]) == 0.0  # no capacity: nothing is used


def test_dispersion_between_enterprises_and_sectors_by_hand():
    """Incomes 10, 20, 30 with 1, 2, 1 members; sectors 0, 0, 1.

    Weighted mean 20, variance (100 + 0 + 100) / 4 = 50: CV √50 / 20. Gini of (10, 20, 20, 30):
    Σ_{i<j} |x_i − x_j| = 10 + 10 + 20 + 0 + 10 + 10 = 60, over n Σx = 4 · 80: 0.1875. Sectors' means
    50/3 (3 members) and 30 (1): Σ pairs 3 · (30 − 50/3) = 40 over 4 · 80: 0.125. An enterprise
    without members does not count.
    """
    cv, between, sectors = metrics.dispersion([10.0, 20.0, 30.0, 99.0], [1, 2, 1, 0], [0, 0, 1, 1])
    assert cv == pytest.approx(np.sqrt(50.0) / 20.0, rel=1e-12)
    assert between == pytest.approx(0.1875, rel=1e-12)
    assert sectors == pytest.approx(0.125, rel=1e-12)
    assert metrics.dispersion([5.0, 5.0], [0, 0], [0, 1]) == (0.0, 0.0, 0.0)
    assert metrics.dispersion([0.0, 0.0], [1, 1], [0, 1]) == (0.0, 0.0, 0.0)  # nobody paid: no dispersion
    # The same enterprises in sectors 0 and 2, sector 1 without any: means 10 (1 member) and 70/3 (3),
    # Σ pairs 3 · (70/3 − 10) = 40 over 4 · 80: 0.125 again; the empty sector does not count.
    # Incomes 10, 20, 40 with 1, 2, 1 members: the mean is weighted, (10 + 40 + 40) / 4 = 22.5, and the variance
    # (156.25 + 2 · 6.25 + 306.25) / 4 = 118.75; incomes under a token disperse as any others do.
    cv, _, _ = metrics.dispersion([10.0, 20.0, 40.0], [1, 2, 1], [0, 0, 1])
    assert cv == pytest.approx(np.sqrt(118.75) / 22.5, rel=1e-12)
    cv, between, _ = metrics.dispersion([0.1, 0.2, 0.3], [1, 2, 1], [0, 0, 1])
    assert (cv, between) == (pytest.approx(np.sqrt(50.0) / 20.0, rel=1e-12), pytest.approx(0.1875, rel=1e-12))
    cv, between, sectors = metrics.dispersion([10.0, 20.0, 30.0], [1, 2, 1], [0, 2, 2])
    assert (cv, between) == (pytest.approx(np.sqrt(50.0) / 20.0, rel=1e-12), pytest.approx(0.1875, rel=1e-12))
    assert sectors == pytest.approx(0.125, rel=1e-12)


def test_weighted_correlation_by_hand_and_none_without_variation():
    # x 1, 2, 3 weighted 1, 2, 1 (mean 2), y = 2x: correlation 1; y = −x: −1; y constant: 0.
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 1.0])
    assert metrics.weighted_correlation(x, 2 * x, w) == pytest.approx(1.0, rel=1e-12)
    assert metrics.weighted_correlation(x, -x, w) == pytest.approx(-1.0, rel=1e-12)
    assert metrics.weighted_correlation(x, np.full(3, 7.0), w) == 0.0
    assert metrics.weighted_correlation(x, 1.0 + 1e-17 * x, w) == 0.0  # rounding is not variation
    # x 0, 1 and y 0, 1 weighted 3, 1 with a third point (1, 0) of weight 0: it does not count.
    assert metrics.weighted_correlation([0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [3.0, 1.0, 0.0]) == pytest.approx(1.0)
    # x 0, 1, 2 and y 0, 2, 1: unweighted, means 1, covariance 1/3 over variances 2/3: 0.5. Weighted 2, 1, 1:
    # means 0.75, covariance (2 · 0.5625 + 0.3125 + 0.3125) / 4 = 0.4375 over variances 0.6875: 7/11.
    assert metrics.weighted_correlation([0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [1.0, 1.0, 1.0]) == pytest.approx(0.5)
    assert metrics.weighted_correlation([0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [2.0, 1.0, 1.0]) == pytest.approx(7 / 11)
    assert metrics.weighted_correlation([1.0, 2.0], [3.0, 5.0], [1.0, 0.0]) == 0.0  # one point that counts
