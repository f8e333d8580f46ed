"""The fixed plan's shortage bookkeeping within a week against numbers worked by hand (issue 25).

``test_fixed_plan_shortage.py`` checks each rule of ``sim.economics.shortage`` by hand and
each mechanism in whole runs; here, each step the regime takes with them, on the three-good
economy of ``test_market_entry_by_hand.py`` (IN an input; B and C households' goods, each at
1.5 hours and so at a price of 1.5 tokens, with base budget shares of one half each), one week
into a plan: forced substitution, the hoards taken before households come, the goods noted
short when produced and bought, the hoards set for the next period, and the piles the
planners see.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_market_entry_by_hand import three_goods

from sim.economics import shortage
from sim.model import CouncilsModel

IN, B, C = 0, 1, 2


def fixed_plan(**parameters) -> CouncilsModel:
    """The fixed plan on the three goods, a week run (the year's plan made); substitution 0.5, hoarding 2 weeks."""
    defaults = {
        "seed": 1,
        "years": 0.5,
        "population_consumers": 300,
        "population_councils": 6,
        "population_communes": 0,
        "plan_period_weeks": 4,
        "fixed_plan_substitution": 0.5,
        "fixed_plan_hoarding": 2.0,
    }
    model = CouncilsModel(economy=three_goods(), regime="fixed_plan", **{**defaults, **parameters})
    model.step()
    np.testing.assert_allclose(model.state.prices, [1.5, 1.5], rtol=1e-12)
    np.testing.assert_allclose(model.consumers.preferences.base_shares, [0.5, 0.5], rtol=1e-12)
    return model


def turned_away(model, unserved: float, persons: int = 100):
    """Every person meant to spend 10 tokens and spent them, but the first ``persons``, turned away from ``unserved``.

    B is queued for (the queue took all of it on sale); what was wanted and sold of B and C
    is 1000 and 800, 900 and 800 units; the week's tokens spent 7000; savings 50 each.
    """
    s, c = model.state, model.consumers
    c.spending = np.full(300, 10.0)
    c.spent = np.full(300, 10.0)
    c.spent[:persons] -= unserved
    c.savings = np.full(300, 50.0)
    c.purchases = dataclasses.replace(c.purchases, short=np.array([0]), substituted=None, per_token=None)
    s.wanted, s.sales = np.array([1000.0, 800.0]), np.array([900.0, 800.0])
    s.seen_demand = np.array([7.0, 7.0])
    s.tokens_spent = 7000.0


def test_forced_substitution_buys_what_is_left_on_sale_of_the_goods_not_queued_for_worked_by_hand():
    """100 persons turned away from 6 tokens of B each, 600 in all; they spend half of it on C.

    C: 150 in stock, 50 of it held by producers: 100 left. Asked 0.5 · 600 / 1.5 = 200 units of
    C, half of it there: each token bought 0.5 / 1.5 = 1/3 of a unit, each of the 100 spent
    0.5 · 6 · 0.5 = 1.5 tokens (150 in all, saved the other 4.5) for 1.5 / 1.5 = 1 unit, 100
    units in all. C's demand seen rises by 200 to 1000, its sales by 100 to 900; its stock
    falls to the 50 held.
    """
    model = fixed_plan()
    s, c, regime = model.state, model.consumers, model.regime
    turned_away(model, 6.0)
    s.stock[[B, C]] = [0.0, 150.0]
    s.earmarked[[B, C]] = [0.0, 50.0]
    regime._substitute(model)
    assert regime.substituted == pytest.approx(150.0, rel=1e-12)
    np.testing.assert_allclose(s.wanted, [1000.0, 1000.0], rtol=1e-12)
    np.testing.assert_allclose(s.sales, [900.0, 900.0], rtol=1e-12)
    np.testing.assert_array_equal(s.seen_demand, s.wanted)  # the planners see the asks
    np.testing.assert_allclose(s.stock[[B, C]], [0.0, 50.0], rtol=1e-12)
    assert s.tokens_spent == pytest.approx(7150.0, rel=1e-12)
    np.testing.assert_allclose(c.spent, np.repeat([5.5, 10.0], [100, 200]), rtol=1e-12)
    np.testing.assert_allclose(c.savings, np.repeat([48.5, 50.0], [100, 200]), rtol=1e-12)
    np.testing.assert_allclose(c.purchases.substituted, np.repeat([3.0, 0.0], [100, 200]), rtol=1e-12)
    np.testing.assert_allclose(c.purchases.per_token, [0.0, 1 / 3], rtol=1e-12)


def test_where_what_is_left_is_held_by_producers_the_money_turned_away_is_saved():
    """C's 50 in stock are all held for producers: nothing is on sale, nothing substituted, the week untouched."""
    model = fixed_plan()
    s, c, regime = model.state, model.consumers, model.regime
    turned_away(model, 6.0)
    s.stock[[B, C]] = [0.0, 50.0]
    s.earmarked[[B, C]] = [0.0, 50.0]
    purchases = c.purchases
    regime._substitute(model)
    assert regime.substituted == 0.0
    assert c.purchases is purchases
    np.testing.assert_array_equal(s.seen_demand, [7.0, 7.0])
    np.testing.assert_array_equal(s.sales, [900.0, 800.0])
    np.testing.assert_array_equal(c.savings, 50.0)
    assert s.tokens_spent == 7000.0


def test_a_token_turned_away_is_half_substituted():
    """One person turned away from 1 token: 0.5 spent on C (ample), a third of a unit; the rest saved."""
    model = fixed_plan()
    s, c, regime = model.state, model.consumers, model.regime
    turned_away(model, 1.0, persons=1)
    s.stock[[B, C]] = [0.0, 1000.0]
    s.earmarked[[B, C]] = 0.0
    regime._substitute(model)
    assert regime.substituted == pytest.approx(0.5, rel=1e-12)
    assert s.tokens_spent == pytest.approx(7000.5, rel=1e-12)
    assert c.savings[0] == pytest.approx(49.5, rel=1e-12)
    assert s.stock[C] == pytest.approx(1000.0 - 1 / 3, rel=1e-12)


def test_enterprises_take_their_hoards_from_the_stock_before_households_and_short_goods_stay_noted():
    """Hoards wanted: 50 of IN, none of B, 5 of C. IN: 100 in stock, 60 held for production: 40 hoarded.

    C: all its 3000 in stock held already: none. Households find no C on sale and queue for it;
    B stays on sale in plenty. All three were noted short before (lacked by producers): they stay
    so, B though nobody queued for it this week.
    """
    model = fixed_plan()
    s, regime = model.state, model.regime
    regime._hoard_target = np.array([50.0, 0.0, 5.0])
    s.stock[:] = [100.0, 1e5, 3000.0]
    s.earmarked = np.array([60.0, 0.0, 3000.0])
    regime._short[:] = True
    regime.buy(model)
    np.testing.assert_allclose(regime.hoard, [40.0, 0.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(s.earmarked, [100.0, 0.0, 3000.0], rtol=1e-12)
    np.testing.assert_array_equal(regime._short, True)
    assert s.sales[0] == pytest.approx(s.wanted[0], rel=1e-12)  # B: no queue
    assert s.sales[1] == 0.0 and s.wanted[1] > 0  # C was queued for: all of its demand unmet


def test_a_good_lacked_in_production_is_noted_short_and_so_are_those_noted_before():
    """IN's enterprises make nothing (targets 0) and none is in stock: B's and C's makers lack it.

    B was noted short before (queued for), and stays so; C is not lacked (it is no input).
    The week counts: 3 before, 4 after; the inputs used are added to those of the period.
    """
    model = fixed_plan()
    s, regime, producers = model.state, model.regime, model.producers
    producers.target[producers.sector == IN] = 0.0
    s.stock[IN] = 0.0
    regime._short[:] = [False, True, False]
    regime._short_weeks = 3
    used = regime._used.copy()
    regime.produce(model)
    np.testing.assert_array_equal(regime._short, [True, True, False])
    assert regime._short_weeks == 4
    np.testing.assert_allclose(regime._used, used + s.inputs_used, rtol=1e-12)


def test_the_next_periods_hoards_are_weeks_of_the_mean_use_of_the_goods_short_in_this_one():
    """Used over one week: 10, 20, 30 of IN, B, C; IN and C short: hoards 2 × 10 and 2 × 30; the period starts anew."""
    model = fixed_plan()
    regime = model.regime
    regime._used = np.array([10.0, 20.0, 30.0])
    regime._short_weeks = 1
    regime._short = np.array([True, False, True])
    regime._set_hoards(model)
    np.testing.assert_allclose(regime._hoard_target, [20.0, 0.0, 60.0], rtol=1e-12)
    np.testing.assert_array_equal(regime._used, 0.0)
    np.testing.assert_array_equal(regime._short, False)
    assert regime._short_weeks == 0
    regime._used = np.array([10.0, 20.0, 30.0])  # over four weeks: a mean use of 2.5 and 7.5
    regime._short_weeks = 4
    regime._short = np.array([True, False, True])
    regime._set_hoards(model)
    np.testing.assert_allclose(regime._hoard_target, [5.0, 0.0, 15.0], rtol=1e-12)


def test_the_planners_see_the_stock_less_the_hoards_when_they_look_for_piles(monkeypatch):
    """At the correction of week 4 (every 4 weeks), with 40 units of IN hoarded, the piles are sought in the rest."""
    from sim.regimes import fixed_plan as module

    model = fixed_plan(fixed_plan_correction_weeks=4)
    seen = []
    piled = module.plan_corrections.piled

    def spy(stock, reserve, at_plan, share):
        seen.append((np.array(stock), model.state.stock.copy(), model.regime.hoard.copy()))
        return piled(stock, reserve, at_plan, share)

    monkeypatch.setattr(module.plan_corrections, "piled", spy)
    model.regime._hoard_target = np.array([40.0, 0.0, 0.0])
    for _ in range(3):
        model.step()
    assert len(seen) == 1
    stock, held, hoard = seen[0]
    assert hoard[IN] == pytest.approx(40.0, rel=1e-12)
    np.testing.assert_allclose(stock, held - hoard, rtol=1e-12)


def test_less_than_a_token_turned_away_is_substituted_too():
    """0.25 and 0.5 tokens turned away, all of it spent on the second good (1 a unit, 10 left): 0.75 units."""
    asked, per_token, spent = shortage.substitute([0.25, 0.5], 1.0, [0.0, 10.0], [1.0, 1.0], [0.5, 0.5])
    np.testing.assert_allclose(asked, [0.0, 0.75], rtol=1e-12)
    np.testing.assert_allclose(per_token, [0.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(spent, [0.25, 0.5], rtol=1e-12)


def test_the_yearly_plan_hears_the_councils_reports_with_the_noise_of_the_nation_the_run_stands_for(monkeypatch):
    """A run standing for the economy: each yearly plan asks the councils' reports for its many persons' noise."""
    from agents.factory_council import FactoryCouncils

    heard = []
    reports = FactoryCouncils.reports

    def heard_reports(self, error, rng, stands_for=1.0):
        heard.append(stands_for)
        return reports(self, error, rng, stands_for)

    monkeypatch.setattr(FactoryCouncils, "reports", heard_reports)
    model = CouncilsModel(
        seed=5,
        regime="fixed_plan",
        years=0.1,
        population_consumers=600,
        population_councils=25,
        population_communes=3,
        population_represents="economy",
    )
    assert model.noise.stands_for > 1
    assert heard == [model.noise.stands_for]  # the first year's plan, made when the model is built
