"""What a run measures (DESIGN §4), as pure functions of arrays.

Units: prices and values in tokens (= hours), stocks in units of goods, weeks.
"""

from __future__ import annotations

import numba
import numpy as np


def gini(values, weights=None) -> float:
    """Gini coefficient of non-negative ``values`` (optionally weighted), 0 = equal.

    Returns 0 for an empty or all-zero distribution.
    """
    x = np.asarray(values, dtype=float).ravel()
    if weights is None:  # G = 2 Σ_i i x_(i) / (n Σ x) − (n + 1) / n, on the sorted values
        total = float(x.sum())
        if x.size == 0 or total <= 0:
            return 0.0
        ranks = np.arange(1, x.size + 1)
        return max(0.0, float(2.0 * (ranks @ np.sort(x)) / (x.size * total) - (x.size + 1) / x.size))
    w = np.asarray(weights).ravel()
    keep = w > 0
    x, w = x[keep], w[keep]
    total = float(np.sum(w * x))
    if x.size == 0 or total <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum_w = np.cumsum(w)
    cum_xw = np.cumsum(w * x)
    # area under the Lorenz curve by trapezoids
    lorenz = cum_xw / total
    prev = np.concatenate([[0.0], lorenz[:-1]])
    area = np.sum(w * (lorenz + prev)) / (2.0 * cum_w[-1])
    return max(0.0, float(1.0 - 2.0 * area))


def gini_binned(values, error: float = 1e-4) -> float:
    """Gini coefficient of non-negative ``values`` in O(n), within ``error`` of :func:`gini`.

    The values are dealt into equal bins of width ``w`` on ``[min, max]``; every pair in
    different bins counts exactly (``Σ_{i<j} (x_j − x_i)`` by running counts and sums), the
    pairs within a bin are left out. Each of these differs by at most ``w``, so the Gini,
    ``Σ_{i<j} |x_i − x_j| / (n Σ x)``, is underestimated by at most ``w / (2 x̄)``: the bins
    are as many as make that at most ``error``. Where that would take more than 8 bins a
    value, the values are sorted instead (:func:`gini`, exact).
    """
    x = np.asarray(values, dtype=float).ravel()
    total = float(x.sum())
    if x.size == 0 or total <= 0:
        return 0.0
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        return 0.0
    bins = int(np.ceil((hi - lo) * x.size / (2.0 * total * error)))
    if bins > 8 * x.size:
        return gini(x)
    count, sums = _binned(x, lo, bins / (hi - lo), bins)
    below_count = np.cumsum(count) - count
    below_sum = np.cumsum(sums) - sums
    return max(0.0, float((sums @ below_count - count @ below_sum) / (x.size * total)))


@numba.njit(cache=True)
def _binned(x, lo, scale, bins):
    """How many values fall in each of ``bins`` equal bins from ``lo`` (``scale`` bins a unit), and their sum."""
    count, sums = np.zeros(bins), np.zeros(bins)
    for value in x:
        k = min(int((value - lo) * scale), bins - 1)
        count[k] += 1.0
        sums[k] += value
    return count, sums


def dispersion(income, members, group) -> tuple[float, float, float]:
    """How income per member differs between enterprises and between the groups of enterprises (sectors).

    Parameters
    ----------
    income : numpy.ndarray, shape (P,)
        Income per member of every enterprise, tokens a week.
    members : numpy.ndarray, shape (P,)
        Its members (the weights; enterprises without members do not count).
    group : numpy.ndarray of int, shape (P,)
        The sector of each enterprise.

    Returns
    -------
    cv, gini, between_sectors : float
        Members-weighted coefficient of variation and Gini of income per member between
        enterprises, and the Gini between sectors' mean incomes per member (Estrin 1983
        measures Yugoslav dispersion both ways).
    """
    w = np.asarray(members, dtype=float)
    x = np.asarray(income, dtype=float)
    keep = w > 0
    if not keep.any():
        return 0.0, 0.0, 0.0
    mean = float(np.average(x[keep], weights=w[keep]))
    sd = float(np.sqrt(np.average((x[keep] - mean) ** 2, weights=w[keep])))
    cv = sd / mean if mean > 0 else 0.0
    g = np.asarray(group)[keep]
    per = np.bincount(g, weights=w[keep])
    sector_mean = np.divide(np.bincount(g, weights=w[keep] * x[keep]), per, out=np.zeros(per.size), where=per > 0)
    return cv, gini(x[keep], weights=w[keep]), gini(sector_mean, weights=per)


def weighted_correlation(x, y, weights) -> float:
    """Pearson's correlation of ``x`` and ``y`` weighted by ``weights``; 0 where either does not vary."""
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    x, y, w = np.asarray(x, dtype=float)[keep], np.asarray(y, dtype=float)[keep], w[keep]
    if w.size < 2:
        return 0.0
    dx, dy = x - np.average(x, weights=w), y - np.average(y, weights=w)
    sxx, syy = np.average(dx * dx, weights=w), np.average(dy * dy, weights=w)
    tiny = 1e-20  # relative variance below this is rounding, not variation
    if sxx <= tiny * np.average(x * x, weights=w) or syy <= tiny * np.average(y * y, weights=w):
        return 0.0
    return float(np.average(dx * dy, weights=w) / np.sqrt(sxx * syy))


def price_value_gap(prices, values) -> float:
    """``max_g |ln(p_g / v_g)|``: how far the worst price is from labour value (0 = all at value)."""
    return float(np.max(np.abs(np.log(np.asarray(prices) / np.asarray(values)))))


def stock_gap(stock, reserve) -> float:
    """``max_g |S_g / S*_g − 1|`` over goods with a positive reserve target."""
    reserve = np.asarray(reserve)
    keep = reserve > 0
    return float(np.max(np.abs(np.asarray(stock)[keep] / reserve[keep] - 1.0)))


def unmet_share(unmet, wanted, values) -> float:
    """Share of households' demand, valued at labour value, that found no stock."""
    total = float(np.dot(values, wanted))
    return float(np.dot(values, unmet)) / total if total > 0 else 0.0


def excess_stock_share(stock, reserve, values) -> float:
    """Unsold piles: stock above its reserve target, valued at labour value, as a share of the reserves' value.

    ``Σ_g v_g max(S_g − S*_g, 0) / Σ_g v_g S*_g`` (0 when no good has more than its reserve).
    Beside the unmet share it shows queues and piles side by side.
    """
    values = np.asarray(values)
    reserve = np.asarray(reserve)
    total = float(values @ reserve)
    return float(values @ np.maximum(np.asarray(stock) - reserve, 0.0)) / total if total > 0 else 0.0


def price_level(prices, values, weights) -> float:
    """Stone index of prices against labour values, ``exp Σ_g s_g ln(p_g / v_g)`` (1 when every price is at value).

    ``weights`` are budget shares summing to 1 (the households' base shares: the LA/AIDS's Stone index).
    """
    return float(np.exp(np.asarray(weights) @ np.log(np.asarray(prices) / np.asarray(values))))


def sovereignty_index(production, demand, values) -> float:
    """``1 − ½ Σ_g |production share − demand share|``, shares in labour value.

    1 when production for households has exactly the structure of what they ask for.
    """
    a = np.asarray(values) * np.maximum(production, 0.0)
    b = np.asarray(values) * np.asarray(demand)
    if a.sum() <= 0 or b.sum() <= 0:
        return 0.0
    return float(1.0 - 0.5 * np.sum(np.abs(a / a.sum() - b / b.sum())))


def fulfilment(sales, demand) -> np.ndarray:
    """``sales_g / demand_g`` per good (1 where nothing is demanded); works along the last axis."""
    sales = np.asarray(sales)
    demand = np.asarray(demand)
    return np.divide(sales, demand, out=np.ones(np.broadcast(sales, demand).shape), where=demand > 0)


def settled_week(in_tolerance):
    """The first week from which the economy is in tolerance every week to the end of the run.

    With the verdict's trailing-window measures (docs/welfare.md) this does not hang on a
    handful of weeks: a run in tolerance at its end has settled, from the week its last spell
    out of tolerance ended.

    Parameters
    ----------
    in_tolerance : array_like of bool, shape (weeks,)
        Whether the trailing window ending at each week met the verdict's tolerances.

    Returns
    -------
    int or None
        The week (0-based), or ``None`` if the run is out of tolerance at its end (or empty):
        censored at its horizon.
    """
    ok = np.asarray(in_tolerance, dtype=bool)
    if ok.size == 0 or not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    return int(bad[-1]) + 1 if bad.size else 0


def utilisation(output, capacity, weights) -> float:
    """Capacity utilisation: ``Σ w·output / Σ w·capacity`` (weights: values at fixed prices; 0 without capacity)."""
    total = float(np.dot(weights, capacity))
    return float(np.dot(weights, output)) / total if total > 0 else 0.0
