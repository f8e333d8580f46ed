"""The one-good corrective loop, linearised: an analytic reference for the simulator (seed §7c).

Seed §7c ("Consumer Goods") answers a gap between anticipated and real demand with three
corrective processes: (a) stocks move, (b) the price follows the stock,
``p = v (S/S*)^(−r)``, (c) output is readjusted toward ``D̂ + O + (S* − S)/τ``. With one
consumer good and nothing binding (no rationing, no clipping of price or output, spare
capacity and labour), the week of :class:`sim.model.CouncilsModel` is a smooth map of
the state at the start of the week. Around its steady state it is ``x_{t+1} = J x_t``;
``docs/corrective_loop.md`` derives ``J`` step by step from the order of the week
(produce, deliver, buy, price, readjust).

State, in deviations from the steady state, at the start of week t:

- ``s = (S − S*) / D*``: the stock, in weeks of households' demand at value;
- ``π = p / v − 1``: the price over value;
- ``e = (D̂ − D*) / D*``: the councils' expected demand;
- ``q = (Q − Q*) / D*``: the output target in force this week, set by last week's
  readjustment (it is the week's output when nothing binds).

Here ``D*`` is households' demand at normal prices (units per week), ``O = ω D*``
the other use drawn from the stock each week (public bodies, investment, exports;
units per week), ``S* = R (D* + O)`` the reserve and ``Q* = D* + O`` the steady output.

Pure: numpy only.
"""

from __future__ import annotations

import numpy as np

#: The state's components, in the order of the rows and columns of :func:`jacobian`.
STATE = ("stock", "price", "expected_demand", "output")


def jacobian(
    response: float,
    rebuild_weeks: float,
    demand_smoothing: float,
    reserve_weeks: float,
    other_use: float = 0.0,
    elasticity: float = 1.0,
) -> np.ndarray:
    """The linearised week of the one-good corrective loop, ``x_{t+1} = J x_t`` (seed §7c).

    The week, in the model's order (``S`` stock, ``p`` price, ``D̂`` expected demand,
    ``Q`` output target, all at the start of week t):

    1. produce ``Q_t``; public bodies and investment draw ``O``; households buy
       ``d_t = D* (p_t / v)^(−ε)``: ``S_{t+1} = S_t + Q_t − O − d_t``;
    2. corrective (b), against the reserve set by *last* week's readjustment:
       ``p_{t+1} = v (S_{t+1} / (R (D̂_t + O)))^(−r)``;
    3. corrective (c): ``D̂_{t+1} = D̂_t + λ (d_t − D̂_t)``, then
       ``Q_{t+1} = D̂_{t+1} + O + (R (D̂_{t+1} + O) − S_{t+1}) / τ``.

    Parameters
    ----------
    response : float
        ``r``, elasticity of price to the stock ratio (``prices.response``), dimensionless.
    rebuild_weeks : float
        ``τ``, weeks over which a stock gap is closed (``readjustment.rebuild_weeks``), ≥ 1.
    demand_smoothing : float
        ``λ``, weight of this week's demand in the expected demand
        (``readjustment.demand_smoothing``), in (0, 1].
    reserve_weeks : float
        ``R``, reserve stock in weeks of expected use (``readjustment.reserve_weeks``), > 0.
    other_use : float
        ``ω = O / D*``, weekly use of the good by others than households (public bodies,
        investment, exports), as a share of households' demand at value; ≥ 0.
    elasticity : float
        ``ε``, households' price elasticity of demand at value (positive: demand falls as
        the price rises). Households spending a fixed token budget on one good have ε = 1.

    Returns
    -------
    numpy.ndarray, shape (4, 4)
        ``J``, rows and columns in the order of :data:`STATE`: stock (weeks of demand),
        price (share of value), expected demand and output target (shares of ``D*``).
    """
    r, tau, lam, R, eps = response, rebuild_weeks, demand_smoothing, reserve_weeks, elasticity
    kappa = r / (R * (1.0 + other_use))  # price response per week of demand the stock is off its reserve
    stock = np.array([1.0, eps, 0.0, 1.0])  # s' = s + επ + q
    expected = np.array([0.0, -lam * eps, 1.0 - lam, 0.0])  # e' = (1 − λ) e − λ ε π
    price = -kappa * (stock - R * np.array([0.0, 0.0, 1.0, 0.0]))  # π' = −κ (s' − R e)
    output = (1.0 + R / tau) * expected - stock / tau  # q' = (1 + R/τ) e' − s'/τ
    return np.array([stock, price, expected, output])


def characteristic_cubic(
    response: float,
    rebuild_weeks: float,
    demand_smoothing: float,
    reserve_weeks: float,
    other_use: float = 0.0,
    elasticity: float = 1.0,
) -> np.ndarray:
    """Coefficients ``[1, c₂, c₁, c₀]`` of ``μ³ + c₂ μ² + c₁ μ + c₀``, whose roots are J's non-zero eigenvalues.

    ``det(μ I − J) = μ (μ³ + c₂ μ² + c₁ μ + c₀)``: the output target is a function of the
    rest of the state one week on, so one eigenvalue of :func:`jacobian` is 0. With
    ``a = 1 − 1/τ``, ``κ = r / (R (1 + ω))``:

    - ``c₂ = κ ε − a − (1 − λ)``
    - ``c₁ = a (1 − λ) − κ ε (1 − λ R a)``
    - ``c₀ = −κ ε λ R a``

    Parameters are those of :func:`jacobian`.

    Returns
    -------
    numpy.ndarray, shape (4,)
        Highest power first (``numpy.roots`` order).
    """
    a = 1.0 - 1.0 / rebuild_weeks
    ke = elasticity * response / (reserve_weeks * (1.0 + other_use))
    lam = demand_smoothing
    c2 = ke - a - (1.0 - lam)
    c1 = a * (1.0 - lam) - ke * (1.0 - lam * reserve_weeks * a)
    c0 = -ke * lam * reserve_weeks * a
    return np.array([1.0, c2, c1, c0])


def dominant_eigenvalue(jac) -> complex:
    """The eigenvalue of largest modulus; of a complex pair, the one with positive imaginary part.

    Parameters
    ----------
    jac : array_like, shape (k, k)
        A linear map of one week.

    Returns
    -------
    complex
        Per week.
    """
    mu = np.linalg.eigvals(np.asarray(jac, dtype=float))
    return complex(max(mu, key=lambda z: (round(abs(z), 12), z.imag)))


def spectral_radius(jac) -> float:
    """``ρ(J) = max |μ|``: the factor by which the slowest mode shrinks (< 1) or grows (> 1) per week."""
    return abs(dominant_eigenvalue(jac))


def decay_rate(eigenvalue: complex) -> float:
    """``−ln |μ|``, per week: how fast a mode dies out (negative if it grows); ``1 / rate`` weeks per e-fold."""
    return float(-np.log(abs(eigenvalue)))


def period(eigenvalue: complex) -> float:
    """``2π / |arg μ|``, weeks: the period of a mode's oscillation (2 for a negative root, ∞ for a positive one)."""
    angle = abs(float(np.angle(eigenvalue)))
    return 2.0 * np.pi / angle if angle > 0 else float("inf")


def critical_response(
    rebuild_weeks: float,
    demand_smoothing: float,
    reserve_weeks: float,
    other_use: float = 0.0,
    elasticity: float = 1.0,
    tolerance: float = 1e-6,
) -> float:
    """The smallest price response at which the loop stops being stable: ``ρ(J) = 1`` (seed §7c).

    At ``r = 0`` the eigenvalues are ``1 − 1/τ``, ``1 − λ`` and 0, so the loop is stable
    (for ``λ > 0``); as ``r`` grows one root goes to ``−∞``, so a crossing exists. It is
    found by raising ``r`` from 0.001 in steps of 2^(1/16) until ``ρ ≥ 1``, then bisecting.

    Parameters
    ----------
    rebuild_weeks, demand_smoothing, reserve_weeks, other_use, elasticity : float
        As in :func:`jacobian`.
    tolerance : float
        Relative precision of the result.

    Returns
    -------
    float
        ``r_c``, dimensionless: ``ρ(J) < 1`` at every scanned response below it.
    """

    def radius(r):
        return spectral_radius(jacobian(r, rebuild_weeks, demand_smoothing, reserve_weeks, other_use, elasticity))

    low, high = 0.0, 1e-3
    while radius(high) < 1.0:
        low, high = high, high * 2.0 ** (1.0 / 16.0)
    while high - low > tolerance * high:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if radius(mid) < 1.0 else (low, mid)
    return float(0.5 * (low + high))
