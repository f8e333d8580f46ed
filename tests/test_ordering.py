"""The counting sort that puts persons in order by enterprise or group (sim.economics.ordering)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.economics.ordering import stable_order


@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(st.just(n), arrays(np.int64, st.integers(0, 300), elements=st.integers(0, n - 1)))
    )
)
def test_stable_order_is_numpy_s_stable_argsort(case):
    n_keys, key = case
    np.testing.assert_array_equal(stable_order(key, n_keys), np.argsort(key, kind="stable"))


def test_ties_keep_their_order_and_unused_keys_cost_nothing():
    key = np.array([2, 0, 2, 0, 5])
    np.testing.assert_array_equal(stable_order(key, 9), [1, 3, 0, 2, 4])
    assert stable_order(np.zeros(0, dtype=int), 3).size == 0


@pytest.mark.parametrize("key", [[0, 3], [-1, 0]])
def test_a_key_outside_its_range_is_refused(key):
    with pytest.raises(ValueError, match="must be in 0 … 2"):
        stable_order(np.array(key), 3)
