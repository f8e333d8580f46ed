"""Wages and commune credits (``sim.economics.wages``, seed §7d, §7e, §9a, §10), each rule on its own.

The hourly wage is private consumption over hours (seed §7d); a transition's hierarchy keeps
its mean while shrinking (seed §10); communes share their credits by what each delivered,
with an optional equalising transfer per member (seed §9a). Numbers are worked by hand; the
Gini of a lognormal hierarchy is checked against its closed form ``2Φ(σ/√2) − 1``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import ndtr

from sim.economics import metrics, wages

FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}


# --- the hourly wage (seed §7d) -----------------------------------------------------------------


def test_hourly_wage_is_private_consumption_over_hours_paid():
    """Seed §7d: 750 hours of consumer goods for 1,000 hours worked pay 0.75 tokens an hour."""
    assert wages.hourly_wage(750.0, 1000.0) == pytest.approx(0.75, rel=1e-15)
    assert wages.hourly_wage(750.0, 0.0) == 0.0  # nobody works: no wage, not a division by zero
    assert wages.hourly_wage(0.3, 0.5) == pytest.approx(0.6, rel=1e-15)  # fractions of an hour count


# --- commune credits (seed §9a) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [(0.0, [75.0, 25.0]), (1.0, [40.0, 60.0]), (0.5, [57.5, 42.5])],
    ids=["by delivery", "per member", "half pooled"],
)
def test_commune_credits_by_delivery_and_transfer_hand_worked(transfer, expected):
    """100 tokens; commune A (2 members) delivered 30 h, B (3 members) 10 h.

    By delivery: 75 : 25. Pooled per member: 40 : 60. Half and half: 57.5 : 42.5.
    """
    credits = wages.commune_credits(100.0, [30.0, 10.0], [2, 3], transfer)
    np.testing.assert_allclose(credits, expected, rtol=1e-15)


def test_commune_credits_without_deliveries_are_shared_per_member():
    """A week with no harvest delivered: the credits are shared by head, not lost nor divided by zero."""
    np.testing.assert_allclose(wages.commune_credits(50.0, [0.0, 0.0], [1, 4], 0.0), [10.0, 40.0], rtol=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    total=st.floats(0.0, 1e6, **FINITE),
    delivered=arrays(np.float64, 4, elements=st.floats(0.1, 1e3, **FINITE)),
    members=arrays(np.int64, 4, elements=st.integers(1, 500)),
    transfer=st.floats(0.0, 1.0, **FINITE),
)
def test_commune_credits_conserve_the_total_and_equalise_with_the_transfer(total, delivered, members, transfer):
    """Credits sum to the total; per member they are a mix, weighted by ``transfer``, of delivery and equal shares."""
    credits = wages.commune_credits(total, delivered, members, transfer)
    assert credits.sum() == pytest.approx(total, rel=1e-12, abs=1e-9)
    by_delivery = total * delivered / delivered.sum()
    equal = total * members / members.sum()
    np.testing.assert_allclose(credits, (1 - transfer) * by_delivery + transfer * equal, rtol=1e-12, atol=1e-9)
    per_member = credits / members
    if transfer == 1.0:
        np.testing.assert_allclose(per_member, total / members.sum(), rtol=1e-12)


def test_commune_credits_more_transfer_narrows_the_gap_between_fertile_and_poor_communes():
    """Seed §9a: fertility makes incomes differ; the transfer between communes shrinks the gap per member."""
    delivered, members = [80.0, 20.0], [10, 10]  # same size, four times the harvest
    gaps = []
    for transfer in (0.0, 0.25, 0.5, 1.0):
        per_member = wages.commune_credits(100.0, delivered, members, transfer) / np.array(members)
        gaps.append(per_member[0] - per_member[1])
    assert gaps[0] == pytest.approx(6.0)
    assert np.all(np.diff(gaps) < 0) and gaps[-1] == pytest.approx(0.0, abs=1e-12)


# --- the hierarchy a transition starts from, and its equalisation (seed §10) ------------------------


@pytest.mark.parametrize("g", [0.0, 0.1, 0.35, 0.6, 0.95])
def test_lognormal_sigma_inverts_the_closed_form_gini(g):
    """``G = 2Φ(σ/√2) − 1`` for a lognormal: σ from G and back."""
    sigma = wages.lognormal_sigma_for_gini(g)
    assert sigma >= 0
    assert 2 * ndtr(sigma / np.sqrt(2)) - 1 == pytest.approx(g, abs=1e-12)


@pytest.mark.parametrize("g", [-0.01, 1.0, 1.5])
def test_lognormal_sigma_refuses_a_gini_outside_zero_one(g):
    """A Gini of 1 or more (or below 0) has no lognormal; the error names the range."""
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        wages.lognormal_sigma_for_gini(g)


def test_wage_hierarchy_is_reproducible_from_its_generator():
    """Same seed, same hierarchy; another seed, another one (the run's RNG is the only source)."""
    a = wages.wage_hierarchy(50, 0.3, np.random.default_rng(1))
    np.testing.assert_array_equal(a, wages.wage_hierarchy(50, 0.3, np.random.default_rng(1)))
    assert not np.array_equal(a, wages.wage_hierarchy(50, 0.3, np.random.default_rng(2)))
    assert a.shape == (50,) and a.mean() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(wages.wage_hierarchy(5, 0.0, np.random.default_rng(3)), np.ones(5))


def test_equalised_hand_worked():
    """``f^(1 − progress)`` renormalised to mean 1: half-way, wages (0.5, 1.5) become √ of themselves."""
    f = np.array([0.5, 1.5])
    np.testing.assert_allclose(wages.equalised(f, 0.0), f, rtol=1e-15)
    half = np.sqrt(f) / np.sqrt(f).mean()
    np.testing.assert_allclose(wages.equalised(f, 0.5), half, rtol=1e-15)
    for done in (1.0, 1.7):  # at and past the end: equal, one wage factor per person
        e = wages.equalised(f, done)
        assert e.shape == f.shape and e.dtype == np.float64
        np.testing.assert_array_equal(e, [1.0, 1.0])
    np.testing.assert_allclose(wages.equalised(f, -0.5), f, rtol=1e-15)  # before the start: as it was


@pytest.mark.parametrize("progress", [0.0, 0.2, 0.5, 0.9, 0.99])
def test_equalisation_keeps_the_mean_and_shrinks_every_ratio_by_the_same_power(progress):
    """Seed §10, gradual: the wage bill is unchanged and ``f_i / f_j`` becomes ``(f_i / f_j)^(1 − progress)``."""
    f = wages.wage_hierarchy(2000, 0.4, np.random.default_rng(5))
    e = wages.equalised(f, progress)
    assert e.mean() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(e / e[0], (f / f[0]) ** (1 - progress), rtol=1e-10)


def test_gini_of_the_hierarchy_falls_along_the_transition_as_the_closed_form_says():
    """Equalising a lognormal σ by ``progress`` leaves a lognormal of σ(1 − progress): Gini ``2Φ(σ(1−p)/√2) − 1``."""
    f = wages.wage_hierarchy(200_000, 0.45, np.random.default_rng(9))
    sigma = wages.lognormal_sigma_for_gini(0.45)
    ginis = []
    for progress in (0.0, 0.25, 0.5, 0.75, 1.0):
        g = metrics.gini(wages.equalised(f, progress))
        assert g == pytest.approx(2 * ndtr(sigma * (1 - progress) / np.sqrt(2)) - 1, abs=0.005)
        ginis.append(g)
    assert np.all(np.diff(ginis) < 0) and ginis[-1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("years", "week", "expected"),
    [
        (0.0, 0, 1.0),  # equality at once
        (0.0, 500, 1.0),
        (3.0, 0, 0.0),
        (3.0, 51, 0.0),  # the hierarchy shrinks once a year
        (3.0, 52, 1 / 3),
        (3.0, 155, 2 / 3),
        (3.0, 156, 1.0),
        (3.0, 1000, 1.0),  # and stays equal
        (2.5, 104, 0.8),
    ],
)
def test_equalisation_progress_steps_once_a_year_to_equality(years, week, expected):
    assert wages.equalisation_progress(years, week) == pytest.approx(expected, rel=1e-12)


def test_rescaled_hierarchy_keeps_every_place_and_takes_the_gini_asked_for():
    """``f^(σ_to/σ_from)`` over its mean: the same ranking, a lognormal of σ_to (closed-form Gini), mean 1."""
    f = wages.wage_hierarchy(200_000, 0.30, np.random.default_rng(11))
    for gini_to in (0.10, 0.30, 0.55):
        r = wages.rescaled_hierarchy(f, 0.30, gini_to)
        assert r.mean() == pytest.approx(1.0, rel=1e-12)
        np.testing.assert_array_equal(np.argsort(r, kind="stable"), np.argsort(f, kind="stable"))
        assert metrics.gini(r) == pytest.approx(gini_to, abs=0.005)
    power = wages.lognormal_sigma_for_gini(0.5) / wages.lognormal_sigma_for_gini(0.2)
    small = np.array([0.5, 1, 2])  # integers and floats alike
    np.testing.assert_allclose(
        wages.rescaled_hierarchy(small, 0.2, 0.5), small**power / (small**power).mean(), rtol=1e-14
    )
    np.testing.assert_allclose(wages.rescaled_hierarchy([1, 4], 0.2, 0.2), [0.4, 1.6], rtol=1e-14)


@pytest.mark.parametrize("gini_from", [0.0, -0.1])
def test_rescaled_hierarchy_refuses_equal_wages_to_start_from(gini_from):
    """Equal wages have no ranking to keep: refused, the message says why."""
    with pytest.raises(ValueError, match=r"^gini_from = 0: equal wages have no ranking to rescale$"):
        wages.rescaled_hierarchy([0.5, 1.5], gini_from, 0.3)
    assert wages.rescaled_hierarchy([0.5, 1.5], 1e-3, 1e-3) == pytest.approx([0.5, 1.5], rel=1e-12)
