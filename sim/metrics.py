"""What a run measures (DESIGN §4), as pure functions of arrays.

Units: prices and values in tokens (= hours), stocks in units of goods, weeks.
"""

from __future__ import annotations

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
        ranks = np.arange(1, x.size + 1, dtype=float)
        return max(0.0, float(2.0 * (ranks @ np.sort(x)) / (x.size * total) - (x.size + 1) / x.size))
    w = np.asarray(weights, dtype=float).ravel()
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


def price_value_gap(prices, values) -> float:
    """``max_g |ln(p_g / v_g)|``: how far the worst price is from labour value (0 = all at value)."""
    return float(np.max(np.abs(np.log(np.asarray(prices) / np.asarray(values)))))


def stock_gap(stock, reserve) -> float:
    """``max_g |S_g / S*_g − 1|`` over goods with a positive reserve target."""
    reserve = np.asarray(reserve, dtype=float)
    keep = reserve > 0
    return float(np.max(np.abs(np.asarray(stock)[keep] / reserve[keep] - 1.0)))


def unmet_share(unmet, wanted, values) -> float:
    """Share of households' demand, valued at labour value, that found no stock."""
    total = float(np.dot(values, wanted))
    return float(np.dot(values, unmet)) / total if total > 0 else 0.0


def sovereignty_index(production, demand, values) -> float:
    """``1 − ½ Σ_g |production share − demand share|``, shares in labour value.

    1 when production for households has exactly the structure of what they ask for.
    """
    a = np.asarray(values) * np.maximum(production, 0.0)
    b = np.asarray(values) * np.asarray(demand)
    if a.sum() <= 0 or b.sum() <= 0:
        return 0.0
    return float(1.0 - 0.5 * np.sum(np.abs(a / a.sum() - b / b.sum())))


def fulfilment_floor(sales, demand) -> float:
    """``min_g sales_g / demand_g``: the share of demand met for the worst-served good."""
    demand = np.asarray(demand, dtype=float)
    keep = demand > 0
    return float(np.min(np.asarray(sales)[keep] / demand[keep])) if keep.any() else 1.0


def convergence_week(price_gaps, stock_gaps, price_tol: float = 0.01, stock_tol: float = 0.05):
    """First week from which price gap < ``price_tol`` and stock gap < ``stock_tol`` hold to the end.

    Returns
    -------
    int or None
        The week (0-based index into the series), or ``None`` if the run did not converge.
    """
    ok = (np.asarray(price_gaps) < price_tol) & (np.asarray(stock_gaps) < stock_tol)
    if ok.size == 0 or not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    return int(bad[-1] + 1) if bad.size else 0
