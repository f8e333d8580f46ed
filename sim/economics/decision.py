"""The fundamental decision as pure functions: preferences, assemblies' majorities, the Central Assembly (seed §7f).

Once a year "the population as a whole" chooses, "in full knowledge of the relevant
facts", how long to work and how to split the net product between private consumption,
public consumption and investment (seed §7f). Each person ranks the variants the plan
factory offers by their own weights on consumption now, free time and consumption five
years on; each General Assembly counts its members' preferences between every pair of
variants and their approvals, and chooses by the voting rule the scenario selects
(:mod:`sim.economics.voting_rules`); the Central Assembly of Delegates adds up the
assemblies' results by the aggregation the scenario selects and chooses by the same rule.

Units: consumption in hours of labour value per person per year, time in hours per week.
"""

from __future__ import annotations

import numba
import numpy as np

#: Waking hours in a week (16 a day): free time is these minus the hours worked.
WAKING_HOURS_PER_WEEK = 112.0
#: What each person weighs, in this order (columns of the weights).
CRITERIA = ("consumption", "leisure", "growth")


def person_weights(persons: int, means, spread: float, rng) -> np.ndarray:
    """Each person's weights on consumption now, leisure and growth, rows summing to 1.

    Parameters
    ----------
    persons : int
    means : sequence of 3 float
        Mean weights (any scale; a zero weight stays zero for everyone).
    spread : float
        σ of each weight's lognormal draw around its mean.
    rng : numpy.random.Generator
    """
    means = np.asarray(means, dtype=float)
    draw = means * rng.lognormal(-(spread**2) / 2, spread, (persons, means.size))
    return draw / draw.sum(axis=1, keepdims=True)


def utilities(weights, consumption_now, hours_per_week, consumption_growth, horizon_years: float) -> np.ndarray:
    """Each person's utility of each variant: ``w_c ln c_now + w_l ln(free time) + w_g H ln(1 + g)``.

    The third term is growth itself: how much more the same hours will buy ``H`` years on,
    in log points (``ln(c_H / c_now)`` on the variant's path).

    Parameters
    ----------
    weights : numpy.ndarray, shape (N, 3)
        :func:`person_weights`.
    consumption_now, hours_per_week, consumption_growth : array_like, shape (V,)
        Per variant: consumption per person this coming year (hours of value per year),
        hours worked per week, and the yearly growth of consumption its investment buys.
    horizon_years : float
        ``H``, the years over which growth is weighed.

    Returns
    -------
    numpy.ndarray, shape (N, V)
    """
    free = WAKING_HOURS_PER_WEEK - np.asarray(hours_per_week, dtype=float)
    growth = horizon_years * np.log1p(np.asarray(consumption_growth, dtype=float))
    logs = np.vstack([np.log(consumption_now), np.log(free), growth])  # (3, V)
    return np.asarray(weights) @ logs


def pairwise_tallies(utility, assembly, assemblies: int) -> np.ndarray:
    """Members of each assembly who prefer variant i to variant j (strictly).

    Parameters
    ----------
    utility : numpy.ndarray, shape (N, V)
    assembly : numpy.ndarray of int, shape (N,)
        Each person's assembly.
    assemblies : int

    Returns
    -------
    numpy.ndarray of int32, shape (assemblies, V, V)
        (int32: half a million assemblies' tallies take 0.3 GB, not 0.6.)
    """
    return _pairwise_counts(
        np.ascontiguousarray(utility, dtype=float), np.ascontiguousarray(assembly, dtype=np.int64), int(assemblies)
    )


@numba.njit(cache=True)
def _pairwise_counts(utility, assembly, assemblies):
    """:func:`pairwise_tallies` in one pass over the persons (V² comparisons each)."""
    n_variants = utility.shape[1]
    out = np.zeros((assemblies, n_variants, n_variants), dtype=np.int32)  # at most the persons of one assembly
    for person in range(utility.shape[0]):
        a = assembly[person]
        for i in range(n_variants):
            for j in range(n_variants):
                if utility[person, i] > utility[person, j]:
                    out[a, i, j] += 1
    return out


def central_tally(tallies, members, aggregation: str) -> np.ndarray:
    """The Central Assembly's pairwise count from the assemblies' results (seed §5, §7f).

    Parameters
    ----------
    tallies : numpy.ndarray, shape (A, V, V)
        :func:`pairwise_tallies`.
    members : numpy.ndarray, shape (A,)
        Persons in each assembly.
    aggregation : {"persons", "assemblies"}
        ``persons``: one person one vote, every member's preference counts.
        ``assemblies``: each assembly's majority between each pair counts with the
        weight of all its members (a tie in an assembly splits its weight).
    """
    tallies = np.asarray(tallies)
    if aggregation == "persons":
        return tallies.sum(axis=0)
    if aggregation != "assemblies":
        raise ValueError(f"aggregation {aggregation!r}: must be 'persons' or 'assemblies'")
    transposed = tallies.transpose(0, 2, 1)
    share = np.where(tallies > transposed, 1.0, np.where(tallies == transposed, 0.5, 0.0))
    np.einsum("aii->ai", share)[:] = 0.0
    return np.einsum("a,aij->ij", np.asarray(members, dtype=float), share)


def central_approvals(approved, members, aggregation: str) -> np.ndarray:
    """The Central Assembly's approvals from the assemblies' (seed §5, §7f).

    Parameters
    ----------
    approved : numpy.ndarray, shape (A, V)
        Members of each assembly approving each variant
        (:func:`sim.economics.voting_rules.approvals`).
    members : numpy.ndarray, shape (A,)
    aggregation : {"persons", "assemblies"}
        ``persons``: every member's approval counts. ``assemblies``: an assembly approves a
        variant that a majority of its members approve, with the weight of all its members
        (exactly half of them: half its weight).
    """
    approved = np.asarray(approved)
    if aggregation == "persons":
        return approved.sum(axis=0)
    if aggregation != "assemblies":
        raise ValueError(f"aggregation {aggregation!r}: must be 'persons' or 'assemblies'")
    members = np.asarray(members, dtype=float)[:, None]
    share = np.where(2 * approved > members, 1.0, np.where(2 * approved == members, 0.5, 0.0))
    return (members * share).sum(axis=0)


def first_preferences(utility, assembly, assemblies: int) -> np.ndarray:
    """Members of each assembly whose favourite is each variant, shape (assemblies, V)."""
    favourite = np.argmax(utility, axis=1)
    n_variants = utility.shape[1]
    return np.bincount(assembly * n_variants + favourite, minlength=assemblies * n_variants).reshape(
        assemblies, n_variants
    )
