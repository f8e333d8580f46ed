"""The market regimes' books where the first hand-worked tests left them unchecked (issue 25).

The mutation testing of the regimes (``docs/testing.md``) left mutants alive where no test
looked: the opening of the books with public purchases and trade, the market's owners and
the farms' first incomes, the tax rate without normal income, the books across a plan,
capacity arriving where there was none or less than a unit (and at a farm), orders for a
good with under a unit of capacity, repayment while capacity is on order, and two small
cases of the pure rules. Each test works its numbers out by hand in its docstring, on the
two-good economy of ``test_regimes_hand_worked.py``: IN made from an hour of labour, OUT
from an hour and half a unit of IN; three enterprises (IN, OUT, OUT), 300 persons at 35
hours a week; markup 0.2, labour reserve 5 %: money wage w = 1 / 1.344 tokens an hour,
normal prices 0.9375 (IN) and 1.5 (OUT).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_regimes_hand_worked import HOURS, WAGE, lay_off, model_of

from sim.economics import firms, metrics

# --- the opening of the books ---------------------------------------------------------------------------------


def reopened(model, **state):
    """The books opened again at week 0 on ``state``'s values (the first plan opens them)."""
    for name, value in state.items():
        setattr(model.state, name, value)
    model.regime.books = None
    model.regime.plan(model)
    return model.regime.books


def test_the_books_open_with_public_purchases_trade_and_the_skeletons_output_worked_by_hand():
    """The skeleton asks 10 units of IN and 4 and 6 of OUT a week; public bodies buy 7 of OUT, 3 are exported and
    2 of IN imported.

    Others' expected use: IN as an input to OUT's 10, ½ · 10 = 5; OUT 7 + 3 = 10. Unit cost at
    the money wage: IN 1.05 w = 0.78125; OUT 0.78125 + ½ · 0.9375 = 1.25; funds of 4 weeks of
    the first output's cost: 4 · 7.8125 = 31.25, 4 · 5 = 20 and 4 · 7.5 = 30. The treasury
    buys 1.5 · 10 − 0.9375 · 2 = 13.125 a week at normal prices out of a normal income of
    300 · 35 w = 7,812.5: a tax rate of 0.00168. The planning errors start at 0.
    """
    model = model_of()
    model.producers.target = np.array([10.0, 4.0, 6.0])
    books = reopened(
        model,
        public_plan=np.array([0.0, 7.0]),
        exports=np.array([0.0, 3.0]),
        imports=np.array([2.0, 0.0]),
        planning_errors=np.array([0.3, -0.2]),
    )
    s = model.state
    np.testing.assert_array_equal(s.planning_errors, [0.0, 0.0])
    np.testing.assert_allclose(s.other_use, [5.0, 10.0], rtol=1e-12)
    np.testing.assert_allclose(books.funds, [31.25, 20.0, 30.0], rtol=1e-12)
    assert books.normal_income == pytest.approx(7_812.5, rel=1e-12)
    assert books.tax_rate == pytest.approx(0.00168, rel=1e-12)


@pytest.mark.parametrize(
    ("hours", "imports", "rate"),
    [
        (HOURS, 20.0, 0.0),  # imports of 20 IN outweigh what the treasury buys: 15 − 18.75 < 0, no tax
        (0.001, 2.0, 0.9),  # normal income 0.001 · 300 w = 0.22 a week for purchases of 13.125: the most, 90 %
        (0.0, 2.0, 0.0),  # no hours, no normal income: nothing to tax
    ],
)
def test_the_tax_rate_at_the_opening_stays_between_zero_and_ninety_percent(hours, imports, rate):
    model = model_of()
    books = reopened(
        model,
        hours_per_week=hours,
        public_plan=np.array([0.0, 7.0]),
        exports=np.array([0.0, 3.0]),
        imports=np.array([imports, 0.0]),
    )
    assert books.tax_rate == rate


def test_the_market_opens_with_its_owners_at_the_top_holding_their_savings_and_the_farms_at_the_money_wage():
    """A tenth of 300 persons own: the 30 at the top of the old hierarchy; a thousandth: 0.3, rounded up to one owner.

    With savings of 1 token each before the opening, owners hold 182 weeks of their wage:
    182 · 35 w = 4,739.58… times their place in the hierarchy; others keep their 1. Farms
    (and every producer row) start paying their members 35 w = 26.04… a week; nobody has been
    negative a single week.
    """
    model = model_of()
    regime, c = model.regime, model.consumers
    owners = regime.owners
    assert owners.sum() == 30
    assert c.base_wage[owners].min() > c.base_wage[~owners].max()
    c.savings[:] = 1.0
    reopened(model)
    expected = np.where(owners, 182 * HOURS * WAGE * c.wage_factor, 1.0)
    np.testing.assert_allclose(c.savings, expected, rtol=1e-12)
    assert model.state.tokens_held_at_start == pytest.approx(expected.sum(), rel=1e-12)
    np.testing.assert_allclose(regime.member_income, HOURS * WAGE, rtol=1e-12)
    assert regime.negative_weeks.dtype.kind == "i"
    np.testing.assert_array_equal(regime.negative_weeks, 0)
    one = model_of(market_owners_share=0.001)
    assert np.flatnonzero(one.regime.owners).tolist() == [int(np.argmax(one.consumers.base_wage))]


def test_the_market_draws_its_hierarchy_from_the_runs_generator_where_the_old_one_was_equal():
    """No hierarchy before: the market draws one, mean 1 over workers, Gini about 0.35; the same seed, the same."""
    factors = [model_of(wages_initial_gini=0.0).consumers.wage_factor for _ in range(2)]
    np.testing.assert_array_equal(factors[0], factors[1])
    assert factors[0].mean() == pytest.approx(1.0, rel=1e-9)
    assert 0.25 < metrics.gini(factors[0]) < 0.45


# --- the books across a plan ----------------------------------------------------------------------------------


def test_a_plan_shares_the_periods_net_income_a_week_and_starts_the_next_periods_books(monkeypatch):
    """Net income 8, 16, 24 and inputs 1, 2, 3 bought since the last plan; 50 taxed.

    Four weeks since: shared as 2, 4, 6 a week; one week since: 8, 16, 24; none yet (a plan
    just after the last): counted as one week. The books then start afresh: no net income,
    no inputs bought, no week, nothing taxed.
    """
    model = model_of()
    regime, b = model.regime, model.regime.books
    shared = []
    monkeypatch.setattr(regime, "share", lambda model_, net_income, working: shared.append(net_income.copy()))
    for weeks, per_week in ((4, [2.0, 4.0, 6.0]), (1, [8.0, 16.0, 24.0]), (0, [8.0, 16.0, 24.0])):
        b.weeks, b.taxed = weeks, 50.0
        b.net_income, b.bought = np.array([8.0, 16.0, 24.0]), np.array([1.0, 2.0, 3.0])
        regime.plan(model)
        np.testing.assert_allclose(shared[-1], per_week, rtol=1e-12)
        np.testing.assert_array_equal(b.net_income, 0.0)
        np.testing.assert_array_equal(b.bought, 0.0)
        assert (b.weeks, b.taxed) == (0, 0.0)


def test_normal_income_follows_gross_incomes_at_most_all_the_way_and_without_it_the_rate_stays(monkeypatch):
    """Two years and more since the last plan (208 weeks of 1,300 taxed): normal income is 1,300, not beyond.

    Normal income 0 (nothing taxed over two years): the rate stays what it was (30 %). Normal
    income 0.5 a week (52 taxed over 104 weeks), no purchases, no planned deficit, a treasury
    26 below its path: 26 / 260 = 0.1 a week to raise, a rate of 0.1 / 0.5 = 20 %.
    """
    model = model_of(market_deficit=0.0)
    regime, b = model.regime, model.regime.books
    b.weeks, b.taxed, b.normal_income = 208, 208 * 1_300.0, 1_040.0
    regime._tax(model)
    assert b.normal_income == pytest.approx(1_300.0, rel=1e-12)
    b.weeks, b.taxed, b.normal_income, b.tax_rate = 104, 0.0, 0.0, 0.3
    regime._tax(model)
    assert (b.normal_income, b.tax_rate) == (0.0, 0.3)
    b.weeks, b.taxed, b.normal_income, b.treasury, b.planned_balance = 104, 52.0, 0.0, -26.0, 0.0
    regime._tax(model)
    assert b.normal_income == pytest.approx(0.5, rel=1e-12)
    assert b.tax_rate == pytest.approx(0.2, rel=1e-12)


def test_spare_funds_repay_loans_only_beyond_the_capacity_on_order_worked_by_hand():
    """Loans 52, 26, 13 over 260 weeks, 4 weeks since the plan: 0.8, 0.4, 0.2 due.

    The second has 0.1 a week of OUT's capacity on order, at 97.5 a unit over the 4 weeks:
    39 committed. Its funds hold working capital, the 39 and 13 more: it repays the 13, not
    the 39. The first holds just its working capital and the third 0.1 more: they repay
    what is due.
    """
    model = model_of(capital=True)
    regime, b = model.regime, model.regime.books
    working = regime.working_capital(model)
    b.orders = np.array([0.0, 0.1, 0.0])
    np.testing.assert_allclose(regime.committed(model), [0.0, 39.0, 0.0], rtol=1e-12)
    b.loans = np.array([52.0, 26.0, 13.0])
    b.funds = working + np.array([0.0, 52.0, 0.1])
    regime._bank(model, working, 4)
    np.testing.assert_allclose(b.loans, [51.2, 13.0, 12.8], rtol=1e-12)


# --- capacity: what arrives, what is ordered -----------------------------------------------------------------


def test_capacity_arriving_where_there_was_none_under_a_unit_or_at_a_farm_worked_by_hand():
    """Embodied 0.1. The three enterprises (making IN: OUT is farmed) hold 0, 0.1 and 10 units and the two farms 5
    each; 0, 0.2, 10, 1 and 0 arrive.

    Capacity becomes 0, 0.3, 20, 6, 5: 20.3 of IN and 11 of OUT. New capacity's share: none at the first (it has none),
    ⅔ at the second, ½ at the third: methods 1, 1 − 0.1 · ⅔, 0.95. Farms' methods do not
    embody new capacity (as the councils' communes'): the first farm stays at 1.
    """
    model = model_of(population_communes=2, communes_sector="OUT", capital_wear=False, technical_change_embodied=0.1)
    regime, b, p = model.regime, model.regime.books, model.producers
    p.capacity, p.method = np.array([0.0, 0.1, 10.0, 5.0, 5.0]), np.ones(5)
    b.orders, b.pipeline[:] = np.zeros(5), 0.0
    b.pipeline[0] = [0.0, 0.2, 10.0, 1.0, 0.0]
    regime.invest(model)
    np.testing.assert_allclose(p.capacity, [0.0, 0.3, 20.0, 6.0, 5.0], rtol=1e-12)
    np.testing.assert_allclose(p.method, [1.0, 1.0 - 0.1 * 2 / 3, 0.95, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(model.state.sector_capacity, [20.3, 11.0], rtol=1e-12)


def test_capacity_is_ordered_for_a_good_with_less_than_a_unit_of_it_worked_by_hand():
    """IN: 0.8 units of capacity for an expected use of 0.8; at a target utilisation of 0.8 it wants 1: 0.2 more.

    OUT as in ``test_regimes_hand_worked``: use 36, capacity 11 and 22, 4 and 8 more. Over 26 weeks.
    """
    model = model_of(
        capital=True,
        plan_period_weeks=26,
        market_target_utilisation=0.8,
        market_growth_expected=0.0,
        plan_max_capacity_growth=2.0,
    )
    regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
    p.capacity = np.array([0.8, 11.0, 22.0])
    s.other_use, s.imports, s.expected_demand = np.array([0.8, 6.0]), np.zeros(2), np.array([30.0])
    b.funds = np.full(3, 1e6)
    b.weeks, b.net_income = 1, np.array([0.0, 100.0, 100.0])
    regime._order(model, np.zeros(3))
    np.testing.assert_allclose(b.orders * 26, [0.2, 4.0, 8.0], rtol=1e-12)


def test_investing_alike_grows_every_capacity_alike_where_nothing_is_wanted_worked_by_hand():
    """At these shares of the net product the skeleton staffs two enterprises making IN and one making OUT.

    Capacity 30, 10, 100 is ample for the use expected (IN 0.5, OUT 0.2 + 1.8 = 2): the
    accelerator wants nothing. Net income 975 over 4 weeks; 1 − 0.6 − 0.2 of it is 48.75 a
    week, 195 over the period. It grows every producer's capacity by the same share, as the
    plan factory's balanced growth: capacity worth 0 · 30 + 0 · 10 + 97.5 · 100 = 9,750, so
    195 / 9,750 = 2 % of each, 0.6, 0.2 and 2 units over the 4 weeks (within the most capacity
    may grow), 0.15, 0.05 and 0.5 a week.
    """
    model = model_of(
        capital=True,
        comparison_investment="equal",
        plan_private_share=0.6,
        plan_public_share=0.2,
        plan_max_capacity_growth=2.0,
        market_growth_expected=0.0,
    )
    regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
    assert list(p.sector) == [0, 0, 1]
    p.capacity = np.array([30.0, 10.0, 100.0])
    s.other_use, s.imports, s.expected_demand = np.array([0.5, 0.2]), np.zeros(2), np.array([1.8])
    b.weeks, b.net_income, b.pipeline[:] = 4, np.array([475.0, 300.0, 200.0]), 0.0
    regime._order(model, np.zeros(3))
    np.testing.assert_allclose(b.orders, [0.15, 0.05, 0.5], rtol=1e-12)


# --- who works where ------------------------------------------------------------------------------------------


def test_each_person_works_for_their_groups_enterprise_or_their_commune_and_the_jobless_for_nobody():
    model = model_of(population_communes=2, communes_sector="OUT")
    c = model.consumers
    jobless = lay_off(model, 5)
    producer = model.regime.producer_of_persons(model)
    workers, members = c.group >= 0, c.commune >= 0
    assert workers.any() and members.any()
    np.testing.assert_array_equal(producer[jobless], -1)
    np.testing.assert_array_equal(producer[workers], model.work_groups.council[c.group[workers]])
    np.testing.assert_array_equal(producer[members], model.communes.rows[c.commune[members]])


# --- the pure rules ---------------------------------------------------------------------------------------------


def test_a_surplus_under_a_token_beside_a_deficit_pays_out_only_what_they_hold_together():
    """Surpluses 0.6 and deficits 0.4: together 0.2, all of it paid by the one with the surplus."""
    np.testing.assert_allclose(firms.paid_out([0.6, -0.4]), [0.2, 0.0], rtol=1e-12)


def test_a_markup_without_prices_of_production_is_named_in_the_refusal():
    """A good made of half a unit of itself: at a markup of 1, (1 + 1) · ½ = 1, no prices of production."""
    with pytest.raises(ValueError, match=r"^markup 1: prices of production do not exist"):
        firms.normal_prices([1.0], [[0.5]], 1.0, 1.0)
