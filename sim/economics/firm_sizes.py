"""How many enterprises a sector's workers form and how many persons each holds: Zipf's law at the census mean.

The size law behind ``population.councils = "auto"`` (``docs/firm_sizes.md``):

- **How many.** A sector of ``W`` workers has ``round(W / MEAN_FIRM_SIZE)`` enterprises, at
  least one and at most ``W // smallest`` (each must hold one primary work group).
  ``MEAN_FIRM_SIZE`` is the United States' employees per employer firm in 2014: 121,069,944
  employees in 5,825,458 firms, 20.78 persons per enterprise (US Census Bureau, Statistics of
  U.S. Businesses 2014).
- **How large.** Every enterprise holds one group of ``smallest`` persons (the lower
  truncation: no enterprise is smaller than a group); the persons beyond the groups are
  shared in proportion to independent Pareto draws ``X`` with ``P(X > x) = x^−α`` for
  ``x ≥ 1``, ``α = ZIPF_EXPONENT`` = 1.059, the exponent Axtell (2001, *Science* 293:1818)
  fitted to every US firm with employees. The largest enterprises' sizes are then
  proportional to the draws, so their tail keeps the exponent α; the sizes sum to ``W``.

Units: persons (workers), enterprises.
"""

from __future__ import annotations

import numpy as np

from sim.economics.production import largest_remainder

#: α of P(size > s) ∝ s^−α for US firms (Axtell 2001, Science 293:1818, 1997 census data: 1.059, s.e. 0.054).
ZIPF_EXPONENT = 1.059
#: Employees of US employer firms in 2014 (US Census Bureau, Statistics of U.S. Businesses 2014), persons.
US_EMPLOYEES_2014 = 121_069_944
#: US employer firms in 2014 (the same table), enterprises.
US_FIRMS_2014 = 5_825_458
#: Persons per enterprise: employees per employer firm, US 2014 (20.78).
MEAN_FIRM_SIZE = US_EMPLOYEES_2014 / US_FIRMS_2014


def enterprise_count(workers: int, smallest: int, mean_size: float = MEAN_FIRM_SIZE) -> int:
    """Enterprises ``workers`` persons form: their number over the mean size, each holding at least one group.

    ``round(workers / mean_size)``, at least 1, at most ``workers // smallest``.

    Parameters
    ----------
    workers : int
        Persons working in the sector's enterprises.
    smallest : int
        Persons of the smallest enterprise (one primary work group), persons.
    mean_size : float
        Persons per enterprise (default: the US 2014 census mean, :data:`MEAN_FIRM_SIZE`).

    Returns
    -------
    int
        Enterprises.
    """
    return max(1, min(round(workers / mean_size), workers // smallest))


def firm_sizes(workers: int, count: int, smallest: int, rng, exponent: float = ZIPF_EXPONENT) -> np.ndarray:
    """Persons in each of ``count`` enterprises: one group each, the rest shared by Pareto draws of tail ``exponent``.

    Each enterprise holds ``smallest`` persons plus its share of the other
    ``workers − count × smallest``, in proportion to a draw ``X`` with ``P(X > x) = x^−exponent``
    (``x ≥ 1``), shared by largest remainder so that the sizes are integers that sum to
    ``workers``. Above a few times ``smallest`` the sizes are proportional to the draws, so
    the upper tail has the exponent of the draws (Axtell 2001: 1.059 for US firms).

    Parameters
    ----------
    workers : int
        Persons to share, persons.
    count : int
        Enterprises, ≥ 1 (:func:`enterprise_count`).
    smallest : int
        Persons every enterprise holds at least (one primary work group), persons.
    rng : numpy.random.Generator
        Draws ``count`` Pareto variates.
    exponent : float
        Tail exponent α > 0 of the draws.

    Returns
    -------
    numpy.ndarray of int, shape (count,)
        Persons per enterprise, each ≥ ``smallest``, summing to ``workers``.

    Raises
    ------
    ValueError
        ``count`` < 1, or too few workers for one group in each enterprise.
    """
    if count < 1 or count * smallest > workers:
        raise ValueError(f"{workers} persons cannot staff {count} enterprises of at least {smallest}")
    # Inverse CDF of the Pareto on [1, count^(1/α)]: P(X > x) = x^-α, cut where count draws would expect one above.
    draws = (1.0 - rng.random(count) * (1.0 - 1.0 / count)) ** (-1.0 / exponent)
    return smallest + largest_remainder(draws, workers - count * smallest)
