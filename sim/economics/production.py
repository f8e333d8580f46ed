"""Production by the councils and communes, as pure functions (seed §6, §7b).

A producer (a factory council's enterprise or a rural commune) makes one good. Each
week it makes ``min(target, capacity, labour × productivity, inputs available)``; the
inputs ``(A + D) q`` (current inputs and the capital used up, seed §7d note 6) come
from the stocks and from the week's own output, which enters the stocks. Units: goods in units, labour in hours,
everything per week.
"""

from __future__ import annotations

import numpy as np

#: Most rounds of the fill-rate fixed point (it converges in a few when inputs are short).
_FILL_ITERATIONS = 100


def labour_limited_output(hours_available, productivity, labour_coefficient) -> np.ndarray:
    """Most each producer can make with its workers: ``hours × productivity / l``, units per week."""
    return np.asarray(hours_available) * productivity / labour_coefficient


def input_fill(inputs_matrix, wanted_by_sector, stock) -> np.ndarray:
    """Share of its wanted output each sector can make with the inputs in stock.

    When the sectors together want more of an input than is in stock, every user of
    that input gets the same share of its need; a sector is held back by its scarcest
    input (Leontief: no substitution between inputs).

    Parameters
    ----------
    inputs_matrix : numpy.ndarray, shape (n, n)
        Inputs used per unit of output (``A + D``).
    wanted_by_sector : numpy.ndarray, shape (n,)
        Output each sector would make, units.
    stock : numpy.ndarray, shape (n,)
        Goods in stock, units.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Fill rate per sector in ``[0, 1]``.
    """
    need = inputs_matrix @ wanted_by_sector
    ratio = np.ones_like(need)
    np.divide(stock, need, out=ratio, where=need > stock)
    np.minimum(ratio, 1.0, out=ratio)
    uses = inputs_matrix > 0
    return np.min(np.where(uses, ratio[:, None], 1.0), axis=0)


def produce(target, capacity, labour_cap, sector, inputs_matrix, stock):
    """One week of production for all producers.

    Parameters
    ----------
    target, capacity, labour_cap : numpy.ndarray, shape (P,)
        Per producer, units per week.
    sector : numpy.ndarray of int, shape (P,)
        The good each producer makes.
    inputs_matrix : numpy.ndarray, shape (n, n)
        ``A + D``, inputs per unit of output.
    stock : numpy.ndarray, shape (n,)
        Stocks before production, units.

    Returns
    -------
    output : numpy.ndarray, shape (P,)
        What each producer made, units.
    by_sector : numpy.ndarray, shape (n,)
        Output per good, units.
    used : numpy.ndarray, shape (n,)
        Inputs used per good, units (never more than the stock plus the week's output).
    """
    n = stock.shape[0]
    wanted = np.minimum(np.minimum(target, capacity), labour_cap)
    by_wanted = np.bincount(sector, weights=wanted, minlength=n)
    # The week's output can be used as input within the week: find the largest fill
    # rates consistent with stock + output, iterating down from full output.
    fill = np.ones(n)
    for _ in range(_FILL_ITERATIONS):
        new = input_fill(inputs_matrix, by_wanted, stock + by_wanted * fill)
        converged = np.max(np.abs(new - fill), initial=0.0) <= 1e-12
        fill = new
        if converged:
            break
    output = wanted * fill[sector]
    by_sector = np.bincount(sector, weights=output, minlength=n)
    used = np.minimum(inputs_matrix @ by_sector, stock + by_sector)  # guard rounding: never below zero
    return output, by_sector, used


def split_by_share(sector_amount, sector, weight) -> np.ndarray:
    """Split a per-sector amount among the sector's producers in proportion to ``weight``."""
    n = sector_amount.shape[0]
    total = np.bincount(sector, weights=weight, minlength=n)
    share = np.divide(weight, total[sector], out=np.zeros_like(weight, dtype=float), where=total[sector] > 0)
    return sector_amount[sector] * share


def largest_remainder(weights, total: int) -> np.ndarray:
    """Integers ≥ 0 in proportion to ``weights`` that add up to ``total`` (persons, enterprises)."""
    weights = np.asarray(weights)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=int)
    exact = weights / weights.sum() * total
    out = np.floor(exact).astype(int)
    left = total - out.sum()
    out[np.argsort(out - exact, kind="stable")[:left]] += 1
    return out


def staffed_for(target, plan_output, capacity, planning_errors) -> np.ndarray:
    """Output each good's producers are staffed for: their target, or the plan's where it found an error (seed §7c).

    A good whose price stayed above value through a plan period (``planning_errors``
    +1) is staffed for at least what the plan asks of it at value, as far as its capacity
    goes: labour moves to it before its council's own target, set from sales at the
    choking price, calls for it. One whose price stayed below value (−1) is staffed for
    at most what the plan asks: labour it does not need at value leaves. Other goods are
    staffed for their targets.

    Parameters
    ----------
    target, plan_output, capacity : numpy.ndarray, shape (n,)
        Each good's target, what the plan asks of it, its capacity, units per week.
    planning_errors : numpy.ndarray of int, shape (n,)
        +1, −1 or 0 per good.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Units per week.
    """
    target = np.asarray(target, dtype=float)
    directed = np.minimum(plan_output, capacity)
    out = np.where(planning_errors > 0, np.maximum(target, directed), target)
    return np.where(planning_errors < 0, np.minimum(out, plan_output), out)


def staffing(need, total: int, floor: int) -> np.ndarray:
    """Workers per enterprise: in proportion to ``need`` (hours), but never fewer than ``floor``.

    Enterprises whose share would fall below the floor get the floor; the rest of the
    workers are shared among the others in proportion to their need (water-filling).
    """
    need = np.asarray(need)
    fixed = np.zeros(need.size, dtype=bool)
    while True:
        free = total - floor * fixed.sum()
        open_ = np.flatnonzero(~fixed)
        if open_.size == 0 or need[open_].sum() <= 0:
            break
        low = need[open_] / need[open_].sum() * free < floor
        if not low.any():
            break
        fixed[open_[low]] = True
    out = np.full(need.size, floor, dtype=int)
    open_ = np.flatnonzero(~fixed)
    out[open_] = largest_remainder(need[open_], total - floor * fixed.sum())
    if open_.size == 0 or need[open_].sum() <= 0:  # nothing needed: share what is left evenly
        out += largest_remainder(np.ones(need.size), total - out.sum())
    return out


def commune_staffing(capacity_headroom: float, labour_reserve: float) -> float:
    """Members a commune has per member its farm target needs (seed §9a).

    A commune has as many spare hands as it has spare land, ``(1 + headroom) / (1 +
    reserve)``; and never fewer than the labour reserve every enterprise keeps, ``1 + reserve``.
    """
    return max((1.0 + capacity_headroom) / (1.0 + labour_reserve), 1.0 + labour_reserve)
