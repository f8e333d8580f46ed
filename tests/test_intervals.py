"""95 % intervals over seeds (``sim.analysis.intervals``), each reproduced by hand or by SciPy.

The mean's t interval and bootstrap against ``scipy.stats.t`` and ``scipy.stats.bootstrap``
with the documented seed, the rule between them against Cochran's ``n > 25 G1²``; Wilson's
interval against ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``; the
Kaplan–Meier estimate against a six-run example worked by hand and against
``scipy.stats.ecdf``'s log-log band, and its median's interval by inverting that band.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.intervals import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    kaplan_meier,
    kaplan_meier_median,
    mean_interval,
    wilson_interval,
)

Z = stats.norm.ppf(0.975)


# --- the mean ---------------------------------------------------------------------------------------


def test_a_symmetric_sample_gets_students_t_interval():
    x = np.random.default_rng(1).normal(61.0, 1.5, size=20)
    assert 25 * stats.skew(x, bias=False) ** 2 < 20  # Cochran's rule lets the t interval through
    got = mean_interval(x)
    mean, sd = x.sum() / 20, np.sqrt(((x - x.sum() / 20) ** 2).sum() / 19)
    half = stats.t.ppf(0.975, 19) * sd / np.sqrt(20)
    assert got.method == "t" and got.n == 20
    np.testing.assert_allclose([got.estimate, got.low, got.high], [mean, mean - half, mean + half], rtol=1e-12)


def test_a_skewed_sample_gets_the_bca_bootstrap_with_the_documented_seed():
    x = np.random.default_rng(2).lognormal(0.0, 1.2, size=20)
    assert 25 * stats.skew(x, bias=False) ** 2 >= 20
    got = mean_interval(x)
    ci = stats.bootstrap(
        (x,),
        np.mean,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="BCa",
        rng=np.random.default_rng(BOOTSTRAP_SEED),
    ).confidence_interval
    assert got.method == "bootstrap"
    np.testing.assert_allclose([got.estimate, got.low, got.high], [x.mean(), ci.low, ci.high], rtol=1e-12)
    assert got.high - got.estimate > got.estimate - got.low  # skewed right: the interval leans right
    assert mean_interval(x) == got  # the same sample, the same interval


@pytest.mark.parametrize("seed", range(12))
def test_the_rule_between_t_and_bootstrap_is_cochrans(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    x = rng.gamma(shape=rng.uniform(0.2, 20.0), size=n)
    expected = "t" if n > 25 * stats.skew(x, bias=False) ** 2 else "bootstrap"
    assert mean_interval(x).method == expected


def test_degenerate_samples():
    assert mean_interval([]).method == "none" and np.isnan(mean_interval([]).estimate)
    one = mean_interval([0.3])
    assert one.estimate == 0.3 and np.isnan(one.low) and np.isnan(one.high) and one.method == "none"
    same = mean_interval([0.25] * 7)
    assert (same.estimate, same.low, same.high, same.n) == (0.25, 0.25, 0.25, 7)
    two = mean_interval([1.0, 3.0])  # no skewness of two values: the t interval, 1 degree of freedom
    np.testing.assert_allclose([two.low, two.high], 2.0 + np.array([-1, 1]) * stats.t.ppf(0.975, 1) * 1.0)
    for bad in ([1.0, np.nan], [np.inf, 1.0], [[1.0, 2.0]]):
        with pytest.raises(ValueError, match="finite"):
            mean_interval(bad)


def test_values_that_differ_in_their_last_digits_take_the_t_interval():
    x = 1.0 + np.array([0, 1, 0, 0, 2, 0, 0, 1] + [0] * 11 + [5]) * np.finfo(float).eps  # skewed, to rounding
    got = mean_interval(x)  # no warning either (warnings are errors here)
    assert got.method == "t"
    np.testing.assert_allclose([got.low, got.high], stats.t.interval(0.95, 19, loc=x.mean(), scale=stats.sem(x)))


# --- a share ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7, 20, 113])
def test_wilson_is_scipys_for_every_count(n):
    k = np.arange(n + 1)
    share, low, high = wilson_interval(k, n)
    for i in k:
        ci = stats.binomtest(int(i), n).proportion_ci(confidence_level=0.95, method="wilson")
        np.testing.assert_allclose([share[i], low[i], high[i]], [i / n, ci.low, ci.high], rtol=1e-12, atol=1e-15)
    assert (low >= 0).all() and (high <= 1).all() and (low < high).all()


def test_wilson_by_its_formula_and_its_limits():
    share, low, high = wilson_interval(17, 20)
    centre, half = (17 + Z**2 / 2) / (20 + Z**2), Z / (20 + Z**2) * np.sqrt(17 * 3 / 20 + Z**2 / 4)
    assert (share, low, high) == pytest.approx((0.85, centre - half, centre + half), rel=1e-12)
    assert all(np.isnan(wilson_interval(0, 0)))
    for k, n in ((3, 2), (-1, 5), (1.5, 4)):
        with pytest.raises(ValueError, match="whole numbers"):
            wilson_interval(k, n)


# --- a censored time --------------------------------------------------------------------------------

#: Six runs: weeks 3, 5, 8 and 12 converged; one at 5 and one at 10 were censored there.
TIMES = [3, 5, 5, 8, 10, 12]
OBSERVED = [True, True, False, True, False, True]


def test_kaplan_meier_of_six_runs_worked_by_hand():
    times, survival, low, high = kaplan_meier(TIMES, OBSERVED)
    # at risk 6, 5, 3, 1 (the run censored at 5 is at risk at 5); one event at each time
    expected = np.array([5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0.0])
    greenwood = np.cumsum([1 / (6 * 5), 1 / (5 * 4), 1 / (3 * 2)])
    spread = Z * np.sqrt(greenwood) / -np.log(expected[:3])
    np.testing.assert_array_equal(times, [3, 5, 8, 12])
    np.testing.assert_allclose(survival, expected, rtol=1e-12)
    np.testing.assert_allclose(low[:3], expected[:3] ** np.exp(spread), rtol=1e-12)
    np.testing.assert_allclose(high[:3], expected[:3] ** np.exp(-spread), rtol=1e-12)
    assert (low[3], high[3]) == (0.0, 0.0)  # survival fell to 0: so has its band
    # the median: S(5) = 2/3 > 1/2 ≥ S(8) = 4/9; the band's lower edge is below 1/2 from week 3 on,
    # its upper edge (0.975, 0.904, 0.785 at weeks 3, 5, 8) only at week 12
    assert low[0] < 0.5 < high[2]
    got = kaplan_meier_median(TIMES, OBSERVED)
    assert (got.median, got.low, got.high, got.n, got.censored) == (8.0, 3.0, 12.0, 6, 2)


def test_kaplan_meier_band_is_scipys_log_log_band():
    rng = np.random.default_rng(7)
    t = rng.integers(1, 40, size=60).astype(float)
    # the first time an event, the last censored: survival is below 1 and above 0, where scipy's band is defined
    observed = ((rng.random(60) < 0.7) | (t == t.min())) & (t < t.max())
    times, survival, low, high = kaplan_meier(t, observed)
    ecdf = stats.ecdf(stats.CensoredData(uncensored=t[observed], right=t[~observed]))
    band = ecdf.sf.confidence_interval(0.95, method="log-log")
    np.testing.assert_allclose(survival, ecdf.sf.evaluate(times), rtol=1e-12)
    np.testing.assert_allclose(low, band.low.evaluate(times), rtol=1e-10)
    np.testing.assert_allclose(high, band.high.evaluate(times), rtol=1e-10)
    got = kaplan_meier_median(t, observed)  # the median and its limits by inverting scipy's band
    assert got.median == times[np.argmax(ecdf.sf.evaluate(times) <= 0.5)]
    assert got.low == times[np.argmax(band.low.evaluate(times) <= 0.5)]
    assert got.high == times[np.argmax(band.high.evaluate(times) <= 0.5)]
    assert got.censored == int((~observed).sum())


def test_a_median_not_reached():
    never = kaplan_meier_median([22, 22, 22], [False, False, False])
    assert np.isnan(never.median) and np.isnan(never.low) and np.isnan(never.high) and never.censored == 3
    few = kaplan_meier_median([4, 22, 22, 22, 22], [True, False, False, False, False])  # S falls to 0.8 only
    assert np.isnan(few.median) and np.isnan(few.high) and few.censored == 4


def test_survival_of_exactly_one_half_is_the_median():
    got = kaplan_meier_median([1, 2, 3, 4], [True] * 4)  # S = 3/4, 1/2, 1/4, 0
    assert got.median == 2.0


def test_kaplan_meier_refuses_arrays_that_do_not_match():
    for times, observed in (([1, 2], [True]), ([1, np.nan], [True, True]), ([[1, 2]], [[True, True]])):
        with pytest.raises(ValueError, match="one length"):
            kaplan_meier_median(times, observed)
