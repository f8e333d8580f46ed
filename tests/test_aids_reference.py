"""Demand (``sim.economics.market``) against an independent implementation of the documented system.

The system (``docs/demand.md``) keeps the Engel curves of Deaton & Muellbauer's AIDS and prices them
with a CES index over each person's own shares. Deaton, A. and Muellbauer, J. (1980), "An Almost Ideal
Demand System", *American Economic Review* 70(3), 312–326, give the budget share (their eq. 8)

    w_i = α_i + Σ_j γ_ij ln p_j + β_i ln(x / P),

with ``ln P = 0`` and every ``ln p_j = 0`` when prices are measured relative to labour value and stand
at value. There the model's share of good ``i`` for a consumer with taste shift ``t`` (a row summing to
0) is ``φ_i(x) = α_i + t_i + β_i ln(x / x̄)``, clipped at 0 and renormalised: D&M's eq. 8 at ``p = v``.
``deaton_muellbauer_at_value`` below is that formula, one consumer at a time, with Python floats.

Away from value the model's expenditure function is (``r_k = p_k / v_k``, ``u`` in tokens at labour
values, ``L = ln(u / x̄)``)

    e(p, u) = u · M(p, u),    ln M = (1/θ) ln Σ_k φ_k(u) r_k^θ    (ln M = Σ_k φ_k(u) ln r_k at θ = 0).

Derived by hand from it, and what ``reference_shares`` computes without ``sim.economics.market``:

- Shephard's lemma: ``w_k = ∂ln e/∂ln p_k = φ_k(u) r_k^θ / Σ_j φ_j(u) r_j^θ`` (``φ`` does not depend on
  ``p``), so shares sum to 1 and demand ``w_k x / p_k`` spends the budget;
- Marshallian demand: ``u`` solves ``ln(x/x̄) = L + ln M(p, L)``. ``ln M`` is a weighted power mean of
  ``ln r``, so ``L ∈ [ln(x/x̄) − max ln r, ln(x/x̄) − min ln r]``, and the right side rises with ``L``
  (``D = ∂ln e/∂ln u > 0``): the reference bisects on that bracket;
- homogeneity: scaling every price by λ scales ``e`` by λ (the weights sum to 1); with spending scaled
  too, ``u`` and demand are unchanged;
- Slutsky (share form): ``∂w_i/∂ln p_j|_u + w_i w_j − δ_ij w_i = θ w_i (δ_ij − w_j) + w_i w_j − δ_ij w_i
  = σ (w_i w_j − δ_ij w_i)``, ``σ = 1 − θ``: symmetric and negative semidefinite at every price;
- income: with ``β'`` the slope of the clipped, renormalised weights in ``L`` (``β`` where nothing clips),
  ``ψ_i = β'_i / φ_i``, ``Q = Σ_k φ_k r_k^θ``, ``E_k = (r_k^θ − 1)/θ`` (``ln r_k`` at θ = 0) and
  ``D = 1 + β'·E / Q``: ``∂w_i/∂ln x = w_i (ψ_i − Σ_j w_j ψ_j) / D``; at value ``∂w_i/∂ln x = β_i``;
- Marshallian share response: ``∂w_i/∂ln p_j = θ w_i (δ_ij − w_j) − w_j ∂w_i/∂ln x``; at value and at
  the base shares ``s`` it is ``θ (s_i δ_ij − s_i s_j) − β_i s_j = γ_ij − β_i s_j`` with the calibrated
  AIDS's ``γ = θ (diag(s) − s sᵀ)``: the old system's price response where it was regular;
- own price: ``ε_ii = −σ − θ w_i − (r_i^θ β'_i − θ w_i β'·E) / (D Q)``; at value ``−1 + θ (1 − w_i) − β_i``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.economics import market, wages

# --- a hand-written parameter set (not from calibrate_preferences) ---------------------------------
#
# Four goods. Base shares s; β sums to 0 (two necessities, two luxuries); α = s − β κ with κ = 0.1,
# so a consumer spending x̄ e^κ at normal prices has shares s; θ = 0.35, σ = 0.65.

S = (0.4, 0.3, 0.2, 0.1)
BETA = (-0.08, -0.01, 0.04, 0.05)
KAPPA = 0.1
ALPHA = tuple(s - b * KAPPA for s, b in zip(S, BETA, strict=True))
THETA = 0.35
X_REF = 30.0
G = len(S)

VALUES = np.array([1.5, 0.8, 4.0, 2.5])  # labour value per unit, hours

#: Prices relative to value: all above, all below, mixed, and at value.
PRICE_CASES = {
    "above value": np.array([1.3, 1.6, 1.1, 1.45]),
    "below value": np.array([0.6, 0.8, 0.7, 0.9]),
    "mixed": np.array([1.5, 0.7, 1.2, 0.8]),
    "at value": np.ones(4),
}

#: Spending levels, tokens a week: below and above x̄, one below 1 token, and zero.
SPENDING = np.array([0.0, 0.5, 12.0, 30.0, 33.0, 55.0, 90.0])


def _prefs(alpha=ALPHA, beta=BETA, theta=THETA, shares=S, x_ref=X_REF):
    return market.Preferences(
        np.array(alpha, dtype=float), np.array(beta, dtype=float), float(theta), np.array(shares, dtype=float), x_ref
    )


def _taste(n, scale=0.03, seed=1):
    """Per-consumer shifts of α, rows summing to 0 (they move budgets between goods, not scale them)."""
    t = scale * np.random.default_rng(seed).standard_normal((n, G))
    return t - t.mean(axis=1, keepdims=True)


# --- the reference, one consumer at a time, with Python floats --------------------------------------


def deaton_muellbauer_at_value(spending, taste=None, alpha=ALPHA, beta=BETA, x_ref=X_REF, clip=True):
    """D&M (1980) eq. 8 at labour values: ``α + t + β ln(x/x̄)``, clipped at 0 and renormalised."""
    out = []
    for n, x in enumerate(spending):
        x = float(x)
        if x <= 0:
            out.append([0.0] * G)
            continue
        row = [
            alpha[i] + beta[i] * math.log(x / x_ref) + (float(taste[n][i]) if taste is not None else 0.0)
            for i in range(G)
        ]
        if clip:
            row = [max(w, 0.0) for w in row]
            total = sum(row)
            row = [w / total for w in row]
        out.append(row)
    return np.array(out)


def _weights(log_u, taste_row, alpha, beta):
    """Engel weights ``φ(u)``, clipped at 0 and renormalised."""
    row = [
        max(alpha[i] + beta[i] * log_u + (float(taste_row[i]) if taste_row is not None else 0.0), 0.0)
        for i in range(len(alpha))
    ]
    total = sum(row)
    return [w / total for w in row]


def _log_index(phi, log_r, theta):
    """``ln M = (1/θ) ln Σ φ_k r_k^θ``, ``Σ φ_k ln r_k`` at θ = 0."""
    if theta == 0:
        return sum(f * lr for f, lr in zip(phi, log_r, strict=True))
    return math.log(sum(f * math.exp(theta * lr) for f, lr in zip(phi, log_r, strict=True))) / theta


def reference_log_utility(x, rel_prices, taste_row=None, theta=THETA, alpha=ALPHA, beta=BETA, x_ref=X_REF):
    """``L = ln(u/x̄)`` solving ``ln(x/x̄) = L + ln M(L)``, by bisection to the last bit."""
    log_r = [math.log(float(r)) for r in rel_prices]
    y = math.log(float(x) / x_ref)
    lo, hi = y - max(log_r), y - min(log_r)
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            return mid
        if mid + _log_index(_weights(mid, taste_row, alpha, beta), log_r, theta) - y > 0:
            hi = mid
        else:
            lo = mid


def reference_shares(spending, rel_prices, taste=None, theta=THETA, alpha=ALPHA, beta=BETA, x_ref=X_REF):
    """Budget shares ``φ_k(u) r_k^θ / Σ_j φ_j(u) r_j^θ`` (see the module docstring)."""
    out = []
    for n, x in enumerate(spending):
        if float(x) <= 0:
            out.append([0.0] * len(alpha))
            continue
        row = None if taste is None else taste[n]
        phi = _weights(reference_log_utility(x, rel_prices, row, theta, alpha, beta, x_ref), row, alpha, beta)
        priced = [f * float(r) ** theta for f, r in zip(phi, rel_prices, strict=True)]
        total = sum(priced)
        out.append([w / total for w in priced])
    return np.array(out)


def reference_demand(spending, prices, taste=None, **kw):
    """Quantities ``w_i x / p_i`` from the reference shares, units per week."""
    w = reference_shares(spending, np.asarray(prices) / VALUES, taste, **kw)
    return np.array([[w[n][i] * float(x) / float(prices[i]) for i in range(G)] for n, x in enumerate(spending)])


def reference_expenditure(log_u, rel_prices, taste_row=None, theta=THETA):
    """``e(p, u) = u M(p, u)`` for ``L = ln(u/x̄)``."""
    log_r = [math.log(float(r)) for r in rel_prices]
    return X_REF * math.exp(log_u + _log_index(_weights(log_u, taste_row, ALPHA, BETA), log_r, theta))


def _own_price_elasticity(prefs, x, prices, good, h=1e-6):
    """``∂ ln q_good / ∂ ln p_good`` by central differences on ``market.demand``."""
    up, down = prices.copy(), prices.copy()
    up[good] *= math.exp(h)
    down[good] *= math.exp(-h)
    q_up = market.demand(prefs, [x], up, VALUES)[0, good]
    q_down = market.demand(prefs, [x], down, VALUES)[0, good]
    return (math.log(q_up) - math.log(q_down)) / (2 * h)


def _slutsky(prefs, x, prices, h=1e-6):
    """Slutsky matrix ``∂q_i/∂p_j + q_j ∂q_i/∂x`` of one consumer, by central differences on ``market.demand``."""

    def q(spend, p):
        return market.demand(prefs, [spend], p, VALUES)[0]

    dq_dx = (q(x * (1 + h), prices) - q(x * (1 - h), prices)) / (2 * h * x)
    out = np.empty((G, G))
    for j in range(G):
        up, down = prices.copy(), prices.copy()
        up[j] *= 1 + h
        down[j] *= 1 - h
        dq_dp = (q(x, up) - q(x, down)) / (2 * h * prices[j])
        out[:, j] = dq_dp + q(x, prices)[j] * dq_dx
    return out


def _by_hand(x, rel, theta=THETA):
    """``w``, ``β'``, ``E``, ``Q``, ``D`` and ``ψ`` of one consumer without taste, from the reference's ``u``."""
    log_u = reference_log_utility(x, rel, theta=theta)
    raw = np.array(ALPHA) + np.array(BETA) * log_u
    on = raw > 0
    total = raw[on].sum()
    phi = np.where(on, raw, 0.0) / total
    slope = np.where(on, (np.array(BETA) - phi * np.array(BETA)[on].sum()) / total, 0.0)  # β'
    e = np.log(rel) if theta == 0 else np.expm1(theta * np.log(rel)) / theta
    rho = rel**theta
    q = phi @ rho
    w = phi * rho / q
    d = 1.0 + slope @ e / q
    psi = np.divide(slope, phi, out=np.zeros(G), where=on)
    return w, slope, e, q, d, psi


# --- the parameters themselves ---------------------------------------------------------------------


def test_hand_written_parameters_satisfy_the_restrictions():
    """Adding-up of the Engel weights (Σα = 1, Σβ = 0: D&M 1980 eq. 9) and θ in [0, 1]."""
    assert sum(ALPHA) == pytest.approx(1.0, abs=1e-15)
    assert sum(BETA) == pytest.approx(0.0, abs=1e-15)
    assert 0 <= THETA <= 1
    np.testing.assert_allclose(_taste(5).sum(axis=1), 0.0, atol=1e-15)


def test_calibration_keeps_theta_and_the_aids_gamma_at_base_shares():
    """``calibrate_preferences`` stores θ (0.4 by default); ``gamma`` is the old AIDS's ``θ (diag(s) − s sᵀ)``."""
    s = np.array([3.0, 2.0, 1.0])  # not normalised: the calibration normalises it
    spending = np.array([10.0, 20.0, 40.0])
    for theta, prefs in [
        (0.4, market.calibrate_preferences(s, [0.8, 1.0, 1.3], spending)),
        (0.8, market.calibrate_preferences(s, [0.8, 1.0, 1.3], spending, price_response=0.8)),
    ]:
        shares = s / s.sum()
        assert prefs.price_response == theta
        np.testing.assert_allclose(prefs.base_shares, shares, rtol=1e-15)
        np.testing.assert_allclose(prefs.gamma, theta * (np.diag(shares) - np.outer(shares, shares)), rtol=1e-15)
        np.testing.assert_array_equal(prefs.gamma, prefs.gamma.T)
        np.testing.assert_allclose(prefs.gamma.sum(axis=1), 0.0, atol=1e-16)
        assert prefs.alpha.sum() == pytest.approx(1.0, abs=1e-15)
        assert prefs.beta.sum() == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("theta", [-1e-12, 1.0 + 1e-12, 2.0, float("nan")])
def test_preferences_refuse_a_price_response_outside_zero_to_one(theta):
    """θ > 1 would make σ = 1 − θ negative (an index that is not concave); θ < 0 is not a CES of the weights."""
    with pytest.raises(ValueError, match="price_response"):
        _prefs(theta=theta)


@pytest.mark.parametrize("theta", [0.0, 1.0])
def test_preferences_accept_both_ends_of_the_price_response(theta):
    assert _prefs(theta=theta).price_response == theta


# --- shares and demand against the reference ------------------------------------------------------


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("with_taste", [False, True])
@pytest.mark.parametrize("theta", [0.0, THETA, 1.0])
def test_demand_matches_the_reference(case, with_taste, theta):
    """``budget_shares`` and ``demand`` equal the reference, above, below and at value, for θ = 0, 0.35, 1."""
    prefs = _prefs(theta=theta)
    rel = PRICE_CASES[case]
    taste = _taste(SPENDING.size) if with_taste else None
    expected = reference_shares(SPENDING, rel, taste, theta=theta)
    np.testing.assert_allclose(market.budget_shares(prefs, SPENDING, rel, taste), expected, rtol=1e-12, atol=1e-15)
    prices = VALUES * rel
    q = market.demand(prefs, SPENDING, prices, VALUES, taste)
    np.testing.assert_allclose(q, reference_demand(SPENDING, prices, taste, theta=theta), rtol=1e-12, atol=1e-15)
    if case != "at value":  # the case discriminates: without its price terms the model would give other shares
        at_value = deaton_muellbauer_at_value(SPENDING, taste)
        assert np.abs(at_value - expected).max() > 1e-3


@pytest.mark.parametrize("with_taste", [False, True])
def test_at_labour_values_demand_is_deaton_muellbauer_aids(with_taste):
    """At ``p = v`` every consumer's shares are D&M's eq. 8, ``α + t + β ln(x/x̄)``, whatever θ."""
    taste = _taste(SPENDING.size) if with_taste else None
    expected = deaton_muellbauer_at_value(SPENDING, taste)
    for theta in (0.0, THETA, 1.0):
        w = market.budget_shares(_prefs(theta=theta), SPENDING, np.ones(G), taste)
        np.testing.assert_allclose(w, expected, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("case", PRICE_CASES)
def test_clipping_matches_the_documented_rule(case):
    """A weight the Engel curve puts below 0 is set to 0 and the rest renormalised, then priced (``Preferences``)."""
    prefs = _prefs()
    rich = np.array([2e4, 2e5])  # ln(x/x̄) ≈ 6.5 and 8.8: the necessity's weight 0.408 − 0.08 ln(u/x̄) < 0
    rel = PRICE_CASES[case]
    log_u = [reference_log_utility(x, rel) for x in rich]
    assert all(ALPHA[0] + BETA[0] * lu < 0 for lu in log_u), "the case must clip"
    w = market.budget_shares(prefs, rich, rel)
    np.testing.assert_allclose(w, reference_shares(rich, rel), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(w[:, 0], 0.0)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-15)
    if case == "at value":
        np.testing.assert_allclose(w, deaton_muellbauer_at_value(rich), rtol=1e-13)


@pytest.mark.parametrize("case", PRICE_CASES)
def test_adding_up_weights_sum_to_one_and_demand_spends_the_budget(case):
    """The unclipped weights sum to 1 (Σα = 1, Σβ = 0, taste rows 0): nothing is renormalised, ``p·q = x``."""
    prefs = _prefs()
    rel = PRICE_CASES[case]
    taste = _taste(SPENDING.size)
    for x, row in zip(SPENDING[2:], taste[2:], strict=True):
        log_u = reference_log_utility(x, rel, row)
        raw = np.array(ALPHA) + row + np.array(BETA) * log_u
        assert raw.min() > 0  # nothing clipped: adding-up is the formula's, not the renormalisation's
        assert raw.sum() == pytest.approx(1.0, abs=1e-14)
    prices = VALUES * rel
    q = market.demand(prefs, SPENDING, prices, VALUES, taste)
    np.testing.assert_allclose(q @ prices, SPENDING, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("scale", [0.25, 3.0, 40.0])
def test_homogeneity_scaling_all_prices_and_spending_leaves_demand_unchanged(case, scale):
    """Homogeneity of degree 0: the weights sum to 1, so ``e(λp, u) = λ e(p, u)``."""
    prefs = _prefs()
    prices = VALUES * PRICE_CASES[case]
    taste = _taste(SPENDING.size)
    base = market.demand(prefs, SPENDING, prices, VALUES, taste)
    scaled = market.demand(prefs, scale * SPENDING, scale * prices, VALUES, taste)
    np.testing.assert_allclose(scaled, base, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("x", [12.0, X_REF * math.exp(KAPPA), 55.0, 2e4])
def test_slutsky_matrix_is_sigma_times_ww_minus_diag_w_symmetric_and_negative_semidefinite(case, x):
    """Share-form Slutsky ``σ (w wᵀ − diag(w))`` at every price (2e4: a clipped consumer); ``S p = 0``."""
    prices = VALUES * PRICE_CASES[case]
    slutsky = _slutsky(_prefs(), x, prices)
    scale = np.abs(slutsky).max()
    w = reference_shares([x], PRICE_CASES[case])[0]
    share_form = slutsky * prices[:, None] * prices[None, :] / x
    np.testing.assert_allclose(share_form, (1 - THETA) * (np.outer(w, w) - np.diag(w)), atol=1e-7)
    np.testing.assert_allclose(slutsky, slutsky.T, rtol=0, atol=1e-6 * scale)
    bought = w > 0
    assert np.all(np.diag(slutsky)[bought] < 0)  # compensated own-price effects
    assert np.linalg.eigvalsh((slutsky + slutsky.T) / 2).max() < 1e-6 * scale
    np.testing.assert_allclose(slutsky @ prices, 0.0, atol=1e-6 * scale * prices.max())  # homogeneity: S p = 0


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("x", [12.0, 55.0])
def test_income_effect_of_shares_is_as_derived(case, x):
    """``∂w_i/∂ln x = w_i (ψ_i − Σ_j w_j ψ_j) / D``; at value ``β_i``: a share rises with spending iff β_i > 0."""
    prefs = _prefs()
    rel = PRICE_CASES[case]
    h = 1e-6
    numeric = (
        market.budget_shares(prefs, [x * math.exp(h)], rel)[0] - market.budget_shares(prefs, [x * math.exp(-h)], rel)[0]
    ) / (2 * h)
    w, _, _, _, d, psi = _by_hand(x, rel)
    np.testing.assert_allclose(numeric, w * (psi - w @ psi) / d, atol=1e-9)
    if case == "at value":
        np.testing.assert_allclose(numeric, BETA, atol=1e-9)


def test_at_labour_values_shares_move_with_log_spending_by_beta():
    """``∂w_i/∂ln x = β_i`` at value: luxuries (β > 0) gain share as spending doubles, necessities lose it."""
    x = np.array([10.0, 20.0, 40.0, 80.0])
    w = market.budget_shares(_prefs(), x, np.ones(G))
    np.testing.assert_allclose(np.diff(w, axis=0), np.log(2.0) * np.tile(BETA, (3, 1)), atol=1e-13)
    for i, b in enumerate(BETA):
        assert np.all(np.sign(np.diff(w[:, i])) == np.sign(b))


@pytest.mark.parametrize("case", PRICE_CASES)
def test_share_response_to_log_prices_is_theta_w_delta_minus_w_less_the_income_effect(case):
    """``∂w_i/∂ln p_j = θ w_i (δ_ij − w_j) − w_j ∂w_i/∂ln x``: without price terms, only the income effect."""
    prefs = _prefs()
    rel = PRICE_CASES[case]
    x, h = 33.0, 1e-6
    jacobian = np.empty((G, G))
    for j in range(G):
        up, down = rel.copy(), rel.copy()
        up[j] *= math.exp(h)
        down[j] *= math.exp(-h)
        jacobian[:, j] = (market.budget_shares(prefs, [x], up)[0] - market.budget_shares(prefs, [x], down)[0]) / (2 * h)
    w, _, _, _, d, psi = _by_hand(x, rel)
    income = w * (psi - w @ psi) / d
    np.testing.assert_allclose(jacobian, THETA * (np.diag(w) - np.outer(w, w)) - np.outer(income, w), atol=1e-9)


def test_at_base_shares_the_price_response_is_the_calibrated_aids():
    """At value and base shares ``∂w_i/∂ln p_j = γ_ij − β_i s_j`` with ``γ = Preferences.gamma``."""
    prefs = _prefs()
    x, h = X_REF * math.exp(KAPPA), 1e-6  # w = α + β κ = s
    np.testing.assert_allclose(market.budget_shares(prefs, [x], np.ones(G))[0], S, rtol=1e-13)
    jacobian = np.empty((G, G))
    for j in range(G):
        up, down = np.ones(G), np.ones(G)
        up[j], down[j] = math.exp(h), math.exp(-h)
        jacobian[:, j] = (market.budget_shares(prefs, [x], up)[0] - market.budget_shares(prefs, [x], down)[0]) / (2 * h)
    np.testing.assert_allclose(jacobian, prefs.gamma - np.outer(BETA, S), atol=1e-9)


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("x", [12.0, 55.0, 2e4])
@pytest.mark.parametrize("theta", [0.0, THETA, 0.8])
def test_uncompensated_own_price_elasticity_is_as_derived_and_negative(case, x, theta):
    """``ε_ii = −σ − θ w_i − (r_i^θ β'_i − θ w_i β'·E)/(D Q)`` for each good bought; at value ``−1 + θ(1 − w_i) − β_i``.

    Negative for θ ≤ 0.8 (σ ≥ 0.2), clipped consumers (2e4 tokens) included.
    """
    prefs = _prefs(theta=theta)
    rel = PRICE_CASES[case]
    prices = VALUES * rel
    w, slope, e, q, d, _ = _by_hand(x, rel, theta)
    for good in np.flatnonzero(w > 0):
        elasticity = _own_price_elasticity(prefs, x, prices, good)
        derived = (
            -(1 - theta) - theta * w[good] - (rel[good] ** theta * slope[good] - theta * w[good] * slope @ e) / (d * q)
        )
        assert elasticity == pytest.approx(derived, abs=1e-7)
        assert elasticity < 0
        if case == "at value" and x < 2e4:  # unclipped: β' = β
            assert derived == pytest.approx(-1 + theta * (1 - w[good]) - BETA[good], abs=1e-12)


def test_demand_falls_as_own_price_rises_from_below_to_above_value():
    """Along a grid of ``p_g / v_g`` from 0.5 to 2, demand for g falls at every step while it is bought.

    Other prices at value. At 5 tokens the luxury's weight is 0.095 + 0.05 ln(5/30) ≈ 0.005: it clips
    when its price rises enough to lower utility, and is not bought from there on.
    """
    prefs = _prefs()
    grid = np.exp(np.linspace(math.log(0.5), math.log(2.0), 13))
    for x in (5.0, 33.0, 500.0):
        for good in range(G):
            q = []
            for r in grid:
                prices = VALUES.copy()
                prices[good] *= r
                q.append(market.demand(prefs, [x], prices, VALUES)[0, good])
            q = np.array(q)
            assert q[0] > 0 and np.all(np.diff(q)[q[:-1] > 0] < 0) and np.all(np.diff(q) <= 0), (x, good, q)


@pytest.mark.parametrize("case", PRICE_CASES)
def test_expenditure_elasticity_at_value_is_one_plus_beta_over_share(case):
    """Elasticity of demand to spending, numerically: ``1 + (ψ_i − Σ w ψ)/D``; at value ``income_elasticities(w)``."""
    prefs = _prefs()
    rel = PRICE_CASES[case]
    prices = VALUES * rel
    x, h = 33.0, 1e-6
    q_up = market.demand(prefs, [x * math.exp(h)], prices, VALUES)[0]
    q_down = market.demand(prefs, [x * math.exp(-h)], prices, VALUES)[0]
    numeric = (np.log(q_up) - np.log(q_down)) / (2 * h)
    w, _, _, _, d, psi = _by_hand(x, rel)
    np.testing.assert_allclose(numeric, 1.0 + (psi - w @ psi) / d, atol=1e-7)
    if case == "at value":
        np.testing.assert_allclose(prefs.income_elasticities(w), numeric, atol=1e-7)
        np.testing.assert_allclose(prefs.income_elasticities(w), 1.0 + np.array(BETA) / w, rtol=1e-15)
    np.testing.assert_allclose(prefs.income_elasticities(), 1.0 + np.array(BETA) / np.array(S), rtol=1e-15)


# --- the expenditure function and the indirect utility ------------------------------------------------


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("theta", [0.0, THETA, 1.0])
def test_expenditure_of_the_indirect_utility_is_the_spending(case, theta):
    """``e(p, v(p, x)) = x`` for every consumer, clipped ones too; ``v`` is the reference's ``u``; 0 for 0."""
    prefs = _prefs(theta=theta)
    log_p = np.log(PRICE_CASES[case])
    spending = np.append(SPENDING, [5e3, 2e5])
    taste = _taste(spending.size)
    u = market.indirect_utility(prefs, spending, log_p, taste)
    expected = [
        0.0 if x <= 0 else X_REF * math.exp(reference_log_utility(x, PRICE_CASES[case], row, theta))
        for x, row in zip(spending, taste, strict=True)
    ]
    np.testing.assert_allclose(u, expected, rtol=1e-13)
    np.testing.assert_allclose(market.expenditure(prefs, log_p, u, taste), spending, rtol=1e-13)
    assert u[0] == 0.0 and market.expenditure(prefs, log_p, [0.0, -1.0], taste[:2]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("case", PRICE_CASES)
def test_expenditure_matches_the_reference_and_is_the_money_metric_at_value(case):
    """``e(p, u)`` equals ``u M(p, u)`` computed by hand; at value ``e(v, u) = u`` and ``v(v, x) = x``."""
    prefs = _prefs()
    rel = PRICE_CASES[case]
    u = np.array([0.5, 12.0, 30.0, 90.0, 5e3])
    taste = _taste(u.size)
    expected = [reference_expenditure(math.log(v / X_REF), rel, row) for v, row in zip(u, taste, strict=True)]
    np.testing.assert_allclose(market.expenditure(prefs, np.log(rel), u, taste), expected, rtol=1e-13)
    np.testing.assert_allclose(market.expenditure(prefs, np.zeros(G), u, taste), u, rtol=1e-15)
    np.testing.assert_allclose(market.indirect_utility(prefs, u, np.zeros(G), taste), u, rtol=1e-15)


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("theta", [0.0, THETA, 1.0])
def test_shephards_lemma_the_price_gradient_of_expenditure_is_demand(case, theta):
    """``∂e(p, u)/∂p_k = q_k(p, e(p, u))``: central differences on ``expenditure`` against ``demand``."""
    prefs = _prefs(theta=theta)
    rel = PRICE_CASES[case]
    u = np.array([0.5, 12.0, 30.0, 90.0, 5e3])
    taste = _taste(u.size)
    spending = market.expenditure(prefs, np.log(rel), u, taste)
    q = market.demand(prefs, spending, VALUES * rel, VALUES, taste)
    h = 1e-6
    gradient = np.empty_like(q)
    for k in range(G):
        up, down = np.log(rel), np.log(rel)
        up[k] += h
        down[k] -= h
        step = VALUES[k] * (math.exp(up[k]) - math.exp(down[k]))  # the change of p_k
        gradient[:, k] = (market.expenditure(prefs, up, u, taste) - market.expenditure(prefs, down, u, taste)) / step
    np.testing.assert_allclose(gradient, q, rtol=1e-7, atol=1e-9 * q.max())


@pytest.mark.parametrize("case", PRICE_CASES)
def test_expenditure_rises_with_utility_and_is_concave_and_homogeneous_in_prices(case):
    """The properties that make ``e`` an expenditure function (Mas-Colell, Whinston & Green 1995, Prop. 3.E.2)."""
    prefs = _prefs()
    log_p = np.log(PRICE_CASES[case])
    u = X_REF * np.exp(np.linspace(-4, 9, 60))  # ln(u/x̄) from −4 to 9: weights clip at both ends
    e = market.expenditure(prefs, log_p, u)
    assert np.all(np.diff(e) > 0)
    np.testing.assert_allclose(market.expenditure(prefs, log_p + math.log(3.0), u), 3.0 * e, rtol=1e-13)
    other = np.log(PRICE_CASES["mixed" if case != "mixed" else "above value"])
    for t in (0.25, 0.5, 0.75):  # concave along the segment between two price vectors (in levels)
        between = np.log(t * np.exp(log_p) + (1 - t) * np.exp(other))
        chord = t * e + (1 - t) * market.expenditure(prefs, other, u)
        assert np.all(market.expenditure(prefs, between, u) >= chord * (1 - 1e-13))


# --- by hand: two goods ------------------------------------------------------------------------------


def _two_goods(theta, alpha=(0.6, 0.4), beta=(-0.1, 0.1)):
    return market.Preferences(np.array(alpha), np.array(beta), theta, np.array([0.5, 0.5]), 10.0)


def test_two_goods_by_hand_at_reference_utility():
    """u = x̄ (L = 0): φ = α = (0.6, 0.4); r = (1, 4), θ = ½: Σ φ r^θ = 0.6 + 0.4·2 = 1.4, M = 1.4² = 1.96.

    So x = 19.6 buys u = 10 with shares (0.6, 0.8)/1.4 = (3/7, 4/7); at θ = 0, M = 4^0.4 and w = α.
    """
    prefs = _two_goods(0.5)
    log_r = np.log([1.0, 4.0])
    assert market.expenditure(prefs, log_r, [10.0])[0] == pytest.approx(19.6, rel=1e-15)
    assert market.indirect_utility(prefs, [19.6], log_r)[0] == pytest.approx(10.0, rel=1e-14)
    np.testing.assert_allclose(market.budget_shares(prefs, [19.6], [1.0, 4.0])[0], [3 / 7, 4 / 7], rtol=1e-14)
    np.testing.assert_allclose(market.demand(prefs, [19.6], [2.0, 4.0], [2.0, 1.0])[0], [4.2, 2.8], rtol=1e-14)
    flat = _two_goods(0.0)
    assert market.expenditure(flat, log_r, [10.0])[0] == pytest.approx(10.0 * 4.0**0.4, rel=1e-15)
    np.testing.assert_allclose(market.budget_shares(flat, [10.0 * 4.0**0.4], [1.0, 4.0])[0], [0.6, 0.4], rtol=1e-14)
    leontief = _two_goods(1.0)  # M = 0.6 + 0.4·4 = 2.2; shares (0.6, 1.6)/2.2
    assert market.expenditure(leontief, log_r, [10.0])[0] == pytest.approx(22.0, rel=1e-15)
    np.testing.assert_allclose(market.budget_shares(leontief, [22.0], [1.0, 4.0])[0], [3 / 11, 8 / 11], rtol=1e-14)


def test_two_goods_by_hand_with_a_clipped_weight():
    """α = (0.05, 0.95), β = (−0.1, 0.1): at L = 1 the raw weights are (−0.05, 1.05), so φ⁺ = (0, 1).

    Then M = r_2 = 4 and e = 4 x̄ e¹: spending 40 e buys u = 10 e, all of it good 2; at L = 0.5,
    φ = (0, 1) as well (0.05 − 0.05 = 0 exactly), and at L = 0 φ = α: M = (0.05 + 0.95·2)² = 3.8025.
    """
    prefs = _two_goods(0.5, alpha=(0.05, 0.95))
    log_r = np.log([1.0, 4.0])
    x = 40.0 * math.e
    assert market.expenditure(prefs, log_r, [10.0 * math.e])[0] == pytest.approx(x, rel=1e-15)
    assert market.indirect_utility(prefs, [x], log_r)[0] == pytest.approx(10.0 * math.e, rel=1e-14)
    np.testing.assert_array_equal(market.budget_shares(prefs, [x], [1.0, 4.0])[0], [0.0, 1.0])
    assert market.expenditure(prefs, log_r, [10.0 * math.exp(0.5)])[0] == pytest.approx(40.0 * math.exp(0.5))
    assert market.expenditure(prefs, log_r, [10.0])[0] == pytest.approx(10.0 * 1.95**2, rel=1e-15)


def test_two_goods_where_beta_dot_e_is_exactly_one():
    """θ = 1, β = (−1, 1), r = (1, 2): ``E = r − 1 = (0, 1)`` and ``b = β·E = 1`` exactly.

    At x = x̄ the utility solves ``L + ln(1.5 + L) = 0`` (``Σ φ r = 0.5 − L + 2 (0.5 + L)``): L ≈ −0.235,
    the weights (0.735, 0.265) unclipped. Only ``b = 0`` (or θ = 0) lets the start stand for the root.
    """
    prefs = _two_goods(1.0, alpha=(0.5, 0.5), beta=(-1.0, 1.0))
    log_u = math.log(market.indirect_utility(prefs, [10.0], np.log([1.0, 2.0]))[0] / 10.0)
    assert log_u + math.log(1.5 + log_u) == pytest.approx(0.0, abs=1e-15)
    assert log_u == pytest.approx(-0.2350, abs=1e-4)


def test_two_goods_by_hand_own_price_elasticity_at_value():
    """At value ``ε_ii = −1 + θ (1 − w_i) − β_i``: with θ = ½, w = α = (0.6, 0.4) at x = x̄: (−0.7, −0.8)."""
    prefs = _two_goods(0.5)
    h = 1e-6
    for good, expected in ((0, -1 + 0.5 * 0.4 + 0.1), (1, -1 + 0.5 * 0.6 - 0.1)):
        up, down = np.ones(2), np.ones(2)
        up[good], down[good] = math.exp(h), math.exp(-h)
        q_up = market.demand(prefs, [10.0], up, np.ones(2))[0, good]
        q_down = market.demand(prefs, [10.0], down, np.ones(2))[0, good]
        assert (math.log(q_up) - math.log(q_down)) / (2 * h) == pytest.approx(expected, abs=1e-8)


# --- the week's purchases (market.buy) against the reference ----------------------------------------


def _population(n=40, seed=3):
    rng = np.random.default_rng(seed)
    spending = X_REF * rng.lognormal(0.0, 0.3, n)
    spending[:3] = 0.0  # some consumers buy nothing
    return spending, _taste(n, scale=0.01, seed=seed)


def _reference_purchases(spending, prices, taste, on_sale):
    """Proportional rationing of the reference demand: every buyer of a scarce good gets the same fraction."""
    q = reference_demand(spending, prices, taste)
    wanted = q.sum(axis=0)
    fill = np.array([min(1.0, on_sale[i] / wanted[i]) if wanted[i] > 0 else 1.0 for i in range(G)])
    bought = q * fill
    return wanted, bought.sum(axis=0), bought @ prices


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("scarcity", [np.full(G, 2.0), np.array([0.5, 1.5, 0.8, 3.0]), np.zeros(G)])
def test_buy_aggregated_and_full_paths_match_the_reference(case, scarcity):
    """``market.buy`` (exact aggregation when nothing clips, else the full matrix) = reference demand, rationed."""
    prefs = _prefs()
    spending, taste = _population()
    prices = VALUES * PRICE_CASES[case]
    wanted, bought, spent = _reference_purchases(spending, prices, taste, np.inf * np.ones(G))
    on_sale = wanted * scarcity
    wanted, bought, spent = _reference_purchases(spending, prices, taste, on_sale)
    floor = taste.min(axis=0)
    assert market.aggregates_exactly(prefs, spending, prices, VALUES, floor)  # the fast path is the one tested
    for kwargs in ({"taste_floor": floor}, {}):  # aggregated; full (N, G) matrix
        week = market.buy(prefs, spending, prices, VALUES, taste, on_sale, **kwargs)
        np.testing.assert_allclose(week.wanted, wanted, rtol=1e-11)
        np.testing.assert_allclose(week.bought, bought, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(week.spent, spent, rtol=1e-11, atol=1e-12)
        assert np.all(week.bought <= on_sale * (1 + 1e-12))
        # every consumer got the share of their demand that what was on sale covers: min(1, on sale / wanted)
        np.testing.assert_allclose(week.fill, np.minimum(1.0, scarcity), rtol=1e-11)
        assert week.rationed == bool(np.any(scarcity < 1.0))


@pytest.mark.parametrize("theta", [0.0, 1.0])
def test_buy_aggregated_path_at_both_ends_of_the_price_response(theta):
    """θ = 0 (ln M linear in ln u: no Newton step) and θ = 1 (Leontief index): the fast path is the reference's."""
    prefs = _prefs(theta=theta)
    spending, taste = _population()
    prices = VALUES * PRICE_CASES["mixed"]
    q = reference_demand(spending, prices, taste, theta=theta)
    on_sale = q.sum(axis=0) * np.array([0.5, 1.5, 0.8, 3.0])
    fill = np.minimum(1.0, on_sale / q.sum(axis=0))
    week = market.buy(prefs, spending, prices, VALUES, taste, on_sale, taste_floor=taste.min(axis=0))
    np.testing.assert_allclose(week.wanted, q.sum(axis=0), rtol=1e-11)
    np.testing.assert_allclose(week.spent, (q * fill) @ prices, rtol=1e-11, atol=1e-12)


def test_buy_with_clipping_uses_the_full_matrix_and_still_matches_the_reference():
    """Where a weight may clip, aggregating is wrong: ``aggregates_exactly`` says so, ``buy`` builds the matrix."""
    prefs = _prefs()
    spending = np.array([2e4, 20.0, 40.0])  # the first consumer's necessity weight clips
    taste = np.zeros((3, G))
    prices = VALUES * PRICE_CASES["below value"]
    assert not market.aggregates_exactly(prefs, spending, prices, VALUES, taste.min(axis=0))
    wanted, bought, spent = _reference_purchases(spending, prices, taste, np.full(G, 1e9))
    on_sale = 0.5 * wanted
    wanted, bought, spent = _reference_purchases(spending, prices, taste, on_sale)
    week = market.buy(prefs, spending, prices, VALUES, taste, on_sale, taste_floor=taste.min(axis=0))
    np.testing.assert_allclose(week.wanted, wanted, rtol=1e-11)
    np.testing.assert_allclose(week.bought, bought, rtol=1e-11)
    np.testing.assert_allclose(week.spent, spent, rtol=1e-11)


def test_buy_aggregates_without_the_demand_matrix_when_nothing_can_clip(monkeypatch):
    """The documented fast path: with proportional rationing (the default) and a taste floor, no (N, G) matrix."""
    prefs = _prefs()
    spending, taste = _population()
    prices = VALUES * PRICE_CASES["mixed"]
    expected = market.buy(prefs, spending, prices, VALUES, taste, np.full(G, 50.0))

    def no_matrix(*args, **kwargs):
        raise AssertionError("buy built the (N, G) demand matrix although demand aggregates exactly")

    monkeypatch.setattr(market, "demand", no_matrix)
    week = market.buy(prefs, spending, prices, VALUES, taste, np.full(G, 50.0), taste_floor=taste.min(axis=0))
    np.testing.assert_allclose(week.bought, expected.bought, rtol=1e-11)
    np.testing.assert_allclose(week.spent, expected.spent, rtol=1e-11)


def test_buy_with_whole_token_spending_matches_float_spending():
    """Integer spending (whole tokens) gives the same purchases on the aggregated path as floats."""
    prefs = _prefs()
    spending = np.array([12, 30, 47, 0, 25])
    taste = _taste(5, scale=0.01)
    prices = VALUES * PRICE_CASES["below value"]
    on_sale = np.array([3.0, 30.0, 2.0, 1.0])
    as_int = market.buy(prefs, spending, prices, VALUES, taste, on_sale, taste_floor=taste.min(axis=0))
    as_float = market.buy(prefs, spending.astype(float), prices, VALUES, taste, on_sale, taste_floor=taste.min(axis=0))
    np.testing.assert_allclose(as_int.wanted, as_float.wanted, rtol=1e-13)
    np.testing.assert_allclose(as_int.spent, as_float.spent, rtol=1e-13)


def test_aggregates_exactly_is_false_without_buyers_and_when_a_taste_floor_would_clip():
    """The bound is sound: it refuses when nobody spends and when the lowest taste could push a weight below 0."""
    prefs = _prefs()
    assert not market.aggregates_exactly(prefs, np.zeros(3), VALUES, VALUES, np.zeros(G))
    spending = np.array([20.0, 40.0])
    assert market.aggregates_exactly(prefs, spending, VALUES, VALUES, np.zeros(G))
    floor = np.array([0.0, 0.0, 0.0, -0.2])  # good 3's weight is ≈ 0.1: a shift of −0.2 clips it
    assert not market.aggregates_exactly(prefs, spending, VALUES, VALUES, floor)
    # the range of log utility matters on both sides: a luxury clips for the poorest
    assert not market.aggregates_exactly(prefs, np.array([1e-2, 40.0]), VALUES, VALUES, np.zeros(G))
    assert not market.aggregates_exactly(prefs, np.array([40.0, 1e5]), VALUES, VALUES, np.zeros(G))
    # whole-token spending: 12 and 30 tokens, the luxury's weight 0.095 − 0.08 + 0.05 ln(12/30) < 0
    floor = np.array([0.0, 0.0, 0.0, -0.08])
    assert not market.aggregates_exactly(prefs, np.array([12, 30]), VALUES, VALUES, floor)
    assert market.aggregates_exactly(prefs, np.array([30, 30]), VALUES, VALUES, floor)


def test_aggregates_exactly_accepts_a_weight_that_is_exactly_zero():
    """A good nobody buys (α = β = 0 for it) has weight 0, never below: demand still aggregates exactly."""
    prefs = market.Preferences(
        alpha=np.array([0.5, 0.3, 0.2, 0.0]),
        beta=np.array([-0.05, 0.0, 0.05, 0.0]),
        price_response=THETA,
        base_shares=np.array(S),
        reference_spending=X_REF,
    )
    assert market.aggregates_exactly(prefs, np.array([20.0, 40.0]), VALUES * PRICE_CASES["mixed"], VALUES, np.zeros(G))


def test_aggregates_exactly_sees_a_weight_clipped_by_prices_far_from_value():
    """Prices never push a weight below 0 by themselves (they scale it by ``r^θ``), but they lower utility.

    At 4 × value everywhere ``M = 4`` and ``ln(u/x̄) = ln(12/30) − ln 4 ≈ −2.30``: the luxury's weight
    0.095 + 0.05 · (−2.30) < 0, where at value (−0.92) it is 0.049. A single price at ``e⁻⁴`` of value
    leaves every share positive.
    """
    prefs = _prefs()
    poor = np.array([12.0])
    dear = np.full(G, 4.0)
    assert ALPHA[3] + BETA[3] * reference_log_utility(12.0, dear) < 0 < ALPHA[3] + BETA[3] * math.log(12.0 / X_REF)
    assert not market.aggregates_exactly(prefs, poor, VALUES * dear, VALUES, np.zeros(G))
    assert market.aggregates_exactly(prefs, poor, VALUES, VALUES, np.zeros(G))
    cheap = np.array([1.0, 1.0, 1.0, math.exp(-4.0)])
    assert reference_shares([X_REF], cheap)[0, 3] > 0
    assert market.aggregates_exactly(prefs, np.array([X_REF]), VALUES * cheap, VALUES, np.zeros(G))
    # the lowest utility is the lowest spending less the highest log price, not the lowest: with one good at
    # value the bound must still reach ln(12/30) − ln 4 (the luxury's weight is below 0 there, and in fact)
    three_dear = np.array([4.0, 4.0, 4.0, 1.0])
    assert ALPHA[3] + BETA[3] * reference_log_utility(12.0, three_dear) < 0
    assert not market.aggregates_exactly(prefs, poor, VALUES * three_dear, VALUES, np.zeros(G))


def test_buy_queue_serves_the_reference_demand_in_the_generators_order():
    """Queue rationing through ``buy``: first come first served on the reference demand, not proportional shares."""
    prefs = _prefs()
    spending, taste = _population()
    prices = VALUES * PRICE_CASES["mixed"]
    q = reference_demand(spending, prices, taste)
    wanted = q.sum(axis=0)
    on_sale = wanted * np.array([0.5, 1.5, 0.8, 0.0])
    week = market.buy(prefs, spending, prices, VALUES, taste, on_sale, rationing="queue", rng=np.random.default_rng(2))
    left = on_sale.copy()
    spent = np.zeros_like(spending)
    got = np.zeros_like(q)
    for person in np.random.default_rng(2).permutation(spending.size):
        got[person] = np.minimum(q[person], left)
        left -= got[person]
        spent[person] = got[person] @ prices
    np.testing.assert_allclose(week.wanted, wanted, rtol=1e-11)
    np.testing.assert_allclose(week.bought, np.minimum(wanted, on_sale), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(week.spent, spent, rtol=1e-10, atol=1e-12)
    # the goods queued for (those short: 0.5, 0.8 and none of what was wanted) and what each consumer got of them
    np.testing.assert_array_equal(week.short, [0, 2, 3])
    np.testing.assert_allclose(week.got, got[:, [0, 2, 3]], rtol=1e-10, atol=1e-12)
    assert week.rationed


def _mixed_population():
    """Most consumers far from clipping, a few so rich or so poor that some weight clips."""
    spending, taste = _population()
    spending = spending.copy()
    spending[:3] = [2e4, 8e4, 0.05]
    spending[3:5] = 0.0  # and some who buy nothing, beside them
    return spending, taste


def test_unclipped_marks_exactly_the_consumers_no_weight_of_whom_can_fall_below_zero():
    prefs = _prefs()
    spending, taste = _mixed_population()
    floor = taste.min(axis=0)
    spending, taste = spending[spending > 0], taste[spending > 0]
    for case in PRICE_CASES:
        log_u = np.log(market.indirect_utility(prefs, spending, np.log(PRICE_CASES[case]), taste) / X_REF)
        lowest = (prefs.alpha + floor)[None, :] + np.multiply.outer(log_u, prefs.beta)  # the bound, person by person
        marked = market.unclipped(prefs, log_u, prefs.alpha, floor)
        np.testing.assert_array_equal(marked, lowest.min(axis=1) >= 0, case)
        assert not marked[:3].any() and marked[3:].any()


@pytest.mark.parametrize("case", PRICE_CASES)
def test_buy_with_some_consumers_clipped_matches_the_reference_under_both_rationing_rules(case):
    """Rows built only for those who may clip, the others aggregated: the same purchases as the reference."""
    prefs = _prefs()
    spending, taste = _mixed_population()
    prices = VALUES * PRICE_CASES[case]
    q = reference_demand(spending, prices, taste)
    on_sale = q.sum(axis=0) * np.array([0.5, 1.5, 0.8, 0.0])
    wanted, bought, spent = _reference_purchases(spending, prices, taste, on_sale)
    floor = taste.min(axis=0)
    week = market.buy(prefs, spending, prices, VALUES, taste, on_sale, taste_floor=floor)
    np.testing.assert_allclose(week.wanted, wanted, rtol=1e-11)
    np.testing.assert_allclose(week.bought, bought, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(week.spent, spent, rtol=1e-10, atol=1e-12)
    queued = market.buy(prefs, spending, prices, VALUES, taste, on_sale, "queue", np.random.default_rng(4), floor)
    reference = market.ration_queue(q, on_sale, np.random.default_rng(4))
    np.testing.assert_allclose(queued.wanted, wanted, rtol=1e-11)
    np.testing.assert_allclose(queued.bought, reference.sum(axis=0), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(queued.spent, reference @ prices, rtol=1e-10, atol=1e-9)


def test_shift_tastes_moves_reference_share_between_goods():
    """Seed §6b/§8 displacement: ``share`` of every budget moves from ``falls`` to ``rises``, at most all of it."""
    prefs = _prefs()
    moved = market.shift_tastes(prefs, rises=3, falls=0, share=0.05)
    np.testing.assert_allclose(moved.alpha, np.array(ALPHA) + np.array([-0.05, 0.0, 0.0, 0.05]), rtol=1e-15)
    np.testing.assert_array_equal(moved.beta, prefs.beta)
    assert moved.price_response == prefs.price_response
    np.testing.assert_array_equal(prefs.alpha, np.array(ALPHA))  # the old preferences are left as they were
    capped = market.shift_tastes(prefs, rises=1, falls=3, share=0.5)
    np.testing.assert_allclose(capped.alpha, np.array(ALPHA) + np.array([0.0, ALPHA[3], 0.0, -ALPHA[3]]), rtol=1e-15)
    w = market.budget_shares(moved, [X_REF], np.ones(G))[0]
    np.testing.assert_allclose(w, deaton_muellbauer_at_value([X_REF], alpha=moved.alpha)[0], rtol=1e-13)


def _with_a_good_nobody_buys(theta=THETA):
    """Preferences whose last good has α = β = 0: its weight is exactly 0 for everyone, never below."""
    alpha, beta = (0.5, 0.3, 0.2, 0.0), (-0.05, 0.0, 0.05, 0.0)
    return _prefs(alpha=alpha, beta=beta, theta=theta), {"alpha": alpha, "beta": beta}


@pytest.mark.parametrize("case", PRICE_CASES)
@pytest.mark.parametrize("theta", [0.0, THETA, 1.0])
def test_persons_whose_weights_do_not_clip_are_solved_without_the_bracket(case, theta, monkeypatch):
    """Newton on a vector serves everyone whose Engel weights stay ≥ 0 (an exactly zero weight too)."""
    spending, taste = _population()
    rel = PRICE_CASES[case]
    prices = VALUES * rel
    zero, params = _with_a_good_nobody_buys(theta)
    expected = reference_shares(spending, rel, taste, theta=theta)
    expected_zero = reference_shares(spending, rel, theta=theta, **params)

    def no_bracket(*args, **kwargs):
        raise AssertionError("a person whose weights do not clip was solved with the bracket")

    monkeypatch.setattr(market, "_solve_clipped", no_bracket)
    prefs = _prefs(theta=theta)
    np.testing.assert_allclose(market.budget_shares(prefs, spending, rel, taste), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(market.budget_shares(zero, spending, rel), expected_zero, rtol=1e-12, atol=1e-15)
    assert np.all(market.budget_shares(zero, spending, rel)[:, 3] == 0)
    u = market.indirect_utility(prefs, spending, np.log(rel), taste)
    np.testing.assert_allclose(market.expenditure(prefs, np.log(rel), u, taste), spending, rtol=1e-13)
    week = market.buy(prefs, spending, prices, VALUES, taste, np.full(G, np.inf), taste_floor=taste.min(axis=0))
    np.testing.assert_allclose(
        week.wanted, reference_demand(spending, prices, taste, theta=theta).sum(axis=0), rtol=1e-11
    )


def test_a_person_whose_unclipped_index_is_undefined_gets_the_clipped_demand():
    """By hand: α = (0.05, 0.95), β = (−0.1, 0.1), θ = 1, r = (4, 1). At ln(u/x̄) = 5.5 the AIDS line gives
    weights (−0.5, 1.5), whose index −0.5·4 + 1.5·1 < 0 has no log; clipped, φ⁺ = (0, 1), M = r_2 = 1.

    So spending x = x̄ e^5.5 buys u = x and only good 2, on every path of ``buy`` (the Newton start is
    undefined for this person: no warning, the bracket solves it).
    """
    prefs = _two_goods(1.0, alpha=(0.05, 0.95))
    x = 10.0 * math.exp(5.5)
    spending = np.array([x, 10.0, 0.0])
    rel = np.array([4.0, 1.0])
    np.testing.assert_allclose(market.budget_shares(prefs, [x], rel)[0], [0.0, 1.0], atol=1e-15)
    assert market.indirect_utility(prefs, [x], np.log(rel))[0] == pytest.approx(x, rel=1e-13)
    taste = np.zeros((3, 2))
    expected = market.demand(prefs, spending, rel, np.ones(2), taste)
    np.testing.assert_allclose(expected[0], [0.0, x], rtol=1e-13)
    on_sale = np.array([1.0, 2.0 * x])
    for rationing in ("proportional", "queue"):
        week = market.buy(
            prefs, spending, rel, np.ones(2), taste, on_sale, rationing, np.random.default_rng(1), np.zeros(2)
        )
        np.testing.assert_allclose(week.wanted, expected.sum(axis=0), rtol=1e-13)
        assert week.spent[0] == pytest.approx(x, rel=1e-13) and week.spent[2] == 0.0


@pytest.mark.parametrize(
    ("theta", "slope", "rel"),
    [
        (0.0, 0.42, (0.97, 3.8)),
        (0.35, 0.6, (0.28, 0.26)),
        (1.0, 0.84, (1.9, 1.4)),
        (0.35, 1.5, (0.3, 3.5)),
        (1.0, 1.6, (0.37, 3.5)),  # Newton alone, unbracketed, does not converge here
        (0.35, 2.2, (1.12, 0.535)),
    ],
)
def test_persons_across_the_kinks_of_their_weights_are_solved_as_the_reference(theta, slope, rel):
    """Two goods, α = (0.3, 0.7), β = ±slope: spending from e⁻⁶ to e⁶ times x̄ takes the weights through 0.

    Where one weight clips, ``ln M`` has a kink in ``ln u`` and a Newton step can leave the bracket: the
    bracketed solve must still find the reference's (bisected) utility and shares.
    """
    alpha, beta = (0.3, 0.7), (-slope, slope)
    prefs = _prefs(alpha=alpha, beta=beta, theta=theta, shares=(0.5, 0.5), x_ref=10.0)
    x = 10.0 * np.exp(np.linspace(-6.0, 6.0, 49))
    u = market.indirect_utility(prefs, x, np.log(rel))
    expected = [reference_log_utility(v, rel, None, theta, alpha, beta, 10.0) for v in x]
    np.testing.assert_allclose(np.log(u / 10.0), expected, rtol=1e-13, atol=1e-13)
    shares = reference_shares(x, rel, None, theta, alpha, beta, 10.0)
    np.testing.assert_allclose(market.budget_shares(prefs, x, rel), shares, rtol=1e-12, atol=1e-14)
    assert (shares == 0).any(), "the case must clip"


@pytest.mark.parametrize(
    ("theta", "steeper", "rel"),
    [(0.0, 3.2, (0.49, 1.04, 3.85, 1.43)), (0.35, 5.0, (0.59, 1.12, 0.53, 0.37)), (0.0, 4.1, (0.59, 0.4, 3.29, 3.62))],
)
def test_steep_engel_curves_across_their_kinks_are_solved_as_the_reference(theta, steeper, rel):
    """Four goods, β = ``steeper`` × the hand-written β: from e⁻⁶ to e⁶ times x̄ the weights clip one after another.

    Still regular (``Σ|β|/2 · (R^θ − 1)/θ < 1``, docs/demand.md): the utility is unique and the bracketed
    solve must find the reference's.
    """
    beta = tuple(steeper * b for b in BETA)
    prefs = _prefs(beta=beta, theta=theta)
    x = X_REF * np.exp(np.linspace(-6.0, 6.0, 49))
    u = market.indirect_utility(prefs, x, np.log(rel))
    expected = [reference_log_utility(v, rel, None, theta, ALPHA, beta) for v in x]
    np.testing.assert_allclose(np.log(u / X_REF), expected, rtol=1e-13, atol=1e-13)


# --- the calibrated preferences of the model ---------------------------------------------------------

CAL_SHARES = np.array([0.4, 0.3, 0.2, 0.1])
CAL_ELASTICITIES = np.array([0.8, 0.95, 1.1, 1.6])


def _calibrated_population(theta, n=4000):
    x = 25.0 * wages.wage_hierarchy(n, 0.35, np.random.default_rng(1))
    return market.calibrate_preferences(CAL_SHARES, CAL_ELASTICITIES, x, theta), x


@pytest.mark.parametrize("theta", [0.0, 0.4, 0.8])
def test_calibrated_aggregate_demand_falls_when_a_price_rises(theta):
    """The model's own calibration: a dearer good sells less, in aggregate, for θ in [0, 0.8]."""
    prefs, x = _calibrated_population(theta)
    for good in range(G):
        dearer = np.ones(G)
        dearer[good] = 1.05
        before = market.demand(prefs, x, np.ones(G), np.ones(G))[:, good].sum()
        after = market.demand(prefs, x, dearer, np.ones(G))[:, good].sum()
        assert after < before


@pytest.mark.parametrize("theta", [0.4, 0.8])
def test_calibrated_demand_of_every_consumer_falls_when_its_price_rises(theta):
    """No consumer buys more of a good because it got dearer (no Giffen goods), at the default θ = 0.4 and at 0.8.

    Under the LA/AIDS this failed for about 10 % of a Gini-0.35 population at θ = 0.4 (47 % at 0.9):
    the poor's luxuries had own-price elasticity ``−1 + (γ_gg − β_g s_g)/w_g > 0``. Here the price
    response scales with each consumer's own share (docs/demand.md).
    """
    prefs, x = _calibrated_population(theta)
    for good in range(G):
        dearer = np.ones(G)
        dearer[good] = 1.01
        before = market.demand(prefs, x, np.ones(G), np.ones(G))[:, good]
        after = market.demand(prefs, x, dearer, np.ones(G))[:, good]
        assert np.all(after <= before)
        assert np.all(after[before > 0] < before[before > 0])


def _beta_only(beta):
    """Preferences of which :func:`market.unclipped` reads only β (the other fields are placeholders)."""
    g = len(beta)
    return market.Preferences(np.full(g, 1 / g), np.asarray(beta, dtype=float), 0.0, np.full(g, 1 / g), 1.0)


def test_unclipped_at_the_edges_of_its_interval_and_for_goods_whose_share_does_not_move_with_spending():
    """Share g ≥ slack_g + β_g lr: lr in [max over β > 0 of −slack/β, min over β < 0 of slack/(−β)], ends included."""
    log_real = np.array([-0.5, 1.0, -0.6, 1.1, 0.0])
    prefs = _beta_only([0.5, -0.5, 0.0])
    # slack 0.25 / 0.5 bound lr to [−0.5, 1.0]; the good with β = 0 has slack 0: never negative
    np.testing.assert_array_equal(
        market.unclipped(prefs, log_real, np.array([0.25, 0.5, 0.0]), [0, 0, 0]), [1, 1, 0, 0, 1]
    )
    # the same through the taste floor, given as integers
    np.testing.assert_array_equal(
        market.unclipped(prefs, log_real, np.array([-0.75, -0.5, 0.5]), [1, 1, 0]), [1, 1, 0, 0, 1]
    )
    # a good with β = 0 whose slack is negative clips everyone; at 0.5 (below 1) it clips no one
    none = market.unclipped(prefs, log_real, np.array([0.25, 0.5, -1e-9]), np.zeros(3))
    assert none.shape == (5,) and none.dtype == bool and not none.any()
    np.testing.assert_array_equal(market.unclipped(prefs, log_real, np.array([0.25, 0.5, 0.5]), 0.0), [1, 1, 0, 0, 1])
    # a good whose share rises with spending and has negative slack shuts out the poorer: lr ≥ 0.5
    np.testing.assert_array_equal(market.unclipped(prefs, log_real, np.array([-0.25, 0.5, 0.0]), 0.0), [0, 1, 0, 0, 0])
    # no share moves with spending: nobody can clip if every slack is ≥ 0
    flat = _beta_only([0.0, 0.0])
    np.testing.assert_array_equal(market.unclipped(flat, log_real, np.array([0.0, 0.3]), 0.0), np.ones(5, dtype=bool))
    # only shares that rise with spending: the poorest clip, however rich the rest
    rising = _beta_only([0.5, 0.25])
    np.testing.assert_array_equal(market.unclipped(rising, log_real, np.array([0.25, 0.25]), 0.0), [1, 1, 0, 1, 1])
    falling = _beta_only([-0.5, -0.25])
    np.testing.assert_array_equal(market.unclipped(falling, log_real, np.array([0.5, 0.5]), 0.0), [1, 1, 1, 0, 1])
