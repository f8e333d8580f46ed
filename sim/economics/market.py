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

import numba
import numpy as np

# --- demand: AIDS Engel curves, priced by a CES index over each person's own shares -------------
#
# docs/demand.md derives what follows: the expenditure function, Shephard's lemma, the
# regularity conditions and how the model meets them, and what changed from the LA/AIDS.

#: Newton's solve of ln u ends when the error it leaves is below this, for every person.
_TOLERANCE = 1e-15
#: Newton steps at most (one or two solve everyone off value; the cap is a safety net).
_MAX_STEPS = 50


@dataclass(frozen=True)
class Preferences:
    """The demand system every person shares, each with their own taste shift (docs/demand.md).

    A person with taste shift ``t`` (a row summing to 0) and utility ``u`` (tokens at labour
    values: ``e(v, u) = u``) has the expenditure function, with ``r_k = p_k / v_k``,

        e(p, u) = u · (Σ_k φ_k(u) r_k^θ)^(1/θ),      φ_k(u) = α_k + t_k + β_k ln(u / x̄),

    ``φ`` clipped at 0 and renormalised, and ``e = u Π_k r_k^φ_k`` at θ = 0. ``φ(u)`` are the
    AIDS budget shares at labour values (Deaton & Muellbauer 1980, eq. 8 at ``p = v``), so
    demand at labour values is that AIDS's; away from value each person's shares answer prices
    as a CES over their own shares, elasticity of substitution ``σ = 1 − θ``:
    ``w_k = φ_k(u) r_k^θ / Σ_j φ_j(u) r_j^θ`` (Shephard's lemma). The Slutsky matrix in share
    form is ``σ (w wᵀ − diag(w))`` for everyone at every price: negative semidefinite.

    Attributes
    ----------
    alpha : numpy.ndarray, shape (G,)
        Budget shares at labour values and reference spending (sum to 1).
    beta : numpy.ndarray, shape (G,)
        Response of those shares to ``ln u`` (sum to 0); ``< 0`` for necessities.
    price_response : float
        ``θ`` in [0, 1]: 0 is Cobb–Douglas in prices (σ = 1), 1 Leontief (σ = 0).
    base_shares : numpy.ndarray, shape (G,)
        Aggregate budget shares of the calibration (the Stone price level's weights).
    reference_spending : float
        ``x̄``, tokens per week.
    """

    alpha: np.ndarray
    beta: np.ndarray
    price_response: float
    base_shares: np.ndarray
    reference_spending: float

    def __post_init__(self):
        if not 0.0 <= self.price_response <= 1.0:
            raise ValueError(f"price_response = {self.price_response}: θ must lie in [0, 1] (σ = 1 − θ ≥ 0)")

    @property
    def gamma(self) -> np.ndarray:
        """``θ (diag(s) − s sᵀ)``: the AIDS γ whose price effects this system has at the base shares.

        A person whose shares are ``s`` has share price effects ``∂w/∂ln p = γ − β sᵀ`` at
        labour values, as the calibrated AIDS had; ``Planner.know_demand`` reads its diagonal.
        """
        s = self.base_shares
        return self.price_response * (np.diag(s) - np.outer(s, s))

    def income_elasticities(self, shares=None) -> np.ndarray:
        """Expenditure elasticity of each good at labour values, ``1 + β_g / w_g`` at the given shares."""
        shares = self.base_shares if shares is None else shares
        return 1.0 + self.beta / shares


def calibrate_preferences(budget_shares, income_elasticities, spending, price_response: float = 0.4) -> Preferences:
    """Preferences whose aggregate shares at labour values match ``budget_shares``.

    At labour values a person's budget share of good g is the AIDS share
    ``α_g + β_g ln(x/x̄)``, so the aggregate share over consumers with spending ``x_i`` is
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
        ``θ``: a person whose shares are ``w`` has compensated own-price elasticity
        ``−(1 − θ)(1 − w_g)`` and, at labour values, Marshallian ``−1 + θ (1 − w_g) − β_g``.
    """
    s = np.asarray(budget_shares)
    s = s / s.sum()
    beta = (np.asarray(income_elasticities) - 1.0) * s
    beta = beta - s * beta.sum()  # adding-up: Σβ = 0
    x = np.asarray(spending)
    x_ref = float(x.mean())
    kappa = float(np.sum(x * np.log(x / x_ref)) / x.sum())
    alpha = s - beta * kappa
    return Preferences(alpha, beta, float(price_response), s, x_ref)


def shift_tastes(prefs: Preferences, rises: int, falls: int, share: float) -> Preferences:
    """Move ``share`` of every budget from good ``falls`` to good ``rises`` (seed §6b, §8: displacements of demand).

    At most the whole reference share of ``falls`` moves.
    """
    alpha = prefs.alpha.copy()
    moved = min(share, alpha[falls])
    alpha[falls] -= moved
    alpha[rises] += moved
    return dataclasses.replace(prefs, alpha=alpha)


@dataclass(frozen=True)
class TasteShifts:
    """Every person's taste shift this week, ``own + exposure ⊗ drift`` (N, G), never formed whole.

    Each person keeps their own shifts and follows the common drift of tastes to their own
    degree (``agents.Consumers.drift_tastes``). What demand asks of the tastes — a product with
    a vector over goods (``taste @ e``) or over persons (``taste.T @ c``), the rows of some
    persons, the columns of some goods — is computed from the three parts, so a run holds one
    (N, G) array of tastes, not two, and writes none of it week by week. ``numpy.asarray``
    forms the whole matrix (for tests and the per-agent oracle).
    """

    own: np.ndarray  # (N, G) each person's own shifts (float64 or float32), rows sum to 0
    exposure: np.ndarray  # (N,) how far each follows the drift
    drift: np.ndarray  # (G,) the common drift this week, sums to 0

    ndim = 2

    @property
    def shape(self) -> tuple[int, int]:
        """``(N, G)``."""
        return self.own.shape

    def __matmul__(self, v) -> np.ndarray:
        """``taste @ v`` for ``v`` of shape (G,) or (G, k), in float64."""
        v = np.asarray(v, dtype=float)
        columns = v.reshape(v.shape[0], -1)
        product = _rows_times(self.own, np.ascontiguousarray(columns), self.exposure, self.drift @ columns)
        return product.reshape(self.own.shape[:1] + v.shape[1:])

    @property
    def T(self) -> _TransposedTastes:
        """The transpose, for ``taste.T @ c`` with ``c`` over persons."""
        return _TransposedTastes(self)

    def __getitem__(self, index) -> np.ndarray:
        """The shifts of some persons (rows), or of some persons in some goods (``[rows, goods]``), float64."""
        rows, goods = index if isinstance(index, tuple) else (index, slice(None))
        return np.multiply.outer(self.exposure[rows], self.drift[goods]) + self.own[rows, goods]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


@dataclass(frozen=True)
class _TransposedTastes:
    tastes: TasteShifts

    def __matmul__(self, c) -> np.ndarray:
        """``taste.T @ c`` for ``c`` of shape (N,), in float64: one pass over the persons."""
        t = self.tastes
        c = np.ascontiguousarray(c, dtype=float)
        return _columns_times(t.own, c) + t.drift * (t.exposure @ c)


@numba.njit(cache=True, fastmath={"reassoc"})
def _rows_times(own, columns, exposure, drift_times):
    """``own @ columns + exposure ⊗ drift_times``, accumulated in float64 whatever ``own``'s precision.

    The sum over goods may be reordered (``reassoc``), as BLAS reorders it, so that it runs in
    vectors: a row's sum in strict order waits on each addition (2.3 times slower).
    """
    n, g = own.shape
    k = columns.shape[1]
    out = np.empty((n, k))
    for i in range(n):
        for j in range(k):
            total = 0.0
            for h in range(g):
                total += own[i, h] * columns[h, j]
            out[i, j] = total + exposure[i] * drift_times[j]
    return out


@numba.njit(cache=True, fastmath={"reassoc"})
def _columns_times(own, c):
    """``own.T @ c``, accumulated in float64 whatever ``own``'s precision: one pass over the rows."""
    n, g = own.shape
    out = np.zeros(g)
    for i in range(n):
        for h in range(g):
            out[h] += own[i, h] * c[i]
    return out


def _price_terms(theta: float, log_prices):
    """``E_k = (r_k^θ − 1)/θ`` (``ln r_k`` at θ = 0) and ``ρ_k = r_k^θ = 1 + θ E_k``, for ``ln r``."""
    if theta == 0:
        return log_prices, np.ones_like(log_prices)
    e = np.expm1(theta * np.asarray(log_prices)) / theta
    return e, 1.0 + theta * e


def _log_index(theta: float, z):
    """``ln M = ln(1 + θ z)/θ`` (``z`` at θ = 0): the log price index of weights ``φ`` with ``z = φ·E``."""
    return z if theta == 0 else np.log1p(theta * z) / theta


def _solve_unclipped(theta: float, y, a, b):
    """``L = ln(u/x̄)`` from ``L + ln M = y`` when no weight clips: ``ln M = ℓ(a + b L)``, Newton.

    ``a = (α + t)·E`` per person, ``b = β·E``. The start, ``(y − ℓ(a)) / (1 + b/(1 + θa))``,
    is exact when θ = 0 or b = 0 (``ln M`` is then linear in ``L``) and off by ``O(θ b² L²)``
    otherwise; Newton stops when the error it leaves, ``|f''/2f'| step²``, is below
    :data:`_TOLERANCE` for every person. ``L`` is NaN for a person whose unclipped index is
    undefined (weights far below 0) or whose root has ``∂ln e/∂ln u ≤ 0``: those are solved clipped.
    """
    with np.errstate(invalid="ignore"):  # ln of a negative index: NaN, solved clipped
        L = y - _log_index(theta, a)
        L /= 1.0 + b / (1.0 + theta * a)
        if theta == 0 or b == 0:
            return L
        # Each step in three passes over persons, not fifteen: the index's argument, its
        # logarithm (numpy's, as everywhere else in the model), then the step itself.
        L, a, y = (np.ascontiguousarray(v, dtype=float) for v in np.broadcast_arrays(L, a, y))
        z, log1p_z, slope = np.empty_like(L), np.empty_like(L), np.empty_like(L)
        for _ in range(_MAX_STEPS):
            _index_argument(theta, a, b, L, z)  # θ φ·E
            np.log1p(z, out=log1p_z)
            # Newton leaves an error |f''/2f'| step², f'' = −θ b² / total²; NaN holds neither side
            largest_step, least_slope = _newton_step(theta, b, y, L, z, log1p_z, slope)
            if theta * b * b * largest_step <= 2.0 * _TOLERANCE * least_slope:
                break
    return np.where(slope > 0, L, np.nan)


@numba.njit(cache=True)
def _index_argument(theta, a, b, L, z):
    """``z = θ (a + b L)`` for every person, in place (``a`` per person, ``b`` common)."""
    for i in range(L.size):
        z[i] = (b * L[i] + a[i]) * theta


@numba.njit(cache=True)
def _newton_step(theta, b, y, L, z, log1p_z, slope):
    """One Newton step of ``L + ln(1 + z)/θ = y`` for every person, in place.

    Returns the largest ``step²`` and the least ``slope·total²``, with ``total = 1 + z =
    Σ_k φ_k ρ_k`` and ``slope = 1 + b / total = ∂ln e/∂ln u``. NaNs are skipped by both
    extremes, as :func:`numpy.fmax` and :func:`numpy.fmin` skip them (NaN if all are).
    """
    largest, least = np.nan, np.nan
    for i in range(L.size):
        total = z[i] + 1.0
        step = log1p_z[i] / theta + L[i] - y[i]
        rise = b / total + 1.0
        step /= rise
        L[i] -= step
        slope[i] = rise
        square, curvature = step * step, rise * total * total
        if square == square and not square <= largest:
            largest = square
        if curvature == curvature and not curvature >= least:
            least = curvature
    return largest, least


def _solve_clipped(prefs: Preferences, y, base, log_prices, e):
    """``L`` from ``L + ln M(L) = y`` with the weights clipped at 0; Newton kept inside a bracket.

    ``ln M`` is a mean of ``ln r`` (the weights are shares), so ``L`` lies in
    ``[y − max ln r, y − min ln r]``; ``L + ln M(L)`` rises with ``L`` (docs/demand.md), so a
    Newton step that leaves the bracket is replaced by bisection.
    """
    theta, beta = prefs.price_response, prefs.beta
    lo, hi = y - np.max(log_prices), y - np.min(log_prices)
    L = (lo + hi) / 2
    for _ in range(4 * _MAX_STEPS):
        phi = base + np.multiply.outer(L, beta)
        on = phi > 0
        weight = np.where(on, phi, 0.0)
        total = weight.sum(axis=1)  # ≥ 1: the unclipped weights sum to 1
        z = (weight @ e) / total
        slope = ((on * beta) @ e - z * (on @ beta)) / total  # ∂z/∂L
        f = L + _log_index(theta, z) - y
        hi = np.where(f > 0, L, hi)
        lo = np.where(f > 0, lo, L)
        newton = L - f / (1.0 + slope / (1.0 + theta * z))
        inside = (newton >= lo) & (newton <= hi)
        new = np.where(inside, newton, (lo + hi) / 2)
        done = np.abs(new - L) <= 1e-14 * (1.0 + np.abs(L))
        L = new
        if done.all():
            break
    return L


def _allocation(prefs: Preferences, spending, log_prices, taste):
    """Every consumer's log utility ``L``, weights ``W_ik = φ⁺_ik ρ_k`` (unnormalised) and ``Σ_k W_ik``.

    Budget shares are ``W / Σ W``. The unclipped solve (a vector of Newton steps after one
    matrix–vector product) serves everyone whose weights it leaves ≥ 0: the clipped
    equation then has the same root. The others are solved clipped. Rows of consumers who
    spend nothing are those of spending ``x̄`` (the callers zero them).
    """
    theta, alpha, beta, ref = prefs.price_response, prefs.alpha, prefs.beta, prefs.reference_spending
    x = np.asarray(spending)
    e, rho = _price_terms(theta, log_prices)
    y = np.log(np.where(x > 0, x, ref) / ref)
    if not e.any():  # at labour values ln M = 0 and u = x: no product with the tastes
        a = 0.0
    elif taste is None:
        a = alpha @ e
    else:
        a = np.asarray(taste) @ e + alpha @ e
    b = beta @ e
    L = _solve_unclipped(theta, y, a, b)
    weights = np.multiply.outer(L, beta)
    weights += alpha
    if taste is not None:
        weights += taste
    total = 1.0 + theta * (a + b * L)  # Σ_k φ_k ρ_k, Σ_k φ_k = 1
    again = np.flatnonzero(~(weights.min(axis=1) >= 0))  # a weight below 0, or L undefined
    if again.size:
        base = alpha + (0.0 if taste is None else np.asarray(taste)[again])
        L[again] = _solve_clipped(prefs, y[again], base, log_prices, e)
        clipped = np.maximum(base + np.multiply.outer(L[again], beta), 0.0)
        total[again] = clipped @ rho / clipped.sum(axis=1)
        weights[again] = clipped / clipped.sum(axis=1, keepdims=True)
    weights *= rho
    return L, weights, total


def budget_shares(prefs: Preferences, spending, rel_prices, taste=None) -> np.ndarray:
    """Every consumer's budget shares, ``w_k = φ_k(u) r_k^θ / Σ_j φ_j(u) r_j^θ`` (docs/demand.md).

    ``u`` solves ``e(p, u) = x``; ``φ(u)``, the AIDS shares at labour values, are clipped at 0
    and renormalised. At labour values (``r = 1``) ``u = x`` and ``w = φ(x)``.

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
    x = np.asarray(spending)
    _, w, total = _allocation(prefs, x, np.log(rel_prices), taste)
    w *= np.where(x > 0, 1.0 / total, 0.0)[:, None]
    return w


def demand(prefs: Preferences, spending, prices, values, taste=None) -> np.ndarray:
    """Quantities each consumer wants this week, units (N, G): ``w_g x / p_g``."""
    prices = np.asarray(prices)
    x = np.asarray(spending)
    _, q, total = _allocation(prefs, x, np.log(prices / values), taste)
    q *= np.where(x > 0, x / total, 0.0)[:, None]
    q /= prices
    return q


def indirect_utility(prefs: Preferences, spending, log_prices, taste=None) -> np.ndarray:
    """``v(p, x)``: the utility each consumer's spending buys, in tokens at labour values (N,).

    The money metric at labour values: ``e(v, v(p, x))`` tokens buy the same utility at normal
    prices; ``v(v, x) = x``. Zero for who spends nothing.

    Parameters
    ----------
    prefs : Preferences
    spending : array_like, shape (N,)
        Tokens each consumer spends.
    log_prices : array_like, shape (G,)
        ``ln(p / v)`` per consumer good.
    taste : array_like, shape (N, G), optional
        Per-consumer shifts of ``α`` (rows sum to 0).
    """
    x = np.asarray(spending)
    L, _, _ = _allocation(prefs, x, log_prices, taste)
    return np.where(x > 0, prefs.reference_spending * np.exp(L), 0.0)


def expenditure(prefs: Preferences, log_prices, utility, taste=None) -> np.ndarray:
    """``e(p, u) = u (Σ_k φ_k(u) r_k^θ)^(1/θ)``: the tokens each consumer needs for utility ``u`` (N,).

    The expenditure function of :class:`Preferences` (``u Π_k r_k^φ_k`` at θ = 0), with
    ``φ(u)`` clipped at 0 and renormalised; its gradient in ``p`` is the demand of
    :func:`demand` at spending ``e(p, u)`` (Shephard's lemma). Zero where ``u ≤ 0``.

    Parameters
    ----------
    prefs : Preferences
    log_prices : array_like, shape (G,)
        ``ln(p / v)`` per consumer good.
    utility : array_like, shape (N,)
        Tokens at labour values (:func:`indirect_utility`).
    taste : array_like, shape (N, G), optional
        Per-consumer shifts of ``α`` (rows sum to 0).
    """
    u = np.asarray(utility)
    ref = prefs.reference_spending
    L = np.log(np.where(u > 0, u, ref) / ref)
    weight = np.multiply.outer(L, prefs.beta) + prefs.alpha
    if taste is not None:
        weight += taste
    np.maximum(weight, 0.0, out=weight)
    e, _ = _price_terms(prefs.price_response, log_prices)
    z = (weight @ e) / weight.sum(axis=1)
    return np.where(u > 0, u * np.exp(_log_index(prefs.price_response, z)), 0.0)


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
    fill : numpy.ndarray, shape (G,), optional
        Share of its demand each good met (proportional rationing: every consumer got that share).
    short : numpy.ndarray of int, shape (S,), optional
        Under the queue, the goods queued for.
    got : numpy.ndarray, shape (N, S), optional
        Under the queue, the units of each good queued for that each consumer got.
    substituted : numpy.ndarray, shape (N,), optional
        Tokens each consumer spent in forced substitution, on goods in place of those queued for.
    per_token : numpy.ndarray, shape (G,), optional
        Units of each good a token of substitution bought: consumer ``i`` got ``substituted[i] · per_token``
        on top of ``bought``'s share (:func:`sim.economics.shortage.substitute`).
    """

    wanted: np.ndarray
    bought: np.ndarray
    spent: np.ndarray
    fill: np.ndarray | None = None
    short: np.ndarray | None = None
    got: np.ndarray | None = None
    substituted: np.ndarray | None = None
    per_token: np.ndarray | None = None

    @property
    def rationed(self) -> bool:
        """Whether some consumer got less of a good than they wanted."""
        if self.got is not None:
            return self.short.size > 0
        return self.fill is not None and bool(np.any(self.fill < 1.0))


def aggregates_exactly(prefs: Preferences, spending, prices, values, taste_floor) -> bool:
    """Whether no consumer's Engel weight can fall below 0 this week, so demand aggregates exactly.

    A lower bound of every weight ``α_g + t_ig + β_g ln(u_i/x̄)`` over consumers uses the
    smallest taste shift per good and a range of log utility: ``ln M`` is a mean of the log
    relative prices, so ``ln(u/x̄) = ln(x/x̄) − ln M`` lies within ``ln(x/x̄) − [min, max] ln(p/v)``.
    """
    x = np.asarray(spending)
    active = x > 0
    if not active.any():
        return False
    log_p = np.log(np.asarray(prices) / values)
    y = np.log(x[active] / prefs.reference_spending)
    low, high = y.min() - log_p.max(), y.max() - log_p.min()
    return bool(np.all(prefs.alpha + taste_floor + np.minimum(prefs.beta * low, prefs.beta * high) >= 0.0))


def unclipped(prefs: Preferences, log_real, base, taste_floor) -> np.ndarray:
    """Consumers none of whose Engel weights can fall below 0 this week, whatever their taste.

    Weight g of consumer i is at least ``base_g + taste_floor_g + β_g lr_i``; it stays ≥ 0
    for every good when ``lr_i`` (log utility) lies in an interval that the goods
    with β > 0 bound from below and those with β < 0 from above.

    Parameters
    ----------
    prefs : Preferences
    log_real : numpy.ndarray, shape (N,)
        ``ln(u_i / x̄)``: log utility, real spending at labour values.
    base : numpy.ndarray, shape (G,)
        ``α``, the weights at ``u = x̄``.
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


def _wanted(prefs: Preferences, x, prices, values, taste, taste_floor):
    """What every consumer wants, summed, with what :func:`buy` needs to ration and pay for it.

    Returns ``wanted`` (G,), the ``rows`` of the consumers built in full and their demand
    ``matrix``, and for the others ``c`` (``x_i / Σ_k φ_ik ρ_k``, 0 for the rows) and ``log_u``,
    with the price terms ``rho``.
    """
    theta, alpha, beta = prefs.price_response, prefs.alpha, prefs.beta
    log_p = np.log(prices / values)
    e, rho = _price_terms(theta, log_p)
    active = x > 0
    linear = ~active  # who spends nothing buys nothing, on either path
    log_u = c = np.zeros_like(x)
    if taste_floor is not None:
        ref = prefs.reference_spending
        y = np.log(np.where(active, x, ref) / ref)
        at_value = not e.any()  # then ln M = 0 and u = x: no product with the tastes
        a = 0.0 if at_value else taste @ e + alpha @ e
        b = beta @ e
        solved = _solve_unclipped(theta, y, a, b)
        linear |= unclipped(prefs, solved, alpha, taste_floor)
        # Those the bounds leave in doubt: linear where their own weights at the unclipped root are ≥ 0.
        doubt = np.flatnonzero(active & ~linear)
        if doubt.size:
            weights = np.multiply.outer(solved[doubt], beta)
            weights += alpha
            weights += taste[doubt]
            linear[doubt] = weights.min(axis=1) >= 0  # NaN (no unclipped root) is not
        on = linear & active
        log_u = np.where(on, solved, 0.0)
        c = np.where(on, x, 0.0)
        if not at_value:
            c /= 1.0 + theta * (a + b * log_u)  # x / Σ_k φ_k ρ_k
    rows = np.flatnonzero(~linear)
    wanted = rho * (alpha * c.sum() + taste.T @ c + beta * (log_u @ c)) / prices
    matrix = demand(prefs, x[rows], prices, values, taste[rows]) if rows.size else np.zeros((0, prices.size))
    wanted += matrix.sum(axis=0)
    return wanted, rows, matrix, c, log_u, rho


def notional(prefs: Preferences, spending, prices, values, taste, taste_floor=None) -> np.ndarray:
    """What consumers would buy at ``prices`` with nothing short, summed, units per good (G,).

    :func:`buy`'s demand without rationing or payment: an observer's measure (DESIGN §4).
    """
    return _wanted(prefs, np.asarray(spending), np.asarray(prices), values, taste, taste_floor)[0]


def buy(
    prefs: Preferences, spending, prices, values, taste, on_sale, rationing="proportional", rng=None, taste_floor=None
) -> Purchases:
    """The week's purchases of every consumer in one call: demand, rationing, spending (seed §7c).

    Each person's log utility ``L_i`` is solved first (one Newton solve over a vector). Where
    no Engel weight of a consumer is clipped, that consumer spends ``c_i ρ_k (α_k + t_ik +
    β_k L_i)`` on good k with ``c_i = x_i / Σ_k φ_ik ρ_k``: linear in the taste and in
    ``L_i``, so the totals and those consumers' spending take matrix–vector products instead
    of rows of an (N, G) demand matrix. Which consumers these are is decided from bounds
    (``taste_floor``, the per-good minimum of ``taste``, and each one's ``L_i``:
    :func:`unclipped`), and for those the bounds leave in doubt from their own weights at the
    unclipped ``L_i``; the rows of the others are built in full. Under the queue, only the
    goods that are short are queued for, with every consumer's demand for them. Without
    ``taste_floor`` every row is built. All ways give the same result.

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
    x = np.asarray(spending)
    prices = np.asarray(prices)
    on_sale = np.asarray(on_sale)
    alpha, beta = prefs.alpha, prefs.beta
    wanted, rows, matrix, c, log_u, rho = _wanted(prefs, x, prices, values, taste, taste_floor)
    if rationing == "queue":
        short = np.flatnonzero(wanted > on_sale)
        weights = alpha[short] + taste[:, short] + np.multiply.outer(log_u, beta[short])
        queued = weights * np.multiply.outer(c, rho[short] / prices[short])
        queued[rows] = matrix[:, short]
        got = ration_queue(queued, on_sale[short], rng)
        bought = wanted.copy()
        bought[short] = got.sum(axis=0)
        unserved = (queued - got) @ prices[short]  # tokens of short goods not got; the rest of the budget is spent
        spent = np.maximum(np.where(x > 0, x, 0.0) - unserved, 0.0)
        return Purchases(wanted, bought, spent, short=short, got=got)
    fill = np.ones_like(wanted)
    np.divide(on_sale, wanted, out=fill, where=wanted > on_sale)
    paid = fill * rho
    spent = taste @ paid
    spent += (beta @ paid) * log_u
    spent += alpha @ paid
    spent *= c
    spent[rows] = matrix @ (fill * prices)
    return Purchases(wanted, wanted * fill, spent, fill=fill)


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
