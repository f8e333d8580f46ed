"""The plan factory at work (seed §7b, §7c, §7d, §7f), against balances the test works out itself.

- The skeleton plan: labour values solve ``v (I − A − D) = l``; the first plan's output makes
  the decided bundles of final demand, ``(I − A − D) x = y``, with the hours there are; tokens
  paid for every hour buy exactly the consumer goods planned (the overall equilibrium, §7c);
  stocks start at their reserve; trade is balanced in value.
- The monthly solve: demand at value estimated from sales and prices, scaled to what wages
  pay; reserves and the rebuild of stocks as taken (with the stock-taking error of its week);
  planning errors from prices that stayed off value a whole period.
- The investment fund: planning errors first, bottlenecks next, the rest balanced, within
  the fund and the most a sector can grow.
- Estimates of the coefficients: drawn around the true ones, revised toward what producers
  report, their error weighted by output.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from sim.economics import market
from sim.economics.economy import Technology
from sim.economics.plan_factory import PlanVariant
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.run.planning import Planner
from sim.run.scenario import (
    Capital,
    Decision,
    Imports,
    Noise,
    Plan,
    Population,
    Readjustment,
    Scenario,
    ScenarioError,
    TechnicalChange,
)

QUIET = Noise(0.0, 0.0, 0.0, 0.0)
NO_COMMUNES = Population(consumers=600, councils=22, communes=0)


def _model(**changes) -> CouncilsModel:
    still = {"technical_change": TechnicalChange(0.0, 0.0), "capital": Capital(wear=False)}  # methods stay
    return CouncilsModel(
        Scenario(**{"seed": 2, "years": 1.0, "noise": QUIET, "population": NO_COMMUNES, **still, **changes})
    )


def _true(m):
    """``A + D`` as the economy's files give them, and the labour row."""
    t = m.technology
    a = t.A.toarray() if t.is_sparse else np.asarray(t.A)
    d = t.capital_consumption
    d = 0.0 if d is None else (d.toarray() if hasattr(d, "toarray") else np.asarray(d))
    return a + d, np.asarray(t.labour)


def _skeleton(m, persons, farm=None):
    inputs, _ = _true(m)
    return m.planner.skeleton(m.economy, inputs, persons, farm)


def _bundle(b, values):
    return b / (values @ b)


def test_the_skeleton_plan_makes_the_decided_final_demand_with_the_hours_there_are():
    m = _model(plan=Plan(private_share=0.6, public_share=0.25, labour_reserve=0.1, capacity_headroom=0.2))
    inputs, labour = _true(m)
    n, cg, plan = m.technology.n, m.consumer_goods, m.conditions.plan
    # capital of another composition in every sector, so that net investment's composition follows the old output
    m.planner.capital = np.random.default_rng(5).uniform(0.0, 1.0, (n, n)) * 0.01
    values = np.linalg.solve((np.eye(n) - inputs).T, labour)
    np.testing.assert_allclose(m.planner.values, values, rtol=1e-10)  # exact coefficients: the true values

    persons = NO_COMMUNES.consumers
    state, use, share = _skeleton(m, persons)
    assert share == 0.0
    hours = persons * plan.hours_per_week
    assert state.net_product == pytest.approx(hours / (1 + plan.labour_reserve), rel=1e-12)
    fd = m.economy.final_demand
    private = np.zeros(n)
    private[cg] = fd["private"].to_numpy()[cg]
    old_output = np.linalg.solve(np.eye(n) - inputs, fd[["private", "public", "investment"]].sum(axis=1).to_numpy())
    capital = m.planner.capital @ old_output  # net investment has the composition of the capital stock
    final = state.net_product * (
        0.6 * _bundle(private, values)
        + 0.25 * _bundle(fd["public"].to_numpy(), values)
        + (1 - 0.6 - 0.25) * _bundle(capital, values)
    )
    np.testing.assert_allclose((np.eye(n) - inputs) @ use, final, rtol=1e-9, atol=1e-9 * final.max())
    np.testing.assert_array_equal(state.plan_output, use)
    # the decided shares add up to the net product: the plan needs exactly its hours, and the
    # labour reserve's share of the hours stays free
    assert labour @ use == pytest.approx(state.net_product, rel=1e-9)
    assert 1 - labour @ use / hours == pytest.approx(0.1 / 1.1, rel=1e-9)
    # overall equilibrium: tokens paid for every hour = value of the consumer goods planned
    assert state.wage * hours == pytest.approx(values[cg] @ state.expected_demand, rel=1e-12)
    assert values[cg] @ state.expected_demand == pytest.approx(0.6 * state.net_product, rel=1e-12)
    assert state.wage == pytest.approx(0.6 / 1.1, rel=1e-12)  # every hour is paid, the reserve's too
    np.testing.assert_allclose(state.public_plan, state.net_product * 0.25 * _bundle(fd["public"].to_numpy(), values))
    # stocks start at their reserve: reserve weeks of all use; capacity has the headroom
    reserve_weeks = m.conditions.readjustment.reserve_weeks
    np.testing.assert_allclose(state.reserve, reserve_weeks * use, rtol=1e-12)
    np.testing.assert_array_equal(state.stock, state.reserve)
    np.testing.assert_allclose(state.sector_capacity, 1.2 * use, rtol=1e-12)
    np.testing.assert_array_equal(state.prices, m.planner.values[cg])  # prices start at value
    np.testing.assert_array_equal(state.values, m.planner.values)
    assert state.pipeline.shape == (plan.investment_lag_weeks + 1, n) and not state.pipeline.any()
    for name in ("imports", "exports", "investment_plan", "capacity_plan", "earmarked", "other_use"):
        np.testing.assert_array_equal(getattr(state, name), 0.0, err_msg=name)
    assert state.hours_per_week == plan.hours_per_week


@pytest.mark.parametrize("error", [0.0, 0.2])
def test_the_skeleton_leaves_the_communes_spare_hands_out_of_the_net_product(error):
    """Seed §9a: a commune has as many spare hands as spare land; those idle hours are not net product.

    The farm's share is of the hours the plan needs with the true coefficients; with estimates off
    (``error``), those are not the hours of value the plan factory planned for."""
    m = CouncilsModel(
        Scenario(seed=2, years=1.0, noise=QUIET, population=Population(600, 22, 3), plan=Plan(information_error=error))
    )
    _, labour = _true(m)
    plan = m.conditions.plan
    farm = m.technology.index("AGR")
    state, use, share = _skeleton(m, 600, farm)
    farm_share = labour[farm] * use[farm] / (labour @ use)  # of the hours the plan needs
    staffing = max((1 + plan.capacity_headroom) / (1 + plan.labour_reserve), 1 + plan.labour_reserve)
    assert staffing > 1 + plan.labour_reserve  # spare land: more hands than the reserve alone
    assert share == pytest.approx(farm_share * staffing, rel=1e-12)
    hours = 600 * plan.hours_per_week
    idle = hours * farm_share * (staffing - 1)
    assert state.net_product * (1 + plan.labour_reserve) == pytest.approx(hours - idle, rel=1e-12)
    assert state.wage * hours == pytest.approx(plan.private_share * state.net_product)


def test_imports_are_the_scenarios_share_of_household_demand_and_exports_pay_for_them():
    m = _model(imports=Imports(share=0.3))
    inputs, _ = _true(m)
    n, cg, values = m.technology.n, m.consumer_goods, m.planner.values
    state, use, _ = _skeleton(m, NO_COMMUNES.consumers)
    goods = [m.technology.index(code) for code in ("AGR", "FOOD")]
    household = state.expected_demand  # households' planned purchases, units per week
    expected = np.zeros(n)
    for j in goods:
        expected[j] = 0.3 * household[np.flatnonzero(cg == j)[0]]
    np.testing.assert_allclose(state.imports, expected, rtol=1e-12)
    assert values @ state.exports == pytest.approx(values @ state.imports, rel=1e-12)  # trade balanced in value
    exports = m.economy.final_demand["exports"].to_numpy()
    np.testing.assert_allclose(state.exports / (values @ state.exports), _bundle(exports, values), rtol=1e-12)
    # the home economy makes the rest: (I − A − D) x = final demand + exports − imports
    fd = m.economy.final_demand
    private = np.zeros(n)
    private[cg] = fd["private"].to_numpy()[cg]
    own = (np.eye(n) - inputs) @ use + state.imports - state.exports
    np.testing.assert_allclose(values @ own, state.net_product, rtol=1e-9)  # the decided shares, no more
    np.testing.assert_allclose(state.reserve, m.conditions.readjustment.reserve_weeks * (use + state.imports))


def test_the_plan_factorys_own_price_elasticities_are_those_of_its_demand_system_at_base_shares():
    """``ε_g = −∂ln q_g / ∂ln p_g`` of the AIDS at value, for a household whose budget shares are the base shares."""
    m = _model()
    prefs = m.consumers.preferences
    values = m.state.values[m.consumer_goods]
    g = int(np.argmax(np.abs(prefs.beta)))
    kappa = (prefs.base_shares[g] - prefs.alpha[g]) / prefs.beta[g]  # w = α + β ln(x / x̄) = s at ln(x / x̄) = κ
    x = np.array([prefs.reference_spending * np.exp(kappa)])
    np.testing.assert_allclose(market.budget_shares(prefs, x, np.ones(values.size))[0], prefs.base_shares, rtol=1e-9)
    q0 = market.demand(prefs, x, values, values)[0]
    h = 1e-6
    for g in range(values.size):
        p = values.copy()
        p[g] *= np.exp(h)
        q = market.demand(prefs, x, p, values)[0]
        elasticity = -(np.log(q[g]) - np.log(q0[g])) / h
        assert m.planner.own_price_elasticity[g] == pytest.approx(elasticity, rel=1e-4), g


class _Draws:
    """A generator stand-in with fixed normal draws: the stock-taking errors are exactly their spread times these."""

    @staticmethod
    def standard_normal(size):
        return np.linspace(-1.0, 2.0, size) + 0.1  # none of them 0


@pytest.mark.parametrize(
    ("observed", "asked"),
    [("prices off value", "nothing"), ("prices off value", "much"), ("nothing", "nothing"), ("tiny sales", "nothing")],
)
def test_the_monthly_solve_plans_demand_at_value_reserves_the_stock_rebuild_and_investment(observed, asked):
    inventory, revision, period = 0.2, 0.25, 4
    m = _model(
        plan=Plan(inventory_error=inventory, revision_rate=revision, period_weeks=period, information_error=0.1),
        readjustment=Readjustment(rebuild_weeks=2.0),
        imports=Imports(share=0.3),
    )
    m.run(9)
    planner, s, cg = m.planner, m.state, m.consumer_goods
    n, plan = m.technology.n, m.conditions.plan
    planner._reset_observations(cg.size)
    ratios = np.ones((3, cg.size))
    ratios[:, 0] = [1.05, 1.1, 1.03]  # above value (beyond the 2 % signal) every week: a planning error
    ratios[:, 1] = [0.9, 0.95, 0.97]  # below every week
    ratios[:, 2] = [1.05, 0.9, 1.05]  # both ways: neither
    seen = np.linspace(1.0, 3.0, cg.size) * (1e-9 if observed == "tiny sales" else 1.0)
    if observed != "nothing":
        for ratio in ratios:
            s.prices = s.values[cg] * ratio
            planner.observe(s, seen)
    expected_demand = s.expected_demand.copy()
    stock, week = s.stock.copy(), 30
    reserve_before = s.reserve.copy()
    before = copy.deepcopy(s)
    asks = np.zeros(n) if asked == "nothing" else s.sector_capacity  # far more than the fund can build
    planner.solve(s, week, _Draws(), asks)

    estimated = planner.inputs_estimated
    values = np.linalg.solve((np.eye(n) - estimated).T, m.technology.labour)
    np.testing.assert_allclose(s.values, values, rtol=1e-10)
    household = np.zeros(n)
    if observed != "nothing":
        household[cg] = (seen * ratios**planner.own_price_elasticity).mean(axis=0)
    else:
        household[cg] = expected_demand
    budget = plan.private_share * s.net_product
    household *= budget / (values @ household)  # what wages pay, however little was seen
    short, long = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if observed != "nothing":
        short[cg[0]], long[cg[1]] = True, True
    np.testing.assert_array_equal(s.planning_errors, short.astype(int) - long.astype(int))
    # the fund: planning errors first; goods whose price stayed below value get no balanced growth
    planner.allocate_investment(before, asks, first=short, released=long)
    np.testing.assert_allclose(s.capacity_plan, before.capacity_plan, rtol=1e-12)
    np.testing.assert_allclose(s.investment_plan, before.investment_plan, rtol=1e-12)
    if observed != "nothing" and asked == "nothing":
        assert s.capacity_plan[cg[1]] == 0 < s.capacity_plan[cg[2]]
    if observed != "nothing" and asked == "much":
        assert s.capacity_plan[cg[0]] > s.capacity_plan[cg[2]] * asks[cg[0]] / asks[cg[2]]
    final = household + s.public_plan + s.investment_plan + s.exports - s.imports
    use = np.linalg.solve(np.eye(n) - estimated, final)
    reserve = m.conditions.readjustment.reserve_weeks * (use + s.imports)
    others = np.setdiff1d(np.arange(n), cg)
    np.testing.assert_allclose(s.reserve[others], reserve[others], rtol=1e-9)
    np.testing.assert_array_equal(s.reserve[cg], reserve_before[cg])  # consumer goods' reserves are the councils'
    error = inventory * (1 - revision) ** (week // period)  # stock-taking improves with every solve
    taken = stock * np.exp(error * _Draws.standard_normal(n))
    rebuild = (reserve - taken) / max(2.0, period)  # the rebuild rate holds to the next solve
    plan_output = np.maximum(np.linalg.solve(np.eye(n) - estimated, final + rebuild), 0.0)
    np.testing.assert_allclose(s.plan_output, plan_output, rtol=1e-9, atol=1e-9 * plan_output.max())
    assert np.any(plan_output > 0) and np.any(rebuild < 0) and s.imports.any() and s.exports.any()
    inputs = estimated @ s.plan_output  # a week of inputs for the plan, in the other use
    np.testing.assert_array_equal(s.earmarked, before.earmarked)  # the solve seizes nothing from households
    np.testing.assert_allclose(s.other_use, inputs + s.public_plan + s.investment_plan + s.exports, rtol=1e-12)
    assert planner._weeks == 0 and not planner._at_value.any()  # a new period of observations begins


def test_the_investment_fund_goes_to_planning_errors_first_then_to_bottlenecks_then_to_balanced_growth():
    m = _model(plan=Plan(max_capacity_growth=0.5, period_weeks=4))
    planner, s, n = m.planner, m.state, m.technology.n
    plan = m.conditions.plan
    cost = WEEKS_PER_YEAR * (planner.values @ planner.capital_per_capacity)
    limit = 0.5 * s.sector_capacity * 4 / WEEKS_PER_YEAR
    fund = (1 - plan.private_share - plan.public_share) * s.net_product
    assert planner.investment_fund(s) == pytest.approx(fund, rel=1e-12)
    budget = fund * 4
    first = np.zeros(n, dtype=bool)
    first[[2, 5]] = True
    released = np.zeros(n, dtype=bool)
    released[[7, 9]] = True

    # small asks: every ask is met (within the limit), the rest of the fund grows every open sector alike
    asked = np.zeros(n)
    asked[[2, 3]] = [limit[2] * 2, limit[3] * 0.1]  # the planning error asks beyond its limit
    planner.allocate_investment(s, asked, first=first, released=released)
    grow = np.minimum(asked, limit)
    left = budget - cost @ grow
    open_ = ~released
    balanced = left / (cost @ (s.sector_capacity * open_)) * s.sector_capacity * open_
    grow = grow + np.minimum(balanced, np.maximum(limit - grow, 0))
    np.testing.assert_allclose(s.capacity_plan, grow / 4, rtol=1e-12)
    assert s.capacity_plan[7] == 0 and s.capacity_plan[9] == 0  # a price below value: no balanced growth
    assert s.capacity_plan[2] == pytest.approx(limit[2] / 4)  # no more than the most it can grow
    np.testing.assert_allclose(s.investment_plan, planner.capital_per_capacity @ (WEEKS_PER_YEAR * s.capacity_plan))

    # large asks: the planning errors' are met first; the bottlenecks share what is left in proportion
    asked = limit * 0.9
    planner.allocate_investment(s, asked, first=first, released=released)
    tier1 = cost[first] @ asked[first]
    assert tier1 < budget < cost @ asked  # the fund covers the first tier, not everything
    np.testing.assert_allclose(s.capacity_plan[first], asked[first] / 4, rtol=1e-12)
    scale = (budget - tier1) / (cost[~first] @ asked[~first])
    np.testing.assert_allclose(s.capacity_plan[~first], asked[~first] * scale / 4, rtol=1e-12)
    assert cost @ s.capacity_plan * 4 == pytest.approx(budget, rel=1e-12)  # the whole fund, no more

    # without tiers the same asks share the fund alike
    planner.allocate_investment(s, asked)
    np.testing.assert_allclose(s.capacity_plan, asked * budget / (cost @ asked) / 4, rtol=1e-12)


def test_the_plan_factorys_first_estimates_are_drawn_around_the_true_coefficients():
    exact = _model(plan=Plan(information_error=0.0))
    inputs, _ = _true(exact)
    np.testing.assert_allclose(exact.planner.inputs_estimated, inputs, rtol=1e-12)
    errors = []
    for seed in range(4):
        m = _model(plan=Plan(information_error=0.3, revision_rate=0.0), seed=seed)
        used = inputs > 0
        np.testing.assert_array_equal(m.planner.inputs_estimated[~used], 0.0)
        errors.append(np.log(m.planner.inputs_estimated[used] / inputs[used]))
    errors = np.concatenate(errors)
    assert np.std(errors) == pytest.approx(0.3, rel=0.1)
    assert np.mean(np.exp(errors)) == pytest.approx(1.0, abs=0.03)  # lognormal with mean 1: unbiased estimates


def test_estimates_move_toward_what_is_reported_and_their_error_is_weighted_by_output():
    m = _model(plan=Plan(information_error=0.2, revision_rate=0.4))
    planner, n = m.planner, m.technology.n
    inputs, _ = _true(m)
    before = planner.inputs_estimated.copy()
    output = np.linspace(1.0, 2.0, n)
    output[3] = 0.0  # a sector that made nothing keeps its estimate
    measured = inputs * 1.1
    labour_before = planner.labour_estimated.copy()
    method = np.linspace(0.6, 0.95, n)  # labour per unit reported ÷ the old method's
    planner.revise_coefficients(measured * output[None, :], output, method)
    expected = before + 0.4 * (measured - before)
    expected[:, 3] = before[:, 3]
    np.testing.assert_allclose(planner.inputs_estimated, expected, rtol=1e-12)
    labour = labour_before + 0.4 * (m.technology.labour * method - labour_before)  # toward the labour reported
    labour[3] = labour_before[3]
    np.testing.assert_allclose(planner.labour_estimated, labour, rtol=1e-12)
    error = (output * np.abs(planner.inputs_estimated - inputs)).sum() / (output * inputs).sum()
    assert planner.coefficient_error(inputs, output) == pytest.approx(error, rel=1e-12)
    assert planner.coefficient_error(inputs, np.zeros(n)) == 0.0
    assert planner.coefficient_error(inputs, output) > planner.coefficient_error(planner.inputs_estimated, output)


def _planner(scenario, rng, technology=None, inputs=None):
    m = _model()
    t = technology or m.technology
    inputs = _true(m)[0] if inputs is None else inputs
    return Planner(t, inputs, np.full(t.n, 0.8), scenario, rng), m


def test_the_plan_factorys_first_errors_are_lognormal_with_mean_one():
    """``Â = A ∘ exp(σ z − σ²/2)``: the log errors have mean −σ²/2 and spread σ, so the estimates are unbiased."""
    scenario = Scenario(plan=Plan(information_error=0.5))
    logs = []
    for seed in range(40):
        try:
            planner, m = _planner(scenario, np.random.default_rng(seed))
        except ScenarioError:
            continue  # coefficients too far off to be productive
        inputs = m.councils.inputs_true
        used = inputs > 0
        logs.append(np.log(planner.inputs_estimated[used] / inputs[used]))
    logs = np.concatenate(logs)
    assert logs.size > 5000
    assert logs.mean() == pytest.approx(-(0.5**2) / 2, abs=0.015)  # standard error 0.005
    assert logs.std() == pytest.approx(0.5, rel=0.03)


def test_coefficients_too_far_off_to_be_productive_are_refused_with_the_key_to_change():
    with pytest.raises(ScenarioError) as error:  # this draw's estimates have a spectral radius of about 1.09
        _planner(Scenario(plan=Plan(information_error=0.6)), np.random.default_rng(2))
    assert str(error.value) == (
        "plan.information_error = 0.6: the plan factory's mistaken coefficients would not be "
        "productive (spectral radius ≥ 1); use a smaller error"
    )


def test_a_technology_without_capital_plans_no_capital():
    m = _model()
    t = m.technology
    bare = Technology(t.A, t.labour, names=t.names, consumer_goods=t.consumer_goods)
    planner, _ = _planner(m.conditions, np.random.default_rng(1), technology=bare)
    assert planner.capital.shape == planner.capital_per_capacity.shape == (t.n, t.n)
    np.testing.assert_array_equal(planner.capital, 0.0)
    np.testing.assert_array_equal(planner.capital_per_capacity, 0.0)
    # the first plan makes what households and public bodies are allotted, and nothing for investment
    inputs, _ = _true(m)
    state, use, _ = planner.skeleton(m.economy, inputs, NO_COMMUNES.consumers, None)
    made = (np.eye(t.n) - inputs) @ use
    allotted = state.public_plan.copy()
    allotted[m.consumer_goods] += state.expected_demand
    np.testing.assert_allclose(made, allotted, rtol=1e-9, atol=1e-9 * allotted.max())


def test_trade_without_an_exports_column_pays_with_goods_like_investment_and_names_a_bad_import():
    m = _model(imports=Imports(share=0.3))
    fd = m.economy.final_demand
    economy = dataclasses.replace(m.economy, final_demand=fd.drop(columns="exports"))
    inputs, _ = _true(m)
    state, _, _ = m.planner.skeleton(economy, inputs, NO_COMMUNES.consumers, None)
    values = m.planner.values
    np.testing.assert_allclose(state.exports / (values @ state.exports), _bundle(fd["investment"].to_numpy(), values))
    assert values @ state.exports == pytest.approx(values @ state.imports, rel=1e-12) and state.imports.sum() > 0
    m.planner.conditions = dataclasses.replace(m.conditions, imports=Imports(share=0.3, goods=("AGR", "XYZ")))
    with pytest.raises(ScenarioError) as error:
        m.planner.skeleton(m.economy, inputs, NO_COMMUNES.consumers, None)
    assert str(error.value) == f"imports.goods: 'XYZ' is not a sector; known: {', '.join(m.technology.names)}"
    m.planner.conditions = dataclasses.replace(m.conditions, imports=Imports(share=0.0, goods=("XYZ",)))
    state, _, _ = m.planner.skeleton(m.economy, inputs, NO_COMMUNES.consumers, None)  # no imports: no code is read
    assert not state.imports.any() and not state.exports.any()


def test_a_bundle_is_scaled_to_one_hour_and_an_empty_one_stays_empty():
    m = _model()
    values = m.planner.values
    bundle = np.zeros(values.size)
    bundle[3] = 0.5 / values[3]  # half an hour's worth
    np.testing.assert_allclose(m.planner._unit_value(bundle), 2 * bundle, rtol=1e-12)
    np.testing.assert_array_equal(m.planner._unit_value(np.zeros(values.size)), 0.0)


def test_the_investment_fund_scales_with_the_economy_and_grows_nothing_that_is_released():
    """The allocation is the same for an economy a billion times smaller; with every good released and the asks
    met, what is left of the fund is not spent."""
    m = _model(plan=Plan(max_capacity_growth=0.5))
    planner, s, n = m.planner, m.state, m.technology.n
    first = np.zeros(n, dtype=bool)
    first[[2, 5]] = True
    for asked in (s.sector_capacity * 0.002, s.sector_capacity):  # the fund left over for balanced growth; short
        planner.allocate_investment(s, asked, first=first)
        plan = s.capacity_plan.copy()
        small = copy.deepcopy(s)
        small.net_product *= 1e-9
        small.sector_capacity = s.sector_capacity * 1e-9
        planner.allocate_investment(small, asked * 1e-9, first=first)
        np.testing.assert_allclose(small.capacity_plan, plan * 1e-9, rtol=1e-9)
    asked = s.sector_capacity * 0.002
    planner.allocate_investment(s, asked, released=np.ones(n, dtype=bool))
    np.testing.assert_allclose(s.capacity_plan * m.conditions.plan.period_weeks, asked, rtol=1e-12)


# --- the yearly decision's variants and their adoption (seed §7f) ---------------------------------------

HALF_HOUR, EIGHTH = 0.5, 0.03125  # steps exact in binary


def _variants(m, rules, asked=None, change=None):
    asked = np.zeros(m.technology.n) if asked is None else asked
    return m.planner.variants(m.state, NO_COMMUNES.consumers, asked, rules, change or TechnicalChange())


def _capacity(m, asked=None):
    s = m.state
    return WEEKS_PER_YEAR * (s.sector_capacity + s.pipeline.sum(axis=0) + (0.0 if asked is None else asked))


def test_the_most_hours_within_capacity_is_where_the_first_good_runs_out():
    """Just below the frontier every good fits its capacity; just above, one does not."""
    m = _model()
    s, planner = m.state, m.planner
    household = np.zeros(m.technology.n)
    household[s.consumer_goods] = s.expected_demand
    capital = planner.capital_per_capacity @ s.sector_capacity
    trade = WEEKS_PER_YEAR * (s.exports - s.imports)
    per_hour = s.net_product / s.hours_per_week
    for share in [(0.7, 0.15, 0.15), (0.85, 0.15, 0.0), (0.45, 0.15, 0.4)]:
        most = planner.plan_factory.most_hours(per_hour, household, s.public_plan, capital, share, _capacity(m), trade)
        assert 0.0 < most < 80.0
        below, above = planner.plan_factory.variants(
            per_hour,
            1.0,
            household,
            s.public_plan,
            capital,
            [most * (1 - 1e-6), most * (1 + 1e-6)],
            [share],
            capacity=_capacity(m),
            trade=trade,
        )
        assert not below.bottlenecks and above.bottlenecks


@pytest.mark.parametrize(
    ("shares", "rules"),
    [
        ((0.75, 0.125), {}),
        ((0.75, 0.125), {"hours_max": 36.0, "hours_min": 30.0}),
        ((0.75, 0.125), {"investment_max": 0.14}),
        ((0.02, 0.85), {"investment_max": 0.4}),  # at most 0.99 − public
        ((0.875, 0.125), {"hours_step": 0.0, "investment_step": 0.0}),  # nothing invested; no neighbours
    ],
)
def test_the_ballot_spans_the_feasible_set_and_holds_the_decision_in_force_and_its_neighbours(shares, rules):
    """Four investment shares from 0 to the most allowed, each at the fewest hours and at the frontier.

    The frontier at a share is checked by extrapolating its two variants (output is affine in the
    hours): one more step of hours would exceed the capacity there will be, unless it is at
    ``hours_max`` already.
    """
    m = _model()
    m.planner.private_share, m.planner.public_share = shares
    public = shares[1]
    rules = Decision(vote=True, **{"hours_step": HALF_HOUR, "investment_step": EIGHTH, **rules})
    found = _variants(m, rules)
    points = [(v.hours_per_week, round(v.investment_share, 9)) for v in found]
    assert points == sorted(set(points))  # each once, fewer hours first, then less investment
    assert 5 <= len(found) <= 13
    h0, i0 = 35.0, round(1.0 - sum(shares), 9)
    top = min(rules.investment_max, 0.99 - public)
    assert found[m.planner.in_force(m.state, found)].hours_per_week == h0
    step_h, step_i = rules.hours_step, rules.investment_step
    neighbours = {
        (
            float(np.clip(h0 + dh * step_h, rules.hours_min, rules.hours_max)),
            round(float(np.clip(i0 + di * step_i, 0, top)), 9),
        )
        for dh, di in ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
    }
    assert neighbours <= set(points)
    capacity = _capacity(m)
    for level in np.linspace(0.0, top, 4):
        i = round(min(round(level / step_i) * step_i if step_i else level, top), 9)
        at = sorted((v for v in found if round(v.investment_share, 9) == i), key=lambda v: v.hours_per_week)
        fewest, frontier = at[0], at[-1]
        assert fewest.hours_per_week == rules.hours_min
        if frontier.bottlenecks:  # the capacity allows not even the fewest hours at this share
            assert frontier is fewest
            continue
        if frontier.hours_per_week < rules.hours_max and frontier.hours_per_week > fewest.hours_per_week:
            slope = (frontier.gross_output - fewest.gross_output) / (frontier.hours_per_week - fewest.hours_per_week)
            beyond = frontier.gross_output + max(step_h, 1e-6) * slope
            assert np.any(beyond > capacity)
    for v in found:  # the public share as decided, the rest to households, within the bounds
        assert v.public_share == public
        assert v.private_share == pytest.approx(1.0 - public - v.investment_share, abs=1e-12)
        assert rules.hours_min <= v.hours_per_week <= rules.hours_max and 0.0 <= v.investment_share <= top + 1e-12


def test_a_variant_is_a_bottleneck_where_its_output_exceeds_capacity_in_service_on_order_and_asked_for():
    m = _model()
    s, n, names = m.state, m.technology.n, m.technology.names
    rules = Decision(vote=True)
    good = int(np.argmax(s.plan_output))
    s.sector_capacity[good] = 0.3 * s.plan_output[good]  # far short, unless what is on order and asked comes
    found = _variants(m, rules)
    output = sorted({v.gross_output[good] for v in found})
    now = m.planner.in_force(s, found)
    in_force = found[now].gross_output[good]
    above = min(x for x in output if x > in_force)
    yearly = (in_force + above) / 2  # room for the decision in force and less, not for more
    s.pipeline[1, good], s.pipeline[5, good] = 0.1 * yearly / WEEKS_PER_YEAR, 0.15 * yearly / WEEKS_PER_YEAR
    asked = np.zeros(n)
    asked[good] = yearly / WEEKS_PER_YEAR - s.sector_capacity[good] - s.pipeline[:, good].sum()
    assert asked[good] > s.pipeline[:, good].sum() > 0
    capacity = WEEKS_PER_YEAR * (s.sector_capacity + s.pipeline.sum(axis=0) + asked)
    found = _variants(m, rules, asked)
    for v in found:
        assert v.bottlenecks == tuple(names[j] for j in range(n) if v.gross_output[j] > capacity[j])
    short = [names[good] in v.bottlenecks for v in found]
    assert any(short) and not all(short) and not short[m.planner.in_force(s, found)]


def test_each_variants_output_makes_its_final_demand_with_trade_and_its_investment_buys_growth():
    """``(I − A − D) x = y + 52 (exports − imports)``; growth ``1/((1 − rate)(1 − embodied·g/(1 + g))) − 1``."""
    m = _model(imports=Imports(share=0.3), plan=Plan(max_capacity_growth=0.045))
    s, planner, cg = m.state, m.planner, m.consumer_goods
    inputs, labour = _true(m)
    n = inputs.shape[0]
    values = np.linalg.solve((np.eye(n) - inputs).T, labour)
    change = TechnicalChange(rate=0.02, embodied=0.3)
    found = _variants(m, Decision(vote=True), change=change)
    assert 7 <= len(found) <= 13
    household = np.zeros(n)
    household[cg] = s.expected_demand
    capital = planner.capital_per_capacity @ s.sector_capacity  # new capacity, like the old
    trade = WEEKS_PER_YEAR * (s.exports - s.imports)
    assert s.imports.any() and s.exports.any()
    cost = WEEKS_PER_YEAR * (values @ capital)  # hours to double every capacity
    capped = []
    for v in found:
        net_product = s.net_product / s.hours_per_week * v.hours_per_week * WEEKS_PER_YEAR
        final = net_product * (
            v.private_share * _bundle(household, values)
            + v.public_share * _bundle(s.public_plan, values)
            + v.investment_share * _bundle(capital, values)
        )
        output = np.linalg.solve(np.eye(n) - inputs, final + trade)
        np.testing.assert_allclose(v.gross_output, output, rtol=1e-9)
        assert not np.allclose(output, np.linalg.solve(np.eye(n) - inputs, final), rtol=1e-4)  # trade matters
        g = v.investment_share * net_product / cost
        capped.append(g > 0.045)
        g = min(g, 0.045)
        assert v.consumption_growth == pytest.approx(1 / ((1 - 0.02) * (1 - 0.3 * g / (1 + g))) - 1, rel=1e-12)
    assert any(capped) and not all(capped)


@pytest.mark.parametrize("capital", ["none", "under an hour"])
def test_investment_without_capital_buys_only_the_methods_rate_and_cheap_capital_at_most_the_growth_limit(capital):
    m = _model(plan=Plan(max_capacity_growth=0.25))
    planner, s = m.planner, m.state
    change = TechnicalChange(rate=0.02, embodied=0.3)
    if capital == "none":  # capacity that needs no capital: nothing to invest in, so nothing invested
        planner.capital_per_capacity = np.zeros_like(planner.capital_per_capacity)
        planner.private_share = 1.0 - planner.public_share
        rules = Decision(vote=True, investment_max=0.0)
        g = 0.0
    else:  # doubling every capacity costs half an hour: the limit binds
        cost = WEEKS_PER_YEAR * (planner.values @ (planner.capital_per_capacity @ s.sector_capacity))
        planner.capital_per_capacity = planner.capital_per_capacity * 0.5 / cost
        rules = Decision(vote=True)
        g = 0.25
    found = _variants(m, rules, change=change)
    assert 5 <= len(found) <= 13 and (capital != "none" or all(v.investment_share == 0 for v in found))
    assert any(v.investment_share > 0 for v in found) == (capital != "none")
    for v in found:  # a variant that invests nothing buys only the methods' rate
        grows = g if v.investment_share > 0 else 0.0
        assert v.consumption_growth == pytest.approx(1 / ((1 - 0.02) * (1 - 0.3 * grows / (1 + grows))) - 1, rel=1e-12)


@pytest.mark.parametrize("public", [0.15, 1e-5, 0.0])  # 1e-5: public consumption worth under an hour a week
def test_adopting_a_variant_sets_hours_shares_public_consumption_and_the_wage(public):
    m = _model(plan=Plan(public_share=public))
    s, planner, n = m.state, m.planner, m.technology.n
    persons = NO_COMMUNES.consumers
    net_product, public_plan = s.net_product, s.public_plan.copy()
    assert s.hours_per_week == 35.0 and (public == 0) == (not public_plan.any())
    new_public, investment = public + 0.05, planner.investment_share + 0.025
    private = 1.0 - new_public - investment
    variant = PlanVariant(37.0, private, new_public, investment, np.zeros(n), 0.0, 0.0, 0.0, 0.0)
    planner.adopt(variant, s, persons)
    assert s.hours_per_week == 37.0
    assert s.net_product == pytest.approx(net_product * 37.0 / 35.0, rel=1e-12)
    assert (planner.private_share, planner.public_share) == (private, new_public)
    assert planner.investment_share == pytest.approx(investment, abs=1e-12)
    if public > 0:  # the same composition, at the new share of the new net product
        scale = new_public * s.net_product / (public * net_product)
        np.testing.assert_allclose(s.public_plan, public_plan * scale, rtol=1e-12)
    else:  # nothing was planned for public bodies: nothing to scale
        np.testing.assert_array_equal(s.public_plan, 0.0)
    budget = private * s.net_product
    assert s.wage == pytest.approx(budget / (persons * 37.0), rel=1e-12)
