"""Granular shocks (``sim.economics.granular``, docs/noise.md): each unit keeps σ², each sector's aggregate gets σ² Hₙ.

The rule is linear in the draws, so its covariance is computed exactly by applying it to the
identity; a Monte Carlo over many replicas checks the same with tolerances derived from the
number of draws. A run that stands for itself (``k = 1``) gets its draws back untouched.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics.granular import factors, herfindahl, loadings, nation_herfindahl, nation_shocks

#: Seven sectors: groups of 10 to 30, five equal, two unequal, one alone, five of 10 to 30, one weightless, Zipf's.
SECTOR = np.repeat(np.arange(7), [40, 5, 2, 1, 5, 3, 30])
GROUPS, FIVE = np.linspace(10, 30, 40), np.linspace(10, 30, 5)
WEIGHTS = np.concatenate([GROUPS, np.full(5, 2.0), [3.0, 1.0], [7.0], FIVE, np.zeros(3), 1 / np.arange(1, 31)])
#: Sectors whose units are even enough for every one to keep variance 1 at any k; 6 (Zipf) is not, nor 2 nor 3.
EVEN = [0, 1, 4]


def _share(weights=WEIGHTS, sector=SECTOR):
    total = np.bincount(sector, weights=weights)
    return np.divide(weights, total[sector], out=np.zeros(weights.size), where=total[sector] > 0)


def _covariance(target, common=False):
    """The rule's exact covariance of the units' shocks: its linear map applied to the identity."""
    m, s = SECTOR.size, target.size
    rule = loadings(WEIGHTS, SECTOR, target)
    own = nation_shocks(np.eye(m), rule, common=np.zeros((m, s)) if common else None)
    cov = own.T @ own
    if common:
        shared = nation_shocks(np.zeros((s, m)), rule, common=np.eye(s))
        cov += shared.T @ shared
    return cov


def _variance(target):
    return loadings(WEIGHTS, SECTOR, target).variance


def _aggregate_variance(cov):
    """Variance of each sector's weighted aggregate ``Σ ŵ x``."""
    onehot = (SECTOR[:, None] == np.arange(7)).astype(float) * _share()[:, None]
    return np.diag(onehot.T @ cov @ onehot)


def test_herfindahl_of_equal_units_is_one_over_their_number_and_one_where_there_is_no_weight():
    h = herfindahl(WEIGHTS, SECTOR, 8)
    assert h[1] == pytest.approx(1 / 5, rel=1e-15)
    assert h[2] == pytest.approx((9 + 1) / 16, rel=1e-15)
    assert h[3] == 1.0
    np.testing.assert_array_equal(h[[5, 7]], [1.0, 1.0])  # no weight; no unit


def test_a_run_that_stands_for_itself_gets_its_draws_back_untouched():
    draws = np.random.default_rng(3).standard_normal((4, SECTOR.size))
    rule = loadings(WEIGHTS, SECTOR, herfindahl(WEIGHTS, SECTOR, 7))
    np.testing.assert_array_equal(nation_shocks(draws, rule), draws)
    np.testing.assert_array_equal(rule.variance, np.ones(SECTOR.size))
    nearly = nation_shocks(draws, loadings(WEIGHTS, SECTOR, herfindahl(WEIGHTS, SECTOR, 7) / (1 + 1e-9)))
    np.testing.assert_allclose(nearly, draws, atol=1e-6)  # the least correction moves them by about as little


@pytest.mark.parametrize("k", [1.5, 10.0, 1e4, 1e8])
def test_every_unit_keeps_variance_one_and_every_aggregate_gets_the_nations_exactly(k):
    h = herfindahl(WEIGHTS, SECTOR, 7)
    target = h / k
    cov = _covariance(target)
    variance = _variance(target)
    np.testing.assert_allclose(np.diag(cov), variance, rtol=1e-9)
    weighted = [0, 1, 2, 3, 4, 6]
    rounding = 1e-14 * h[weighted]  # the aggregate cancels shocks of order 1 down to Hₙ: rounding of order ε·H is left
    off = np.abs(_aggregate_variance(cov)[weighted] - target[weighted])
    np.testing.assert_array_less(off, 1e-9 * target[weighted] + rounding)
    # the bisection stops one step of its parameter (2⁻⁵¹) from the root; at k = 10⁸ the
    # aggregate moves by 2·10⁻⁷ of itself over that step, which the units' common scale takes up
    np.testing.assert_allclose(variance[np.isin(SECTOR, EVEN)], 1.0, rtol=1e-6)
    np.testing.assert_allclose(variance[SECTOR == 3], 1 / k, rtol=1e-12)  # one unit is its sector
    assert np.all(variance <= 1 + 1e-12)
    other = SECTOR[:, None] != SECTOR[None, :]
    assert np.abs(cov[other]).max() < 1e-12  # sectors stay independent


def test_where_one_unit_outweighs_the_rest_the_units_shrink_together_to_reach_the_nations_aggregate():
    """Weights 3 and 1: the path's least aggregate is 2·(3/4)² − H = 1/2, so H/2 is reached with variance 1."""
    h = herfindahl(WEIGHTS, SECTOR, 7)
    pair = SECTOR == 2
    for target, kept in ((0.5, 1.0), (0.25, 0.5)):
        variance = _variance(np.where(np.arange(7) == 2, target, h))
        np.testing.assert_allclose(variance[pair], kept, rtol=1e-6)
        np.testing.assert_array_equal(variance[~pair], 1.0)


def test_a_nation_lumpier_than_the_sample_adds_a_sector_shock_and_each_unit_keeps_variance_one():
    h = herfindahl(WEIGHTS, SECTOR, 7)
    target = h.copy()
    target[4] = 0.6
    cov = _covariance(target, common=True)
    np.testing.assert_allclose(np.diag(cov), 1.0, rtol=1e-12)
    np.testing.assert_allclose(_aggregate_variance(cov)[[0, 4, 6]], target[[0, 4, 6]], rtol=1e-12)
    rule = loadings(WEIGHTS, SECTOR, target)
    with pytest.raises(ValueError, match=r"^nation_shocks: a sector more concentrated in the nation needs its common"):
        nation_shocks(np.zeros(SECTOR.size), rule)
    # Each unit takes its sector's common shock with its loading b (here every common shock 1, no draw of its own).
    np.testing.assert_allclose(nation_shocks(np.zeros(SECTOR.size), rule, common=np.ones(7)), rule.common[SECTOR])


def test_rows_of_draws_are_independent_replicas_each_transformed_alike():
    rule = loadings(WEIGHTS, SECTOR, herfindahl(WEIGHTS, SECTOR, 7) / 20)
    draws = np.random.default_rng(5).standard_normal((3, SECTOR.size))
    together = nation_shocks(draws, rule)
    for row in range(3):
        np.testing.assert_allclose(together[row], nation_shocks(draws[row], rule), rtol=1e-14)


def test_monte_carlo_unit_variance_sigma_squared_and_sector_aggregate_sigma_squared_times_the_nations_herfindahl():
    """σ = 0.05, k = 100, 20,000 replicas: a sample variance's relative standard error is √(2 / (R − 1))."""
    replicas, sigma, k = 20_000, 0.05, 100.0
    h = herfindahl(WEIGHTS, SECTOR, 7)
    draws = np.random.default_rng(11).standard_normal((replicas, SECTOR.size))
    rule = loadings(WEIGHTS, SECTOR, h / k)
    shocks, variance = sigma * nation_shocks(draws, rule), rule.variance
    error = 4 * np.sqrt(2 / (replicas - 1))  # four standard errors
    np.testing.assert_allclose(shocks.var(axis=0, ddof=1), sigma**2 * variance, rtol=error)
    weighted = [0, 1, 2, 3, 4, 6]
    onehot = (SECTOR[:, None] == np.array(weighted)).astype(float) * _share()[:, None]
    aggregate = shocks @ onehot
    np.testing.assert_allclose(aggregate.var(axis=0, ddof=1), sigma**2 * h[weighted] / k, rtol=error)
    independent = sigma * draws[:, SECTOR == 0] @ _share()[SECTOR == 0]
    assert independent.var() > 50 * aggregate[:, 0].var()  # uncorrected: k = 100 times as much


def test_the_nation_is_the_sample_and_k_minus_one_times_its_persons_again_in_units_of_the_levels_mean_size():
    """Sectors of 4 units of 10 persons and of 1 unit of 5: the level's mean size is 45 / 5 = 9 persons."""
    weights = np.array([10.0, 10.0, 10.0, 10.0, 5.0])
    sector = np.array([0, 0, 0, 0, 1])
    np.testing.assert_array_equal(nation_herfindahl(weights, sector, 2, 1.0), herfindahl(weights, sector, 2))
    k = 1001.0
    nation = nation_herfindahl(weights, sector, 2, k)
    np.testing.assert_allclose(nation, [(1 / 4) * 4 / (4 + (k - 1) * 40 / 9), 1 / (1 + (k - 1) * 5 / 9)], rtol=1e-14)
    by_persons = nation_herfindahl(weights * [1, 1, 1, 1, 3], sector, 2, k, size=weights)  # output differs, persons not
    np.testing.assert_allclose(by_persons, nation, rtol=1e-14)


def test_factors_are_the_runs_own_lognormal_draws_where_it_stands_for_itself():
    drawn = factors(0.3, None, np.random.default_rng(4), (2, 5))
    np.testing.assert_array_equal(drawn, np.random.default_rng(4).lognormal(-0.045, 0.3, (2, 5)))


def test_factors_keep_mean_one_and_a_lognormals_variance_and_their_aggregate_is_the_nations_in_levels():
    """σ = 0.1, k = 1000, 20,000 replicas; tolerances four standard errors of each estimate."""
    replicas, sigma, k = 20_000, 0.1, 1000.0
    tau2 = np.expm1(sigma**2)
    weighted = [0, 1, 4]  # sectors even enough for every unit to keep its variance
    rule = loadings(WEIGHTS, SECTOR, herfindahl(WEIGHTS, SECTOR, 7) / k)
    f = factors(sigma, rule, np.random.default_rng(8), (replicas, SECTOR.size))
    assert f.min() >= 0
    units = np.isin(SECTOR, weighted)
    error = 4 * np.sqrt(tau2 / replicas)
    np.testing.assert_allclose(f[:, units].mean(axis=0), 1.0, atol=error)
    kurtosis = np.exp(4 * sigma**2) + 2 * np.exp(3 * sigma**2) + 3 * np.exp(2 * sigma**2) - 3  # a lognormal's
    np.testing.assert_allclose(f[:, units].var(axis=0), tau2, rtol=4 * np.sqrt((kurtosis - 1) / replicas))
    onehot = (SECTOR[:, None] == np.array(weighted)).astype(float) * _share()[:, None]
    aggregate = (f - 1) @ onehot
    expected = tau2 * herfindahl(WEIGHTS, SECTOR, 7)[weighted] / k
    standard_error = np.sqrt((np.mean(aggregate**4, axis=0) - aggregate.var(axis=0) ** 2) / replicas)  # of a variance
    np.testing.assert_array_less(np.abs(aggregate.var(axis=0) - expected), 4 * standard_error)


def test_herfindahl_of_weights_under_one_unit():
    """Shares are what count, not the unit of the weights: 0.3 and 0.2 are 0.6 and 0.4, 0.36 + 0.16 = 0.52."""
    np.testing.assert_allclose(herfindahl(np.array([0.3, 0.2]), np.array([0, 0]), 1), [0.52], rtol=1e-15)


def test_the_sectors_numbers_do_not_matter_even_where_the_first_has_no_unit():
    """Every unit moved to the next sector, sector 0 left empty: the same loadings, sector by sector."""
    target = herfindahl(WEIGHTS, SECTOR, 7) / 10.0
    rule = loadings(WEIGHTS, SECTOR, target)
    moved = loadings(WEIGHTS, SECTOR + 1, np.concatenate([[1.0], target]))
    for name in ("stretch", "direction", "variance"):
        np.testing.assert_allclose(getattr(moved, name), getattr(rule, name), rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(moved.pull[1:], rule.pull, rtol=1e-12)


def test_factors_under_a_rule_that_leaves_the_draws_alone_are_the_runs_own_lognormal_draws():
    """Where every sector's Herfindahl index is already the nation's, ``1 + τ (f − 1) / τ`` is ``f``."""
    rule = loadings(WEIGHTS, SECTOR, herfindahl(WEIGHTS, SECTOR, 7))
    drawn = factors(0.3, rule, np.random.default_rng(4), (2, SECTOR.size))
    np.testing.assert_allclose(drawn, np.random.default_rng(4).lognormal(-0.045, 0.3, (2, SECTOR.size)), rtol=1e-14)


def test_the_nations_herfindahl_of_units_under_one_some_weightless_and_a_sector_without_any_worked_by_hand():
    """Weights 0.5, 0.25, 0 (sector 0), 0.25 (sector 1), 0 (sector 2), none in sector 3; k = 3.

    H = (0.25 + 0.0625) / 0.5625 = 5/9, 1, and 1 where there is no weight. The weightless units do not count:
    2, 1, 0, 0 units holding 0.75, 0.25, 0, 0, a mean of 1/3 a unit. The nation holds 2 + 2 · 2.25 = 6.5 and
    1 + 2 · 0.75 = 2.5 units: 5/9 · 2 / 6.5 and 1 / 2.5; the sectors without weight keep H = 1. One unit of 0.5
    alone stands for itself and 2 · 0.5 / 0.5 more: 1/3. Without any weight, nothing changes.
    """
    weights, sector = np.array([0.5, 0.25, 0.0, 0.25, 0.0]), np.array([0, 0, 0, 1, 2])
    expected = [5 / 9 * 2 / 6.5, 1 / 2.5, 1.0, 1.0]
    np.testing.assert_allclose(nation_herfindahl(weights, sector, 4, 3.0), expected, rtol=1e-14)
    np.testing.assert_allclose(nation_herfindahl(np.array([0.5]), np.array([0]), 1, 3.0), [1 / 3], rtol=1e-14)
    np.testing.assert_array_equal(nation_herfindahl(np.zeros(2), np.array([0, 1]), 2, 3.0), [1.0, 1.0])


def test_the_loadings_do_not_depend_on_the_weights_unit_or_on_a_last_sector_without_units():
    """Weights a thousand times smaller (every sector's total under one), and an eighth sector with no unit."""
    target = herfindahl(WEIGHTS, SECTOR, 7) / 10.0
    rule = loadings(WEIGHTS, SECTOR, target)
    for other in (loadings(WEIGHTS / 1000, SECTOR, target), loadings(WEIGHTS, SECTOR, np.append(target, 1.0))):
        for name in ("stretch", "direction", "variance"):
            np.testing.assert_allclose(getattr(other, name), getattr(rule, name), rtol=1e-9, err_msg=name)
        draws = np.random.default_rng(6).standard_normal((2, SECTOR.size))
        np.testing.assert_allclose(nation_shocks(draws, other), nation_shocks(draws, rule), rtol=1e-9, atol=1e-12)
