"""More of the market regimes' books against numbers worked by hand (issue 25).

On the two-good economy of ``test_regimes_hand_worked.py`` (IN, an input made from an hour;
OUT, households' good, from an hour and half a unit of IN; enterprises IN, OUT, OUT; labour
values 1 and 1.5 hours, normal prices 0.9375 and 1.5 tokens): the targets of the goods
households do not buy under the output rule ``"plan"``, public purchases scaled to the plan's
share under equal investment, investing alike with amounts below a token, the growth of
capacity a plan allows, the profits the owners' entry reads, and what a market regime that
says nothing of the bank does.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_regimes_hand_worked import model_of

from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.enterprises import MarketEconomy


def planned_market(stock):
    """The market under the output rule "plan", reserves of 2 weeks rebuilt over 8, its state set by hand.

    Households expected to buy 0.4 units of OUT (0.6 tokens at normal prices) and were paid 120
    tokens: their demand is 0.4 × 120 / 0.6 = 80. Public purchases 10 and 20, capital goods 30 and
    0, exports 0 and 5, imports 4 and 0: final use 10 + 30 − 4 = 36 of IN, 80 + 20 + 5 = 105 of OUT.
    """
    model = model_of(market_readjustment="plan", readjustment_reserve_weeks=2.0, readjustment_rebuild_weeks=8.0)
    s = model.state
    np.testing.assert_allclose(model.planner.inputs_estimated, [[0.0, 0.5], [0.0, 0.0]])
    s.expected_demand = np.array([0.4])
    model.consumers.income = np.full(300, 0.4)
    s.public_plan, s.investment_plan = np.array([10.0, 20.0]), np.array([30.0, 0.0])
    s.exports, s.imports = np.array([0.0, 5.0]), np.array([4.0, 0.0])
    s.stock = np.array(stock, dtype=float)
    s.reserve = np.array([999.0, 999.0])
    return model


def test_under_the_output_rule_plan_the_goods_households_do_not_buy_are_planned_worked_by_hand():
    """Outputs for the final use: OUT 105, IN 36 + 0.5 × 105 = 88.5; reserves 2 × (88.5 + 4 imported) = 185 and 210.

    Stocks 105 and 50: rebuilt over 8 weeks, 10 and 20 a week; outputs for final use and rebuild
    (46, 125): OUT 125, IN 46 + 62.5 = 108.5. Other use of IN: 0.5 × 125 + 10 + 30 = 102.5; of
    OUT: 20 + 5 = 25. Only IN is planned: its reserve is set (OUT's stays), its enterprise's
    target is 108.5; OUT's targets stay.
    """
    model = planned_market([105.0, 50.0])
    s, producers = model.state, model.producers
    out_targets = producers.target[producers.sector == 1].copy()
    model.regime._plan_targets(model)
    np.testing.assert_allclose(s.plan_output, [108.5, 125.0], rtol=1e-12)
    np.testing.assert_allclose(s.other_use, [102.5, 25.0], rtol=1e-12)
    np.testing.assert_allclose(s.reserve, [185.0, 999.0], rtol=1e-12)
    assert producers.target[producers.sector == 0].sum() == pytest.approx(108.5, rel=1e-12)
    np.testing.assert_allclose(producers.target[producers.sector == 1], out_targets, rtol=1e-12)  # re-split alike


def test_under_the_output_rule_plan_a_good_with_stock_to_spare_is_planned_at_nothing():
    """IN's stock of 10,000 is drawn down by (185 − 10,000) / 8 a week: its output would be negative, and is 0."""
    model = planned_market([10_000.0, 50.0])
    model.regime._plan_targets(model)
    np.testing.assert_allclose(model.state.plan_output, [0.0, 125.0], rtol=1e-12)
    assert model.producers.target[model.producers.sector == 0].sum() == 0.0


def test_public_purchases_under_equal_investment_are_the_plans_public_share_of_the_net_product():
    """Public purchases of 0.2 IN and 0.4 OUT are worth 0.2 + 0.6 = 0.8 hours; scaled to 0.2 × the net product."""
    model = model_of(comparison_investment="equal", plan_public_share=0.2, noise_reports=0.0)  # values exact
    model.step()
    s = model.state
    net = s.net_product
    assert net > 1.0
    s.public_plan = np.array([0.2, 0.4])
    model.regime.plan(model)
    np.testing.assert_allclose(s.public_plan, np.array([0.2, 0.4]) * 0.2 * net / 0.8, rtol=1e-9)
    s.public_plan = np.zeros(2)  # none: none scaled
    model.regime.plan(model)
    np.testing.assert_array_equal(s.public_plan, 0.0)


def test_investing_alike_with_less_than_a_token_worked_by_hand():
    """Net income 3 over 4 weeks, 0.75 a week; 1 − 0.6 − 0.2 of it over the 4 weeks: 0.6 to invest.

    Capacity 100 each at 10, 20, 30 a unit, each may grow by 4. Wanted 0.09 of the first, 0.9
    tokens: two thirds of it bought, 0.06, nothing left. Wanted nothing: 0.6 / 6000 of every
    capacity, 0.01 each. Capacity of 0.01 each (0.6 tokens in all), which may grow by 0.0004:
    0.0004 each.
    """
    model = model_of(plan_private_share=0.6, plan_public_share=0.2, plan_max_capacity_growth=0.52)
    regime, b = model.regime, model.regime.books
    model.producers.capacity = np.full(3, 100.0)
    b.net_income, b.weeks = np.array([1.5, 1.0, 0.5]), 4
    cost = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(regime._equal_orders(model, np.array([0.09, 0.0, 0.0]), cost), [0.06, 0.0, 0.0])
    np.testing.assert_allclose(regime._equal_orders(model, np.zeros(3), cost), [0.01, 0.01, 0.01], rtol=1e-12)
    model.producers.capacity = np.full(3, 0.01)
    np.testing.assert_allclose(regime._equal_orders(model, np.zeros(3), cost), np.full(3, 0.0004), rtol=1e-12)


def test_capacity_ordered_is_held_to_the_growth_a_plan_allows_worked_by_hand():
    """As in ``test_capacity_is_ordered_for_the_use_expected_at_the_target_utilisation_worked_by_hand``.

    Wanted 4.75, 4 and 8 over the 26 weeks; capacity may grow by 0.52 a year, 0.26 in the
    period: 3.64, 2.86 and 5.72 of capacities 14, 11 and 22 — all held there.
    """
    model = model_of(
        capital=True,
        plan_period_weeks=26,
        market_target_utilisation=0.8,
        market_growth_expected=0.0,
        plan_max_capacity_growth=0.52,
    )
    regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
    p.capacity = np.array([14.0, 11.0, 22.0])
    s.other_use, s.imports, s.expected_demand = np.array([20.0, 6.0]), np.array([5.0, 0.0]), np.array([30.0])
    b.funds = np.full(3, 1e6)
    b.weeks, b.net_income = 1, np.array([0.0, 100.0, 100.0])
    regime._order(model, np.zeros(3))
    np.testing.assert_allclose(b.orders * 26, [3.64, 2.86, 5.72], rtol=1e-12)


def test_the_profit_entry_reads_is_the_periods_profit_a_year():
    """Net income 30, 20 and 10 a week, wages of 40, 40 and 20 over 4 weeks: profits 20, 10 and 5 a week, × 52."""
    model = model_of()
    regime, b = model.regime, model.regime.books
    b.weeks = 4
    regime.wages = np.array([40.0, 40.0, 20.0])
    regime.share(model, np.array([30.0, 20.0, 10.0]), np.zeros(3))
    np.testing.assert_allclose(regime.profit, np.array([20.0, 10.0, 5.0]) * WEEKS_PER_YEAR, rtol=1e-12)


def test_a_market_regime_that_says_nothing_of_the_bank_does_not_borrow():
    model = model_of()
    assert MarketEconomy.lends(model.regime, model) is False
    assert model.regime.lends(model) is True  # the market's own rule: bank.credit, on by default


def test_one_family_farm_sheds_and_takes_in_one_hand_a_period_at_the_mobility_allowed_worked_by_hand():
    """One farm making OUT, staffing 1.2, productivity 1; mobility 5 % of 300 persons a year, over 4 weeks:
    300 · 0.05 · 4 / 52 = 1.15, so 1 person may move in a period.

    A target of 350 wants 350 / 35 · 1.2 = 12 members, far fewer than it has: 1 leaves (unemployed).
    With 20 workers laid off and a target wanting 15 members more than it has, 1 is taken in.
    """
    model = model_of(population_communes=1, communes_sector="OUT", communes_mobility=0.05)
    regime, p, communes = model.regime, model.producers, model.communes
    row = communes.rows[0]
    communes.staffing = 1.2
    p.productivity[row] = 1.0
    members = int(p.workers[row])
    assert members > 12
    p.target[row] = 350.0
    regime._farm_hands(model)
    assert p.workers[row] == members - 1
    assert regime.jobless(model).sum() == 1
    c = model.consumers
    c.group[np.flatnonzero(c.group >= 0)[:20]] = -1
    p.target[row] = (members - 1 + 15) * 35 / 1.2
    regime._farm_hands(model)
    assert p.workers[row] == members
    assert regime.jobless(model).sum() == 20
    assert (c.commune >= 0).sum() == members


def test_capacity_on_order_counts_in_its_buyers_net_worth_only(monkeypatch):
    """OUT's capacity is worth 97.5 a unit. Funds 0, −100, −100; no capacity in service; 2 units on order for the
    third: worth 0, −100 and −100 + 195 = 95. Only the second's weeks of negative net worth are counted."""
    monkeypatch.setattr(MarketEconomy, "buy", lambda self, model: None)  # households' week left out: the count alone
    model = model_of(capital=True)
    regime, b = model.regime, model.regime.books
    model.producers.capacity[:] = 0.0
    b.funds, b.loans = np.array([0.0, -100.0, -100.0]), np.zeros(3)
    b.pipeline[:] = 0.0
    b.pipeline[0, 2] = 2.0
    regime.negative_weeks = np.zeros(3, dtype=int)
    regime.buy(model)
    np.testing.assert_array_equal(regime.negative_weeks, [0, 1, 0])


def test_under_the_income_rule_plan_the_wage_pays_the_planned_net_product_and_farms_credit_as_communes():
    """Two farms making OUT. The money wage is the wage for the price level times the plan's hours of value over
    the hours paid, ``net product × (1 + reserve) / (persons × hours)``, below 1 where farms hold spare hands.

    Farms of 5 and 3 members delivered 4 and 12 units of OUT (values 1.5: 6 and 18 hours), transfer ¼: of the
    8 weeks' wages, each farm gets ¾ by delivery (¼, ¾) and ¼ by members (⅝, ⅜): 0.34375 and 0.65625 of them,
    so a member of the first 8 · 0.34375 / 5 = 0.55 weeks' wages, of the second 8 · 0.65625 / 3 = 1.75."""
    farms = dict(population_communes=2, communes_sector="OUT", communes_transfer=0.25)
    own, plan = model_of(**farms), model_of(market_incomes="plan", **farms)
    s = plan.state
    factor = s.net_product * (1.0 + 0.05) / (plan.consumers.income.size * s.hours_per_week)
    assert 0.5 < factor < 1.0  # OUT, all that households buy, is farmed: the spare hands are many
    assert plan.regime.money_wage == pytest.approx(own.regime.money_wage * factor, rel=1e-12)
    regime, p, c = plan.regime, plan.producers, plan.consumers
    rows = plan.communes.rows
    c.commune[c.commune >= 0] = -1
    c.commune[np.flatnonzero(c.group < 0)[:8]] = [0, 0, 0, 0, 0, 1, 1, 1]
    p.workers[rows] = [5, 3]
    p.output[rows] = [4.0, 12.0]
    np.testing.assert_allclose(s.values[p.sector[rows]], 1.5)
    gross, paid = regime.incomes(plan, regime.producer_of_persons(plan))
    weekly = regime.money_wage * s.hours_per_week
    members = c.commune >= 0
    np.testing.assert_allclose(gross[members], weekly * np.array([0.55] * 5 + [1.75] * 3), rtol=1e-12)
    np.testing.assert_allclose(paid[rows], weekly * np.array([2.75, 5.25]), rtol=1e-12)  # from the farms' funds
