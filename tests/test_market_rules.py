"""The pure market rules (seed §7c, §7d) and the run metrics (DESIGN §4), each on its own.

No model is built here: every rule of ``sim.economics.market`` and ``sim.economics.metrics`` is checked
against what its docstring and DESIGN §3–4 promise, with hypothesis where the promise
is a property and with worked examples where it is a number.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import ndtr

from sim.economics import market, metrics, wages

PROPS = settings(max_examples=60, deadline=None)
FINITE = {"allow_nan": False, "allow_infinity": False, "allow_subnormal": False}


def _floats(lo, hi):
    return st.floats(lo, hi, **FINITE)


def _vectors(size, lo, hi):
    """Arrays of floats in [lo, hi]; when lo is 0, either exactly 0 or at least 1e-3 (no underflow).

    A negative ``lo`` draws both signs (log relative prices above and below value).
    """
    elements = st.one_of(st.just(0.0), _floats(1e-3, hi)) if lo == 0 else _floats(lo, hi)
    return arrays(np.float64, size, elements=elements)


def test_vector_strategy_draws_both_signs_when_asked():
    """The strategy of log relative prices reaches prices below value (it once drew only ``≥ 0``)."""
    below = find(_vectors(5, -1.5, 1.5), lambda a: bool((a < -0.1).any()), settings=settings(database=None))
    above = find(_vectors(5, -1.5, 1.5), lambda a: bool((a > 0.1).any()), settings=settings(database=None))
    assert below.min() < -0.1 and above.max() > 0.1
    assert find(_vectors(3, 0.0, 1.0), lambda a: bool((a == 0).any()), settings=settings(database=None)).min() == 0.0


# --- corrective process (b): price_from_stock ---------------------------------------------------


@PROPS
@given(
    value=_vectors(6, 0.01, 100.0),
    reserve=_vectors(6, 0.01, 1e4),
    response=_floats(0.0, 3.0),
)
def test_price_equals_value_where_stock_equals_reserve(value, reserve, response):
    price = market.price_from_stock(value, reserve.copy(), reserve, response)
    np.testing.assert_allclose(price, value, rtol=1e-12)


@PROPS
@given(
    value=_floats(0.01, 100.0),
    reserve=_floats(0.1, 1e4),
    ratios=arrays(np.float64, 2, elements=_floats(0.0, 20.0)),
    response=_floats(0.01, 3.0),
)
def test_price_never_rises_with_stock(value, reserve, ratios, response):
    low, high = np.sort(ratios) * reserve
    assume(high > low)
    p_low = market.price_from_stock([value], [low], [reserve], response)[0]
    p_high = market.price_from_stock([value], [high], [reserve], response)[0]
    assert p_high <= p_low * (1 + 1e-12)


def test_price_strictly_decreasing_inside_the_bounds():
    stock = np.array([0.6, 0.8, 1.0, 1.25, 1.6])  # ratios whose φ stays inside [0.25, 4] for response 1
    price = market.price_from_stock(np.full(5, 2.0), stock, np.ones(5), response=1.0)
    assert np.all(np.diff(price) < 0)
    np.testing.assert_allclose(price, 2.0 / stock, rtol=1e-12)  # φ(r) = r^−1


@PROPS
@given(
    value=_vectors(5, 0.01, 100.0),
    stock=_vectors(5, 0.0, 1e5),
    reserve=_vectors(5, 0.0, 1e4),
    response=_floats(0.0, 5.0),
    floor=_floats(0.01, 1.0),
    ceiling=_floats(1.0, 10.0),
)
def test_price_stays_between_floor_and_ceiling(value, stock, reserve, response, floor, ceiling):
    price = market.price_from_stock(value, stock, reserve, response, floor=floor, ceiling=ceiling)
    assert np.all(price > 0)
    assert np.all(price >= floor * value * (1 - 1e-12))
    assert np.all(price <= ceiling * value * (1 + 1e-12))


def test_price_hits_floor_and_ceiling_at_extreme_stocks():
    value = np.array([3.0, 3.0])
    price = market.price_from_stock(value, np.array([0.0, 1e6]), np.ones(2), response=1.0, floor=0.25, ceiling=4.0)
    np.testing.assert_allclose(price, [12.0, 0.75])


def test_price_from_stock_exact_values_and_default_bounds():
    """``p = v · clip((S/S*)^(−response), 0.25, 4)`` with the documented default bounds (DESIGN §3, step 4)."""
    value = np.array([2.0, 2.0, 2.0, 2.0, 2.0])
    stock = np.array([0.64, 2.25, 0.0, 1e9, 1.0])
    price = market.price_from_stock(value, stock, np.ones(5), response=0.5)
    np.testing.assert_allclose(price, [2.5, 2.0 / 1.5, 8.0, 0.5, 2.0], rtol=1e-12)  # 0.64^−½ = 1.25; ceiling 4, floor ¼
    np.testing.assert_allclose(market.price_from_stock([1.0], [10.0], [5.0], response=2.0), [0.25])  # 2^−2 = floor
    np.testing.assert_allclose(market.price_from_stock([1.0], [4.0], [5.0], response=2.0), [1.5625])  # 0.8^−2


def test_price_without_a_reserve_target_stays_at_value():
    """A good with no reserve target (``S* = 0``) has no stock signal: its price is its value, whatever the stock."""
    price = market.price_from_stock([3.0, 3.0], [0.0, 50.0], [0.0, 0.0], response=1.5)
    np.testing.assert_allclose(price, [3.0, 3.0], rtol=1e-15)
    # 5·10⁶ goods: arrays this large come fresh from the system, so a ratio left unset where S* = 0
    # (not set to 1) would read as 0, an empty stock, and price those goods at the ceiling
    many = 5_000_000
    reserve = np.zeros(many)
    reserve[::2] = 10.0
    price = market.price_from_stock(np.full(many, 3.0), np.full(many, 10.0), reserve, response=1.5)
    np.testing.assert_array_equal(price, 3.0)


@PROPS
@given(value=_vectors(5, 0.01, 100.0), stock=_vectors(5, 0.0, 1e5), reserve=_vectors(5, 0.0, 1e4))
def test_response_zero_keeps_price_at_value(value, stock, reserve):
    price = market.price_from_stock(value, stock, reserve, response=0.0)
    np.testing.assert_allclose(price, value, rtol=1e-12)


# --- rationing ---------------------------------------------------------------------------------


@st.composite
def markets(draw):
    """Wanted quantities (N × G) and stock on offer (G), some goods scarce, some plentiful."""
    n = draw(st.integers(1, 25))
    g = draw(st.integers(1, 6))
    wanted = draw(arrays(np.float64, (n, g), elements=st.one_of(st.just(0.0), _floats(1e-3, 50.0))))
    scale = draw(arrays(np.float64, g, elements=_floats(0.0, 2.0)))
    available = wanted.sum(axis=0) * scale
    return wanted, available


@PROPS
@given(markets())
def test_proportional_rationing_bounds(case):
    wanted, available = case
    bought = market.ration_proportional(wanted, available)
    assert bought.shape == wanted.shape
    assert np.all(bought >= 0)
    assert np.all(bought <= wanted * (1 + 1e-12))
    assert np.all(bought.sum(axis=0) <= available * (1 + 1e-12) + 1e-12)
    np.testing.assert_allclose(bought.sum(axis=0), np.minimum(wanted.sum(axis=0), available), rtol=1e-9, atol=1e-12)


@PROPS
@given(markets())
def test_proportional_rationing_fills_everybody_alike(case):
    wanted, available = case
    bought = market.ration_proportional(wanted, available)
    total = wanted.sum(axis=0)
    for g in np.flatnonzero(total > available):
        asked = wanted[:, g] > 0
        ratio = bought[asked, g] / wanted[asked, g]
        np.testing.assert_allclose(ratio, available[g] / total[g], rtol=1e-12)


def test_proportional_rationing_leaves_plenty_alone():
    wanted = np.array([[1.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(market.ration_proportional(wanted, np.array([4.0, 10.0])), wanted)
    np.testing.assert_allclose(market.ration_proportional(wanted, np.array([2.0, 10.0])), [[0.5, 2.0], [1.5, 0.0]])


@PROPS
@given(markets(), st.integers(0, 2**32 - 1))
def test_queue_rationing_bounds_and_totals(case, seed):
    wanted, available = case
    bought = market.ration_queue(wanted, available, np.random.default_rng(seed))
    assert bought.shape == wanted.shape
    assert np.all(bought >= 0)
    assert np.all(bought <= wanted * (1 + 1e-12))
    np.testing.assert_allclose(bought.sum(axis=0), np.minimum(wanted.sum(axis=0), available), rtol=1e-9, atol=1e-9)


def test_queue_serves_the_first_in_line_in_full():
    wanted = np.array([[2.0], [2.0], [2.0]])
    bought = market.ration_queue(wanted, np.array([3.0]), np.random.default_rng(5))
    assert sorted(bought[:, 0].tolist()) == [0.0, 1.0, 2.0]  # one served, one partly, one not
    again = market.ration_queue(wanted, np.array([3.0]), np.random.default_rng(5))
    np.testing.assert_array_equal(bought, again)  # the queue order comes from the generator only


def test_queue_same_seed_same_purchases_different_seed_different_purchases():
    """The queue is random but reproducible: its order comes from the generator it is given, and only from it."""
    wanted = np.arange(1.0, 21.0)[:, None] * np.array([1.0, 0.5])  # 20 consumers, all different, 2 goods
    available = np.array([30.0, 1e3])  # the first good is scarce, the second plentiful
    runs = [market.ration_queue(wanted, available, np.random.default_rng(seed)) for seed in range(6)]
    np.testing.assert_array_equal(runs[0], market.ration_queue(wanted, available, np.random.default_rng(0)))
    assert any(not np.array_equal(runs[0][:, 0], r[:, 0]) for r in runs[1:])  # who is served depends on the order
    for r in runs:
        np.testing.assert_array_equal(r[:, 1], wanted[:, 1])  # plenty: everybody gets all, whatever the order
        assert r[:, 0].sum() == pytest.approx(30.0)


def test_queue_serves_in_the_order_the_generator_draws():
    """First come, first served along ``rng.permutation``: each in line takes all it wants from what is left."""
    wanted = np.array([[4.0, 1.0], [3.0, 2.0], [5.0, 0.0], [2.0, 4.0]])
    available = np.array([8.0, 4.0])
    bought = market.ration_queue(wanted, available, np.random.default_rng(11))
    order = np.random.default_rng(11).permutation(4)
    left = available.copy()
    for person in order:
        take = np.minimum(wanted[person], left)
        np.testing.assert_allclose(bought[person], take, rtol=1e-15)
        left -= take


def test_rationing_never_draws_from_the_global_random_state(monkeypatch):
    """A rule that used ``numpy.random``'s global state would make runs irreproducible across workers."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the global numpy random state was used")

    for name in ("permutation", "shuffle", "random", "rand", "randint", "choice", "uniform", "seed", "default_rng"):
        monkeypatch.setattr(np.random, name, forbidden)
    wanted = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, 0.5]])
    rng = np.random.Generator(np.random.PCG64(4))
    bought = market.ration_queue(wanted, np.array([3.0, 1.0]), rng)
    np.testing.assert_allclose(bought.sum(axis=0), [3.0, 1.0])
    np.testing.assert_allclose(market.ration_proportional(wanted, np.array([3.0, 1.0])).sum(axis=0), [3.0, 1.0])


# --- corrective process (c): readjusted_output --------------------------------------------------


@PROPS
@given(
    demand=_vectors(4, 0.0, 100.0),
    stock=_vectors(4, 0.0, 500.0),
    reserve=_vectors(4, 0.0, 500.0),
    other=_vectors(4, 0.0, 100.0),
    capacity=_vectors(4, 0.0, 300.0),
    tau=_floats(1.0, 20.0),
)
def test_readjusted_output_within_capacity_and_on_rule_inside(demand, stock, reserve, other, capacity, tau):
    out = market.readjusted_output(demand, stock, reserve, tau, other, capacity)
    assert np.all(out >= 0)
    assert np.all(out <= capacity)
    rule = demand + other + (reserve - stock) / tau
    inside = (rule > 0) & (rule < capacity)
    np.testing.assert_allclose(out[inside], rule[inside], rtol=1e-12)
    np.testing.assert_array_equal(out[rule <= 0], 0.0)
    np.testing.assert_array_equal(out[rule >= capacity], capacity[rule >= capacity])


def test_readjusted_output_example():
    # D̂ = 10, other = 5, S* − S = 12, τ = 6 → 17; capacity 16 binds for the second good
    out = market.readjusted_output([10.0, 10.0], [8.0, 8.0], [20.0, 20.0], 6.0, [5.0, 5.0], [100.0, 16.0])
    np.testing.assert_allclose(out, [17.0, 16.0])
    # a stock far above reserve: D̂ + other + (S* − S)/τ = 2 + 1 − 30/3 < 0, so nothing is made
    np.testing.assert_array_equal(market.readjusted_output([2.0], [40.0], [10.0], 3.0, [1.0], [100.0]), [0.0])


# --- households: spending and AIDS shares -------------------------------------------------------


@PROPS
@given(
    income=_vectors(8, 0.0, 100.0),
    savings=_vectors(8, 0.0, 2000.0),
    buffer=_floats(0.0, 12.0),
    smoothing=_floats(1.0, 52.0),
)
def test_intended_spending_within_what_is_held(income, savings, buffer, smoothing):
    """Income plus the excess over the buffer spread over ``smoothing`` weeks, within [0, savings + income]."""
    x = market.intended_spending(income, savings, buffer, smoothing)
    rule = income + (savings - buffer * income) / smoothing
    held = savings + income
    inside = (rule > 0) & (rule < held)
    np.testing.assert_allclose(x[inside], rule[inside], rtol=1e-12)
    np.testing.assert_array_equal(x[rule <= 0], 0.0)
    np.testing.assert_array_equal(x[rule >= held], held[rule >= held])


def test_intended_spending_spends_income_at_the_buffer():
    x = market.intended_spending([10.0, 10.0, 10.0], [40.0, 120.0, 0.0], buffer_weeks=4.0, smoothing_weeks=8.0)
    np.testing.assert_allclose(x, [10.0, 20.0, 5.0])  # at buffer; 80 over spread on 8 weeks; 40 under


@pytest.mark.parametrize(
    ("income", "savings", "buffer", "smoothing", "expected"),
    [
        (1.0, 0.0, 4.0, 2.0, 0.0),  # 1 + (0 − 4)/2 < 0: nothing is spent, never a negative amount
        (10.0, 100.0, 0.0, 0.5, 110.0),  # 10 + 100/0.5 > 110: never more than is held
        (10.0, 100.0, 0.0, 1.0, 110.0),  # exactly what is held
        (0.4, 2.0, 1.0, 4.0, 0.8),  # 0.4 + (2 − 0.4)/4: amounts below one token are kept
    ],
)
def test_intended_spending_clips_at_zero_and_at_what_is_held(income, savings, buffer, smoothing, expected):
    """The two bounds of ``intended_spending``: 0 and savings + income (seed §7d: tokens spread over time)."""
    x = market.intended_spending([income], [savings], buffer, smoothing)
    np.testing.assert_allclose(x, [expected], rtol=1e-12)


def _prefs(g=5, seed=0, response=0.4):
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(g, 4.0))
    elasticities = rng.uniform(0.6, 1.4, g)
    spending = wages.wage_hierarchy(500, 0.35, rng) * 30.0
    return market.calibrate_preferences(shares, elasticities, spending, response)


@PROPS
@given(
    spending=_vectors(12, 0.0, 500.0),
    log_rel=_vectors(5, -1.5, 1.5),
    taste_scale=_floats(0.0, 0.3),
    seed=st.integers(0, 1000),
)
def test_budget_shares_are_shares(spending, log_rel, taste_scale, seed):
    prefs = _prefs(seed=seed)
    rng = np.random.default_rng(seed)
    taste = taste_scale * prefs.base_shares * rng.standard_normal((spending.size, 5))
    taste -= prefs.base_shares * taste.sum(axis=1, keepdims=True)
    w = market.budget_shares(prefs, spending, np.exp(log_rel), taste)
    assert np.all(w >= 0)
    spends = spending > 0
    np.testing.assert_allclose(w[spends].sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(w[~spends], 0.0)


def test_demand_spends_the_budget():
    prefs = _prefs()
    spending = np.array([5.0, 30.0, 90.0])
    values = np.array([1.0, 2.0, 0.5, 4.0, 1.5])
    prices = values * np.array([1.2, 0.9, 1.0, 1.5, 0.8])
    q = market.demand(prefs, spending, prices, values)
    np.testing.assert_allclose(q @ prices, spending, rtol=1e-12)


# --- calibration of the AIDS preferences ------------------------------------------------------------

SHARES = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
ENGEL = np.array([0.8, 0.95, 1.1, 1.2, 1.225])  # Σ s e = 1: Engel aggregation holds as given


def _spending(n=20_000, seed=42):
    return 25.0 * wages.wage_hierarchy(n, 0.35, np.random.default_rng(seed))


def _aggregate_shares(prefs, spending, rel_prices=None):
    rel = np.ones(prefs.alpha.size) if rel_prices is None else rel_prices
    w = market.budget_shares(prefs, spending, rel)
    return (w * spending[:, None]).sum(axis=0) / spending.sum()


def _unclipped(prefs, spending):
    """AIDS shares before clipping at 0, at normal prices."""
    return prefs.alpha[None, :] + np.log(spending / prefs.reference_spending)[:, None] * prefs.beta[None, :]


def test_calibration_reproduces_observed_shares():
    engel_aggregate = float(SHARES @ ENGEL)
    assert engel_aggregate == pytest.approx(1.0)
    x = _spending()
    assert metrics.gini(x) == pytest.approx(0.35, abs=0.01)
    prefs = market.calibrate_preferences(SHARES, ENGEL, x)
    assert _unclipped(prefs, x).min() > 0  # no clipping: the identity α + βκ = s is exact
    np.testing.assert_allclose(_aggregate_shares(prefs, x), SHARES, atol=1e-6)
    assert prefs.beta.sum() == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(prefs.gamma.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(prefs.gamma, prefs.gamma.T)


def test_calibrated_elasticities_keep_necessities_and_luxuries():
    prefs = market.calibrate_preferences(SHARES, ENGEL, _spending())
    e = prefs.income_elasticities()
    np.testing.assert_allclose(e, ENGEL, rtol=1e-12)  # Engel aggregation holds: nothing to shift
    assert np.all(e[ENGEL < 1] < 1)
    assert np.all(e[ENGEL > 1] > 1)


@settings(max_examples=60, deadline=None)
@given(
    shares=arrays(np.float64, 5, elements=_floats(0.05, 1.0)),
    elasticities=arrays(np.float64, 5, elements=_floats(0.3, 2.0)),
)
def test_adding_up_shifts_every_elasticity_alike(shares, elasticities):
    """``Σβ = 0`` is enforced by one common shift ``−Σ s (e − 1)``: classes survive when the shift is small."""
    s = shares / shares.sum()
    prefs = market.calibrate_preferences(s, elasticities, _spending(2000))
    shift = s @ (elasticities - 1.0)
    np.testing.assert_allclose(prefs.income_elasticities(), elasticities - shift, atol=1e-12)
    if abs(shift) < np.min(np.abs(elasticities - 1.0)) - 1e-9:
        e = prefs.income_elasticities()
        assert np.all((e < 1) == (elasticities < 1))


@settings(max_examples=40, deadline=None)
@given(
    shares=arrays(np.float64, 4, elements=_floats(0.1, 1.0)),
    elasticities=arrays(np.float64, 4, elements=_floats(0.7, 1.3)),
    seed=st.integers(0, 10_000),
)
def test_calibration_matches_shares_whenever_nothing_is_clipped(shares, elasticities, seed):
    s = shares / shares.sum()
    x = 25.0 * wages.wage_hierarchy(3000, 0.35, np.random.default_rng(seed))
    prefs = market.calibrate_preferences(s, elasticities, x)
    assume(_unclipped(prefs, x).min() > 0)
    np.testing.assert_allclose(_aggregate_shares(prefs, x), s, atol=1e-9)


def test_equalising_spending_moves_shares_towards_necessities():
    x = _spending()
    prefs = market.calibrate_preferences(SHARES, ENGEL, x)
    equal = np.full_like(x, x.mean())
    shift = _aggregate_shares(prefs, equal) - SHARES
    assert np.all(shift[ENGEL < 1] > 0)  # κ → 0 moves share g by −β_g κ: up for necessities
    assert np.all(shift[ENGEL > 1] < 0)
    kappa = np.sum(x * np.log(x / x.mean())) / x.sum()
    np.testing.assert_allclose(shift, -prefs.beta * kappa, atol=1e-9)


def test_preferences_income_elasticities_at_given_shares():
    """``1 + β_g / w_g`` at the shares asked for, not at the base shares."""
    prefs = market.Preferences(np.array([0.5, 0.5]), np.array([-0.1, 0.1]), 0.4, np.array([0.5, 0.5]), 1.0)
    np.testing.assert_allclose(prefs.income_elasticities(), [0.8, 1.2])
    np.testing.assert_allclose(prefs.income_elasticities(np.array([0.25, 0.75])), [0.6, 1.0 + 0.1 / 0.75])


@pytest.mark.parametrize("kind", [int, float])
def test_market_rules_accept_integer_arrays(kind):
    """Counts and whole-token amounts may come in as integers: the rules give the same floats."""
    as_kind = np.array
    value, stock, reserve = as_kind([2, 3], dtype=kind), as_kind([1, 6], dtype=kind), as_kind([2, 3], dtype=kind)
    np.testing.assert_allclose(market.price_from_stock(value, stock, reserve, 1.0), [4.0, 1.5])
    wanted = as_kind([[2, 1], [2, 3]], dtype=kind)
    bought = market.ration_proportional(wanted, as_kind([2, 8], dtype=kind))
    np.testing.assert_allclose(bought, [[1.0, 1.0], [1.0, 3.0]])
    assert bought.dtype == np.float64
    queued = market.ration_queue(wanted, as_kind([2, 8], dtype=kind), np.random.default_rng(0))
    np.testing.assert_allclose(queued.sum(axis=0), [2.0, 4.0])
    assert queued.dtype == np.float64
    np.testing.assert_allclose(market.readjusted_output([2, 2], [1, 5], [3, 3], 2, [1, 1], [9, 9]), [4.0, 2.0])
    prefs = market.calibrate_preferences(as_kind([1, 1], dtype=kind), as_kind([1, 1], dtype=kind), as_kind([2, 2]))
    np.testing.assert_allclose(prefs.alpha, [0.5, 0.5])
    shares = market.budget_shares(prefs, as_kind([3, 0], dtype=kind), np.ones(2))
    np.testing.assert_allclose(shares, [[0.5, 0.5], [0.0, 0.0]])


# --- metrics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_gini_of_equal_values_is_zero(n):
    assert metrics.gini(np.full(n, 3.7)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 10, 1000])
def test_gini_of_one_holder_is_n_minus_one_over_n(n):
    x = np.zeros(n)
    x[-1] = 1.0
    assert metrics.gini(x) == pytest.approx((n - 1) / n, rel=1e-12)
    assert metrics.gini(x[::-1]) == pytest.approx((n - 1) / n, rel=1e-12)  # order does not matter


def test_gini_edge_cases():
    assert metrics.gini([]) == 0.0
    assert metrics.gini(np.zeros(4)) == 0.0
    assert metrics.gini([1.0, 3.0]) == pytest.approx(0.25)  # Σ_ij |x_i − x_j| / (2 n² mean) = 4 / 16
    assert metrics.gini([1.0, 3.0], weights=[1.0, 1.0]) == pytest.approx(0.25)
    assert metrics.gini([1.0, 3.0, 3.0]) == pytest.approx(metrics.gini([1.0, 3.0], weights=[1.0, 2.0]))


@pytest.mark.parametrize("sigma", [0.3, 0.64, 1.0])
def test_gini_of_a_lognormal_sample(sigma):
    x = np.random.default_rng(7).lognormal(0.0, sigma, 400_000)
    assert metrics.gini(x) == pytest.approx(2 * ndtr(sigma / np.sqrt(2)) - 1, abs=0.01)


@pytest.mark.parametrize("target", [0.2, 0.35, 0.5])
def test_wage_hierarchy_has_the_asked_gini_and_mean_one(target):
    f = wages.wage_hierarchy(200_000, target, np.random.default_rng(3))
    assert f.mean() == pytest.approx(1.0)
    assert metrics.gini(f) == pytest.approx(target, abs=0.01)


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        ("xxxxxxxx", 0),  # in tolerance from the first week
        ("..xxxxxxx", 2),  # from the week after the last out
        ("x.x.xxxxx", 4),
        (".x.x.xxxx", 5),  # the last of three spells out, not the second
        ("xxxxxxxx.", None),  # out at the end: not settled, censored at the horizon
        ("x", 0),
        (".", None),
        ("", None),
    ],
)
def test_settled_week_is_the_first_week_after_the_last_out(weeks, expected):
    """The verdict's rule (docs/welfare.md) on hand-worked series: in tolerance every week from it to the end."""
    ok = np.array([c == "x" for c in weeks], dtype=bool)
    assert metrics.settled_week(ok) == expected
    assert metrics.settled_week(ok.astype(int)) == expected  # in tolerance given as 1 and 0 alike


def test_fulfilment_is_sales_over_demand_and_one_where_nothing_is_wanted():
    np.testing.assert_allclose(metrics.fulfilment([1.0, 3.0, 0.0], [2.0, 3.0, 0.0]), [0.5, 1.0, 1.0])
    # along the last axis: weeks of sales against one demand, or one week of sales against weeks of demand
    np.testing.assert_allclose(metrics.fulfilment([[1.0, 2.0], [3.0, 4.0]], [2.0, 0.0]), [[0.5, 1.0], [1.5, 1.0]])
    np.testing.assert_allclose(metrics.fulfilment([1.0, 2.0], [[2.0, 0.0], [4.0, 1.0]]), [[0.5, 1.0], [0.25, 2.0]])


def test_price_value_gap_and_stock_gap():
    assert metrics.price_value_gap([1.0, 2.2], [1.0, 2.0]) == pytest.approx(np.log(1.1))
    assert metrics.price_value_gap([0.5], [1.0]) == pytest.approx(np.log(2.0))
    assert metrics.stock_gap([9.0, 12.0, 5.0], [10.0, 10.0, 0.0]) == pytest.approx(0.2)


def test_notional_demand_is_every_persons_demand_summed_with_or_without_the_taste_floor():
    """What consumers would buy with nothing short (an observer's measure): each person's ``demand`` summed."""
    prefs = _prefs()
    rng = np.random.default_rng(3)
    spending = np.array([0.0, 5.0, 30.0, 90.0, 400.0])
    values = np.array([1.0, 2.0, 0.5, 4.0, 1.5])
    prices = values * np.array([1.2, 0.9, 1.0, 1.5, 0.8])
    taste = 0.2 * prefs.base_shares * rng.standard_normal((spending.size, 5))
    taste -= prefs.base_shares * taste.sum(axis=1, keepdims=True)
    pairs = zip(spending, taste, strict=True)
    each = np.array([market.demand(prefs, [x], prices, values, t[None, :])[0] for x, t in pairs])
    assert each[1:].min() > 0  # every good wanted by someone who spends
    for floor in (None, taste.min(axis=0)):
        np.testing.assert_allclose(market.notional(prefs, spending, prices, values, taste, floor), each.sum(axis=0))


def test_a_consumer_a_negative_taste_clips_is_built_in_full_though_the_opposite_taste_would_not_clip():
    """Shares 0.2, 0.4, 0.4 and no income effects (elasticities 1): weights are ``α + t``. The first consumer's taste
    (−0.3, 0.15, 0.15) clips good 0 (weight −0.1); the second's, the opposite, clips nothing. The bounds leave both
    in doubt, and each is settled by its own weights: the first's demand is built in full, and both buy exactly
    what each person's own demand says, with or without the bounds."""
    prefs = market.calibrate_preferences(np.array([0.2, 0.4, 0.4]), np.ones(3), np.full(10, 30.0), 0.4)
    np.testing.assert_allclose(prefs.beta, 0.0, atol=1e-15)
    taste = np.array([[-0.3, 0.15, 0.15], [0.3, -0.15, -0.15]])
    spending, values = np.array([30.0, 30.0]), np.array([1.0, 2.0, 4.0])
    for prices in (values, values * [1.2, 0.9, 1.0]):
        pairs = zip(spending, taste, strict=True)
        each = np.array([market.demand(prefs, [x], prices, values, t[None, :])[0] for x, t in pairs])
        assert each[0, 0] == 0.0 and each[1].min() > 0  # the first buys none of good 0
        for floor in (None, taste.min(axis=0)):
            notional = market.notional(prefs, spending, prices, values, taste, floor)
            np.testing.assert_allclose(notional, each.sum(axis=0), rtol=1e-12)
