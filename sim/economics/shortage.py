"""The shortage economy's marks (Kornai 1980): hoarded inputs, forced substitution, forced saving, queues and piles.

Kornai recognised the economy of a bureaucratic plan by what its buyers do when supply is
chronically short and by the signals it leaves: enterprises that met a shortage of an input
hold more of it than they need (*hoarding*), households who find their good queued for
buy another in its place (*forced substitution*) or keep the money they could not spend
(*forced saving*), and queues for some goods stand beside unsold piles of others in the same
week. These pure functions state the rules the ``fixed_plan`` regime runs on and the
indicators every run records (``docs/validation.md``).

Units: goods in units, flows per week, money in tokens.

References
----------
Kornai, J. (1980). *Economics of Shortage*. North-Holland.
Kornai, J. (1995). Eliminating the shortage economy: a general analysis and examination of the
developments in Hungary. *Economics of Transition* 3, 13–37 and 149–168.
"""

from __future__ import annotations

import numpy as np

#: Share of a good's demand left unmet below which no queue is counted (round-off of the rationing).
QUEUE_FLOOR = 1e-9


def hoard_target(use, short, weeks: float) -> np.ndarray:
    """The input stock enterprises mean to hold above their week's need: ``weeks`` of use where the good was short.

    An enterprise that met a shortage of an input in the period just ended orders and keeps
    ``weeks`` more of its use than production needs, so that the next shortage finds it
    supplied (Kornai 1980); of an input that was not short it holds no more than it
    needs, and a hoard of it is used up. ``H* = weeks · u`` where short, 0 elsewhere.

    Parameters
    ----------
    use : array_like, shape (n,)
        ``u``: each good's use as an input, on average over the period, units per week.
    short : array_like of bool, shape (n,)
        Whether the good was short in the period: queued for by households or lacked by producers.
    weeks : float
        Weeks of use hoarded above need, ≥ 0 (0: no hoarding).

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``H*``, units, never negative.
    """
    use = np.maximum(np.asarray(use, dtype=float), 0.0)
    return np.where(np.asarray(short, dtype=bool), weeks * use, 0.0)


def lacked(inputs, wanted_by_sector, stock) -> np.ndarray:
    """Goods whose users could not have all they needed this week: ``(A + D) w > S + w``.

    The inputs the week's wanted output ``w`` needs, against the stock there before production
    plus the week's own output (production's feasibility, ``docs/production.md``).

    Parameters
    ----------
    inputs : array_like, shape (n, n)
        ``A + D``: units of good ``i`` used per unit of good ``j``.
    wanted_by_sector : array_like, shape (n,)
        Output each good's producers wanted to make, units per week.
    stock : array_like, shape (n,)
        Stocks before production, units.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    wanted = np.asarray(wanted_by_sector, dtype=float)
    return np.asarray(inputs, dtype=float) @ wanted > np.maximum(np.asarray(stock, dtype=float), 0.0) + wanted


def substitute(unserved, share: float, remaining, prices, weights):
    """Forced substitution: a share of the money turned away by queues spent on the goods still on sale.

    Each person spends ``share`` of the tokens ``u_i`` their queued goods did not take on the
    goods with stock left, in the proportions ``w`` of those goods' ``weights`` (renormalised
    over them), rationed in proportion where the stock left does not cover what all ask:

    ``asked_k = share · Σ_i u_i · w_k / p_k``, ``fill_k = min(1, R_k / asked_k)``,
    person ``i`` buys ``share · u_i · w_k · fill_k / p_k`` of good ``k`` and spends
    ``share · u_i · Σ_k w_k fill_k``. What is not spent is forced saving (Kornai 1980).

    Parameters
    ----------
    unserved : array_like, shape (N,)
        ``u``: tokens each person meant to spend on goods they were turned away from.
    share : float
        Share of it spent on other goods, 0 (all of it saved) to 1.
    remaining : array_like, shape (G,)
        ``R``: units still on sale after the queues, units (0 for a good queued for).
    prices : array_like, shape (G,)
        Tokens per unit, > 0.
    weights : array_like, shape (G,)
        How the substituted money is split between goods with stock left (the base budget shares), ≥ 0.

    Returns
    -------
    asked : numpy.ndarray, shape (G,)
        Units asked for in substitution, all persons together.
    per_token : numpy.ndarray, shape (G,)
        Units each token of substitution bought, ``w · fill / p``: person ``i`` got ``share · u_i · per_token``.
    spent : numpy.ndarray, shape (N,)
        Tokens each person spent in substitution.
    """
    unserved = np.maximum(np.asarray(unserved, dtype=float), 0.0)
    remaining, prices = np.asarray(remaining, dtype=float), np.asarray(prices, dtype=float)
    w = np.where(remaining > 0, np.asarray(weights, dtype=float), 0.0)
    if share <= 0 or w.sum() <= 0 or unserved.sum() <= 0:
        return np.zeros(prices.size), np.zeros(prices.size), np.zeros(unserved.size)
    w = w / w.sum()
    asked = share * unserved.sum() * w / prices
    fill = np.ones(prices.size)
    np.divide(remaining, asked, out=fill, where=asked > remaining)
    per_token = w * fill / prices
    return asked, per_token, share * unserved * float(w @ fill)


def forced_savings(previous: float, forced: float, smoothing_weeks: float) -> float:
    """The stock of forced savings after a week: ``F' = F · (1 − 1/τ) + f``.

    ``f`` is the week's forced saving, the tokens households meant to spend and could not;
    households spend an excess of savings down over ``τ`` weeks (``consumption.smoothing_weeks``),
    so the stock left from earlier weeks is spent at ``1/τ`` a week.

    Parameters
    ----------
    previous : float
        ``F``: the stock last week, tokens.
    forced : float
        ``f``: this week's forced saving, tokens.
    smoothing_weeks : float
        ``τ`` ≥ 1, weeks.
    """
    return previous * (1.0 - 1.0 / smoothing_weeks) + forced


def queued(wanted, sales) -> np.ndarray:
    """Goods with a queue: demand left unmet above :data:`QUEUE_FLOOR` of it (G,), bool."""
    wanted = np.asarray(wanted, dtype=float)
    return wanted - np.asarray(sales, dtype=float) > QUEUE_FLOOR * wanted


def queue_length(wanted, sales) -> float:
    """Mean share of demand left unmet, over the goods with a queue (:func:`queued`); 0 if none."""
    wanted, sales = np.asarray(wanted, dtype=float), np.asarray(sales, dtype=float)
    short = queued(wanted, sales)
    if not short.any():
        return 0.0
    return float(np.mean((wanted[short] - sales[short]) / wanted[short]))


def piled(stock, reserve, margin: float) -> np.ndarray:
    """Goods piled above their reserve: stock above ``(1 + margin)`` times the reserve target (G,), bool."""
    return np.asarray(stock, dtype=float) > (1.0 + margin) * np.asarray(reserve, dtype=float)
