"""The yardstick's welfare measures (sim.economics.welfare, docs/welfare.md) worked out by hand.

A Cobb–Douglas economy has closed forms; the Neary–Roberts virtual price gives, independently of
the direct utility, what a person constrained in one good reaches; doubling every price and every
income changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from sim.economics import market, welfare
from sim.economics.market import Preferences

#: Each test draws from its own generator, so that its economy does not depend on which tests ran before.
SEED = 20261205


def cobb_douglas(share: float) -> Preferences:
    """Two goods, budget shares ``share`` and ``1 − share`` whatever the income and prices (θ = 0, β = 0)."""
    s = np.array([share, 1.0 - share])
    return Preferences(alpha=s, beta=np.zeros(2), price_response=0.0, base_shares=s, reference_spending=10.0)


def random_economy(theta: float, goods: int = 6, persons: int = 300):
    rng = np.random.default_rng([SEED, goods, persons, round(100 * theta)])
    shares = rng.dirichlet(np.ones(goods))
    elasticities = rng.uniform(0.3, 1.8, goods)
    spending = rng.lognormal(0.0, 0.7, persons)
    prefs = market.calibrate_preferences(shares, elasticities, spending, theta)
    taste = rng.normal(0.0, 0.01, (persons, goods))
    taste -= taste.mean(axis=1, keepdims=True)
    reference = rng.uniform(0.5, 2.0, goods)
    prices = reference * rng.lognormal(0.0, 0.3, goods)
    return prefs, spending * rng.uniform(0.5, 2.0, persons), prices, reference, taste


def test_equivalent_variation_of_a_cobb_douglas_price_change_matches_its_closed_form():
    """EV at p⁰ of moving from (p⁰, x⁰) to (p¹, x¹) is ``x¹ Π_k (p⁰_k / p¹_k)^a_k − x⁰``."""
    prefs = cobb_douglas(0.3)
    reference = np.array([2.0, 5.0])  # p⁰
    x0, x1 = np.array([12.0, 7.5]), np.array([13.0, 9.0])
    p1 = np.array([2.6, 4.1])
    ev = welfare.indirect_utility(prefs, x1, p1, reference, np.zeros((2, 2))) - x0  # e(p⁰, u) = u
    closed = x1 * (2.0 / 2.6) ** 0.3 * (5.0 / 4.1) ** 0.7 - x0
    np.testing.assert_allclose(ev, closed, rtol=0, atol=1e-9)
    # and the bundle bought at p¹ is worth the same by the direct utility
    bundle = np.column_stack([0.3 * x1 / p1[0], 0.7 * x1 / p1[1]])
    np.testing.assert_allclose(
        welfare.bundle_utility(prefs, bundle, reference, np.zeros((2, 2))) - x0, closed, atol=1e-9
    )


@pytest.mark.parametrize("theta", [0.0, 0.4, 0.8])
def test_the_bundle_demanded_is_worth_what_the_indirect_utility_says(theta):
    """U(q*(p, x)) = v(p, x) for every person, Engel weights clipped or not."""
    prefs, x, prices, reference, taste = random_economy(theta)
    v = welfare.indirect_utility(prefs, x, prices, reference, taste)
    clipped = (np.multiply.outer(np.log(v / prefs.reference_spending), prefs.beta) + prefs.alpha + taste).min(axis=1)
    assert (clipped < 0).any() and (clipped > 0).any(), "the test should cover clipped and unclipped persons"
    demanded = market.demand(prefs, x, prices, reference, taste)
    np.testing.assert_allclose(welfare.bundle_utility(prefs, demanded, reference, taste), v, rtol=2e-13)
    np.testing.assert_allclose(welfare.bundle_utility(prefs, demanded, reference, taste, upper=v), v, rtol=2e-13)
    np.testing.assert_allclose(v, market.indirect_utility(prefs, x, np.log(prices / reference), taste), rtol=1e-12)


def _virtual_price_utility(prefs, x, prices, reference, good, ration):
    """Neary & Roberts (1980): the utility of a person held to ``ration`` units of ``good``, who spends the
    rest of ``x`` as they like, is ``v(π, x + (π_k − p_k) q̄_k)`` at the virtual price ``π_k`` at which they
    would choose ``q̄_k`` freely."""
    taste = np.zeros((1, prices.size))

    def excess(log_pi):
        pi = prices.copy()
        pi[good] = np.exp(log_pi)
        income = x + (pi[good] - prices[good]) * ration
        return market.demand(prefs, np.array([income]), pi, reference, taste)[0, good] - ration

    log_pi = brentq(excess, np.log(prices[good]), np.log(prices[good]) + 20.0, xtol=1e-14, rtol=1e-15)
    pi = prices.copy()
    pi[good] = np.exp(log_pi)
    income = x + (pi[good] - prices[good]) * ration
    return welfare.indirect_utility(prefs, np.array([income]), pi, reference, taste)[0], pi


@pytest.mark.parametrize("theta", [0.0, 0.4])
def test_a_person_held_short_of_a_good_is_worse_off_by_what_the_virtual_price_gives(theta):
    prefs, _, prices, reference, _ = random_economy(theta, goods=4, persons=50)
    x, good = 1.3 * prefs.reference_spending, 1
    taste = np.zeros((1, 4))
    free = market.demand(prefs, np.array([x]), prices, reference, taste)[0]
    ration = 0.4 * free[good]
    expected, pi = _virtual_price_utility(prefs, x, prices, reference, good, ration)
    assert pi[good] > prices[good]  # the constraint binds: the virtual price is above the market's
    # the bundle the constrained person chooses: q̄ of the good, and the virtual prices' demand of the rest
    income = x + (pi[good] - prices[good]) * ration
    bundle = market.demand(prefs, np.array([income]), pi, reference, taste)
    np.testing.assert_allclose(bundle[0, good], ration, rtol=1e-9)
    got = welfare.bundle_utility(prefs, bundle, reference, taste)[0]
    unconstrained = welfare.indirect_utility(prefs, np.array([x]), prices, reference, taste)[0]
    assert got == pytest.approx(expected, rel=1e-9)
    assert unconstrained - got > 1e-3 * unconstrained  # worse off, by that amount


def test_doubling_every_price_and_every_income_leaves_welfare_unchanged():
    prefs, x, prices, reference, taste = random_economy(0.4)
    normal = reference * np.random.default_rng(SEED).lognormal(0.0, 0.05, reference.size)
    short = market.buy(prefs, x, prices, reference, taste, np.full(prices.size, np.inf)).wanted * 0.7
    once = welfare.week_welfare(
        prefs, x, prices, reference, normal, taste, market.buy(prefs, x, prices, reference, taste, short)
    )
    twice_bought = market.buy(prefs, 2 * x, 2 * prices, reference, taste, short)
    twice = welfare.week_welfare(prefs, 2 * x, 2 * prices, reference, 2 * normal, taste, twice_bought)
    for name in ("achieved", "at_prices", "undistorted", "unconstrained"):
        np.testing.assert_allclose(getattr(twice, name), getattr(once, name), rtol=1e-10, err_msg=name)
    assert once.rationing_cost.min() >= 0 and once.rationing_cost.max() > 0


@pytest.mark.parametrize("rationing", ["proportional", "queue"])
def test_the_weeks_costs_are_what_the_definitions_say(rationing):
    """achieved = U(bundle got), at_prices = v(p, x), undistorted = v(pₙ, pₙ·q*), unconstrained = v(pₙ, x)."""
    prefs, x, prices, reference, taste = random_economy(0.4)
    normal = reference * np.random.default_rng(SEED).lognormal(0.0, 0.1, reference.size)
    wanted = market.demand(prefs, x, prices, reference, taste)
    on_sale = wanted.sum(axis=0) * np.where(np.arange(prices.size) % 3 == 0, 0.5, 2.0)
    bought = market.buy(prefs, x, prices, reference, taste, on_sale, rationing, np.random.default_rng(3))
    measured = welfare.week_welfare(prefs, x, prices, reference, normal, taste, bought, taste.min(axis=0))
    if rationing == "proportional":
        got = wanted * bought.fill
    else:
        got = wanted.copy()
        got[:, bought.short] = bought.got
    np.testing.assert_allclose(measured.achieved, welfare.bundle_utility(prefs, got, reference, taste), rtol=1e-10)
    np.testing.assert_allclose(measured.at_prices, welfare.indirect_utility(prefs, x, prices, reference, taste))
    cost = wanted @ normal
    np.testing.assert_allclose(measured.undistorted, welfare.indirect_utility(prefs, cost, normal, reference, taste))
    np.testing.assert_allclose(measured.unconstrained, welfare.indirect_utility(prefs, x, normal, reference, taste))
    assert np.all(measured.rationing_cost >= 0) and np.all(measured.price_distortion_cost >= 0)
    assert measured.rationing_cost.max() > 0 and measured.price_distortion_cost.max() > 0
    # without taste_floor every row is built: the same numbers
    full = welfare.week_welfare(prefs, x, prices, reference, normal, taste, bought)
    np.testing.assert_allclose(full.achieved, measured.achieved, rtol=1e-12)
    np.testing.assert_allclose(full.undistorted, measured.undistorted, rtol=1e-12)


def test_the_price_distortion_cost_is_harbergers_triangle_zero_at_normal_prices_and_second_order():
    prefs, x, _, reference, taste = random_economy(0.4)
    normal = reference * np.random.default_rng(SEED).lognormal(0.0, 0.1, reference.size)
    direction = np.random.default_rng(SEED + 1).normal(0.0, 1.0, reference.size)

    def cost(size):
        prices = normal * np.exp(size * direction)
        return welfare.week_welfare(prefs, x, prices, reference, normal, taste).price_distortion_cost.mean()

    assert cost(0.0) == pytest.approx(0.0, abs=1e-12)
    assert welfare.week_welfare(prefs, x, 1.3 * normal, reference, normal, taste).price_distortion_cost.max() < 1e-10
    assert cost(0.02) / cost(0.01) == pytest.approx(4.0, rel=0.05)  # a triangle: quadratic in the distortion


def test_atkinsons_equally_distributed_equivalent():
    w = np.array([1.0, 4.0])
    assert welfare.atkinson_ede(w, 0.0) == pytest.approx(2.5)
    assert welfare.atkinson_ede(w, 1.0) == pytest.approx(2.0)  # geometric mean
    assert welfare.atkinson_ede(w, 2.0) == pytest.approx(1.6)  # harmonic mean
    assert welfare.atkinson_ede(np.full(5, 3.0), 2.0) == pytest.approx(3.0)
    assert welfare.atkinson_ede(np.array([0.0, 5.0]), 1.0) == 0.0
    assert welfare.atkinson_ede(np.array([]), 1.0) == 0.0


def test_the_bundle_utility_holds_at_another_price_response_and_refuses_leontief():
    prefs, x, prices, reference, taste = random_economy(0.2, persons=120)
    v = welfare.indirect_utility(prefs, x, prices, reference, taste)
    demanded = market.demand(prefs, x, prices, reference, taste)
    np.testing.assert_allclose(welfare.bundle_utility(prefs, demanded, reference, taste), v, rtol=1e-10)
    leontief = random_economy(1.0, persons=10)[0]  # the scenario caps θ at 0.8
    with pytest.raises(ValueError, match=r"^bundle_utility: θ = 1 \(Leontief\) has kinks the solver does not follow"):
        welfare.bundle_utility(leontief, demanded[:10], reference, taste[:10])


def test_a_known_bound_changes_the_search_not_the_utility():
    prefs, x, prices, reference, taste = random_economy(0.4)
    demanded = market.demand(prefs, x, prices, reference, taste)
    short = demanded * np.where(np.arange(prices.size) == 2, 0.3, 1.0)
    plain = welfare.bundle_utility(prefs, short, reference, taste)
    v = welfare.indirect_utility(prefs, x, prices, reference, taste)
    np.testing.assert_allclose(welfare.bundle_utility(prefs, short, reference, taste, upper=v), plain, rtol=1e-12)
    wanting = demanded[:, 2] > 0  # who wanted some of the good held short is worse off, the others not
    assert wanting.any() and np.all(plain[wanting] < v[wanting]) and np.all(plain > 0)
    np.testing.assert_allclose(plain[~wanting], v[~wanting], rtol=1e-12)


def test_a_bundle_without_a_good_its_owner_needs_is_worth_nothing_and_an_empty_one_too():
    prefs = cobb_douglas(0.4)
    taste = np.zeros((3, 2))
    bundle = np.array([[0.0, 5.0], [0.0, 0.0], [2.0, 3.0]])
    u = welfare.bundle_utility(prefs, bundle, np.ones(2), taste)
    assert u[0] == 0.0 and u[1] == 0.0
    assert u[2] == pytest.approx(2.0**0.4 * 3.0**0.6 / (0.4**0.4 * 0.6**0.6), rel=1e-12)  # Π (y_k / a_k)^a_k


def test_without_rationing_what_people_got_is_what_their_spending_buys():
    prefs, x, prices, reference, taste = random_economy(0.4)
    normal = reference * np.random.default_rng(SEED).lognormal(0.0, 0.1, reference.size)
    plenty = market.buy(prefs, x, prices, reference, taste, np.full(prices.size, np.inf))
    assert not plenty.rationed
    for purchases in (None, plenty):
        measured = welfare.week_welfare(prefs, x, prices, reference, normal, taste, purchases)
        np.testing.assert_array_equal(measured.achieved, measured.at_prices)
        assert np.all(measured.rationing_cost == 0.0)
    queue = market.buy(
        prefs, x, prices, reference, taste, np.full(prices.size, np.inf), "queue", np.random.default_rng(SEED)
    )
    assert not queue.rationed and queue.short.size == 0
    # who spends nothing has no welfare
    idle = welfare.week_welfare(prefs, np.zeros(3), prices, reference, normal, taste[:3])
    for name in ("achieved", "at_prices", "undistorted", "unconstrained"):
        np.testing.assert_array_equal(getattr(idle, name), 0.0)


def test_atkinsons_equivalent_at_other_aversions_and_with_a_loss():
    w = np.array([1.0, 4.0, 9.0])
    assert welfare.atkinson_ede(w, 0.5) == pytest.approx(np.mean(np.sqrt(w)) ** 2)
    assert welfare.atkinson_ede(np.array([-1.0, 5.0]), 2.0) == 0.0
    assert welfare.atkinson_ede(np.array([-1.0, 5.0]), 0.0) == pytest.approx(2.0)
    assert welfare.atkinson_ede([1, 4], 2.0) == pytest.approx(1.6)  # whole numbers, as a list


def test_false_position_is_the_root_of_the_chord_and_the_midpoint_where_that_fails():
    lo, hi = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 4.0])
    h_lo, h_hi = np.array([1.0, 3.0, np.inf]), np.array([-3.0, -1.0, -1.0])
    np.testing.assert_allclose(welfare._false_position(lo, h_lo, hi, h_hi), [0.25, 2.5, 3.0])


@pytest.mark.parametrize(("theta", "at_bound", "rationed"), [(0.0, 3.4, 6.2), (0.4, 3.4, 5.4), (0.8, 3.4, 15.2)])
def test_the_solver_needs_few_passes_over_the_persons(theta, at_bound, rationed, monkeypatch):
    """Newton's steps from above and within the bracket: a few evaluations a person, not a bisection's sixty.

    The bounds are the work measured on these economies (evaluations per person) with 15 % to
    spare: a step that converges more slowly than Newton's, or a search that starts further
    from the root, breaks them.
    """
    prefs, x, prices, reference, taste = random_economy(theta)
    work = [0]  # persons' rows evaluated, over every pass
    gap = welfare._gap

    def counted(prefs, L, *args):
        work[0] += len(L)
        return gap(prefs, L, *args)

    monkeypatch.setattr(welfare, "_gap", counted)
    v = welfare.indirect_utility(prefs, x, prices, reference, taste)
    demanded = market.demand(prefs, x, prices, reference, taste)
    welfare.bundle_utility(prefs, demanded, reference, taste, upper=v)
    assert work[0] <= 1.15 * at_bound * x.size  # at the bound: a step below it and Newton to 10⁻¹⁴
    on_sale = demanded.sum(axis=0) * np.where(np.arange(prices.size) == 2, 0.3, 2.0)
    work[0] = 0
    bought = market.buy(prefs, x, prices, reference, taste, on_sale)
    welfare.week_welfare(prefs, x, prices, reference, reference, taste, bought)
    assert work[0] <= 1.15 * rationed * x.size


def _largest_root_by_scan(prefs, bundle, reference, taste):
    """The largest ln(u/x̄) with H ≥ 0, by a fine scan from above then Brent's method: the definition, slowly."""
    with np.errstate(divide="ignore"):  # the good left out: ln 0 = −∞
        log_y = np.log(np.asarray(bundle, dtype=float) * reference)[None, :]

    def h(L):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(welfare._gap(prefs, np.array([L]), log_y, taste[None, :])[0][0])

    top = np.log(np.sum(np.asarray(bundle) * reference) / prefs.reference_spending) + 0.01  # U ≤ Σ p⁰ q
    grid = np.linspace(top, top - 20.0, 40001)
    values = np.array([h(L) for L in grid])
    first = int(np.argmax(values >= 0))
    return brentq(h, grid[first], grid[first - 1], xtol=1e-14)


def test_a_bundle_without_a_luxury_is_worth_what_it_gives_below_the_luxurys_threshold():
    """Without any of a good whose weight grows with utility, the bundle reaches only utilities at which that
    weight has clipped to 0: the largest root lies below the good's threshold, and the search finds it."""
    prefs, x, prices, reference, taste = random_economy(0.4, persons=50)
    luxury = int(np.argmax(prefs.beta))
    demanded = market.demand(prefs, x, prices, reference, taste)
    person = int(np.argmax(demanded[:, luxury] * (x > np.median(x))))
    bundle = demanded[person].copy()
    bundle[luxury] = 0.0
    u = welfare.bundle_utility(prefs, bundle[None, :], reference, taste[person][None, :])[0]
    threshold = -(prefs.alpha[luxury] + taste[person, luxury]) / prefs.beta[luxury]
    assert u > 0 and np.log(u / prefs.reference_spending) < threshold
    expected = _largest_root_by_scan(prefs, bundle, reference, taste[person])
    assert np.log(u / prefs.reference_spending) == pytest.approx(expected, abs=1e-9)


def test_a_bundle_without_a_necessity_is_worth_what_it_gives_above_the_necessitys_threshold():
    prefs, x, prices, reference, taste = random_economy(0.4, persons=50)
    necessity = int(np.argmin(prefs.beta))
    demanded = market.demand(prefs, x, prices, reference, taste)
    bundle = 50.0 * demanded[int(np.argmax(x))]  # rich enough that the necessity's weight can clip
    bundle[necessity] = 0.0
    person_taste = taste[int(np.argmax(x))]
    u = welfare.bundle_utility(prefs, bundle[None, :], reference, person_taste[None, :])[0]
    threshold = -(prefs.alpha[necessity] + person_taste[necessity]) / prefs.beta[necessity]
    assert np.log(u / prefs.reference_spending) > threshold
    expected = _largest_root_by_scan(prefs, bundle, reference, person_taste)
    assert np.log(u / prefs.reference_spending) == pytest.approx(expected, abs=1e-9)


def test_a_good_nobody_weighs_does_not_count_present_or_missing():
    prefs = Preferences(
        alpha=np.array([0.5, 0.5, 0.0]),
        beta=np.zeros(3),
        price_response=0.4,
        base_shares=np.array([0.5, 0.5, 0.0]),
        reference_spending=10.0,
    )
    taste = np.zeros((2, 3))
    bundles = np.array([[3.0, 4.0, 0.0], [3.0, 4.0, 9.0]])
    u = welfare.bundle_utility(prefs, bundles, np.ones(3), taste)
    assert u[0] == pytest.approx(u[1], rel=1e-12) and u[0] > 0


def test_a_poor_bundle_without_a_necessity_is_worth_nothing():
    """The necessity's weight grows as utility falls, so below its threshold the bundle reaches nothing, and a
    poor bundle reaches nothing above it either: no utility at all, not the bound the search started from."""
    prefs, x, prices, reference, taste = random_economy(0.4, persons=50)
    necessity = int(np.argmin(prefs.beta))
    poorest = int(np.argmin(x))
    bundle = 0.5 * market.demand(prefs, x, prices, reference, taste)[poorest]
    bundle[necessity] = 0.0
    assert welfare.bundle_utility(prefs, bundle[None, :], reference, taste[poorest][None, :])[0] == 0.0


def test_what_forced_substitution_bought_counts_in_the_bundle_got():
    """Under the fixed plan, tokens turned away by a queue buy other goods (``substituted ⊗ per_token``):
    the bundle valued is what the queue gave plus what they bought."""
    import dataclasses

    prefs, x, prices, reference, taste = random_economy(0.4)
    normal = reference.copy()
    wanted = market.demand(prefs, x, prices, reference, taste)
    on_sale = wanted.sum(axis=0) * np.where(np.arange(prices.size) % 3 == 0, 0.5, 2.0)
    queued = market.buy(prefs, x, prices, reference, taste, on_sale, "queue", np.random.default_rng(3))
    rng = np.random.default_rng(SEED)
    turned_away = (wanted[:, queued.short] - queued.got) @ prices[queued.short]  # tokens the queue did not take
    substituted = np.where(rng.random(x.size) < 0.5, 0.5 * turned_away, 0.0)
    on_offer = ~np.isin(np.arange(prices.size), queued.short)
    per_token = np.where(on_offer, 1.0 / (on_offer.sum() * prices), 0.0)  # a token spread over the other goods
    helped = dataclasses.replace(queued, substituted=substituted, per_token=per_token)
    measured = welfare.week_welfare(prefs, x, prices, reference, normal, taste, helped)
    got = wanted.copy()
    got[:, queued.short] = queued.got
    got += np.multiply.outer(substituted, per_token)
    short = np.any(got < wanted * (1 - 1e-12), axis=1)
    expected = welfare.bundle_utility(prefs, got[short], reference, taste[short])
    np.testing.assert_allclose(measured.achieved[short], expected, rtol=1e-10)
    without = welfare.week_welfare(prefs, x, prices, reference, normal, taste, queued).achieved
    helped_some = short & (substituted > 0)
    assert np.all(measured.achieved[helped_some] >= without[helped_some])
    assert np.any(measured.achieved[helped_some] > without[helped_some])
