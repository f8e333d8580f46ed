"""Granular shocks: a sample's units keep their own variance, each sector's aggregate gets the nation's.

A run simulates fewer work groups, enterprises and communes than the economy it stands for.
Each unit's log-shock has a variance stated for the unit (σ²); what a sector's aggregate
inherits from them is ``σ² H``, with ``H = Σ ŵ²`` the Herfindahl index of the units' shares
``ŵ`` of the sector (Gabaix 2011, "The Granular Origins of Aggregate Fluctuations",
*Econometrica* 79: 733–772). A sample of ``n`` units standing for ``k n`` of the same sizes has
``H`` ``k`` times the nation's, so independent shocks would make its aggregates ``√k`` times
too volatile. :func:`loadings` works out, from the units' weights, how to correlate their shocks
within each sector so that every unit keeps its variance and every sector's weighted aggregate
has the nation's; :func:`nation_shocks` applies it to each week's draws. ``docs/noise.md``
derives the rule.

The functions are pure and work on all units of all sectors at once; the only loop is the
bisection's, over its steps. The loadings hold as long as the weights do, so a caller solves
them when the units' weights change, not every week.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: The path's far end, as a share of ``ν_max``: the top unit's loading is then about ``2 / √END``.
END = 1e-9
#: Bisection steps along the path: its parameter runs over [0, 2], so 2⁻⁵¹ is its resolution.
STEPS = 52


def herfindahl(weights, sector, sectors: int) -> np.ndarray:
    """Each sector's Herfindahl index of its units' weights, ``Σ ŵ²`` with ``ŵ = w / Σ w``.

    Parameters
    ----------
    weights : numpy.ndarray, shape (M,)
        Each unit's weight in its sector's aggregate (output, or hours), ≥ 0, any unit.
    sector : numpy.ndarray of int, shape (M,)
        Each unit's sector, ``0 <= sector < sectors``.
    sectors : int
        Number of sectors.

    Returns
    -------
    numpy.ndarray, shape (sectors,)
        Between ``1 / units`` and 1; 1 for a sector with no weight (nothing to average).
    """
    total = np.bincount(sector, weights=weights, minlength=sectors)
    squares = np.bincount(sector, weights=np.square(weights), minlength=sectors)
    return np.divide(squares, np.square(total), out=np.ones(sectors), where=total > 0)


def nation_herfindahl(weights, sector, sectors: int, stands_for: float, size=None) -> np.ndarray:
    """Each sector's Herfindahl index among the nation's units, when the sample stands for ``stands_for`` times itself.

    The nation is the sample and ``stands_for − 1`` times its persons again, in units as large
    as the sample's units of this level are on average over all sectors, spread in size within
    each sector as the sample's are. With ``n`` a sector's units with weight and ``P`` their
    size, ``N = n + (stands_for − 1) P / P̄`` are the nation's (``P̄``: the level's size per
    unit), and its Herfindahl index is ``H n / N`` (docs/noise.md). ``stands_for = 1``: ``H``.

    Parameters
    ----------
    weights : numpy.ndarray, shape (M,)
        Each unit's weight in its sector's aggregate (output, or hours), ≥ 0.
    sector : numpy.ndarray of int, shape (M,)
        Each unit's sector, ``0 <= sector < sectors``.
    sectors : int
        Number of sectors.
    stands_for : float
        Persons the run stands for ÷ persons simulated, ≥ 1.
    size : numpy.ndarray, shape (M,), optional
        Each unit's size comparable across sectors (persons); default ``weights``.

    Returns
    -------
    numpy.ndarray, shape (sectors,)
    """
    h = herfindahl(weights, sector, sectors)
    counted = weights > 0
    units = np.bincount(sector, weights=counted, minlength=sectors)
    amount = np.bincount(sector, weights=np.where(counted, weights if size is None else size, 0.0), minlength=sectors)
    mean = amount.sum() / max(units.sum(), 1.0)
    nation = units + (stands_for - 1) * np.divide(amount, mean, out=np.zeros(sectors), where=mean > 0)
    return h * np.divide(units, nation, out=np.ones(sectors), where=nation > 0)


class Loadings(NamedTuple):
    """How each unit's shock is made from independent draws (:func:`loadings`): ``x = f d (η − p v (v·η)) + b ξ``.

    Attributes
    ----------
    sector : numpy.ndarray of int, shape (M,)
        Each unit's sector.
    stretch : numpy.ndarray, shape (M,)
        ``f d``: each unit's factor, its sector's common scale times its own ``1 / √(1 − t)``.
    direction : numpy.ndarray, shape (M,)
        ``v = d ŵ``: each unit's part in the sector's draw that the others offset.
    pull : numpy.ndarray, shape (S,)
        ``p = c / V`` of each sector.
    common : numpy.ndarray, shape (S,)
        ``b``: each sector's loading on its common shock (0 but where the nation is lumpier).
    variance : numpy.ndarray, shape (M,)
        Each unit's variance: 1, less only in a sector one unit outweighs.
    """

    sector: np.ndarray
    stretch: np.ndarray
    direction: np.ndarray
    pull: np.ndarray
    common: np.ndarray
    variance: np.ndarray


def loadings(weights, sector, herfindahl_nation) -> Loadings:
    """How to correlate every unit's shock within its sector so that the aggregate's variance is the nation's.

    Within a sector, with ``ŵ`` each unit's share of its weight, ``a = ŵ²`` and ``H = Σ a``,
    and ``Hₙ`` the nation's Herfindahl index of the sector (``docs/noise.md``):

    - ``Hₙ < H``: the shocks are ``x = s d (η − c v (v·η) / V)``, ``d = 1 / √(1 − t)``,
      ``v = d ŵ``, ``V = Σ v²``, ``T = Σ t``, ``c = 1 − √(1 − T)``, where each unit's ``t`` solves
      ``t (1 − t) = ν a``: every unit's variance is then ``s²`` and the aggregate's
      ``s² T (1 − T) / ν``. ``ν`` runs from 0 (``x = η``) to ``ν_max = 1 / (4 max a)`` on the
      smaller root of every unit, then back toward 0 on the larger root for the largest
      unit; bisection along this path finds the point where the aggregate's variance is
      ``Hₙ`` with ``s = 1``. A sector where one unit outweighs the rest (``2 max a > H``,
      the least the path reaches, or a single unit) takes the path's end and ``s < 1``.
    - ``Hₙ > H``: every unit gets a share ``b² = (Hₙ − H) / (1 − H)`` of its variance from
      the sector's common shock, the rest its own.
    - ``Hₙ = H``: the draws are kept as they are.

    Parameters
    ----------
    weights : numpy.ndarray, shape (M,)
        Each unit's weight in its sector's aggregate (output, or hours), ≥ 0.
    sector : numpy.ndarray of int, shape (M,)
        Each unit's sector, ``0 <= sector < S``.
    herfindahl_nation : numpy.ndarray, shape (S,)
        The Herfindahl index the nation's units would give each sector, in (0, 1].

    Returns
    -------
    Loadings
        For :func:`nation_shocks`, as long as the weights stay as they are.
    """
    target = np.asarray(herfindahl_nation, dtype=float)
    sectors = target.size
    total = np.bincount(sector, weights=weights, minlength=sectors)
    share = np.divide(weights, total[sector], out=np.zeros(sector.size), where=total[sector] > 0)
    a = np.square(share)
    h = herfindahl(weights, sector, sectors)  # as the caller computes it: Hₙ = H leaves the draws untouched
    present = total > 0
    lower = present & (target < h)
    top, nu_max = _top(a, sector, sectors)
    point = _point(a, sector, sectors, top, nu_max, h, target, lower)
    gap, rest, _ = _path(a, sector, sectors, top, nu_max, point)
    stretch = 1 / np.sqrt(gap)
    v = share * stretch
    big_v = np.bincount(sector, weights=np.square(v), minlength=sectors)
    scale = np.sqrt(np.divide(target, rest * big_v, out=np.ones(sectors), where=lower))  # (1 − T) V: reached
    raised = present & (target > h)
    own = np.sqrt(np.divide(target - h, 1 - h, out=np.zeros(sectors), where=raised))
    pull = np.divide(1 - np.sqrt(rest), big_v, out=np.zeros(sectors), where=big_v > 0)
    factor = (scale * np.sqrt(1 - np.square(own)))[sector] * stretch
    return Loadings(sector, factor, v, pull, own, np.square(scale)[sector])


def nation_shocks(draws, rule: Loadings, common=None) -> np.ndarray:
    """Shocks of mean 0 of every unit, correlated within sectors by ``rule`` (:func:`loadings`).

    Parameters
    ----------
    draws : numpy.ndarray, shape (M,) or (R, M)
        Independent draws of mean 0 and variance 1 (normal, or standardised lognormal), one
        per unit (each row an independent replica, transformed alike).
    rule : Loadings
    common : numpy.ndarray, shape (S,) or (R, S), optional
        Independent standard normal sector shocks, needed where the nation is lumpier.

    Returns
    -------
    numpy.ndarray, shape of ``draws``
        Linear in the draws: mean 0, each unit's variance ``rule.variance``; ``Σ ŵ shocks``
        has variance ``Hₙ`` in each sector with weight.

    Raises
    ------
    ValueError
        Where the nation is lumpier and no ``common`` shocks are given.
    """
    sector, sectors = rule.sector, rule.pull.size
    raised = rule.common.any()
    if raised and common is None:
        raise ValueError("nation_shocks: a sector more concentrated in the nation needs its common shock")
    rows = np.asarray(draws, dtype=float).reshape(-1, sector.size)
    offset = (sector + sectors * np.arange(rows.shape[0])[:, None]).ravel()
    projection = np.bincount(offset, weights=(rows * rule.direction).ravel(), minlength=rows.shape[0] * sectors)
    projection = projection.reshape(rows.shape[0], sectors)  # v·η of each sector, in each row
    shocks = rule.stretch * (rows - rule.pull[sector] * rule.direction * projection[:, sector])
    if raised:
        shocks += rule.common[sector] * np.asarray(common, dtype=float).reshape(-1, sectors)[:, sector]
    return shocks.reshape(np.shape(draws))


def _top(a, sector, sectors: int):
    """Whether each unit is its sector's largest (the first of equals), and each sector's ``ν_max = 1 / (4 max a)``."""
    order = np.lexsort((-a, sector))  # by sector, the largest first
    first = order[np.flatnonzero(np.diff(sector[order], prepend=-1))]
    top = np.zeros(a.size, dtype=bool)
    top[first] = True
    largest = np.zeros(sectors)
    largest[sector[first]] = a[first]
    return top, np.divide(0.25, largest, out=np.zeros(sectors), where=largest > 0)


def _path(a, sector, sectors: int, top, nu_max, point):
    """Each unit's ``1 − t`` at the path's ``point`` (in [0, 2]) of its sector, and each sector's ``1 − T`` and ``ν``.

    ``point`` ≤ 1: ``ν = point · ν_max`` and every unit on the smaller root of ``t (1 − t) = ν a``;
    beyond: ``ν = (2 − point) · ν_max`` and the largest unit on the larger root. Both are
    written without cancellation: the smaller root is ``2νa / (1 + √(1 − 4νa))``, and 1 minus
    the larger is the smaller.
    """
    far = point > 1
    nu = nu_max * np.where(far, 2 - point, point)
    x = nu[sector] * a
    small = 2 * x / (1 + np.sqrt(np.maximum(1 - 4 * x, 0.0)))
    flip = top & far[sector]
    signed = np.bincount(sector, weights=np.where(flip, small, -small), minlength=sectors)
    rest = np.where(far, signed, 1 + signed)  # 1 − T, from the smaller roots alone
    return np.where(flip, small, 1 - small), np.maximum(rest, 0.0), nu


def _point(a, sector, sectors: int, top, nu_max, h, target, which) -> np.ndarray:
    """Where on the path each sector in ``which`` reaches the aggregate variance ``target``, by bisection.

    The bracket's lower end always has an aggregate at least ``target``, hence ``T ≤ 1``, and is
    what is kept; a sector whose path never comes down to ``target`` takes its far end.
    """
    point = np.zeros(sectors)
    if not which.any():
        return point
    mine = which[sector]
    a, sector, top = a[mine], sector[mine], top[mine]

    def reach(p):
        _, rest, nu = _path(a, sector, sectors, top, nu_max, p)
        return np.divide((1 - rest) * rest, nu, out=h.copy(), where=nu > 0)

    end = np.where(which, 2 - END, 0.0)
    beyond = which & (reach(end) >= target)
    low, high = np.zeros(sectors), end.copy()
    for _ in range(STEPS):
        middle = (low + high) / 2
        above = reach(middle) >= target
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    return np.where(beyond, end, low)


def factors(spread: float, rule: Loadings | None, rng, shape) -> np.ndarray:
    """Factors with mean 1 and the variance of a lognormal of σ ``spread`` for each unit, correlated by ``rule``.

    Each unit draws its lognormal factor ``f`` as a run that stands for itself does; where the
    run stands for more, the standardised deviations ``(f − 1) / τ``, ``τ² = exp(σ²) − 1``, are
    correlated by :func:`nation_shocks`. Working on the factors themselves, not their
    logarithms, keeps the sector's aggregate exactly at the nation's variance at every order
    (a lognormal's square terms do not cancel between units). A factor the correlation would
    take below 0 is 0 (a week without output): never at σ ≤ 0.1, about 1 unit-week in 10⁴ at
    σ = 0.3 in a sector of five units (docs/noise.md).

    Parameters
    ----------
    spread : float
        σ of each unit's log factor.
    rule : Loadings or None
        None where the run stands for itself: the factors are ``rng.lognormal`` itself.
    rng : numpy.random.Generator
    shape : int or tuple of int
        Units (M,), or (R, M) for R independent factors of each unit.

    Returns
    -------
    numpy.ndarray, shape ``shape``
        Mean 1, each unit's variance ``τ² · rule.variance``, ≥ 0.
    """
    drawn = rng.lognormal(-(spread**2) / 2, spread, shape)
    if rule is None:
        return drawn
    return np.maximum(1 + deviations(drawn, spread, rule), 0.0)


def deviations(drawn, spread: float, rule: Loadings) -> np.ndarray:
    """``τ · nation_shocks((f − 1) / τ)``: lognormal factors' deviations from 1, correlated by ``rule``."""
    tau = np.sqrt(np.expm1(spread**2))
    return tau * nation_shocks((drawn - 1) / tau, rule)
