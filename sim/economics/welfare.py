"""Welfare in hours of work: every person's money metric at fixed reference prices (docs/welfare.md).

The households' demand system (:class:`sim.economics.market.Preferences`, docs/demand.md) has
an expenditure function ``e(p, u) = u · M(p, u)`` with prices relative to reference values
``r = p / p⁰`` and utility in tokens at ``p⁰`` (``e(p⁰, u) = u``). ``p⁰`` is the labour
values published in week 0: a fixed yardstick, the same under every regime. So ``u`` is the
money metric ``e(p⁰, u)``: the hours of work, at week-0 values, that buy what a person got.

Four numbers per person and week, all tokens per week at ``p⁰``:

- ``achieved``: the utility of the bundle the person actually took home, queues and empty
  shelves included: the direct utility ``U(q)`` (:func:`bundle_utility`), not a count of the
  units missing;
- ``at_prices``: ``v(p, x)``, what the same spending ``x`` would have bought at the week's
  prices with nothing rationed; ``at_prices − achieved`` is the **rationing cost**;
- ``undistorted``: ``v(p_n, p_n·q*)``, the utility the normal cost of the unrationed bundle
  ``q*`` buys at the regime's normal prices ``p_n``; ``undistorted − at_prices ≥ 0`` is the
  **price-distortion cost** (Harberger's deadweight loss: what relative prices away from normal
  cost, with the transfer ``(p − p_n)·q*`` set aside);
- ``unconstrained``: ``v(p_n, x)``, the spending at normal prices with nothing rationed.

Seed §7c: consumers "determine the structure of consumption"; these measures ask how well the
goods they got serve what they want, whatever the regime's prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economics import market
from sim.economics.market import Preferences

#: ``ln(u/x̄)`` below which a bundle's utility counts as 0 (a good it needs is missing entirely).
_FLOOR = -60.0
#: Safeguarded Newton steps at most when solving a bundle's utility.
_MAX_STEPS = 200
#: A bundle's ``ln u`` is solved to this relative error.
_TOLERANCE = 1e-14


@dataclass(frozen=True)
class WeekWelfare:
    """One week's money metrics of every person, tokens per week at reference prices, shape (N,) each.

    Attributes
    ----------
    achieved : numpy.ndarray
        ``U(q)``: the bundle taken home.
    at_prices : numpy.ndarray
        ``v(p, x)``: the intended spending at the week's prices, nothing rationed.
    undistorted : numpy.ndarray
        ``v(p_n, p_n · q*)``: the normal cost of the unrationed bundle, spent at normal prices.
    unconstrained : numpy.ndarray
        ``v(p_n, x)``: the intended spending at normal prices, nothing rationed.
    """

    achieved: np.ndarray
    at_prices: np.ndarray
    undistorted: np.ndarray
    unconstrained: np.ndarray

    @property
    def rationing_cost(self) -> np.ndarray:
        """``v(p, x) − U(q)`` ≥ 0: what queues and empty shelves cost, tokens per week."""
        return self.at_prices - self.achieved

    @property
    def price_distortion_cost(self) -> np.ndarray:
        """``v(p_n, p_n·q*) − v(p, x)`` ≥ 0: the deadweight loss of prices away from normal, tokens per week."""
        return self.undistorted - self.at_prices


def _utility(prefs: Preferences, spending, log_prices, taste, taste_floor, tilt, ratio=None, tilt_cost=None):
    """``v(p, x)`` of every consumer, and optionally the cost ``Σ_k q*_k p_k ratio_k`` of their bundle.

    As :func:`sim.economics.market.buy`: one matrix–vector product with the tastes (``tilt =
    taste @ E``, and ``tilt_cost = taste @ (ρ ratio)`` for the cost, given by the caller, who
    computes them in one pass) and a vector of Newton steps for every consumer whose Engel
    weights cannot clip (decided from the bounds ``taste_floor``), the full rows for the others.
    """
    x = np.asarray(spending)
    theta, alpha, beta, ref = prefs.price_response, prefs.alpha, prefs.beta, prefs.reference_spending
    active = x > 0
    e, rho = market._price_terms(theta, log_prices)
    y = np.log(np.where(active, x, ref) / ref)
    a = tilt + alpha @ e
    b = beta @ e
    L = market._solve_unclipped(theta, y, a, b)
    ok = market.unclipped(prefs, L, alpha, taste_floor)
    cost = None
    if ratio is not None:
        g = rho * ratio
        cost = x * (alpha @ g + tilt_cost + (beta @ g) * L) / (1.0 + theta * (a + b * L))
    rows = np.flatnonzero(~ok & active)
    if rows.size:
        L[rows], W, total = market._allocation(prefs, x[rows], log_prices, taste[rows])
        if cost is not None:
            cost[rows] = x[rows] * (W @ ratio) / total
    # who spends nothing has no utility and buys nothing (their L may be NaN where no unclipped root exists)
    utility = np.where(active, ref * np.exp(np.where(active, L, 0.0)), 0.0)
    return utility, (None if cost is None else np.where(active, cost, 0.0))


def indirect_utility(prefs: Preferences, spending, prices, reference, taste, taste_floor=None) -> np.ndarray:
    """``v(p, x)`` of every consumer, tokens per week at the reference prices (N,).

    Parameters
    ----------
    prefs : Preferences
    spending : array_like, shape (N,)
        Tokens each consumer spends.
    prices, reference : array_like, shape (G,)
        Prices and the reference prices ``p⁰`` (week-0 labour values), tokens per unit.
    taste : numpy.ndarray, shape (N, G)
        Per-consumer shifts of ``α`` (rows sum to 0).
    taste_floor : array_like, shape (G,), optional
        A lower bound of ``taste`` per good (default ``taste.min(axis=0)``): decides without
        building the (N, G) rows which consumers need them.
    """
    log_p = np.log(np.asarray(prices) / reference)
    taste = np.asarray(taste)
    floor = taste.min(axis=0) if taste_floor is None else taste_floor
    e, _ = market._price_terms(prefs.price_response, log_p)
    return _utility(prefs, spending, log_p, taste, floor, taste @ e)[0]


def bundle_utility(prefs: Preferences, bundle, reference, taste, upper=None) -> np.ndarray:
    """``U(q)``: the utility of a bundle of goods, tokens at the reference prices (N,).

    At fixed ``u`` the expenditure function is that of a CES aggregator ``C_u`` with weights
    ``φ(u)^(1/σ)`` and elasticity ``σ = 1 − θ`` (Hanoch 1975; Comin, Lashkari & Mestieri 2021,
    eq. 2), so a bundle reaches utility ``u`` when ``C_u(y) ≥ u``, with ``y_k = p⁰_k q_k`` and
    ``ρ = (σ − 1)/σ``:

        Σ_k φ_k(u)^(1/σ) (y_k / u)^ρ ≤ 1          (0 < θ < 1),
        Σ_k φ_k(u) ln(y_k / φ_k(u)) ≥ ln u           (θ = 0, Cobb–Douglas),

    ``φ`` clipped at 0 and renormalised as in the demand. ``U(q)`` is the largest such ``u``:
    the root of ``H(L) = ln C_u(y) − ln u`` (``L = ln(u/x̄)``) below which ``H ≥ 0``. The
    Engel weights make ``H`` rise and fall far from a person's own utility (docs/welfare.md),
    so the root is bracketed from above: ``H ≤ 0`` at an upper bound (``Σ_k y_k``, which ``y``
    costs at ``p⁰``, where ``e = u``; or ``upper``), then Newton's steps down (which do not pass the
    largest root where ``H`` is concave above it; steps growing fourfold from 10⁻⁶ where ``H`` does
    not fall) until ``H ≥ 0``, then Newton's method kept inside the bracket (false position where a
    step leaves it). A good the bundle lacks bounds the search: ``H`` is finite only where that
    good's weight clips to 0.
    ``U(q*) = v(p, x)`` for the bundle ``q*`` demanded at ``(p, x)``, and less of any good never
    raises ``U``. A bundle without a good the
    person needs (``φ_k > 0``, ``y_k = 0``) at every utility within 60 log points is worth 0.

    Parameters
    ----------
    prefs : Preferences
    bundle : array_like, shape (N, G)
        Units of each consumer good each consumer has.
    reference : array_like, shape (G,)
        ``p⁰``, tokens per unit.
    taste : array_like, shape (N, G)
        Per-consumer shifts of ``α`` (rows sum to 0).
    upper : array_like, shape (N,), optional
        Known upper bounds of the utilities (e.g. the unrationed ``v(p, x)``), tokens.
    """
    if prefs.price_response >= 1:
        raise ValueError("bundle_utility: θ = 1 (Leontief) has kinks the solver does not follow; θ < 1 needed")
    y = np.asarray(bundle) * reference
    taste = np.asarray(taste)
    ref = prefs.reference_spending
    total = y.sum(axis=1)
    hi = np.log(np.where(total > 0, total, ref) / ref) + 1e-12
    if upper is not None:
        hi = np.minimum(hi, np.log(np.maximum(upper, 1e-300) / ref) + 1e-12)
    with np.errstate(divide="ignore"):
        log_y = np.log(y)
    # Where a good is missing (y_k = 0), H is finite only where its weight clips to 0: for a necessity
    # (β_k < 0) above ``L_k``, for a luxury below it. The root lies within those bounds.
    base = prefs.alpha + taste
    missing = y <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        kink = -base / prefs.beta
    floor = np.max(np.where(missing & (prefs.beta < 0), kink, -np.inf), axis=1)
    ceiling = np.min(np.where(missing & (prefs.beta > 0), kink, np.inf), axis=1)
    floor = np.nextafter(floor, np.inf)
    hi = np.minimum(hi, np.nextafter(ceiling, -np.inf))
    h_hi, slope = _gap(prefs, hi, log_y, taste)
    at_bound = h_hi >= 0  # the bound itself is the utility (to round-off)
    lo, h_lo = hi.copy(), h_hi.copy()
    found = at_bound.copy()
    start = hi.copy()
    step = np.full(hi.shape, 1e-6)  # the steps down where Newton's has no use
    search = np.flatnonzero(~found & (hi > floor))
    for _ in range(_MAX_STEPS):
        if search.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):  # a slope of 0, or an infinite gap
            down = h_hi[search] / slope[search]  # Newton's step from above: H < 0 and falling, down to the root
        usable = (slope[search] < 0) & np.isfinite(down) & (down > 0) & (down <= 1.0)
        least = _TOLERANCE * (1.0 + np.abs(hi[search]))  # a step that moves L
        trial = np.maximum(hi[search] - np.maximum(np.where(usable, down, step[search]), least), floor[search])
        h, d = _gap(prefs, trial, log_y[search], taste[search])
        now = h >= 0
        lo[search[now]], h_lo[search[now]] = trial[now], h[now]
        hi[search[~now]], h_hi[search[~now]], slope[search[~now]] = trial[~now], h[~now], d[~now]
        found[search[now]] = True
        step[search[~usable]] *= 4.0
        search = search[~now & (start[search] - trial < -_FLOOR) & (trial > floor[search])]
    found &= lo > start + _FLOOR
    worthless = ~found | (total <= 0)
    L = hi.copy()
    rows = np.flatnonzero(~(at_bound | worthless))
    L[rows] = _false_position(lo[rows], h_lo[rows], hi[rows], h_hi[rows])
    for _ in range(_MAX_STEPS):
        if rows.size == 0:
            break
        h, slope = _gap(prefs, L[rows], log_y[rows], taste[rows])
        up = h >= 0
        kept_lo = up.copy()
        lo[rows[up]], h_lo[rows[up]] = L[rows[up]], h[up]
        hi[rows[~up]], h_hi[rows[~up]] = L[rows[~up]], h[~up]
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = L[rows] - h / slope
        inside = (newton > lo[rows]) & (newton < hi[rows]) & np.isfinite(newton)
        # Illinois: where Newton leaves the bracket, false position with the stale end's value halved
        h_lo[rows[~kept_lo]] *= 0.5
        h_hi[rows[kept_lo]] *= 0.5
        new = np.where(inside, newton, _false_position(lo[rows], h_lo[rows], hi[rows], h_hi[rows]))
        done = (np.abs(new - L[rows]) <= _TOLERANCE * (1.0 + np.abs(L[rows]))) | (
            hi[rows] - lo[rows] <= _TOLERANCE * (1.0 + np.abs(L[rows]))
        )
        L[rows] = new
        rows = rows[~done]
    return np.where(worthless, 0.0, ref * np.exp(L))


def _false_position(lo, h_lo, hi, h_hi):
    """The root of the line through ``(lo, h_lo ≥ 0)`` and ``(hi, h_hi < 0)``; the midpoint where that is not finite."""
    with np.errstate(invalid="ignore"):  # ∞/∞ where an end's value is infinite
        x = lo + h_lo * (hi - lo) / (h_lo - h_hi)
    return np.where(np.isfinite(x), x, (lo + hi) / 2)  # finite h_lo ≥ 0 > h_hi: within [lo, hi)


def _gap(prefs: Preferences, L, log_y, taste):
    """``H(L) = ln C_u(y) − ln u`` and ``∂H/∂L`` for every consumer (see :func:`bundle_utility`)."""
    theta, beta = prefs.price_response, prefs.beta
    raw = np.multiply.outer(L, beta) + prefs.alpha + taste
    on = raw > 0
    weight = np.where(on, raw, 0.0)
    scale = weight.sum(axis=1, keepdims=True)
    phi = weight / scale
    d_phi = (on * beta - phi * (on @ beta)[:, None]) / scale  # ∂φ⁺/∂L
    log_u = L + np.log(prefs.reference_spending)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_phi = np.where(on, np.log(np.where(on, phi, 1.0)), -np.inf)
        if theta == 0:
            term = np.where(on, phi * (log_y - log_phi), 0.0)
            h = term.sum(axis=1) - log_u
            slope = np.where(on, d_phi * (log_y - log_phi), 0.0).sum(axis=1) - 1.0
        else:
            sigma = 1.0 - theta
            rho = -theta / sigma
            exponent = np.where(on, log_phi / sigma + rho * log_y, -np.inf)
            top = exponent.max(axis=1, keepdims=True)
            top = np.where(np.isfinite(top), top, 0.0)
            terms = np.exp(exponent - top)
            A = terms.sum(axis=1)
            h = (np.log(A) + top[:, 0]) / rho - log_u
            d_terms = np.where(on, terms * d_phi / (sigma * np.where(on, phi, 1.0)), 0.0)
            slope = d_terms.sum(axis=1) / (rho * A) - 1.0
    return np.where(np.isnan(h), -np.inf, h), slope


def week_welfare(
    prefs: Preferences,
    spending,
    prices,
    reference,
    normal,
    taste,
    purchases: market.Purchases | None = None,
    taste_floor=None,
) -> WeekWelfare:
    """Every person's money metrics this week (module docstring), tokens per week at ``reference``.

    Parameters
    ----------
    prefs : Preferences
    spending : array_like, shape (N,)
        Tokens each person meant to spend this week (``x``; rationed persons spent less).
    prices, reference, normal : array_like, shape (G,)
        The week's prices, the reference prices ``p⁰`` and the regime's normal prices, tokens per unit.
    taste : numpy.ndarray, shape (N, G)
        Per-person shifts of ``α`` (rows sum to 0).
    purchases : market.Purchases, optional
        The week's purchases; where they rationed a good, each person's bundle is what they got.
    taste_floor : array_like, shape (G,), optional
        A lower bound of ``taste`` per good (speeds the unrationed path up; same results).
    """
    prices = np.asarray(prices)
    normal = np.asarray(normal)
    taste = np.asarray(taste)
    x = np.asarray(spending)
    log_p, log_n = np.log(prices / reference), np.log(normal / reference)
    theta = prefs.price_response
    (e_p, rho_p), (e_n, _) = market._price_terms(theta, log_p), market._price_terms(theta, log_n)
    ratio = normal / prices
    tilt = taste @ np.column_stack([e_p, rho_p * ratio, e_n])  # one pass over the tastes for all three
    floor = taste.min(axis=0) if taste_floor is None else taste_floor
    at_prices, normal_cost = _utility(prefs, x, log_p, taste, floor, tilt[:, 0], ratio, tilt[:, 1])
    unconstrained = _utility(prefs, x, log_n, taste, floor, tilt[:, 2])[0]
    undistorted = _utility(prefs, normal_cost, log_n, taste, floor, tilt[:, 2])[0]
    achieved = at_prices
    if purchases is not None and purchases.rationed:
        achieved = at_prices.copy()
        rows = np.flatnonzero(x > 0)
        shares = market.budget_shares(prefs, x[rows], prices / reference, taste[rows])
        wanted = shares * (x[rows, None] / prices)
        bundle = wanted * purchases.fill if purchases.got is None else wanted.copy()
        if purchases.got is not None:
            bundle[:, purchases.short] = purchases.got[rows]
        if purchases.substituted is not None:  # what forced substitution bought in place of the goods queued for
            bundle += np.multiply.outer(purchases.substituted[rows], purchases.per_token)
        short = np.any(bundle < wanted * (1.0 - 1e-12), axis=1)  # who got less than they wanted
        rows = rows[short]
        achieved[rows] = bundle_utility(prefs, bundle[short], reference, taste[rows], upper=at_prices[rows])
    return WeekWelfare(achieved, at_prices, np.maximum(undistorted, at_prices), unconstrained)


def atkinson_ede(welfare, aversion: float) -> float:
    """Atkinson's equally-distributed equivalent: the welfare which, given to everyone, is as good (Atkinson 1970).

    ``(mean W^(1−ε))^(1/(1−ε))``; the geometric mean at ``ε = 1``; the mean at ``ε = 0``. 0 when
    ``ε ≥ 1`` and someone's welfare is ≤ 0 (their loss is not compensable).
    """
    w = np.asarray(welfare, dtype=float)
    if w.size == 0:
        return 0.0
    if aversion == 0:
        return float(w.mean())
    if np.any(w <= 0):
        return 0.0
    if aversion == 1:
        return float(np.exp(np.log(w).mean()))
    return float(np.mean(w ** (1.0 - aversion)) ** (1.0 / (1.0 - aversion)))
