"""Persons put in order by a small integer key in one pass: a stable counting sort.

A national run moves and regroups millions of persons by enterprise and work group every
plan. :func:`numpy.argsort` sorts them in ``O(N log N)`` (about 1.5 s for 10⁷ persons); the
keys are rows of enterprises or groups, far fewer than persons, so a counting sort puts them in
the same order in ``O(N + K)`` (about 0.2 s). Compiled with numba; the result is exactly
``numpy.argsort(key, kind="stable")``'s.
"""

from __future__ import annotations

import numba
import numpy as np


def stable_order(key, n_keys: int) -> np.ndarray:
    """The indices that sort ``key`` with ties kept in their order: ``numpy.argsort(key, kind="stable")``.

    Parameters
    ----------
    key : array_like of int, shape (N,)
        Each item's key, in ``0 … n_keys − 1`` (a row of an enterprise or a group).
    n_keys : int
        How many keys there can be.

    Returns
    -------
    numpy.ndarray of int64, shape (N,)

    Raises
    ------
    ValueError
        A key outside ``0 … n_keys − 1``.
    """
    key = np.ascontiguousarray(key, dtype=np.int64)
    if key.size and (key.min() < 0 or key.max() >= n_keys):
        raise ValueError(f"stable_order: keys run from {key.min()} to {key.max()}, must be in 0 … {n_keys - 1}")
    return _counting_order(key, int(n_keys))


@numba.njit(cache=True)
def _counting_order(key, n_keys):
    start = np.zeros(n_keys + 1, np.int64)
    for k in key:
        start[k + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    order = np.empty(key.size, np.int64)
    for i in range(key.size):
        k = key[i]
        order[start[k]] = i
        start[k] += 1
    return order


def dealt(owner, count, chunks) -> np.ndarray:
    """The chunk each member falls in when every enterprise deals its members into chunks as equal as can be.

    Members come sorted by enterprise (``owner``); the j-th member of an enterprise with
    ``n`` members in ``k`` chunks falls in chunk ``j // (q + 1)`` among the first ``r``
    chunks of ``q + 1`` members, then in chunks of ``q`` (``q, r = divmod(n, k)``).

    Parameters
    ----------
    owner : array_like of int, shape (N,)
        Each member's enterprise, sorted.
    count : array_like of int, shape (K,)
        Members of each enterprise (``numpy.bincount(owner)``).
    chunks : array_like of int, shape (K,)
        Chunks (work groups) each enterprise deals its members into, at least 1.

    Returns
    -------
    numpy.ndarray of int64, shape (N,)
        Each member's chunk, ``0 … chunks[owner] − 1``.
    """
    owner = np.ascontiguousarray(owner, dtype=np.int64)
    return _dealt(owner, np.ascontiguousarray(count, dtype=np.int64), np.ascontiguousarray(chunks, dtype=np.int64))


@numba.njit(cache=True)
def _dealt(owner, count, chunks):
    start = np.zeros(count.size, np.int64)
    for o in range(1, count.size):
        start[o] = start[o - 1] + count[o - 1]
    chunk = np.empty(owner.size, np.int64)
    for i in range(owner.size):
        o = owner[i]
        j, n, k = i - start[o], count[o], chunks[o]
        q, r = n // k, n % k
        chunk[i] = j // (q + 1) if j < r * (q + 1) else r + (j - r * (q + 1)) // max(q, 1)
    return chunk
