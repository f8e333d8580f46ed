"""The consumer-goods "market" of a self-managed society, as pure functions (seed §7c, §7d).

Seed §7c ("Consumer Goods"): the plan fixes the overall split of the product, but "the
structure of consumption will have to be determined by the individual consumers
themselves". Three corrective processes follow a gap between anticipated and real
demand: (a) stocks rise or fall, (b) prices deviate temporarily from labour value,
(c) output is readjusted until, the stocks rebuilt, price equals value again.

Every rule here works on arrays, one row per consumer or one entry per good; the
model calls each once per week for everybody. Units: tokens (1 token = the net
product of one hour, seed §7d), units of goods, weeks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

# --- demand: Almost Ideal Demand System (Deaton & Muellbauer 1980) ----------------------------


@dataclass(frozen=True)
class Preferences:
    """Parameters of the AIDS budget shares shared by all consumers.

    ``w_g = α_g + β_g ln(x / x̄ P) + Σ_k γ_gk ln(p_k / v_k)``, prices measured relative to
    labour value so that the price terms vanish at normal prices; ``ln P`` is the
    Stone index ``Σ_k s_k ln(p_k / v_k)`` with the base budget shares ``s``.

    Attributes
    ----------
    alpha : numpy.ndarray, shape (G,)
        Budget shares at reference spending and normal prices (sum to 1).
    beta : numpy.ndarray, shape (G,)
        Response of shares to log real spending (sum to 0); ``< 0`` for necessities.
    gamma : numpy.ndarray, shape (G, G)
        Response of shares to log relative prices (symmetric, rows sum to 0).
    base_shares : numpy.ndarray, shape (G,)
        Weights of the Stone price index.
    reference_spending : float
        ``x̄``, tokens per week.
    """

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    base_shares: np.ndarray
    reference_spending: float

    def income_elasticities(self, shares=None) -> np.ndarray:
        """Expenditure elasticity of each good, ``1 + β_g / w_g`` at the given shares."""
        shares = self.base_shares if shares is None else shares
        return 1.0 + self.beta / shares


def calibrate_preferences(budget_shares, income_elasticities, spending, price_response: float = 0.4) -> Preferences:
    """AIDS parameters whose aggregate shares at normal prices match ``budget_shares``.

    The aggregate budget share of good g over consumers with spending ``x_i`` is
    ``α_g + β_g κ`` with ``κ = Σ x_i ln(x_i/x̄) / Σ x_i``; choosing ``β_g = (e_g − 1) s_g``
    (then shifted to sum to 0) and ``α_g = s_g − β_g κ`` reproduces the observed shares
    under the observed (unequal) distribution. Equalising spending sets ``κ`` to 0 and
    moves the share of good g by ``−β_g κ``: this is what makes the initial plan skeleton
    need "extensive modification" (seed §7c).

    Parameters
    ----------
    budget_shares : array_like, shape (G,)
        Observed aggregate budget shares (sum to 1).
    income_elasticities : array_like, shape (G,)
        Target expenditure elasticities (< 1 necessities, > 1 luxuries).
    spending : array_like, shape (N,)
        Pre-revolution spending per consumer, tokens per week.
    price_response : float
        ``θ`` in ``γ = θ (diag(s) − s sᵀ)``; own-price elasticity ≈ ``−1 + θ (1 − s_g) − β_g``.
    """
    s = np.asarray(budget_shares)
    s = s / s.sum()
    beta = (np.asarray(income_elasticities) - 1.0) * s
    beta = beta - s * beta.sum()  # adding-up: Σβ = 0
    x = np.asarray(spending)
    x_ref = float(x.mean())
    kappa = float(np.sum(x * np.log(x / x_ref)) / x.sum())
    alpha = s - beta * kappa
    gamma = price_response * (np.diag(s) - np.outer(s, s))
    return Preferences(alpha, beta, gamma, s, x_ref)


def shift_tastes(prefs: Preferences, rises: int, falls: int, share: float) -> Preferences:
    """Move ``share`` of every budget from good ``falls`` to good ``rises`` (seed §6b, §8: displacements of demand).

    At most the whole reference share of ``falls`` moves.
    """
    alpha = prefs.alpha.copy()
    moved = min(share, alpha[falls])
    alpha[falls] -= moved
    alpha[rises] += moved
    return dataclasses.replace(prefs, alpha=alpha)


def budget_shares(prefs: Preferences, spending, rel_prices, taste=None) -> np.ndarray:
    """AIDS budget shares for every consumer, clipped at 0 and renormalised.

    Parameters
    ----------
    prefs : Preferences
    spending : array_like, shape (N,)
        Tokens each consumer spends this week.
    rel_prices : array_like, shape (G,)
        Price over labour value per consumer good (1 at normal prices).
    taste : array_like, shape (N, G), optional
        Per-consumer shifts of ``α`` (rows sum to 0).

    Returns
    -------
    numpy.ndarray, shape (N, G)
        Budget shares, rows summing to 1 (rows of zero spending are all zero).
    """
    log_p = np.log(rel_prices)
    price_term = prefs.gamma @ log_p  # (G,)
    log_index = prefs.base_shares @ log_p
    x = np.asarray(spending)
    with np.errstate(divide="ignore"):
        log_real = np.log(np.where(x > 0, x, 1.0) / prefs.reference_spending) - log_index
    w = (prefs.alpha + price_term)[None, :] + log_real[:, None] * prefs.beta[None, :]
    if taste is not None:
        w += taste
    np.maximum(w, 0.0, out=w)
    total = w.sum(axis=1, keepdims=True)
    np.divide(w, total, out=w, where=total > 0)
    w[x <= 0] = 0.0
    return w


def demand(prefs: Preferences, spending, prices, values, taste=None) -> np.ndarray:
    """Quantities each consumer wants this week, units (N, G): ``w_g x / p_g``."""
    prices = np.asarray(prices)
    shares = budget_shares(prefs, spending, prices / values, taste)
    return shares * (np.asarray(spending)[:, None] / prices[None, :])


@dataclass(frozen=True)
class Purchases:
    """What all households did in one week.

    Attributes
    ----------
    wanted : numpy.ndarray, shape (G,)
        Units demanded, all consumers together.
    bought : numpy.ndarray, shape (G,)
        Units bought (never more than on sale).
    spent : numpy.ndarray, shape (N,)
        Tokens each consumer spent.
    """

    wanted: np.ndarray
    bought: np.ndarray
    spent: np.ndarray


def _log_real(prefs: Preferences, x, log_p):
    """``ln(x / x̄) − ln P`` where ``x > 0``, else 0 (those consumers buy nothing)."""
    out = np.zeros_like(x)
    active = x > 0
    out[active] = np.log(x[active] / prefs.reference_spending) - prefs.base_shares @ log_p
    return out


def aggregates_exactly(prefs: Preferences, spending, prices, values, taste_floor) -> bool:
    """Whether no consumer's budget share can fall below 0 this week, so demand aggregates exactly.

    A lower bound of every share ``α_g + (γ ln p)_g + taste_ig + β_g lr_i`` over consumers
    uses the smallest taste shift per good and the range of log real spending.
    """
    x = np.asarray(spending, dtype=float)
    active = x > 0
    if not active.any():
        return False
    log_p = np.log(np.asarray(prices) / values)
    log_real = _log_real(prefs, x, log_p)[active]
    base = prefs.alpha + prefs.gamma @ log_p
    low, high = log_real.min(), log_real.max()
    return bool(np.all(base + taste_floor + np.minimum(prefs.beta * low, prefs.beta * high) >= 0.0))


def unclipped(prefs: Preferences, log_real, base, taste_floor) -> np.ndarray:
    """Consumers none of whose budget shares can fall below 0 this week, whatever their taste.

    Share g of consumer i is at least ``base_g + taste_floor_g + β_g lr_i``; it stays ≥ 0
    for every good when ``lr_i`` (log real spending) lies in an interval that the goods
    with β > 0 bound from below and those with β < 0 from above.

    Parameters
    ----------
    prefs : Preferences
    log_real : numpy.ndarray, shape (N,)
        ``ln(x_i / x̄) − ln P``.
    base : numpy.ndarray, shape (G,)
        ``α + γ ln(p / v)``.
    taste_floor : array_like, shape (G,)
        A lower bound of every consumer's taste shift per good.

    Returns
    -------
    numpy.ndarray of bool, shape (N,)
    """
    slack = base + np.asarray(taste_floor)
    beta = prefs.beta
    rising, falling = beta > 0, beta < 0
    if np.any(slack[~(rising | falling)] < 0):
        return np.zeros(np.shape(log_real), dtype=bool)
    low = np.max(-slack[rising] / beta[rising], initial=-np.inf)
    high = np.min(slack[falling] / -beta[falling], initial=np.inf)
    return (log_real >= low) & (log_real <= high)


def buy(
    prefs: Preferences, spending, prices, values, taste, on_sale, rationing="proportional", rng=None, taste_floor=None
) -> Purchases:
    """The week's purchases of every consumer in one call: demand, rationing, spending (seed §7c).

    Where no budget share of a consumer can need clipping, AIDS demand aggregates exactly:
    shares are linear in the consumer's taste and log real spending, so the totals and
    those consumers' spending take matrix–vector products instead of rows of an (N, G)
    demand matrix. Which consumers these are is decided from bounds (``taste_floor``, the
    per-good minimum of ``taste``, and each one's spending: :func:`unclipped`); the rows of
    the others are built in full. Under the queue, only the goods that are short are
    queued for, with every consumer's demand for them. Without ``taste_floor`` every row is
    built. All ways give the same result.

    Parameters
    ----------
    prefs : Preferences
    spending : array_like, shape (N,)
        Tokens each consumer means to spend.
    prices, values : array_like, shape (G,)
        Prices (tokens per unit) and labour values (hours per unit).
    taste : numpy.ndarray, shape (N, G)
        Per-consumer shifts of ``α`` (rows sum to 0).
    on_sale : array_like, shape (G,)
        Units households may buy.
    rationing : {"proportional", "queue"}
    rng : numpy.random.Generator, optional
        Needed for the queue.
    taste_floor : array_like, shape (G,), optional
        ``taste.min(axis=0)``, cached by the caller; without it the full matrix is built.
    """
    x = np.asarray(spending, dtype=float)
    prices = np.asarray(prices)
    on_sale = np.asarray(on_sale)
    log_p = np.log(prices / values)
    base = prefs.alpha + prefs.gamma @ log_p
    log_real = _log_real(prefs, x, log_p)
    linear = x <= 0  # who spends nothing buys nothing, on either path
    if taste_floor is not None:
        linear |= unclipped(prefs, log_real, base, taste_floor)
    rows = np.flatnonzero(~linear)
    x_linear = np.where(linear, x, 0.0)
    wanted = (base * x_linear.sum() + taste.T @ x_linear + prefs.beta * (log_real @ x_linear)) / prices
    matrix = demand(prefs, x[rows], prices, values, taste[rows]) if rows.size else np.zeros((0, prices.size))
    wanted += matrix.sum(axis=0)
    if rationing == "queue":
        short = np.flatnonzero(wanted > on_sale)
        shares = base[short] + taste[:, short] + np.multiply.outer(log_real, prefs.beta[short])
        queued = shares * (x_linear[:, None] / prices[short])
        queued[rows] = matrix[:, short]
        got = ration_queue(queued, on_sale[short], rng)
        bought = wanted.copy()
        bought[short] = got.sum(axis=0)
        unserved = (queued - got) @ prices[short]  # tokens of short goods not got; the rest of the budget is spent
        return Purchases(wanted, bought, np.maximum(np.where(x > 0, x, 0.0) - unserved, 0.0))
    fill = np.ones_like(wanted)
    np.divide(on_sale, wanted, out=fill, where=wanted > on_sale)
    spent = x_linear * (base @ fill + taste @ fill + (prefs.beta @ fill) * log_real)
    spent[rows] = matrix @ (fill * prices)
    return Purchases(wanted, wanted * fill, spent)


def intended_spending(income, savings, buffer_weeks: float, smoothing_weeks: float) -> np.ndarray:
    """Tokens each consumer means to spend this week (seed §7d: tokens spread over time).

    Consumers keep a buffer of ``buffer_weeks`` of income and spend their income plus
    the excess over that buffer, spread over ``smoothing_weeks``; never more than
    they hold.
    """
    income = np.asarray(income)
    savings = np.asarray(savings)
    target = buffer_weeks * income
    x = income + (savings - target) / smoothing_weeks
    return np.clip(x, 0.0, savings + income)


# --- rationing ---------------------------------------------------------------------------------


def ration_proportional(wanted, available) -> np.ndarray:
    """Each consumer gets the same fraction of its demand for a scarce good.

    Parameters
    ----------
    wanted : array_like, shape (N, G)
        Quantities demanded, units.
    available : array_like, shape (G,)
        Stock on offer, units.

    Returns
    -------
    numpy.ndarray, shape (N, G)
        Quantities bought; column sums never exceed ``available``.
    """
    wanted = np.asarray(wanted, dtype=float)
    total = wanted.sum(axis=0)
    fill = np.ones_like(total)
    np.divide(available, total, out=fill, where=total > available)
    return wanted * np.minimum(fill, 1.0)[None, :]


def ration_queue(wanted, available, rng: np.random.Generator) -> np.ndarray:
    """First come, first served: consumers, in a random order, take all they want until none is left."""
    wanted = np.asarray(wanted)
    order = rng.permutation(wanted.shape[0])
    queued = wanted[order]
    before = np.cumsum(queued, axis=0) - queued  # taken by those ahead in the queue
    got = np.clip(np.asarray(available)[None, :] - before, 0.0, queued)
    out = np.empty_like(got)
    out[order] = got
    return out


RATIONING_RULES = {"proportional": ration_proportional, "queue": ration_queue}


# --- corrective process (b): prices follow the reserve stock ----------------------------------


def price_from_stock(value, stock, reserve, response: float, floor: float = 0.25, ceiling: float = 4.0):
    """Corrective process (b), seed §7c: price moves with the reserve stock, back to value when it is rebuilt.

    ``p = v · φ(S / S*)`` with ``φ(r) = clip(r^(−response), floor, ceiling)``: decreasing,
    ``φ(1) = 1``, bounded.

    Parameters
    ----------
    value : array_like, shape (G,)
        Labour value per unit, hours (= tokens at normal prices).
    stock, reserve : array_like, shape (G,)
        Current and target stock, units.
    response : float
        Elasticity of price to the stock ratio (0 = price fixed at value).
    floor, ceiling : float
        Bounds of ``p / v``.

    Returns
    -------
    numpy.ndarray
        Price per unit, tokens (G,); equals ``value`` where ``stock == reserve``.
    """
    value = np.asarray(value, dtype=float)
    reserve = np.asarray(reserve)
    ratio = np.divide(stock, reserve, out=np.ones_like(value), where=reserve > 0)
    phi = np.exp(-response * np.log(np.maximum(ratio, 1e-12)))
    return value * np.clip(phi, floor, ceiling)


# --- corrective process (c): output readjusted toward demand and the reserve ------------------


def readjusted_output(expected_demand, stock, reserve, rebuild_weeks: float, other_use, capacity):
    """Corrective process (c), seed §7c: output of a good moves to ``D̂ + (S* − S)/τ``.

    Parameters
    ----------
    expected_demand : array_like
        ``D̂``, households' expected weekly demand, units per week.
    stock, reserve : array_like
        Current stock and reserve target, units.
    rebuild_weeks : float
        ``τ``, weeks over which a stock gap is closed.
    other_use : array_like
        Planned intermediate, public and investment use of the same good, units per week.
    capacity : array_like
        Most the sector can make in a week, units.

    Returns
    -------
    numpy.ndarray
        Weekly output target, units, within ``[0, capacity]``.
    """
    target = np.asarray(expected_demand) + other_use + (np.asarray(reserve) - stock) / rebuild_weeks
    return np.clip(target, 0.0, capacity)
