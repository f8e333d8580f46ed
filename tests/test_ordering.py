"""The counting sort that puts persons in order by enterprise or group (sim.economics.ordering)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.economics.ordering import dealt, stable_order


@settings(deadline=None)  # the first call compiles the pass
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


@settings(deadline=None)  # the first call compiles the pass
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 6)), min_size=1, max_size=12))
def test_members_are_dealt_into_chunks_as_equal_as_can_be_in_order(enterprises):
    count = np.array([n for n, _ in enterprises])
    chunks = np.array([k for _, k in enterprises])
    owner = np.repeat(np.arange(count.size), count)
    chunk = dealt(owner, count, chunks)
    for o in range(count.size):
        mine = chunk[owner == o]
        assert np.all(np.diff(mine) >= 0) and np.all(mine < chunks[o])  # in order, within its chunks
        sizes = np.bincount(mine, minlength=chunks[o])
        if count[o] >= chunks[o]:
            assert sizes.max() - sizes.min() <= 1 and np.all(np.diff(sizes) <= 0)  # the first r one larger
        else:
            np.testing.assert_array_equal(sizes, np.arange(chunks[o]) < count[o])  # one each, first come


def test_the_tenth_member_of_ten_in_three_chunks_falls_in_the_last():
    # 10 = 4 + 3 + 3: members 0–3 in chunk 0, 4–6 in 1, 7–9 in 2
    np.testing.assert_array_equal(dealt(np.zeros(10, dtype=int), [10], [3]), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
