"""The market's entry of new enterprises against numbers worked by hand (issue 25).

``sim.economics.firms.entry_sectors`` (which goods draw entry, the most profitable first) on
small arrays, then ``Market._enter`` and ``Market._place_for`` on a three-good economy: good
IN is made from one hour of labour; goods B and C each from one hour and half a unit of IN,
and a unit of their weekly capacity holds 2 units of IN, which never wear. Six enterprises
make IN, IN, B, B, C, C; 300 persons work 35 hours a week, 30 of them own the enterprises.
At a markup of 0.2 and a labour reserve of 5 %, as in ``test_regimes_hand_worked.py``, the
money wage is w = 1 / 1.344 tokens an hour and the normal prices are 0.9375 (IN) and 1.5
(B, C): a unit of weekly capacity of B or C costs 52 · 2 · 0.9375 = 97.5 tokens, one of IN
nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.economics import firms
from sim.economics.economy import Economy, Technology
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel

WAGE = 1 / 1.344  # the money wage, tokens per hour
UNIT_COST = 97.5  # tokens per unit of weekly capacity of B or C
# the crew an entrant pays until its capacity serves: (4 weeks of funds + a lag of 26 weeks)
# × w × 35 hours × the smallest group of 10 persons = 30 · 35 · 10 / 1.344 = 7812.5 tokens
CREW = 7812.5


# --- which goods draw entry ---------------------------------------------------------------------------


def test_entry_is_drawn_where_a_goods_profit_rate_beats_the_economys_worked_by_hand():
    """Four goods, four enterprises (goods 0, 1, 1, 2); the last is closed; good 3 has none.

    Values of capacity 0.25 each (all below one token); profits −0.25, 0.125, 0.0625 and, closed, 1.
    Counted: profits −0.25, 0.125, 0.0625 over 0.75 of capacity: the economy's rate −1/12.
    Good 0: −0.25 / 0.25 = −1; good 1: 0.1875 / 0.5 = 0.375; goods 2 and 3 have no capacity
    that counts and draw nobody, though their rate of 0 beats the economy's. Only good 1 enters.
    """
    sector = np.array([0, 1, 1, 2])
    value = np.full(4, 0.25)
    profit = np.array([-0.25, 0.125, 0.0625, 1.0])
    active = np.array([True, True, True, False])
    drawn = firms.entry_sectors(profit, value, sector, active, 4, 0.0)
    np.testing.assert_array_equal(drawn, [1])
    assert drawn.dtype.kind == "i"
    # a premium of 0.46 over −1/12 asks 0.3767 > 0.375: nobody enters
    assert firms.entry_sectors(profit, value, sector, active, 4, 0.46).size == 0
    np.testing.assert_array_equal(firms.entry_sectors(profit, value, sector, active, 4, 0.45), [1])


def test_a_good_earning_just_the_economys_rate_draws_no_entry():
    """Two goods with the same rate, 0.5 a year: each earns the economy's rate, not more; nobody enters."""
    drawn = firms.entry_sectors(np.array([0.5, 0.5]), np.ones(2), np.array([0, 1]), np.ones(2, dtype=bool), 2, 0.0)
    assert drawn.size == 0


def test_without_capacity_that_counts_no_good_draws_entry_and_the_answer_is_still_goods():
    """Only closed enterprises: nothing counts, nothing is drawn, and the (empty) answer indexes goods."""
    drawn = firms.entry_sectors(np.ones(2), np.ones(2), np.array([0, 1]), np.zeros(2, dtype=bool), 2, 0.0)
    assert drawn.size == 0
    assert drawn.dtype.kind == "i"
    np.testing.assert_array_equal(np.arange(3)[drawn], [])  # usable as an index, as an array of goods is


def test_goods_drawing_entry_come_most_profitable_first_and_ties_in_the_order_of_the_goods():
    """Eleven goods, one enterprise each, capacity worth 1: profits 0 (good 0), then 1, 2, 1, 2, … .

    The economy's rate is 15 / 11 ≈ 1.36: the goods earning 2 (2, 4, 6, 8, 10) draw entry, all
    at the same rate, so in the order of the goods; with good 5 earning 3 it comes first.
    Eighteen goods: profits 0, then 2 for sixteen of them and 3 for the last; the economy's rate
    35 / 18 ≈ 1.94: the last comes first, then the sixteen tied, in their order (a sort that is
    not stable need not keep it: NumPy's default does not, on machines with AVX-512).
    """
    profit = np.array([0.0, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2])
    sector, value, active = np.arange(11), np.ones(11), np.ones(11, dtype=bool)
    np.testing.assert_array_equal(firms.entry_sectors(profit, value, sector, active, 11, 0.0), [2, 4, 6, 8, 10])
    profit[5] = 3.0  # the economy's rate 17 / 11 ≈ 1.55
    np.testing.assert_array_equal(firms.entry_sectors(profit, value, sector, active, 11, 0.0), [5, 2, 4, 6, 8, 10])
    profit = np.array([0.0] + [2.0] * 16 + [3.0])
    sector, value, active = np.arange(18), np.ones(18), np.ones(18, dtype=bool)
    drawn = firms.entry_sectors(profit, value, sector, active, 18, 0.0)
    np.testing.assert_array_equal(drawn, [17, *range(1, 17)])


# --- who enters where, with what ----------------------------------------------------------------------


def three_goods() -> Economy:
    """IN (an input only), B and C (households' goods, each an hour and half a unit of IN; capacity holds 2 IN)."""
    A = np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    capital = np.array([[0.0, 2.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    technology = Technology(
        A, [1.0, 1.0, 1.0], names=["IN", "B", "C"], consumer_goods=["B", "C"], capital=capital, depreciation=np.zeros(3)
    )
    zero = [0.0, 0.0, 0.0]
    demand = pd.DataFrame({"private": [0.0, 1.0, 1.0], "public": zero, "investment": zero}, index=["IN", "B", "C"])
    output = np.linalg.solve(np.eye(3) - A, demand.sum(axis=1).to_numpy())
    return Economy(
        technology, demand, output, output, np.zeros(3), 300.0, 1_800.0, 300.0, np.ones(3), name="three goods"
    )


def market_of(closed, profit=(-600.0, -600.0, 600.0, 0.0, 600.0, 0.0), **parameters) -> CouncilsModel:
    """The three-good market with its books open, enterprises ``closed`` (rows) closed, the last period's profits set.

    Capacity 100, 100 (IN), 40, 40 (B), 60, 60 (C), a closed enterprise's none; profits a
    year (``profit``, by default −600 and −600 (IN), 600 (B's row 2), 0, 600 (C's row 4), 0).
    With rows 0, 3 and 5 closed, counted (open and worth something): B's 600 over 40 · 97.5 =
    3900, a rate of 0.1538; C's 600 over 5850, 0.1026; the economy's −600 + 1200 = 600 over
    9750, 0.0615, with the premium of 0.02, 0.0815: B then C draw entry. Orders of 1, 2, 3, 0,
    0, 0 units a week stand; every closed enterprise holds funds of 5.
    """
    defaults = {
        "seed": 1,
        "years": 0.1,
        "population_consumers": 300,
        "population_councils": 6,
        "population_communes": 0,
        "plan_labour_reserve": 0.05,
        "plan_period_weeks": 4,
        "market_markup": 0.2,
    }
    model = CouncilsModel(economy=three_goods(), regime="market", **{**defaults, **parameters})
    regime, producers = model.regime, model.producers
    assert list(producers.sector) == [0, 0, 1, 1, 2, 2]
    assert regime.money_wage == pytest.approx(WAGE, rel=1e-12)
    np.testing.assert_allclose(regime.normal, [0.9375, 1.5, 1.5], rtol=1e-12)
    producers.capacity[:] = [100.0, 100.0, 40.0, 40.0, 60.0, 60.0]
    regime.profit = np.array(profit)
    regime.books.orders = np.array([1.0, 2.0, 3.0, 0.0, 0.0, 0.0])
    for row in closed:
        producers.capacity[row] = 0.0
        regime.closed[row] = True
        regime.books.funds[row] = 5.0
    return model


def owners_hold(model, total: float) -> np.ndarray:
    """The owners' savings set to 1, 2, …, 30 parts of ``total``; their savings, in order."""
    regime, c = model.regime, model.consumers
    assert regime.owners.sum() == 30
    savings = total * np.arange(1.0, 31.0) / 465.0  # 1 + 2 + … + 30 = 465
    c.savings[regime.owners] = savings
    return savings


def test_entrants_take_the_closed_places_of_their_goods_paid_by_the_owners_worked_by_hand():
    """Closed: IN's row 0, B's row 3, C's row 5. B enters first, in B's own closed place (row 3), then C (row 5).

    B's entrant: capacity 0.5 × 40 (B's open enterprise) = 20 units a week, 20 · 97.5 = 1950
    tokens, and its crew's 7812.5: equity 9762.5; C's: 0.5 × 60 = 30 units, 2925 + 7812.5 =
    10737.5. The owners hold 30000 and pay in proportion to their savings, 20500 in all:
    each keeps 9500 / 30000 = 19/60 of what they held. Funds 5 + equity; orders of 20 / 4 = 5
    and 30 / 4 = 7.5 units a week, so B's capacity planned is 3 + 5 = 8 (IN's 3, C's 7.5),
    and the investment planned 52 · 2 · (8 + 7.5) = 1612 units of IN.
    """
    model = market_of([0, 3, 5])
    regime, b, producers, s = model.regime, model.regime.books, model.producers, model.state
    regime.entries = 2
    savings = owners_hold(model, 30_000.0)
    regime._enter(model)
    assert regime.entries == 4
    np.testing.assert_array_equal(regime.closed, [True, False, False, False, False, False])
    np.testing.assert_array_equal(producers.sector, [0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(b.funds[[0, 3, 5]], [5.0, 5.0 + 9762.5, 5.0 + 10737.5], rtol=1e-12)
    np.testing.assert_allclose(b.orders, [1.0, 2.0, 3.0, 5.0, 0.0, 7.5], rtol=1e-12)
    np.testing.assert_array_equal(regime.goods_of[[3, 5]], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(model.consumers.savings[regime.owners], savings * 19 / 60, rtol=1e-12)
    np.testing.assert_allclose(s.capacity_plan, [3.0, 8.0, 7.5], rtol=1e-12)
    np.testing.assert_allclose(s.investment_plan, [WEEKS_PER_YEAR * 2 * 15.5, 0.0, 0.0], rtol=1e-12)


def test_an_entrant_without_a_place_of_its_good_takes_that_of_a_good_with_another_enterprise():
    """Only IN's row 0 is closed (IN keeps row 1): B's entrant takes row 0.

    Profits −600 (IN's row 1) and 600 (B's row 2): B's rate 600 / (80 · 97.5) = 0.0769 beats
    the economy's 0 by more than 0.02, C's 0 does not. B's entrant: 0.5 × 40 (the mean of B's
    two) = 20 units a week, equity 9762.5 as above; the owners hold 10000.
    """
    model = market_of([0], profit=(0.0, -600.0, 600.0, 0.0, 0.0, 0.0))
    regime, b, producers = model.regime, model.regime.books, model.producers
    owners_hold(model, 10_000.0)
    regime._enter(model)
    assert regime.entries == 1
    np.testing.assert_array_equal(producers.sector, [1, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(regime.closed, False)
    np.testing.assert_allclose(b.funds[0], 5.0 + 9762.5, rtol=1e-12)
    np.testing.assert_array_equal(regime.goods_of[0], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(model.state.capacity_plan, [2.0, 8.0, 0.0], rtol=1e-12)
    assert model.consumers.savings[regime.owners].sum() == pytest.approx(10_000.0 - 9762.5, rel=1e-12)


def test_owners_found_as_long_as_their_savings_pay_and_what_they_founded_is_planned():
    """The owners hold 15000: B's entrant (9762.5) is founded; C's (10737.5) is not, the 5237.5 left do not pay it.

    The capacity planned still counts B's order of 5 (B's 3 + 5 = 8), C's place stays closed.
    """
    model = market_of([0, 3, 5])
    regime = model.regime
    owners_hold(model, 15_000.0)
    regime._enter(model)
    assert regime.entries == 1
    np.testing.assert_array_equal(regime.closed, [True, False, False, False, False, True])
    np.testing.assert_allclose(model.state.capacity_plan, [3.0, 8.0, 0.0], rtol=1e-12)
    assert model.consumers.savings[regime.owners].sum() == pytest.approx(15_000.0 - 9762.5, rel=1e-12)


def test_savings_of_exactly_the_equity_found_the_enterprise():
    """One owner holds B's entrant's equity exactly, the others nothing: it is founded, and they hold nothing after."""
    model = market_of([3])
    regime, c, s = model.regime, model.consumers, model.state
    # what _enter asks, in its order of operations (the crew in floating point is not exactly 7812.5)
    crew = (4.0 + model.conditions.plan.investment_lag_weeks) * regime.money_wage * 35.0 * 10
    equity = 0.5 * 40.0 * float(WEEKS_PER_YEAR * (regime.all_prices @ model.planner.capital_per_capacity)[1]) + crew
    assert equity == pytest.approx(1950.0 + CREW, rel=1e-12)
    c.savings[regime.owners] = 0.0
    c.savings[np.flatnonzero(regime.owners)[0]] = equity
    regime._enter(model)
    assert regime.entries == 1 and not regime.closed.any()
    np.testing.assert_array_equal(c.savings[regime.owners], 0.0)
    np.testing.assert_allclose(s.capacity_plan, [3.0, 8.0, 0.0], rtol=1e-12)  # C found no place


@pytest.mark.parametrize(
    "parameters",
    [{"market_firing": 0.0}, {"comparison_investment": "equal"}, {"market_entry": False}],
    ids=["nobody-laid-off", "equal-investment", "no-entry"],
)
def test_nobody_enters_where_enterprises_do_not_exit_or_investment_is_equal(parameters):
    """With the owners' savings enough for both entrants, nothing enters; the plan's capacity is left as it was."""
    model = market_of([0, 3, 5], **parameters)
    regime, s = model.regime, model.state
    owners_hold(model, 30_000.0)
    funds, planned = regime.books.funds.copy(), s.capacity_plan.copy()
    regime._enter(model)
    assert regime.entries == 0
    np.testing.assert_array_equal(regime.books.funds, funds)
    np.testing.assert_array_equal(s.capacity_plan, planned)


def test_nobody_enters_before_a_period_of_profits_is_known():
    model = market_of([0, 3, 5])
    regime = model.regime
    owners_hold(model, 30_000.0)
    regime.profit = None
    regime._enter(model)
    assert regime.entries == 0 and regime.closed.sum() == 3


def test_where_no_good_draws_entry_the_plan_is_not_made_again():
    """B and C earning no more than IN: nobody enters, and the capacity planned (set apart here) is not recomputed."""
    model = market_of([3, 5])
    regime, s = model.regime, model.state
    owners_hold(model, 30_000.0)
    regime.profit = np.zeros(6)
    s.capacity_plan = np.array([7.0, 7.0, 7.0])
    regime._enter(model)
    assert regime.entries == 0
    np.testing.assert_array_equal(s.capacity_plan, 7.0)


def test_an_entrants_place_is_its_goods_closed_one_else_one_whose_good_keeps_another_else_none():
    """Enterprises IN, IN, B, B, C, C."""
    model = market_of([])
    place = model.regime._place_for
    assert place(model, np.array([0, 3]), 1) == 3  # B's own closed place, though IN's comes first
    assert place(model, np.array([0, 5]), 1) == 0  # IN keeps row 1
    assert place(model, np.array([5]), 1) == 5  # C keeps row 4
    model.producers.sector[1] = 1  # IN's row 0 is its only enterprise now
    assert place(model, np.array([0]), 2) == -1
