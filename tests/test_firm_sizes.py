"""The size law of ``population.councils = "auto"`` (docs/firm_sizes.md): how many enterprises, how large.

The tail exponent is recovered by the Hill estimator from a draw of about a million
enterprises, within four of its standard errors (α / √k); the sizes are checked for what the
model needs of them (integers that sum to the workers, one group at least in each), and for
being the same for the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics.firm_sizes import MEAN_FIRM_SIZE, ZIPF_EXPONENT, enterprise_count, firm_sizes

#: Order statistics the Hill estimator uses; its standard error is α / √K.
K = 2000


def hill(values, k: int) -> float:
    """Hill's estimator of a Pareto tail exponent from the ``k`` largest of ``values`` (Hill 1975)."""
    top = np.sort(np.asarray(values, dtype=float))[::-1][: k + 1]
    return k / float(np.sum(np.log(top[:k] / top[k])))


def test_the_mean_firm_size_is_the_census_employees_per_firm():
    assert pytest.approx(121_069_944 / 5_825_458) == MEAN_FIRM_SIZE
    assert 20.7 < MEAN_FIRM_SIZE < 20.9  # "about 121 million employees in about 5.8 million firms"


@pytest.mark.parametrize(
    ("workers", "smallest", "expected"),
    [
        (121_069_944, 10, 5_825_458),  # the US of 2014: its employees form its firms
        (1_000, 10, 48),  # round(48.1)
        (25, 10, 1),  # round(1.2)
        (9, 10, 1),  # at least one (the caller refuses a sector without a group's worth)
        (1_000, 30, 33),  # a group of 30 allows only 1,000 // 30 enterprises, fewer than the mean's 48
    ],
)
def test_enterprises_are_the_workers_over_the_mean_size_at_least_one_each_holding_a_group(workers, smallest, expected):
    assert enterprise_count(workers, smallest) == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_tail_exponent_is_recovered_from_a_million_enterprises(seed):
    workers, smallest = 20_000_000, 10
    count = enterprise_count(workers, smallest)
    sizes = firm_sizes(workers, count, smallest, np.random.default_rng(seed))
    # Beyond its group, an enterprise's persons are proportional to its Pareto draw.
    estimate = hill(sizes - smallest, K)
    assert abs(estimate - ZIPF_EXPONENT) < 4 * ZIPF_EXPONENT / np.sqrt(K), estimate


def test_another_exponent_is_recovered_too_so_the_test_sees_the_exponent():
    sizes = firm_sizes(20_000_000, 960_000, 10, np.random.default_rng(4), exponent=1.5)
    assert abs(hill(sizes - 10, K) - 1.5) < 4 * 1.5 / np.sqrt(K)


@pytest.mark.parametrize(("workers", "count", "smallest"), [(1_000, 48, 10), (20, 2, 10), (123_457, 5_941, 12)])
def test_sizes_are_integers_that_sum_to_the_workers_each_at_least_one_group(workers, count, smallest):
    sizes = firm_sizes(workers, count, smallest, np.random.default_rng(7))
    assert sizes.shape == (count,)
    assert np.issubdtype(sizes.dtype, np.integer)
    assert sizes.sum() == workers
    assert sizes.min() >= smallest


def test_sizes_are_skewed_a_few_giants_and_many_near_a_group():
    sizes = firm_sizes(2_078_000, 100_000, 10, np.random.default_rng(5))
    assert np.median(sizes) < MEAN_FIRM_SIZE / 1.5  # most enterprises are small ...
    top = np.sort(sizes)[::-1]
    assert top[:100].sum() > 0.1 * sizes.sum()  # ... and the largest 0.1 % hold more than a tenth of the workers
    assert top[0] < 0.2 * sizes.sum()  # the draws are cut where a hundred thousand would expect one above


def test_no_draw_is_beyond_the_size_the_enterprises_would_expect_one_above():
    count = 100_000
    # Without the groups, and with so many workers that rounding is negligible, sizes are the draws scaled.
    sizes = firm_sizes(10**13, count, 0, np.random.default_rng(6)).astype(float)
    cut = count ** (1 / ZIPF_EXPONENT)  # P(X > cut) = 1 / count
    assert sizes.max() / sizes.min() <= cut * (1 + 1e-6)
    assert sizes.max() / sizes.min() > cut / 10  # the tail reaches towards it


def test_one_enterprise_holds_every_worker():
    assert firm_sizes(37, 1, 10, np.random.default_rng(0)).tolist() == [37]


def test_the_same_seed_gives_the_same_sizes_and_another_seed_others():
    def draw(seed):
        return firm_sizes(50_000, 2_400, 10, np.random.default_rng(seed))

    assert np.array_equal(draw(11), draw(11))
    assert not np.array_equal(draw(11), draw(12))


def test_too_few_workers_for_a_group_in_each_enterprise_is_refused():
    with pytest.raises(ValueError, match="19 persons cannot staff 2 enterprises of at least 10"):
        firm_sizes(19, 2, 10, np.random.default_rng(0))
    with pytest.raises(ValueError):
        firm_sizes(100, 0, 10, np.random.default_rng(0))
