"""The bureaucratic plan between two yearly plans: its corrections and its soft budget (Kornai 1980).

A plan of the Soviet type was fixed for the year and corrected within it: the planners
watched the quantity signals — the queues for goods in short supply and the piles of goods
nobody took — and revised enterprises' output targets in the course of the year, while the
prices stayed as published (Kornai 1980; Granick 1980 takes the ministry, not the enterprise,
as the unit of Soviet industry because the ministry was the lowest level whose plan
customarily held unchanged for the whole planning period). Its
enterprises worked under a *soft budget constraint*: their losses were covered by the state,
none closed, and, since new capacity cost them nothing, they asked for more of it than their
output needed — Kornai's *investment hunger* (Kornai 1979, 1980). These are the rules the
``fixed_plan`` regime runs on (``docs/regimes.md``).

Units: goods in units, flows per week, labour values in hours per unit.

References
----------
Granick, D. (1980). The ministry as the maximizing unit in Soviet industry. *Journal of
Comparative Economics* 4, 255–273.
Kornai, J. (1979). Resource-constrained versus demand-constrained systems. *Econometrica* 47,
801–819.
Kornai, J. (1980). *Economics of Shortage*. North-Holland.
"""

from __future__ import annotations

import numpy as np


def raised_for_queues(targets, inputs, queued, strength: float, ceiling) -> np.ndarray:
    """The plan's targets raised for the queues of a period, the inputs the raise needs included (Kornai 1980).

    A queue that lasts over a period says the plan underestimated demand: the planners add
    ``strength`` of the queue seen, per week, to the final output of the good, and, through
    their own estimate of the input coefficients, to the gross targets of every good the
    raise needs, as the plan's material balances do:

    ``x' = min(x + (I − Â)⁻¹ · strength · q, max(ceiling, x))``,

    no further than the ``ceiling``, the capacity there is: a target beyond it would only
    send workers where they cannot work. The raise stays in the plan until the next yearly
    plan; a queue that remains raises it again at the next correction, so a lasting
    shortfall is closed in steps of ``strength`` of what is left of it.

    Parameters
    ----------
    targets : array_like, shape (n,)
        ``x``: gross output targets, units per week.
    inputs : array_like, shape (n, n)
        ``Â``: the planners' estimate of the inputs per unit (``A + D``), units per unit.
    queued : array_like, shape (n,)
        ``q``: demand not met, on average over the period, units per week (0 where nobody queued).
    strength : float
        Share of the queue corrected, 0 (none) to 1.
    ceiling : array_like, shape (n,)
        The highest target a raise reaches, units per week (a target already above it is kept).

    Returns
    -------
    numpy.ndarray, shape (n,)
        The raised targets, units per week.
    """
    targets = np.asarray(targets, dtype=float)
    raised = targets + _gross(inputs, strength * np.asarray(queued, dtype=float))
    return np.minimum(raised, np.maximum(np.asarray(ceiling, dtype=float), targets))


def piled(stock, reserve, stock_at_plan, elapsed: float) -> np.ndarray:
    """Stock above both its reserve and where the year's plan meant it to be by now, units.

    The yearly plan rebuilds every stock to its reserve over the year: from ``S₀`` at the
    plan it means the stock to be at ``S₀ + (S* − S₀) · elapsed`` after the share
    ``elapsed`` of the year. A stock above its reserve that is still coming down as planned
    is no pile; what is above both is:

    ``P = max(S − max(S*, S₀ + (S* − S₀) · elapsed), 0)``.

    Parameters
    ----------
    stock, reserve, stock_at_plan : array_like, shape (n,)
        ``S``, ``S*`` and ``S₀``: the stock now, its reserve target, the stock at the yearly plan, units.
    elapsed : float
        Share of the year since the plan, 0 to 1.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``P``, units, never negative.
    """
    reserve, start = np.asarray(reserve, dtype=float), np.asarray(stock_at_plan, dtype=float)
    meant = np.maximum(reserve, start + (reserve - start) * elapsed)
    return np.maximum(np.asarray(stock, dtype=float) - meant, 0.0)


def cut_for_piles(targets, inputs, piles, weeks: float, strength: float) -> np.ndarray:
    """The targets of the next period, lowered to clear ``strength`` of each pile above its reserve in it.

    A pile is a stock, not a flow: the planners cut the final output of a good piled above
    its reserve and above the year's plan for its stock (:func:`piled`) by
    ``strength · P / weeks`` over the ``weeks`` to the next correction only, the inputs it
    would have used included, and take the cut back at the next correction, which cuts again
    by what is then piled. (A cut for good would go on lowering output after the pile is
    gone, until a queue formed.)

    ``x' = max(x − (I − Â)⁻¹ · strength · P / weeks, 0)``.

    Parameters
    ----------
    targets : array_like, shape (n,)
        ``x``: gross output targets without the cut, units per week.
    inputs : array_like, shape (n, n)
        ``Â``: the planners' estimate of the inputs per unit (``A + D``), units per unit.
    piles : array_like, shape (n,)
        ``P``: the piles at the end of the period (:func:`piled`), units.
    weeks : float
        Weeks to the next correction; > 0.
    strength : float
        Share of each pile cleared, 0 (none) to 1.

    Returns
    -------
    numpy.ndarray, shape (n,)
        The period's targets, units per week, never negative.
    """
    cut = _gross(inputs, strength * np.asarray(piles, dtype=float) / weeks)
    return np.maximum(np.asarray(targets, dtype=float) - cut, 0.0)


def _gross(inputs, final) -> np.ndarray:
    """``(I − Â)⁻¹ y``: the gross output a change ``y`` of final output needs, units per week."""
    inputs = np.asarray(inputs, dtype=float)
    return np.linalg.solve(np.eye(inputs.shape[0]) - inputs, final)


def hungry_margin(margin: float, hunger: float) -> float:
    """The spare capacity enterprises ask to keep under a soft budget: ``margin + hunger · (1 + margin)``.

    An enterprise asks for the capacity its planned output needs with ``margin`` to spare
    (``plan.investment_margin``); one that pays nothing for new capacity asks for ``hunger``
    more on top of that, ``(1 + margin)(1 + hunger)`` times the output in all (Kornai's
    investment hunger). ``hunger = 0`` is the hard budget: asks are what the output needs.
    """
    return margin + hunger * (1.0 + margin)


def diverted_share(granted, granted_at_need, cost) -> float:
    """Share of the capacity the plan granted that went beyond the enterprises' need.

    ``Σ cost · (g − gₙ)⁺ / Σ cost · g``: ``g`` the capacity granted on the enterprises'
    asks, ``gₙ`` what the same investment fund would have granted on asks of their need
    alone, each valued at the labour it costs to build. The fund is the same, so this is
    the share of the year's investment that investment hunger moved from one use to another;
    0 when the asks are the need.

    Parameters
    ----------
    granted, granted_at_need : array_like, shape (n,)
        Capacity ordered per good, units per week of capacity per week of deliveries.
    cost : array_like, shape (n,)
        Labour that a unit of each good's capacity costs, hours.

    Returns
    -------
    float
        Between 0 and 1; 0 if nothing was granted.
    """
    granted, cost = np.asarray(granted, dtype=float), np.asarray(cost, dtype=float)
    total = float(cost @ granted)
    if total <= 0.0:
        return 0.0
    return float(cost @ np.maximum(granted - np.asarray(granted_at_need, dtype=float), 0.0)) / total
