"""The market regimes' macroeconomy against numbers worked by hand (issue 25).

``test_regimes_by_hand.py`` works out normal prices, each owner's dividend and each member's
share of net income. Here, on the same two-good economy, the rest of what a market regime's
books do: the central bank's Taylor rate and the bank's weekly interest, what enterprises
repay and what the bank pays its owners, an unemployed person's benefit and the tax on it,
the treasury's structural tax rate, working capital, and what the regimes record.

The economy: good IN is made from one hour of labour; good OUT from one hour and half a unit
of IN; households buy only OUT; three enterprises (IN, OUT, OUT) and 300 persons working 35
hours a week. At a markup of 0.2 and a labour reserve of 5 %, the money wage is
w = 1 / 1.344 tokens an hour and the normal prices are 0.9375 (IN) and 1.5 (OUT)
(``test_regimes_by_hand.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.economics import metrics
from sim.economics.economy import Economy, Technology
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel

WAGE = 1 / 1.344  # the money wage, tokens per hour
HOURS = 35.0  # hours a week of every person


def two_goods(capital: bool = False) -> Economy:
    """IN (an input only) and OUT (households' one good, made from an hour and half a unit of IN).

    With ``capital``, a unit of OUT's capacity holds 2 units of IN, which never wear (so that
    nothing is used up and prices are unchanged): a unit of weekly capacity of OUT costs
    52 · 2 · 0.9375 = 97.5 tokens.
    """
    A = np.array([[0.0, 0.5], [0.0, 0.0]])
    held = {"capital": np.array([[0.0, 2.0], [0.0, 0.0]]), "depreciation": np.zeros(2)} if capital else {}
    technology = Technology(A, [1.0, 1.0], names=["IN", "OUT"], consumer_goods=["OUT"], **held)
    demand = pd.DataFrame({"private": [0.0, 1.0], "public": [0.0, 0.0], "investment": [0.0, 0.0]}, index=["IN", "OUT"])
    output = np.linalg.solve(np.eye(2) - A, demand.sum(axis=1).to_numpy())
    return Economy(technology, demand, output, output, np.zeros(2), 300.0, 1_800.0, 300.0, np.ones(2), name="two goods")


def model_of(regime: str = "market", capital: bool = False, **parameters) -> CouncilsModel:
    """Three enterprises (one making IN, two making OUT), 300 persons, the first plan made (the books open)."""
    defaults = {
        "seed": 1,
        "years": 0.1,
        "population_consumers": 300,
        "population_councils": 3,
        "population_communes": 0,
        "plan_labour_reserve": 0.05,
        "plan_period_weeks": 4,
        "market_markup": 0.2,
        "self_managed_market_markup": 0.2,
        "self_managed_market_market_power": 0.0,  # one markup for both goods, as worked out above
    }
    return CouncilsModel(economy=two_goods(capital), regime=regime, **{**defaults, **parameters})


def test_the_economy_is_the_one_worked_out_in_the_docstring():
    model = model_of()
    assert model.state.hours_per_week == HOURS
    assert model.regime.money_wage == pytest.approx(WAGE, rel=1e-12)
    assert list(model.producers.sector) == [0, 1, 1]
    assert model.regime.unemployment_rate(model) == 0.0


# --- the bank: the Taylor rate, interest, repayment, the bank's profit to its owners ----------------------------


def lay_off(model, persons: int) -> np.ndarray:
    """The first ``persons`` workers without work (in no group): their mask."""
    c = model.consumers
    jobless = np.zeros(c.group.size, dtype=bool)
    jobless[np.flatnonzero(c.group >= 0)[:persons]] = True
    c.group[jobless] = -1
    return jobless


def test_the_taylor_rate_before_a_year_of_prices_takes_inflation_at_its_target():
    """r* = 2 %, π = π* = 2 % (no year of prices seen yet), u* = 5 %; 6 of 300 jobless, u = 2 %.

    i = 0.02 + 0.02 + ½ · 0 + ½ · 2 · (0.05 − 0.02) = 0.07; the loan rate 0.07 + 0.03 = 0.10.
    """
    model = model_of()
    regime = model.regime
    lay_off(model, 6)
    assert regime.unemployment_rate(model) == pytest.approx(0.02, rel=1e-12)
    regime._bank(model, regime.working_capital(model), 4)
    assert regime.inflation == pytest.approx(0.02, rel=1e-12)
    assert regime.books.policy_rate == pytest.approx(0.07, rel=1e-12)
    assert regime.books.loan_rate == pytest.approx(0.10, rel=1e-12)


@pytest.mark.parametrize(("weeks_seen", "inflation"), [(WEEKS_PER_YEAR, 0.02), (WEEKS_PER_YEAR + 1, 0.04)])
def test_the_taylor_rate_takes_the_inflation_of_the_last_year_once_a_year_is_seen(monkeypatch, weeks_seen, inflation):
    """A price level that rose from 1.25 to 1.30 over the last 52 weeks: π = 4 %; u = u* = 5 % (15 of 300).

    i = 0.02 + 0.04 + ½ · (0.04 − 0.02) + 0 = 0.07; loan rate 0.10. With only 52 weeks seen, no
    year-ago level exists yet: π is the target, i = 0.02 + 0.02 = 0.04, loan rate 0.07.
    """
    model = model_of()
    regime = model.regime
    lay_off(model, 15)
    level = np.linspace(1.25, 1.3, WEEKS_PER_YEAR + 1)[-weeks_seen:]
    monkeypatch.setattr(model.record, "series", lambda name: level if name == "price_level" else None)
    regime._bank(model, regime.working_capital(model), 4)
    assert regime.inflation == pytest.approx(inflation, rel=1e-12)
    assert regime.books.policy_rate == pytest.approx(0.01 + 1.5 * inflation, rel=1e-12)  # 0.07 or 0.04
    assert regime.books.loan_rate == pytest.approx(0.04 + 1.5 * inflation, rel=1e-12)


def test_the_taylor_rate_is_never_negative():
    """30 of 300 jobless, u = 10 %: 0.02 + 0.02 + ½ · 2 · (0.05 − 0.10) = −0.01, floored at 0; loans pay the spread."""
    model = model_of()
    lay_off(model, 30)
    model.regime._bank(model, model.regime.working_capital(model), 4)
    assert model.regime.books.policy_rate == 0.0
    assert model.regime.books.loan_rate == pytest.approx(0.03, rel=1e-12)


def test_repayment_and_the_banks_payout_worked_by_hand():
    """Loans 52, 26, 13 over a term of 5 years (260 weeks), 4 weeks since the last plan: 1/65 is due.

    Due 0.8, 0.4, 0.2. Spare funds (beyond working capital, nothing ordered) 0, 13, 0.1: the
    second repays its spare 13, the others what is due: 0.8, 13, 0.2. The bank holds 8 of its
    own: it pays its owners 8 over the 4 weeks to the next plan, 2 a week.
    """
    model = model_of()
    regime, b = model.regime, model.regime.books
    working = regime.working_capital(model)
    b.loans = np.array([52.0, 26.0, 13.0])
    b.funds = working + np.array([0.0, 13.0, 0.1])
    b.bank_equity = 8.0
    funds = b.funds.copy()
    regime._bank(model, working, 4)
    np.testing.assert_allclose(b.loans, [51.2, 13.0, 12.8], rtol=1e-12)
    np.testing.assert_allclose(funds - b.funds, [0.8, 13.0, 0.2], rtol=1e-12, atol=1e-12 * funds.max())
    assert b.bank_payout == pytest.approx(2.0, rel=1e-12)
    assert b.bank_equity == 8.0  # paid week by week, with the incomes
    # An enterprise without funds repays nothing, whatever is due; a bank without profit pays out nothing.
    b.funds, b.loans, b.bank_equity = np.zeros(3), np.array([52.0, 0.0, 0.0]), 0.0
    regime._bank(model, np.zeros(3), 4)
    np.testing.assert_array_equal(b.loans, [52.0, 0.0, 0.0])
    assert b.bank_payout == 0.0


def test_without_credit_the_bank_sets_no_rate_and_nothing_is_repaid():
    model = model_of(bank_credit=False)
    regime, b = model.regime, model.regime.books
    b.loans = np.array([52.0, 26.0, 13.0])
    b.bank_equity = 8.0
    regime._bank(model, regime.working_capital(model), 4)
    assert b.policy_rate == 0.0 and b.loan_rate == 0.0 and b.bank_payout == 0.0
    np.testing.assert_array_equal(b.loans, [52.0, 26.0, 13.0])


def test_a_weeks_interest_goes_to_the_bank_and_its_profit_to_the_owners():
    """Nobody jobless, π = π* = 2 %: i = 0.02 + 0.02 + ½ · 2 · 0.05 = 0.09, loan rate 0.12 a year.

    Loans of 52, 104 and 0 pay 52 · 0.12 / 52 = 0.12 and 0.24 in the week. The bank's owners
    take its payout, 2 a week (8 over 4 weeks), in equal parts (30 owners, no dividend yet):
    1/15 each on top of their wage. The bank ends the week with 8 − 2 + 0.36.
    """
    model = model_of()
    regime, b = model.regime, model.regime.books
    regime._bank(model, regime.working_capital(model), 4)
    assert b.loan_rate == pytest.approx(0.12, rel=1e-12)
    b.loans = np.array([52.0, 104.0, 0.0])
    b.bank_equity = 8.0
    b.bank_payout = 2.0
    b.net_income = np.array([1.0, 2.0, 3.0])  # since the last plan
    net_income = b.net_income.copy()
    model.step()
    np.testing.assert_allclose(b.interest, [0.12, 0.24, 0.0], rtol=1e-12)
    assert b.bank_equity == pytest.approx(8.0 - 2.0 + 0.36, rel=1e-12)
    np.testing.assert_allclose(b.net_income - net_income, b.revenue - b.inputs - b.interest, rtol=1e-12)
    c, owners = model.consumers, regime.owners
    gross = c.income / (1.0 - b.tax_rate)
    wage = WAGE * HOURS * c.wage_factor / c.wage_factor[c.workers].mean()
    np.testing.assert_allclose(gross[owners] - wage[owners], 2.0 / 30.0, rtol=1e-9)
    np.testing.assert_allclose(gross[~owners], wage[~owners], rtol=1e-12)


def test_the_bank_pays_no_more_than_its_own_funds():
    """A payout of 2 a week but 0.5 left: the owners share 0.5 and the bank is left with nothing (before interest)."""
    model = model_of()
    regime, b = model.regime, model.regime.books
    b.bank_payout, b.bank_equity = 2.0, 0.5
    gross, _ = regime.incomes(model, regime.producer_of_persons(model))
    assert b.bank_equity == 0.0
    wage = WAGE * HOURS * model.consumers.wage_factor / model.consumers.wage_factor.mean()
    np.testing.assert_allclose(gross[regime.owners] - wage[regime.owners], 0.5 / 30, rtol=1e-9)
    b.bank_equity = -1.0  # a bank that lost money pays nothing
    gross, _ = regime.incomes(model, regime.producer_of_persons(model))
    assert b.bank_equity == -1.0
    np.testing.assert_allclose(gross, wage, rtol=1e-12)


# --- the treasury: the benefit, the tax, the structural rate ------------------------------------------------------


def test_an_unemployed_person_gets_the_benefit_less_the_tax():
    """Benefit 0.4 of the weekly wage: 0.4 · 35 / 1.344 = 10.416… tokens; taxed at 25 %: 7.8125 in hand.

    Three jobless persons cost the treasury 31.25 a week; it takes a quarter of every gross income.
    """
    model = model_of(market_benefit=0.4)
    regime, b, c = model.regime, model.regime.books, model.consumers
    jobless = lay_off(model, 3)
    assert regime.jobless(model).sum() == 3
    np.testing.assert_allclose(regime.benefits(model), np.where(jobless, 0.4 * HOURS * WAGE, 0.0), rtol=1e-12)
    b.tax_rate, b.treasury, b.taxed = 0.25, 0.0, 0.0
    regime.pay(model)
    np.testing.assert_allclose(c.income[jobless], 7.8125, rtol=1e-12)
    gross = c.income / 0.75
    assert b.taxed == pytest.approx(gross.sum(), rel=1e-12)
    assert b.treasury == pytest.approx(0.25 * gross.sum() - 31.25, rel=1e-12)
    assert b.pay.sum() == pytest.approx(gross.sum() - 31.25, rel=1e-12)  # producers pay all but the benefit


def test_the_structural_tax_rate_worked_by_hand():
    """Four weeks since the last plan in which 5,200 were taxed (1,300 a week); normal income 1,040.

    Normal income moves 4/104 of the way: 1,040 + (1,300 − 1,040) · 4 / 104 = 1,050. The
    treasury buys 74 of OUT a week and exports 10 more, and sells 8 of IN imported: 1.5 · 84 −
    0.9375 · 8 = 118.5 at normal prices. It plans a deficit of 2 % of normal income (21 a week,
    84 over the 4 weeks), and holds 176, 260 above its planned path of −84: it brings that back
    over 5 years, 1 a week. Needed: 118.5 − 21 − 1 = 96.5 a week, a rate of 96.5 / 1,050.
    One week after a plan with 1,300 taxed, normal income moves 1/104 of the way: 1,042.5.
    """
    model = model_of(market_deficit=0.02)
    regime, b, s = model.regime, model.regime.books, model.state
    s.public_plan, s.exports, s.imports = np.array([0.0, 74.0]), np.array([0.0, 10.0]), np.array([8.0, 0.0])
    b.weeks, b.taxed, b.normal_income = 4, 5_200.0, 1_040.0
    b.treasury, b.planned_balance = 176.0, 0.0
    regime._tax(model)
    assert b.normal_income == pytest.approx(1_050.0, rel=1e-12)
    assert b.planned_balance == pytest.approx(-84.0, rel=1e-12)
    assert b.tax_rate == pytest.approx(96.5 / 1_050.0, rel=1e-12)
    b.weeks, b.taxed, b.normal_income = 1, 1_300.0, 1_040.0
    regime._tax(model)
    assert b.normal_income == pytest.approx(1_042.5, rel=1e-12)


@pytest.mark.parametrize(("treasury", "rate"), [(1e6, 0.0), (-1e7, 0.9)])
def test_the_structural_tax_rate_stays_between_zero_and_ninety_percent(treasury, rate):
    model = model_of()
    b = model.regime.books
    b.treasury = treasury
    model.regime._tax(model)
    assert b.tax_rate == rate


def test_the_tax_rate_at_the_opening_pays_the_treasurys_purchases_out_of_normal_income():
    """Without public consumption, exports or imports the treasury buys nothing: no tax at first.

    Normal income: 300 persons at 35 hours and the money wage, 10,500 / 1.344 = 7,812.5 a week.
    """
    model = model_of()
    assert model.regime.books.tax_rate == 0.0
    assert model.regime.books.normal_income == pytest.approx(7_812.5, rel=1e-12)


# --- working capital --------------------------------------------------------------------------------------------


def test_working_capital_is_four_weeks_of_inputs_and_of_pay_at_the_money_wage():
    """Inputs 40, 80, 0 over 4 weeks; members 10, 20, 10 at 35 / 1.344 a week each.

    4 · (10 + 10 · 35 / 1.344), 4 · (20 + 20 · 35 / 1.344), 4 · 10 · 35 / 1.344.
    """
    model = model_of()
    regime, b = model.regime, model.regime.books
    model.producers.workers = np.array([10, 20, 10])
    b.bought, b.weeks = np.array([40.0, 80.0, 0.0]), 4
    pay = HOURS * WAGE
    expected = 4 * np.array([10 + 10 * pay, 20 + 20 * pay, 10 * pay])
    np.testing.assert_allclose(regime.working_capital(model), expected, rtol=1e-12)
    b.weeks = 0  # just after a plan: inputs are counted as over one week
    np.testing.assert_allclose(regime.working_capital(model), 4 * np.array([40 + 10 * pay, 80 + 20 * pay, 10 * pay]))


# --- what the market regimes share: the balance sheets, investing alike, who may borrow ---------------------------


def test_the_balance_sheets_name_every_sector_and_sum_its_accounts():
    model = model_of()
    regime, b = model.regime, model.regime.books
    b.loans = np.array([1.0, 2.0, 3.0])
    b.bank_equity, b.treasury = 4.0, -5.0
    sheets = regime.balance_sheets(model)
    assert sheets == {
        "households": pytest.approx(model.consumers.savings.sum(), rel=1e-12),
        "enterprises": pytest.approx(b.funds.sum() - 6.0, rel=1e-12),
        "bank": 4.0,
        "treasury": -5.0,
        "monetary authority": -b.issued,
    }


def test_investing_alike_spends_the_plans_investment_share_of_the_net_product_worked_by_hand():
    """Net income 600 over 4 weeks, 150 a week; 1 − 0.6 − 0.2 of it, 30 a week, 120 over the period.

    Capacity 100 each at 10, 20, 30 a unit (6,000 for the lot); each may grow by 0.52 · 100 · 4 / 52 = 4.
    The accelerator wanted 1 and 2 units: 50 spent there first; the 70 left grows every producer by
    70 / 6,000 of its capacity, 1.1667 each: 2.1667, 3.1667, 1.1667 (as the plan factory spends its fund).
    """
    model = model_of(plan_private_share=0.6, plan_public_share=0.2, plan_max_capacity_growth=0.52)
    regime, b = model.regime, model.regime.books
    model.producers.capacity = np.full(3, 100.0)
    b.net_income, b.weeks = np.array([300.0, 200.0, 100.0]), 4
    cost = np.array([10.0, 20.0, 30.0])
    balanced = 70.0 / 6000.0 * 100.0
    orders = regime._equal_orders(model, np.array([1.0, 2.0, 0.0]), cost)
    np.testing.assert_allclose(orders, [1.0 + balanced, 2.0 + balanced, balanced], rtol=1e-12)
    # Where the accelerator wanted nothing, all of it balanced: 120 / 6,000 · 100 = 2 each.
    np.testing.assert_allclose(regime._equal_orders(model, np.zeros(3), cost), [2.0, 2.0, 2.0], rtol=1e-12)
    # Wanted beyond what it may grow, 4 each, costs 240: half of it bought, nothing left to balance.
    np.testing.assert_allclose(regime._equal_orders(model, np.full(3, 5.0), cost), [2.0, 2.0, 2.0], rtol=1e-12)
    # Just after a plan (no week yet) the period's net income counts as one week's: 600 a week, 480 over 4;
    # 3 spent on 0.1 of the third, 477 left: 7.95 each, within 4.
    b.weeks = 0
    np.testing.assert_allclose(regime._equal_orders(model, np.array([0.0, 0.0, 0.1]), cost), [4.0, 4.0, 4.0])
    # A loss buys nothing; capacity that costs nothing is had as wanted (as in the plan factory).
    b.weeks, b.net_income = 4, np.array([-300.0, 200.0, 0.0])
    np.testing.assert_array_equal(regime._equal_orders(model, np.ones(3), cost), 0.0)
    b.net_income = np.array([300.0, 200.0, 100.0])
    np.testing.assert_array_equal(regime._equal_orders(model, np.ones(3), np.zeros(3)), 1.0)


def test_investing_alike_orders_a_tenth_of_a_unit_worked_by_hand():
    """120 over the period; capacity 100 each may grow by 1.3 · 100 · 4 / 52 = 10.

    0.1 wanted of the third at 30: 3 spent, 117 left, 1.95 each: 1.95, 1.95, 2.05. 0.5 of the first at
    10: 5 spent, 115 left, 1.9167 each. 12 of the first: 10 allowed, 100 spent, 20 left: 0.3333 for the
    two others (the first may grow no more).
    """
    model = model_of(plan_private_share=0.6, plan_public_share=0.2, plan_max_capacity_growth=1.3)
    regime, b = model.regime, model.regime.books
    model.producers.capacity = np.full(3, 100.0)
    b.net_income, b.weeks = np.array([300.0, 200.0, 100.0]), 4
    cost = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(regime._equal_orders(model, np.array([0.0, 0.0, 0.1]), cost), [1.95, 1.95, 2.05])
    each = 115.0 / 60.0
    orders = regime._equal_orders(model, np.array([0.5, 0.0, 0.0]), cost)
    np.testing.assert_allclose(orders, [0.5 + each, each, each], rtol=1e-12)
    orders = regime._equal_orders(model, np.array([12.0, 0.0, 0.0]), cost)
    np.testing.assert_allclose(orders, [10.0, 1 / 3, 1 / 3], rtol=1e-12)
    # Two weeks since the plan: 300 a week, 60 invested, 240 over the period: 3 spent, 237 left, 3.95 each.
    b.weeks = 2
    np.testing.assert_allclose(regime._equal_orders(model, np.array([0.0, 0.0, 0.1]), cost), [3.95, 3.95, 4.05])


def test_the_self_managed_market_lends_at_its_fixed_rate_and_neither_bargains_nor_plans_a_deficit():
    model = model_of("self_managed_market", self_managed_market_credit=False)
    regime = model.regime
    assert not regime.lends(model)
    assert regime.rates(model, 0.5) == (0.0, 0.0)  # the fixed loan rate, whatever inflation
    lent = model_of("self_managed_market", self_managed_market_loan_rate=-0.04)
    assert lent.regime.lends(lent) and lent.regime.rates(lent, 0.5) == (-0.04, -0.04)
    assert regime.wage_slope(model) == 0.0 and regime.deficit(model) == 0.0 and regime.initial_growth(model) == 0.0
    assert regime.investment_margin(model) == model.conditions.plan.investment_margin
    np.testing.assert_array_equal(regime.invests(model), [True, True, True])
    lay_off(model, 30)  # unemployment above the natural rate moves no wage here
    regime._bargain(model, 4)
    assert regime.money_wage == pytest.approx(WAGE, rel=1e-12)
    regime.books.loans = np.array([52.0, 0.0, 0.0])
    regime._bank(model, regime.working_capital(model), 4)
    assert regime.books.loan_rate == 0.0 and regime.books.loans[0] == 52.0


def test_the_market_bargains_its_wage_down_with_unemployment_worked_by_hand():
    """Slope 0.5 a year per point; u = 10 % against u* = 5 %; 4 weeks: w falls by 0.5 · 0.05 · 4 / 52."""
    model = model_of(market_wage_slope=0.5)
    lay_off(model, 30)
    model.regime._bargain(model, 4)
    assert model.regime.money_wage == pytest.approx(WAGE * (1 - 0.5 * 0.05 * 4 / 52), rel=1e-12)
    assert model.state.wage == model.regime.money_wage
    model.regime._bargain(model, 52 * 100)  # never below half of what it was
    assert model.regime.money_wage == pytest.approx(WAGE * (1 - 0.5 * 0.05 * 4 / 52) / 2, rel=1e-12)


# --- market self-management: its opening, its incomes, its sharing, its members' moves ----------------------------


def test_the_self_managed_market_opens_with_equal_incomes_at_the_normal_personal_income():
    """Everyone's relative wage is 1 and every enterprise pays 35 / 1.344 = 26.04… a week per member."""
    model = model_of("self_managed_market", wages_initial_gini=0.3)
    np.testing.assert_array_equal(model.consumers.wage_factor, 1.0)
    np.testing.assert_allclose(model.regime.member_income, HOURS * WAGE, rtol=1e-12)


def test_self_managed_incomes_count_every_enterprise_even_one_nobody_works_in():
    model = model_of("self_managed_market")
    regime = model.regime
    regime.member_income = np.array([10.0, 20.0, 30.0])
    gross, paid = regime.incomes(model, np.array([0, 1, 1, 0]))
    np.testing.assert_array_equal(gross, [10.0, 20.0, 20.0, 10.0])
    np.testing.assert_array_equal(paid, [20.0, 40.0, 0.0])


def test_a_small_positive_net_income_is_kept_in_part_before_the_average_is_taken():
    """Net income 0.8, 100, −50 a week, 10 members each, retention ¼, floor ½ of the average.

    Shared 0.6 and 75 (the loss is kept whole): average (0.6 + 75) / 30 = 2.52, floor 1.26.
    Per member 0.06 raised to 1.26, 7.5, and −5 raised to 1.26.
    """
    model = model_of("self_managed_market", self_managed_market_retention=0.25, self_managed_market_minimum_income=0.5)
    regime = model.regime
    model.producers.workers = np.array([10, 10, 10])
    regime.books.funds, regime.books.orders = np.zeros(3), np.zeros(3)
    regime.share(model, np.array([0.8, 100.0, -50.0]), np.zeros(3))
    np.testing.assert_allclose(regime.member_income, [1.26, 7.5, 1.26], rtol=1e-12)


def test_funds_beyond_need_are_shared_among_members_and_not_among_nobody():
    """Members 1, 20, 0; nothing earned; funds beyond need 4, 0, 8, all paid out over 4 weeks: 1 and 0 a week.

    The one member of the first takes its 1 a week; the third has nobody to share its 2 a week with.
    """
    model = model_of("self_managed_market", self_managed_market_retention=0.25, self_managed_market_minimum_income=0.5)
    regime = model.regime
    model.producers.workers = np.array([1, 20, 0])
    regime.books.funds, regime.books.orders = np.array([4.0, 0.0, 8.0]), np.zeros(3)
    regime.share(model, np.zeros(3), np.zeros(3))
    np.testing.assert_array_equal(regime.member_income, [1.0, 0.0, 0.0])


def test_nobody_to_share_with_shares_nothing():
    model = model_of("self_managed_market")
    regime = model.regime
    model.producers.workers = np.zeros(3, dtype=int)
    regime.books.funds, regime.books.orders = np.zeros(3), np.zeros(3)
    regime.share(model, np.array([10.0, -5.0, 0.0]), np.zeros(3))
    np.testing.assert_array_equal(regime.member_income, 0.0)


class Spy:
    """Stands in for ``FactoryCouncils.movers_to_income`` or ``movers_to_plan``: keeps its arguments, moves nobody."""

    def __init__(self):
        self.arguments = None

    def __call__(self, *arguments):
        self.arguments = arguments
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)


def test_self_managed_enterprises_admit_members_where_their_output_needs_the_hands_worked_by_hand(monkeypatch):
    """Targets 350, 700, 35 a week at 1 hour a unit; methods 1, ½, 1; productivity 1, 2, 1; 35 hours a week.

    Hands needed 10, 700 · ½ / 2 / 35 = 5, and 1; with the 5 % reserve 10.5, 5.25, 1.05: 11, 6 and 2
    places less the 10, 2 and 5 members there are: 1, 4, −3. Mobility 5 % a year, over 4 weeks:
    1 − 0.95^(4/52) of the worse-paid look for another place.
    """
    model = model_of("self_managed_market", self_managed_market_mobility=0.05)
    p = model.producers
    p.target = np.array([350.0, 700.0, 35.0])
    p.method = np.array([1.0, 0.5, 1.0])
    p.productivity = np.array([1.0, 2.0, 1.0])
    p.workers = np.array([10, 2, 5])
    spy = Spy()
    monkeypatch.setattr(model.councils, "movers_to_income", spy)
    model.regime.move_labour(model)
    _, _, income, rate, places, floor, _ = spy.arguments
    np.testing.assert_array_equal(places, [1, 4, -3])
    assert rate == pytest.approx(1 - 0.95 ** (4 / 52), rel=1e-12)
    assert income is model.regime.member_income
    assert floor == model.conditions.population.group_size_min


def test_what_enterprises_committed_to_capacity_is_not_shared():
    """Capacity of OUT at 97.5 a unit; the second enterprise ordered 0.01 a week for 4 weeks: 3.9 committed.

    Funds beyond working capital 4, 7.9, 0: beyond what was committed too, 4, 4, 0, paid out over
    the 4 weeks to 4 members each: 0.25 a week per member (nothing earned, so no floor).
    """
    model = model_of("self_managed_market", capital=True)
    regime = model.regime
    np.testing.assert_allclose(regime.capacity_cost(model), [0.0, 97.5, 97.5], rtol=1e-12)
    model.producers.workers = np.array([4, 4, 2])
    regime.books.orders = np.array([0.0, 0.01, 0.0])
    np.testing.assert_allclose(regime.committed(model), [0.0, 3.9, 0.0], rtol=1e-12)
    regime.books.funds = np.array([4.0, 7.9, 0.0])
    regime.share(model, np.zeros(3), np.zeros(3))
    np.testing.assert_allclose(regime.member_income, [0.25, 0.25, 0.0], rtol=1e-12)


def test_members_of_the_worst_paying_enterprise_move_to_the_best_paying_one_that_needs_hands():
    """Every member looks elsewhere (mobility 1); the first pays 10, the second 30 a week and needs 40 hands more."""
    model = model_of(
        "self_managed_market",
        self_managed_market_mobility=1.0,
        self_managed_market_separation=0.0,  # nobody leaves but the movers
        population_group_size_min=2,
    )
    regime, p = model.regime, model.producers
    regime.member_income = np.array([10.0, 30.0, 20.0])
    before = p.workers.copy()
    hands = (before[1] + 40) / 1.05 * HOURS * p.productivity[1]  # output that needs 40 hands more, with the reserve
    p.target = np.array([p.target[0], hands / model.councils.labour[1] / p.method[1], p.target[2]])
    regime.move_labour(model)
    assert p.workers[0] < before[0] and p.workers[1] > before[1] and p.workers[2] == before[2]
    assert p.workers.sum() == before.sum()
    assert (model.consumers.group >= 0).sum() == before.sum()  # every mover is in a work group


def test_the_earnings_gini_weighs_each_enterprises_income_by_its_members():
    """Incomes 10 and 30 a week per member, 30 and 10 members: the Gini of 30 tens and 10 thirties.

    Mean 15; a pair drawn at random differs by 20 with chance 2 · 30 · 10 / 40² = 3/8: mean absolute
    difference 7.5, Gini 7.5 / (2 · 15) = 0.25 (the unweighted Gini of 10, 30, 10 would be 2/9).
    """
    model = model_of("self_managed_market", population_communes=1, communes_sector="OUT")  # a commune is left out
    model.regime.member_income = np.array([10.0, 30.0, 10.0, 1_000.0])
    model.producers.workers = np.array([20, 10, 10, 50])
    assert model.regime.earnings_gini(model) == pytest.approx(0.25, rel=1e-12)


# --- the fixed plan: what households asked for over the year ----------------------------------------------------


def test_the_yearly_plan_expects_the_demand_households_showed_on_average_over_the_year():
    """The plan of week 52 takes as households' demand the mean of the 52 weeks' demand seen, queues included."""
    model = model_of("fixed_plan", years=1.1)
    seen = []
    for _ in range(WEEKS_PER_YEAR):
        model.step()
        seen.append(model.state.seen_demand.copy())
    assert model.week == WEEKS_PER_YEAR  # the yearly plan has just been made
    np.testing.assert_allclose(model.state.expected_demand, np.mean(seen, axis=0), rtol=1e-12)
    assert np.ptp(np.array(seen)[:, 0]) > 0  # the weeks differed


def test_a_correction_raises_targets_for_the_mean_queue_of_the_weeks_since_the_last(monkeypatch):
    """At the end of weeks 13 and 26 the planners see the queue (demand less sales) summed over 13 weeks, ÷ 13."""
    from sim.regimes import fixed_plan

    model = model_of("fixed_plan", years=0.6, consumption_taste_noise=0.0)
    model.state.stock[:] = 0.0  # nothing in stock at first: queues form
    seen = []
    raised = fixed_plan.plan_corrections.raised_for_queues

    def spy(targets, inputs, queued, strength, ceiling):
        seen.append(np.array(queued, dtype=float))
        return raised(targets, inputs, queued, strength, ceiling)

    monkeypatch.setattr(fixed_plan.plan_corrections, "raised_for_queues", spy)
    queues = []
    for _ in range(26):
        model.step()
        queues.append(model.state.wanted - model.state.sales)
    assert len(seen) == 2 and model.regime.corrections == 2
    cg = model.state.consumer_goods
    for correction, weeks in enumerate((slice(0, 13), slice(13, 26))):
        assert np.mean(queues[weeks], axis=0)[0] > 0
        np.testing.assert_allclose(seen[correction][cg], np.mean(queues[weeks], axis=0), rtol=1e-12)


def test_the_last_correction_of_a_year_cuts_piles_over_the_weeks_left_to_the_yearly_plan(monkeypatch):
    """Corrections every 10 weeks: at the end of weeks 10, 20, 30, 40 and 50; the last clears piles over 2 weeks."""
    from sim.regimes import fixed_plan

    model = model_of("fixed_plan", years=1.0, fixed_plan_correction_weeks=10)
    weeks = []
    cut = fixed_plan.plan_corrections.cut_for_piles

    def spy(targets, inputs, piles, over, strength):
        weeks.append((model.week + 1, over))
        return cut(targets, inputs, piles, over, strength)

    monkeypatch.setattr(fixed_plan.plan_corrections, "cut_for_piles", spy)
    elapsed = []
    piled = fixed_plan.plan_corrections.piled

    def piled_spy(stock, reserve, stock_at_plan, share):
        elapsed.append(share)
        return piled(stock, reserve, stock_at_plan, share)

    monkeypatch.setattr(fixed_plan.plan_corrections, "piled", piled_spy)
    for _ in range(WEEKS_PER_YEAR - 1):
        model.step()
    assert weeks == [(10, 10), (20, 10), (30, 10), (40, 10), (50, 2)]
    np.testing.assert_allclose(elapsed, np.array([10, 20, 30, 40, 50]) / WEEKS_PER_YEAR, rtol=1e-12)  # of the year


def test_the_fixed_plan_draws_its_hierarchy_where_the_old_one_was_equal():
    """With no hierarchy before, the plan's managerial one is drawn: mean 1 over workers, Gini about ``wage_gini``."""
    model = model_of("fixed_plan", wages_initial_gini=0.0, fixed_plan_wage_gini=0.25)
    factor = model.consumers.wage_factor[model.consumers.workers]
    assert factor.mean() == pytest.approx(1.0, rel=1e-9)
    assert 0.15 < metrics.gini(factor) < 0.35


def test_the_yearly_plans_reserve_is_weeks_of_households_demand_at_their_budget_and_of_other_use():
    """OUT is households' only good at 1.5 hours: their demand is their budget ÷ 1.5, whatever was expected."""
    model = model_of("fixed_plan")
    s, cg = model.state, model.state.consumer_goods
    household = model.planner.household_budget(s.net_product) / 1.5
    weeks = model.conditions.readjustment.reserve_weeks
    np.testing.assert_allclose(s.reserve[cg], weeks * (household + s.other_use[cg]), rtol=1e-12)


# --- the market: where enterprises invest ---------------------------------------------------------------------


def test_the_market_invests_for_spare_capacity_at_its_target_utilisation():
    """At a target utilisation of 0.8, capacity is built for a quarter more than the use expected."""
    model = model_of(market_target_utilisation=0.8)
    assert model.regime.investment_margin(model) == pytest.approx(0.25, rel=1e-12)


def test_enterprises_invest_where_their_profit_rate_beats_the_real_rate_on_loans_worked_by_hand():
    """Capacity 100, 10, 10; a unit of OUT's at 97.5, so the two OUT enterprises hold 975 each, IN none.

    One week since the plan; net income 5, 31.5, 22.25 and wages 4, 30, 20: profits 1, 1.5, 2.25
    a week, 52, 78 and 117 a year: profit rates — (nothing held), 0.08 and 0.12. The loan rate
    0.12 less inflation 0.02: a real rate of 0.10, which only the third beats. Without credit
    the real rate is 0 and both do. An enterprise holding capacity worth 0.39 and making a
    profit invests too.
    """
    model = model_of(capital=True)
    regime, b = model.regime, model.regime.books
    model.producers.capacity = np.array([100.0, 10.0, 10.0])
    np.testing.assert_allclose(regime.capital_value(model), [0.0, 975.0, 975.0], rtol=1e-12)
    b.weeks, b.net_income, regime.wages = 1, np.array([5.0, 31.5, 22.25]), np.array([4.0, 30.0, 20.0])
    b.loan_rate, regime.inflation = 0.12, 0.02
    np.testing.assert_array_equal(regime.invests(model), [False, False, True])
    b.weeks, b.net_income, regime.wages = 2, 2 * b.net_income, 2 * regime.wages  # the same profits over two weeks
    np.testing.assert_array_equal(regime.invests(model), [False, False, True])
    model.producers.capacity = np.array([100.0, 0.004, 10.0])
    np.testing.assert_array_equal(regime.invests(model), [False, True, True])
    free = model_of(capital=True, bank_credit=False)
    free.producers.capacity = np.array([100.0, 10.0, 10.0])
    free.regime.books.weeks, free.regime.books.net_income = 1, np.array([5.0, 31.5, 22.25])
    free.regime.wages, free.regime.books.loan_rate = np.array([4.0, 30.0, 20.0]), 0.12
    np.testing.assert_array_equal(free.regime.invests(free), [False, True, True])


def test_weeks_of_negative_net_worth_are_counted_in_a_row(monkeypatch):
    """Net worth (funds less loans, no capital here) 0, 0.5, −1, −1 and a closed −1: only the third's count grows."""
    from sim.regimes.enterprises import MarketEconomy

    monkeypatch.setattr(MarketEconomy, "buy", lambda self, model: None)  # households' week left out: the count alone
    model = model_of(population_communes=2, communes_sector="OUT")
    regime, b = model.regime, model.regime.books
    b.funds, b.loans = np.array([0.0, 0.5, -1.0, -1.0, -1.0]), np.zeros(5)
    regime.closed = np.array([False, False, False, False, False])
    regime.negative_weeks = np.array([3, 3, 3, 0, 0])
    regime.buy(model)
    np.testing.assert_array_equal(regime.negative_weeks, [0, 0, 4, 0, 0])  # farms never close
    regime.closed[2] = True
    regime.buy(model)
    np.testing.assert_array_equal(regime.negative_weeks, [0, 0, 0, 0, 0])


def test_family_farms_members_earn_their_farms_share_and_count_in_labour_income():
    """Members of the two farms get 3 and 5 a week; labour income is the wage bill and those shares."""
    model = model_of(population_communes=2, communes_sector="OUT")
    regime, c = model.regime, model.consumers
    regime.member_income = np.array([0.0, 0.0, 0.0, 3.0, 5.0])
    gross, paid = regime.incomes(model, regime.producer_of_persons(model))
    first, second = c.commune == 0, c.commune == 1
    assert first.any() and second.any()
    np.testing.assert_array_equal(gross[first], 3.0)
    np.testing.assert_array_equal(gross[second], 5.0)
    np.testing.assert_allclose(paid[3:], [3.0 * first.sum(), 5.0 * second.sum()], rtol=1e-12)
    wages = WAGE * HOURS * c.workers.sum()  # the hierarchy's mean is 1 over workers
    assert regime.labour_income == pytest.approx(wages + 3.0 * first.sum() + 5.0 * second.sum(), rel=1e-12)


# --- the market: enterprises that close -----------------------------------------------------------------------


@pytest.mark.parametrize("firing", [1.0, 0.5])
def test_enterprises_negative_for_exit_weeks_close_and_their_bad_debt_is_written_off_worked_by_hand(firing):
    """Four enterprises (IN, IN, OUT, OUT); exit after 2 weeks; negative for 1, 2, 3 and 2 weeks: three close.

    The second holds 30 against a loan of 100: it repays 30 and 70 is written off. The third is
    overdrawn by 10 with a loan of 50: nothing is repaid and the bank loses 50 and the 10 it
    carried, 60. The fourth holds 130 against 100: it repays its loan, nothing is written off
    (the 30 left is scrapped with it). The bank's own funds fall by 130; every one of their
    workers is laid off; their capacity and targets go, and the sectors' capacity with them.
    """
    model = model_of(market_exit_weeks=2, market_firing=firing, population_councils=4)
    regime, b, p = model.regime, model.regime.books, model.producers
    regime.negative_weeks = np.array([1, 2, 3, 2])
    b.funds = np.array([5.0, 30.0, -10.0, 130.0])
    b.loans = np.array([0.0, 100.0, 50.0, 100.0])
    b.bank_equity, regime.exits = 500.0, 5
    staff, capacity, target = p.workers.copy(), p.capacity[0], p.target[0]
    regime.close(model)
    np.testing.assert_array_equal(regime.closed, [False, True, True, True])
    assert regime.exits == 5 + 3
    assert b.bank_equity == pytest.approx(500.0 - 130.0, rel=1e-12)
    np.testing.assert_array_equal(b.funds, [5.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.loans, 0.0)
    np.testing.assert_array_equal(p.workers, [staff[0], 0, 0, 0])
    np.testing.assert_array_equal(p.capacity, [capacity, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(p.target, [target, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(model.state.sector_capacity, [capacity, 0.0])
    np.testing.assert_array_equal(regime.negative_weeks, [1, 0, 0, 0])
    assert regime.jobless(model).sum() == staff[1:].sum()


def test_where_the_market_lays_nobody_off_nobody_closes():
    model = model_of(market_exit_weeks=2, market_firing=0.0)
    model.regime.negative_weeks = np.array([5, 5, 5])
    model.regime.close(model)
    assert not model.regime.closed.any() and model.regime.exits == 0


def test_the_market_lays_off_the_hands_beyond_need_and_hires_the_unemployed_where_it_lacks_them_worked_by_hand():
    """Targets 350, 700, 35 a week at 1 hour a unit; methods 1, ½, 1; productivity 1, 2, 1; 35 hours a week.

    Hands needed 10, 700 · ½ / 2 / 35 = 5 and 1; with the 5 % reserve 10.5, 5.25, 1.05, to the nearest
    person (a half to the even one): 10, 5 and 1 — a firm is not held at the councils' smallest work
    group (2 here). Firing all beyond need leaves 10, 5, 1. Then the first's target rises to 1,050: 30
    hands, 31.5 with the reserve, 32: it hires 22 of the unemployed. A firm whose target falls to
    nothing keeps one person while it is open.
    """
    model = model_of(market_firing=1.0, population_group_size_min=2)
    regime, p = model.regime, model.producers
    p.target = np.array([350.0, 700.0, 35.0])
    p.method = np.array([1.0, 0.5, 1.0])
    p.productivity = np.array([1.0, 2.0, 1.0])
    persons = p.workers.sum()
    regime.move_labour(model)
    np.testing.assert_array_equal(p.workers, [10, 5, 1])
    assert regime.jobless(model).sum() == persons - 16
    p.target[0] = 1_050.0
    p.productivity = np.array([1.0, 2.0, 1.0])  # as before (re-formed groups drew their own)
    regime.move_labour(model)
    np.testing.assert_array_equal(p.workers, [32, 5, 1])
    assert regime.jobless(model).sum() == persons - 38
    p.target[0] = 14_000.0  # 400 hands, 420 with the reserve: more than there are; every unemployed person is hired
    p.productivity = np.array([1.0, 2.0, 1.0])
    regime.move_labour(model)
    np.testing.assert_array_equal(p.workers, [persons - 6, 5, 1])
    assert regime.jobless(model).sum() == 0
    p.target = np.array([14_000.0, 0.0, 0.0])
    p.productivity = np.array([1.0, 2.0, 1.0])
    regime.move_labour(model)
    np.testing.assert_array_equal(p.workers[1:], [1, 1])


def test_family_farms_shed_their_hands_beyond_need_and_take_in_the_unemployed_worked_by_hand():
    """Two farms of 113 and 131 members, staffing 1.2, 35 hours, an hour a unit at productivity 1.

    Targets 350 and 175 want 12 and 6 members: 226 too many, but at mobility ½ of 300 persons a
    year only 300 · ½ · 4 / 52 = 11.5, so 11 leave in a period, shared by spare hands (101, 125 →
    4.92, 6.08 → 5 and 6) and unemployed. Targets that want 120 and 140 (lacking 12 and 15) take in
    the 11 unemployed, 5 and 6. At mobility 0 nobody moves.
    """
    model = model_of(population_communes=2, communes_sector="OUT", communes_mobility=0.5)
    regime, p, communes = model.regime, model.producers, model.communes
    rows = communes.rows
    np.testing.assert_array_equal(p.workers[rows], [113, 131])
    communes.staffing = 1.2
    p.productivity[rows] = 1.0
    p.target[rows] = [350.0, 175.0]
    regime._farm_hands(model)
    np.testing.assert_array_equal(p.workers[rows], [108, 125])
    assert regime.jobless(model).sum() == 11
    np.testing.assert_array_equal(np.bincount(model.consumers.commune[model.consumers.commune >= 0]), [108, 125])
    p.target[rows] = [120 * 35 / 1.2, 140 * 35 / 1.2]
    regime._farm_hands(model)
    np.testing.assert_array_equal(p.workers[rows], [113, 131])
    assert regime.jobless(model).sum() == 0
    still = model_of(population_communes=2, communes_sector="OUT", communes_mobility=0.0)
    still.producers.target[still.communes.rows] = [350.0, 175.0]
    still.regime._farm_hands(still)
    np.testing.assert_array_equal(still.producers.workers[still.communes.rows], [113, 131])


def test_the_share_diverted_counts_a_grant_of_less_than_a_unit():
    """Granted half a unit where need alone would have granted none: all of it went beyond need."""
    from sim.economics import plan_corrections

    assert plan_corrections.diverted_share([0.5, 0.0], [0.0, 0.0], [1.0, 1.0]) == 1.0


def test_family_farms_share_their_net_income_and_the_owners_only_the_enterprises_profits_worked_by_hand():
    """Three enterprises and two family farms (50 and 20 members); payout ½, so farms keep ½ of a positive net income.

    Enterprises as in ``test_regimes_by_hand``: profits 50, −20, 30 a week, 37.5, 0, 22.5 paid out
    (the loss carried), funds beyond need 80, −40, 0 (40 together, the first's: 10 a week over 4 weeks);
    half of both, dividends 23.75, 0, 11.25. The farms earn 20 and
    −10 a week: the first shares 10 among 50, 0.2 each; the second's loss is kept, 0 each. Their
    funds beyond need, 12 and −10, together 2: the first shares 2 over 4 weeks, 0.01 each a week.
    The same profits over one week since the plan (wages 100, 50, 30) give the same dividends.
    """
    model = model_of(market_payout=0.5, population_communes=2, communes_sector="OUT")
    regime, p, b = model.regime, model.producers, model.regime.books
    assert list(p.is_commune) == [False, False, False, True, True]
    p.workers = np.array([10, 10, 10, 50, 20])
    b.funds, b.orders = np.array([80.0, -40.0, 0.0, 12.0, -10.0]), np.zeros(5)
    for weeks, wages in ((4, [400.0, 200.0, 120.0, 0.0, 0.0]), (1, [100.0, 50.0, 30.0, 0.0, 0.0])):
        b.weeks, regime.wages = weeks, np.array(wages)
        regime.share(model, np.array([150.0, 30.0, 60.0, 20.0, -10.0]), np.zeros(5))
        np.testing.assert_allclose(regime.dividends, [23.75, 0.0, 11.25, 0.0, 0.0], rtol=1e-12)
        np.testing.assert_allclose(regime.member_income, [0.0, 0.0, 0.0, 0.21, 0.0], rtol=1e-12)
        np.testing.assert_array_equal(regime.wages, 0.0)  # counted afresh until the next plan


# --- the books at a plan: normal prices follow methods, borrowing, orders ---------------------------------------


def test_normal_prices_follow_the_capacity_weighted_methods_in_use_worked_by_hand():
    """Capacity 100, 30, 10 with methods 0.8, 1, 0.6: IN's method 0.8; OUT's (30 + 6) / 40 = 0.9.

    Hours paid per unit 1.05 · 0.8 = 0.84 and 1.05 · 0.9 = 0.945; at markup 0.2 and w = 1 / 1.344:
    p_IN = 1.2 · 0.84 w = 0.75; p_OUT = 1.2 · (0.945 w + ½ · 0.75) = 1.29375. A good whose
    capacity is all but gone keeps its producers' method; one with none is priced at method 1.
    """
    model = model_of()
    regime, p = model.regime, model.producers
    p.capacity, p.method = np.array([100.0, 30.0, 10.0]), np.array([0.8, 1.0, 0.6])
    regime._reprice(model)
    np.testing.assert_allclose(regime.normal, [0.75, 1.29375], rtol=1e-12)
    p.capacity = np.array([0.5, 30.0, 10.0])
    regime._reprice(model)
    np.testing.assert_allclose(regime.normal, [0.75, 1.29375], rtol=1e-12)
    p.capacity = np.array([0.0, 30.0, 10.0])
    regime._reprice(model)
    np.testing.assert_allclose(regime.normal, [0.9375, 1.2 * (0.945 / 1.344 + 0.5 * 0.9375)], rtol=1e-12)


def test_enterprises_borrow_what_they_need_beyond_their_funds_within_their_credit_worked_by_hand():
    """Capacity of OUT held worth 975 each; leverage 0.1: credit of 97.5, less the 47.5 the second owes already.

    With no funds and working capital of 50, 200, 50 to keep: the first holds nothing to borrow
    against, the second borrows its remaining 50 of credit, the third the 50 it needs.
    """
    model = model_of(capital=True, bank_leverage=0.1)
    regime, b = model.regime, model.regime.books
    model.producers.capacity = np.array([100.0, 10.0, 10.0])
    b.funds, b.loans, b.orders = np.zeros(3), np.array([0.0, 47.5, 0.0]), np.zeros(3)
    regime._borrow(model, np.array([50.0, 200.0, 50.0]))
    np.testing.assert_allclose(b.loans, [0.0, 97.5, 50.0], rtol=1e-12)
    np.testing.assert_allclose(b.funds, [0.0, 50.0, 50.0], rtol=1e-12)


def test_capacity_is_ordered_for_the_use_expected_at_the_target_utilisation_worked_by_hand():
    """Expected use: IN 20 as an input less 5 imported, 15; OUT 6 by others and 30 by households, 36.

    Capacity 14 (IN), 11 and 22 (OUT: shares of a third and two thirds). At a target utilisation
    of 0.8, capacity for 1.25 times the use: IN 18.75, less 14: 4.75; OUT 15 and 30, less 11 and
    22: 4 and 8. No expected growth; capacity may double in the plan's 26 weeks; funds are ample.
    Ordered per week of deliveries, over the 26 weeks.
    """
    model = model_of(
        capital=True,
        plan_period_weeks=26,
        market_target_utilisation=0.8,
        market_growth_expected=0.0,
        plan_max_capacity_growth=2.0,
    )
    regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
    p.capacity = np.array([14.0, 11.0, 22.0])
    s.other_use, s.imports, s.expected_demand = np.array([20.0, 6.0]), np.array([5.0, 0.0]), np.array([30.0])
    b.funds = np.full(3, 1e6)
    b.weeks, b.net_income = 1, np.array([0.0, 100.0, 100.0])  # profits beat the real rate (0): they invest
    regime._order(model, np.zeros(3))
    np.testing.assert_allclose(b.orders * 26, [4.75, 4.0, 8.0], rtol=1e-12)
    np.testing.assert_allclose(s.capacity_plan * 26, [4.75, 12.0], rtol=1e-12)
    p.capacity = np.array([0.0, 11.0, 22.0])  # a good nobody can make: nothing ordered for it
    regime._order(model, np.zeros(3))
    np.testing.assert_allclose(b.orders * 26, [0.0, 4.0, 8.0], rtol=1e-12)


def test_capacity_is_ordered_at_its_cost_as_far_as_funds_pay_and_free_capacity_as_far_as_wanted():
    """Wanted 5, 30, 5 at 0, 0.5 and 2 tokens a unit with funds 10, 10, −5: 5 (free), 20 (funds), 0 (none)."""
    from sim.economics import firms

    orders = firms.capacity_orders(
        [5.0, 30.0, 5.0], np.zeros(3), np.zeros(3), 0.0, [10.0, 10.0, -5.0], [0.0, 0.5, 2.0], np.full(3, 100.0)
    )
    np.testing.assert_array_equal(orders, [5.0, 20.0, 0.0])


def test_output_follows_expected_use_and_stays_within_capacity_worked_by_hand():
    """Smoothing ½: households' demand 10 → 15 (20 seen); others' use (4, 2) → (3, 3), with inputs 2 of IN,
    1 of OUT to public bodies and 3 exported. Imports of 1 of IN need not be made: use 2 and 3 + 15 = 18.
    Stocks at their reserves: targets 2 and 18, within capacity 100 and 10: 2 and 10.
    """
    model = model_of(readjustment_demand_smoothing=0.5, readjustment_reserve_weeks=4.0)
    s, p = model.state, model.producers
    s.expected_demand, s.seen_demand = np.array([10.0]), np.array([20.0])
    s.other_use = np.array([4.0, 2.0])
    s.inputs_used, s.public_use = np.array([2.0, 0.0]), np.array([0.0, 1.0])
    s.investment_use, s.exported, s.imports = np.zeros(2), np.array([0.0, 3.0]), np.array([1.0, 0.0])
    s.stock = 4.0 * np.array([3.0, 18.0])  # the reserves the week's expected use sets
    p.capacity = np.array([100.0, 4.0, 6.0])
    s.sector_capacity = np.array([100.0, 10.0])
    model.regime.readjust(model)
    np.testing.assert_allclose(s.expected_demand, [15.0], rtol=1e-12)
    np.testing.assert_allclose(s.other_use, [3.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(s.reserve, 4.0 * np.array([3.0, 18.0]), rtol=1e-12)
    np.testing.assert_allclose(p.by_sector(p.target, 2), [2.0, 10.0], rtol=1e-12)


def test_capacity_ordered_comes_into_service_a_lag_after_its_goods_are_delivered():
    """Lag 3: capacity ordered (1, 2, 0.5 a week, all of it delivered) the first week arrives in the fourth; nothing
    of the next weeks' orders (0, 1, 0) until the fifth."""
    model = model_of(plan_investment_lag_weeks=3, capital_wear=False, technical_change_embodied=0.0)
    regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
    capacity = p.capacity.copy()
    s.delivered = 1.0
    arrived = []
    for week in range(5):
        b.orders = np.array([1.0, 2.0, 0.5]) if week == 0 else np.array([0.0, 1.0, 0.0])
        regime.invest(model)
        arrived.append(p.capacity - capacity)
        if week == 0:
            np.testing.assert_array_equal(s.pipeline.sum(axis=0), [1.0, 2.5])  # on its way, by good
    np.testing.assert_array_equal(arrived[:3], np.zeros((3, 3)))
    np.testing.assert_array_equal(arrived[3], [1.0, 2.0, 0.5])
    np.testing.assert_array_equal(arrived[4], [1.0, 3.0, 0.5])
    np.testing.assert_array_equal(s.sector_capacity, p.by_sector(p.capacity, 2))
    np.testing.assert_array_equal(b.pipeline.sum(axis=0), [0.0, 3.0, 0.0])  # three weeks of 1 still on the way


def test_family_farms_with_one_member_or_none_share_their_funds_beyond_need_worked_by_hand():
    """Farms of 1 member and of none, earning 20 and 0, with 12 and 8 beyond need (3 and 2 a week over 4 weeks).

    The first's member gets half of 20 (payout ½) and the 3: 13 a week; the second has nobody to pay.
    """
    model = model_of(market_payout=0.5, population_communes=2, communes_sector="OUT")
    regime, p, b = model.regime, model.producers, model.regime.books
    p.workers = np.array([10, 10, 10, 1, 0])
    b.funds, b.orders, b.weeks = np.array([0.0, 0.0, 0.0, 12.0, 8.0]), np.zeros(5), 4
    regime.wages = np.zeros(5)
    regime.share(model, np.array([0.0, 0.0, 0.0, 20.0, 0.0]), np.zeros(5))
    np.testing.assert_array_equal(regime.member_income, [0.0, 0.0, 0.0, 13.0, 0.0])


def test_the_investment_share_is_capital_goods_over_the_net_product_worked_by_hand():
    """Sales 10, 20, 30 less inputs 5, 5, 10: a net product of 40; 8 units of IN at 0.9375 bought for capacity: 7.5,
    a share of 0.1875. Without a net product (or a loss) the share is 0; with a net product of 0.5, 15."""
    model = model_of()
    regime, b, s = model.regime, model.regime.books, model.state
    s.investment_use = np.array([8.0, 0.0])
    b.revenue, b.inputs = np.array([10.0, 20.0, 30.0]), np.array([5.0, 5.0, 10.0])
    assert regime.investment_share(model) == pytest.approx(0.1875, rel=1e-12)
    b.inputs = np.array([10.0, 20.0, 30.0])
    assert regime.investment_share(model) == 0.0
    b.inputs = np.array([10.0, 20.0, 40.0])
    assert regime.investment_share(model) == 0.0
    b.inputs = np.array([10.0, 20.0, 29.5])
    assert regime.investment_share(model) == pytest.approx(15.0, rel=1e-12)


def test_before_the_books_open_normal_prices_are_the_labour_values():
    """A market regime not yet opened (no normal prices of its own) answers with the values, as every regime starts."""
    from sim.regimes.market import Market

    model = model_of()
    np.testing.assert_array_equal(Market().normal_prices(model), model.state.values[model.state.consumer_goods])


def test_orders_look_ahead_at_the_growth_expected_and_stop_at_funds_and_credit_worked_by_hand(monkeypatch):
    """As in the test above, with growth of 5.2 % a year expected over the lag and the period (26 + 26 weeks):
    use 1.052 times as high. IN: 1.052 · 15 · 1.25 − 14 = 5.725. The second (share ⅓ of OUT's 36) wants
    1.052 · 12 · 1.25 − 11, less the 1 already on order: 3.78; its funds beyond working capital, 500 − 300,
    and its credit, 0.1 of 975 + 97.5, 107.25, pay 307.25 / 97.5 of it. The third makes a loss: it orders nothing.
    Investing alike, the accelerator's orders are where the equal share goes first.
    """

    def ordered(investment):
        model = model_of(
            capital=True,
            plan_period_weeks=26,
            plan_investment_lag_weeks=26,
            market_target_utilisation=0.8,
            market_growth_expected=0.052,
            plan_max_capacity_growth=2.0,
            bank_leverage=0.1,
            comparison_investment=investment,
        )
        regime, b, s, p = model.regime, model.regime.books, model.state, model.producers
        p.capacity = np.array([14.0, 11.0, 22.0])
        s.other_use, s.imports, s.expected_demand = np.array([20.0, 6.0]), np.array([5.0, 0.0]), np.array([30.0])
        b.funds, b.loans = np.array([0.0, 500.0, 0.0]), np.zeros(3)
        b.pipeline[5] = [0.0, 1.0, 0.0]
        b.weeks, b.net_income = 1, np.array([0.0, 100.0, -100.0])
        seen = []

        def equal(model_, wanted, cost):
            assert model_ is model
            seen.append((wanted.copy(), cost.copy()))
            return np.array([2.6, 5.2, 7.8])

        monkeypatch.setattr(regime, "_equal_orders", equal)
        regime._order(model, np.array([0.0, 300.0, 0.0]))
        return b.orders, seen

    orders, seen = ordered("own")
    np.testing.assert_allclose(orders * 26, [5.725, 307.25 / 97.5, 0.0], rtol=1e-12)
    assert seen == []
    orders, seen = ordered("equal")
    np.testing.assert_allclose(orders, [0.1, 0.2, 0.3], rtol=1e-12)
    wanted, cost = seen[0]
    np.testing.assert_allclose(wanted, [5.725, 307.25 / 97.5, 0.0], rtol=1e-12)
    np.testing.assert_allclose(cost, [0.0, 97.5, 97.5], rtol=1e-12)


def test_sales_are_shared_by_output_else_by_capacity_else_equally():
    """Four enterprises, IN, IN, OUT, OUT. IN's made 3 and 1: shares ¾ and ¼. OUT's made nothing: by capacity
    0.3 and 0.1, ¾ and ¼; with no capacity either, halves."""
    model = model_of(population_councils=4)
    regime, p = model.regime, model.producers
    p.output, p.capacity = np.array([3.0, 1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.3, 0.1])
    np.testing.assert_allclose(regime._sales_weights(model), [0.75, 0.25, 0.75, 0.25], rtol=1e-12)
    p.capacity = np.array([1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(regime._sales_weights(model), [0.75, 0.25, 0.5, 0.5], rtol=1e-12)


def test_an_amount_is_split_by_weights_that_sum_to_less_than_one_and_whole_to_a_single_weightless_share():
    from sim.economics import firms

    np.testing.assert_allclose(firms.split_by_weight(6.0, [0.25, 0.5, 0.0]), [2.0, 4.0, 0.0])
    np.testing.assert_allclose(firms.split_by_weight(6.0, [0.0]), [6.0])


def test_a_net_income_below_one_token_is_kept_in_part_too():
    from sim.economics import firms

    per_member, kept = firms.income_shares([0.8], [1.0], 0.25, 0.0)
    np.testing.assert_allclose(per_member, [0.6], rtol=1e-12)
    np.testing.assert_allclose(kept, [0.2], rtol=1e-12)


# --- the self-managed market's restrictive hiring (Ward 1958; issue 29) ----------------------------------------


def test_wards_rule_refuses_a_member_who_adds_less_than_the_income_per_member_worked_by_hand():
    """OUT's councils: a member makes 35 units a week (an hour a unit), each worth 1.5 − ½ · 0.9375 = 1.03125:
    36.09 a week added. A council paying 40 a member refuses; one paying 30 admits; IN's (0.9375 a unit,
    32.81 added) paying 30 admits. Under ``hiring = "need"`` none refuses."""
    model = model_of("self_managed_market")
    regime = model.regime
    assert regime.all_prices == pytest.approx([0.9375, 1.5])
    model.producers.productivity[:] = 1.0
    model.producers.method[:] = 1.0
    regime.member_income = np.array([30.0, 40.0, 30.0])
    np.testing.assert_array_equal(regime.refuses(model), [False, True, False])
    regime.member_income = np.array([32.9, 36.0, 36.1])
    np.testing.assert_array_equal(regime.refuses(model), [True, False, True])
    need = model_of("self_managed_market", self_managed_market_hiring="need")
    need.regime.member_income = np.full(3, 1e6)
    assert not need.regime.refuses(need).any()


def test_councils_that_refuse_hire_nobody_and_the_others_hire_to_their_places():
    model = model_of("self_managed_market")
    regime, c, p = model.regime, model.consumers, model.producers
    persons = np.flatnonzero(c.group >= 0)
    c.group[persons[:60]] = -1  # 60 without work
    model.councils.staff(c.group, model.work_groups, HOURS)
    p.target = 1.5 * p.target  # every council needs hands
    places = regime._places(model)
    assert (places > 0).sum() >= 2
    refusing = np.flatnonzero(places > 0)[0]
    regime.member_income = np.zeros(3)
    regime.member_income[refusing] = 1e6
    before = p.workers.copy()
    regime._hire(model)
    assert p.workers[refusing] == before[refusing]
    others = (places > 0) & (np.arange(3) != refusing)
    hired = int(min(places[others].sum(), 60))
    assert (p.workers - before)[others].sum() == hired and regime.jobless(model).sum() == 60 - hired
