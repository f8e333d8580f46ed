"""Production by the councils and communes, as pure functions (seed §6, §7b).

A producer (a factory council's enterprise or a rural commune) makes one good. Each
week it makes ``min(target, capacity, labour × productivity)``, as far as the inputs
allow: the inputs ``(A + D) q`` (current inputs and the capital used up, seed §7d note 6)
come from the stocks and from the week's own output, which enters the stocks, and every
unit made has all its inputs. When inputs are short, every producer of a good makes the
same share of what it wanted, and the goods' shares are the largest there are in the
lexicographic max–min order (:func:`feasible_fill`, ``docs/production.md``). Units: goods
in units, labour in hours, everything per week.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

#: A sector whose floor ("fill ≥ t") has a shadow price above this cannot rise above ``t`` (the prices sum to 1).
_HELD = 1e-9
#: Smallest coefficient HiGHS is given in a row scaled to sum 1 in absolute value (it drops those below 1e-9).
_SMALL = 1e-8
#: HiGHS's dual simplex, without presolve (the programmes have at most n + 1 columns), at its tightest tolerances.
_HIGHS = {"presolve": False, "primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
#: How far the exact step lowers the programme's rates, in turn, until every good's use fits exactly
#: (at 1 every rate is 0, which always fits); then it halves the last gap _HALVINGS times.
_SHADE = (0.0, 1e-12, 1e-9, 1e-6, 1e-3, 1.0)
_HALVINGS = 50
#: Round-off allowed in a row (scaled to sum 1 in absolute value) and in a rate, relative to the largest rate.
_ROUNDOFF = 1e-14


def labour_limited_output(hours_available, productivity, labour_coefficient) -> np.ndarray:
    """Most each producer can make with its workers: ``hours × productivity / l``, units per week."""
    return np.asarray(hours_available) * productivity / labour_coefficient


def feasible_fill(inputs_matrix, wanted_by_sector, stock) -> np.ndarray:
    """Share of its wanted output each sector makes when inputs are short: the lexicographic max–min (seed §7b).

    Fill rates ``f`` are feasible when every good's use fits in what is there, the stock
    plus the week's own output: ``(A + D) (f · w) ≤ stock + f · w``, good by good, with
    ``0 ≤ f ≤ 1``. Among the feasible rates this returns the one whose smallest rate is as
    large as it can be; given that, the next smallest; and so on (progressive filling). So
    a sector is held back only where raising it would take an input from a sector held
    back as much or more; the users of a scarce input that nothing else holds back get the
    same share; and a good that is an input of itself (or of a cycle) runs ahead of its
    users so that its own output feeds them.

    Sectors that use no good which may run short run full at once. For the others, each
    round is one linear programme (HiGHS's dual simplex): raise a common floor ``t`` under
    every sector not yet settled; the sectors whose floor has a positive shadow price
    cannot rise above the highest ``t`` without lowering another and are settled there; the
    rest go on to the next round (at most one round per sector). An exact step then makes
    the rates feasible to round-off rather than to the solver's tolerance: the least rates
    at or above the programme's under which every good feeds its own users, found by solving
    the goods' balances as equations (:func:`_least_above`).

    Parameters
    ----------
    inputs_matrix : numpy.ndarray, shape (n, n)
        ``A + D``: units of good ``i`` used per unit of good ``j``.
    wanted_by_sector : numpy.ndarray, shape (n,)
        Output each sector would make with inputs enough, units per week (≥ 0).
    stock : numpy.ndarray, shape (n,)
        Goods there before production, units (a negative stock counts as 0).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Fill rate per sector in ``[0, 1]``; 1 for a sector that wants nothing.
    """
    n = stock.shape[0]
    fill = np.ones(n)
    active = np.flatnonzero(wanted_by_sector > 0)
    # net use of each good per unit of each active sector's fill: its inputs, less its own output
    net = inputs_matrix[:, active] * wanted_by_sector[active]
    net[active, np.arange(active.size)] -= wanted_by_sector[active]
    available = np.maximum(stock, 0.0)
    short = np.flatnonzero(np.maximum(net, 0.0).sum(axis=1) > available)  # goods that may run short
    held = np.flatnonzero((net[short] > 0).any(axis=0))  # the sectors that use one of them
    if held.size == 0:
        return fill
    # the others run full: more of them only adds to the stocks
    rows = net[short][:, held]
    bound = available[short] - np.delete(net[short], held, axis=1).sum(axis=1)
    scale = np.abs(rows).sum(axis=1)
    rows, bound = rows / scale[:, None], bound / scale
    # the row of a good a held sector makes, where its output exceeds its own use, bounds that sector from below
    position = np.full(n, -1)
    position[active[held]] = np.arange(held.size)
    own = position[short]
    own[(own >= 0) & (rows[np.arange(short.size), own] >= 0)] = -1
    fill[active[held]] = _exact(rows, bound, own, _max_min(rows, bound))
    return fill


def _max_min(rows, bound) -> np.ndarray:
    """The lexicographic max–min of ``f`` in ``[0, 1]`` with ``rows @ f ≤ bound``, to HiGHS's tolerance.

    Every sector starts free. Each round maximises a floor ``t`` under the free sectors
    (the settled ones stay where they are); the free sectors whose floor has a positive
    shadow price cannot rise above ``t`` and are settled at the programme's solution. The
    rounds end when the floor reaches 1.
    """
    k = rows.shape[1]
    rows = rows.copy()
    # HiGHS drops coefficients below 1e-9: a small use counts as _SMALL, more than it is, so that
    # what HiGHS finds feasible is feasible here
    rows[(rows > 0) & (rows < _SMALL)] = _SMALL
    level = np.zeros(k)
    settled = np.zeros(k, dtype=bool)
    objective = np.zeros(k + 1)
    objective[k] = -1.0  # maximise the floor t
    goods = np.hstack([rows, np.zeros((rows.shape[0], 1))])
    while True:
        free = np.flatnonzero(~settled)
        floors = np.zeros((free.size, k + 1))
        floors[np.arange(free.size), free] = -1.0
        floors[:, k] = 1.0  # t − f_j ≤ 0
        res = linprog(
            objective,
            A_ub=np.vstack([goods, floors]),
            b_ub=np.concatenate([bound, np.zeros(free.size)]),
            bounds=np.column_stack(
                [np.append(np.where(settled, level, 0.0), 0.0), np.append(np.where(settled, level, 1.0), 1.0)]
            ),
            method="highs-ds",
            options=_HIGHS,
        )
        if res.status != 0:  # the settled rates, off by the tolerance, leave no room: the exact step takes over
            return level
        level[free] = np.minimum(res.x[free], 1.0)
        if res.x[k] >= 1.0:  # every free sector runs full
            return level
        price = -res.ineqlin.marginals[rows.shape[0] :]  # they sum to 1: the dearest is always settled
        stop = price > _HELD
        stop[np.argmax(price)] = True
        settled[free[stop]] = True
        if settled.all():
            return level


def _least_above(rows, bound, own, floor):
    """The least ``f ≥ floor`` under which each good a held sector makes covers its own row, or ``None``.

    The row ``i`` of a good that sector ``own[i]`` makes (where ``own[i] ≥ 0``) holds when
    that sector makes enough: ``f[own[i]] ≥ (bound[i] − the row's other terms) / −rows[i, own[i]]``.
    Starting from the floor, every sector whose row fails is put on its row as an equation,
    and the equations solved together; a sector is never taken off again, so this ends in
    at most one round per such row (the least point of a Leontief system, exact to round-off).
    ``None`` if they have no solution at or above the floor (a technology that is not productive).
    """
    balance = np.flatnonzero(own >= 0)
    maker = own[balance]
    on = np.zeros(balance.size, dtype=bool)
    f = floor.copy()
    while True:
        mine = rows[balance, maker]
        need = (rows[balance] @ f - mine * f[maker] - bound[balance]) / -mine
        up = ~on & (need > f[maker])
        if not up.any():
            return f
        on |= up
        r, c = balance[on], maker[on]
        rest = np.ones(f.size, dtype=bool)
        rest[c] = False
        try:
            f[c] = np.linalg.solve(rows[np.ix_(r, c)], bound[r] - rows[np.ix_(r, rest)] @ floor[rest])
        except np.linalg.LinAlgError:
            return None
        if np.any(f[c] < floor[c] - _ROUNDOFF):  # (never, where the technology is productive)
            return None


def _exact(rows, bound, own, approx) -> np.ndarray:
    """The rates nearest below ``approx`` under which every row holds to round-off and none exceeds 1.

    Tries the least rates above ``approx`` (:func:`_least_above`: the rows of goods that held
    sectors make hold there), allowing the other rows round-off; if one fails, or a rate
    exceeds 1, above ``approx`` lowered by 1e-12, 1e-9, 1e-6, 1e-3 and 1 in turn, where they
    must hold exactly (with every floor at 0 they do: the bounds are not negative), then
    halves the gap between the last lowering that failed and the first that held. The other
    rows' excesses and the rates only grow with the floors, so the halving ends next to the
    least lowering that holds.
    """

    cap = own < 0  # the rows that are no sector's balance (those hold by construction, to round-off)

    def fitting(shade):  # the programme's own rates may be off by round-off; lowered ones must fit exactly
        f = _least_above(rows, bound, own, np.maximum(approx - shade, 0.0))
        if f is None:
            return None
        allowed = _ROUNDOFF * (shade == 0.0)
        slack = bound[cap] - rows[cap] @ f
        holds = np.all(slack >= -allowed * (f.max(initial=0.0) + np.abs(bound[cap])))
        return np.minimum(f, 1.0) if holds and np.all(f <= 1.0 + allowed) else None

    failed = None
    for shade in _SHADE:
        f = fitting(shade)
        if f is not None:
            break
        failed = shade
    if failed is None:
        return f
    for _ in range(_HALVINGS):
        middle = 0.5 * (failed + shade)
        g = fitting(middle)
        if g is None:
            failed = middle
        else:
            shade, f = middle, g
    return f


def produce(target, capacity, labour_cap, sector, inputs_matrix, stock):
    """One week of production for all producers (seed §7b).

    Each producer wants ``min(target, capacity, labour_cap)``. If the inputs there (the
    stock before production plus the week's own output, usable within the week) cover
    what every producer wants, each makes it. Otherwise each producer of a good makes the
    same share of what it wanted, the good's fill rate, and the fill rates are the
    lexicographic max–min of those the inputs allow (:func:`feasible_fill`): no good's use
    exceeds what is there, to round-off.

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
        What each producer made, units per week.
    by_sector : numpy.ndarray, shape (n,)
        Output per good, units per week.
    used : numpy.ndarray, shape (n,)
        Inputs used per good, ``inputs_matrix @ by_sector``, units per week: never more
        than the stock plus the week's output (to round-off).
    """
    n = stock.shape[0]
    wanted = np.minimum(np.minimum(target, capacity), labour_cap)
    by_wanted = np.bincount(sector, weights=wanted, minlength=n)
    need = inputs_matrix @ by_wanted
    if np.all(need <= stock + by_wanted):  # inputs enough: the week's wanted output, at once
        return wanted, by_wanted, need
    fill = feasible_fill(inputs_matrix, by_wanted, stock)
    output = wanted * fill[sector]
    by_sector = np.bincount(sector, weights=output, minlength=n)
    return output, by_sector, inputs_matrix @ by_sector


def split_by_share(sector_amount, sector, weight) -> np.ndarray:
    """Split a per-sector amount among the sector's producers in proportion to ``weight``.

    Where every producer of a sector weighs nothing (capacity arriving in a sector whose
    enterprises all have none, say), the sector's amount is split evenly among them:
    nothing a sector is given is lost. Units: those of ``sector_amount``.
    """
    n = sector_amount.shape[0]
    total = np.bincount(sector, weights=weight, minlength=n)
    even = 1.0 / np.bincount(sector, minlength=n)[sector]  # every producer of its sector alike
    share = np.divide(weight, total[sector], out=even, where=total[sector] > 0)
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
