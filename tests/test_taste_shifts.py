"""This week's tastes, each person's own plus their share of the drift, as demand asks for them (market.TasteShifts)."""

import numpy as np
import pytest

from sim.economics.market import TasteShifts


def _tastes(dtype, n=50, g=6, seed=0):
    rng = np.random.default_rng(seed)
    own = rng.normal(0, 0.01, (n, g))
    own -= own.mean(axis=1, keepdims=True)
    return TasteShifts(own.astype(dtype), rng.uniform(0.5, 1.5, n), rng.normal(0, 0.002, g))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_what_demand_asks_of_the_tastes_is_what_the_whole_matrix_gives(dtype):
    t = _tastes(dtype)
    whole = t.own.astype(float) + np.outer(t.exposure, t.drift)
    np.testing.assert_array_equal(np.asarray(t), whole)
    rng = np.random.default_rng(1)
    e, c, three = rng.normal(size=6), rng.uniform(size=50), rng.normal(size=(6, 3))
    np.testing.assert_allclose(t @ e, whole @ e, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t @ three, whole @ three, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.T @ c, whole.T @ c, rtol=1e-12, atol=1e-15)
    rows, goods = np.array([3, 0, 7]), np.array([1, 4])
    np.testing.assert_array_equal(t[rows], whole[rows])
    np.testing.assert_array_equal(t[2:9], whole[2:9])
    np.testing.assert_array_equal(t[:, goods], whole[:, goods])
    assert t.shape == (50, 6) and (t @ e).dtype == np.float64 and (t.T @ c).dtype == np.float64
