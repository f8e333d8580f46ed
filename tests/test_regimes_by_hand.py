"""The market regimes against numbers worked by hand (issue 25).

The regimes were tested mostly through identities and degenerate cases (a zero markup,
equal owners) in which the code under test does nothing; a markup applied twice to normal
prices, or the self-managed market's retained share ignored when net income is shared,
passed the suite. Here a two-good economy small enough to solve on paper is run under each
market regime, and the regime's own books are set to numbers whose outcome is worked out
below: the normal prices and their price level against labour values, each owner's
dividend, and each member's share of net income under retention and a floor.

The economy: good IN is made from one hour of labour; good OUT from one hour and half a
unit of IN; households buy only OUT. Labour values ``v = l (I − A)⁻¹``: v_IN = 1,
v_OUT = 1 + ½ · 1 = 1.5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.economics import metrics
from sim.economics.economy import Economy, Technology
from sim.model import CouncilsModel

MARKUP = 0.2
RESERVE = 0.05  # plan.labour_reserve: hours paid per unit are (1 + RESERVE) × hours worked
PERIOD = 4  # plan.period_weeks


def two_goods() -> Economy:
    """IN (an input only) and OUT (households' one good, made from an hour and half a unit of IN)."""
    A = np.array([[0.0, 0.5], [0.0, 0.0]])
    technology = Technology(A, [1.0, 1.0], names=["IN", "OUT"], consumer_goods=["OUT"])
    demand = pd.DataFrame({"private": [0.0, 1.0], "public": [0.0, 0.0], "investment": [0.0, 0.0]}, index=["IN", "OUT"])
    output = np.linalg.solve(np.eye(2) - A, demand.sum(axis=1).to_numpy())
    return Economy(technology, demand, output, output, np.zeros(2), 300.0, 1_800.0, 300.0, np.ones(2), name="two goods")


def model_of(regime: str, **parameters) -> CouncilsModel:
    """Three enterprises (one making IN, two making OUT), 300 persons, the first plan made (the books open)."""
    return CouncilsModel(
        economy=two_goods(),
        regime=regime,
        seed=1,
        years=0.1,
        population_consumers=300,
        population_councils=3,
        population_communes=0,
        plan_labour_reserve=RESERVE,
        plan_period_weeks=PERIOD,
        market_markup=MARKUP,
        self_managed_market_markup=MARKUP,
        self_managed_market_market_power=0.0,  # one markup for both goods
        **parameters,
    )


# --- normal prices and their level against labour values ------------------------------------------------------


@pytest.mark.parametrize("regime", ["market", "self_managed_market"])
def test_normal_prices_and_the_money_wage_worked_by_hand(regime):
    """Prices of production at markup μ = 0.2 and wage w, hours paid 1.05 per hour worked:

    p_IN = 1.2 · 1.05 w = 1.26 w; p_OUT = 1.2 · (1.05 w + ½ p_IN) = 1.2 · 1.68 w = 2.016 w.
    The money wage puts the price level of households' goods at their values: OUT is the
    only one, so p_OUT = v_OUT = 1.5, w = 1.5 / 2.016 = 1 / 1.344, and p_IN = 1.26 / 1.344 = 0.9375.
    """
    model = model_of(regime)
    regime_ = model.regime
    assert model.state.values == pytest.approx([1.0, 1.5], rel=1e-12)
    assert regime_.money_wage == pytest.approx(1 / 1.344, rel=1e-12)
    assert regime_.normal == pytest.approx([0.9375, 1.5], rel=1e-12)
    assert model.state.prices == pytest.approx([1.5], rel=1e-12)  # the consumer good's price, week 0


@pytest.mark.parametrize("regime", ["market", "self_managed_market"])
def test_the_price_level_of_normal_prices_is_one_against_labour_values(regime):
    model = model_of(regime)
    cg = model.state.consumer_goods
    shares = model.consumers.preferences.base_shares
    assert metrics.price_level(model.regime.normal[cg], model.state.values[cg], shares) == pytest.approx(1.0, rel=1e-12)
    assert model.regime.normal[0] / model.state.values[0] == pytest.approx(0.9375, rel=1e-12)  # IN below its value


# --- the market: each owner's dividend ---------------------------------------------------------------------------


def test_each_owners_dividend_worked_by_hand():
    """Four weeks since the last plan; wages paid 400, 200, 120; net income 150, 30, 60 a week.

    Profits a week: 150 − 100 = 50, 30 − 50 = −20, 60 − 30 = 30; together 60 of the 80 the
    profitable ones made, so they pay 50 · 60/80 = 37.5 and 30 · 60/80 = 22.5. Funds beyond
    working capital: 80, −40, 0; together 40 of the 80, so the first has 40 to pay out, over the
    period's 4 weeks: 10 a week. The payout (½) of both goes to the owners: dividends 23.75, 0,
    11.25, 35 a week in all, shared equally by the 30 owners (the top 10 % of 300): 7/6 each a
    week, on top of their wage.
    """
    model = model_of("market", market_payout=0.5, market_owners_share=0.1)
    regime = model.regime
    books = regime.books
    books.weeks = 4
    regime.wages = np.array([400.0, 200.0, 120.0])
    working = np.full(3, 100.0)
    books.funds = working + np.array([80.0, -40.0, 0.0])
    books.orders = np.zeros(3)  # nothing committed to capacity
    regime.share(model, np.array([150.0, 30.0, 60.0]), working)
    assert regime.dividends == pytest.approx([23.75, 0.0, 11.25], rel=1e-12)
    owners = regime.owners
    assert owners.sum() == 30
    gross, paid = regime.incomes(model, regime.producer_of_persons(model))
    c, s = model.consumers, model.state
    wage = regime.money_wage * s.hours_per_week * c.wage_factor / c.wage_factor.mean()
    assert gross[owners] - wage[owners] == pytest.approx(np.full(30, 35.0 / 30.0), rel=1e-12)
    assert gross[~owners] == pytest.approx(wage[~owners], rel=1e-12)
    assert paid.sum() == pytest.approx(gross.sum(), rel=1e-12)  # every token paid is received


# --- market self-management: each member's share of net income --------------------------------------------------


def test_each_members_share_of_net_income_under_retention_and_a_floor_worked_by_hand():
    """Members 10, 20, 10; net income 200, 100, −50 a week; retention ¼; floor ½ of the average.

    Kept: 50, 25 and the whole loss −50; shared: 150, 75, −50. The average share over the
    40 members is (150 + 75 + 0) / 40 = 5.625, so the floor is 2.8125. Per member: 15, 3.75,
    and −5 raised to the floor, 2.8125. Funds beyond need 40, 0, −10: together 30 of the 40,
    so the first shares 30 over the period's 4 weeks among its 10 members: 0.75 each a week.
    Each member of the three enterprises gets 15.75, 3.75 and 2.8125 a week.
    """
    model = model_of("self_managed_market", self_managed_market_retention=0.25, self_managed_market_minimum_income=0.5)
    regime, producers = model.regime, model.producers
    producers.workers = np.array([10, 20, 10])
    working = np.zeros(3)
    regime.books.funds = np.array([40.0, 0.0, -10.0])
    regime.books.orders = np.zeros(3)
    regime.share(model, np.array([200.0, 100.0, -50.0]), working)
    assert regime.member_income == pytest.approx([15.75, 3.75, 2.8125], rel=1e-12)
    producer_of = regime.producer_of_persons(model)
    gross, paid = regime.incomes(model, producer_of)
    assert gross == pytest.approx(np.array([15.75, 3.75, 2.8125])[producer_of], rel=1e-12)
    assert paid.sum() == pytest.approx(gross.sum(), rel=1e-12)


def test_without_retention_a_positive_net_income_is_shared_whole_and_a_loss_is_not_charged_to_members():
    """Retention 0 and a floor of 0: 200 and 100 a week are shared whole, 20 and 5 each; the loss leaves 0 each."""
    model = model_of("self_managed_market", self_managed_market_retention=0.0, self_managed_market_minimum_income=0.0)
    regime, producers = model.regime, model.producers
    producers.workers = np.array([10, 20, 10])
    regime.books.funds = np.zeros(3)
    regime.books.orders = np.zeros(3)
    regime.share(model, np.array([200.0, 100.0, -50.0]), np.zeros(3))
    assert regime.member_income == pytest.approx([20.0, 5.0, 0.0], rel=1e-12)
