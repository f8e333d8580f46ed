"""The self-managed market's rents (issue 29): market power, cheap credit and Ward's hiring, each with its mark.

Each mechanism is a ``[self_managed_market]`` key that can be switched off; its own mark
(:meth:`sim.regimes.self_managed_market.SelfManagedMarket.marks`) is recorded every week and
is 0 without it. Whether the dispersion of income per member widens over ten years is
measured by ``scripts/history_self_managed.py`` (docs/validation.md), not asserted here.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from shared_runs import shared

from sim.economics import firms
from sim.economics.economy import load_economy
from sim.model import CouncilsModel
from sim.regimes.self_managed_market import SelfManagedMarket
from sim.run.scenario import ScenarioError, from_dict
from sim.run.scenario_economy import check_against_economy


def test_a_good_made_by_fewer_producers_carries_a_higher_markup():
    """Shares ½ and ½ give H = ½; a single producer H = 1; a good nobody makes keeps the base markup."""
    markups = firms.concentration_markups(np.array([1.0, 1.0, 2.0]), np.array([0, 0, 1]), 3, 0.1, 0.2)
    np.testing.assert_allclose(markups, [0.1 + 0.2 * 0.5, 0.1 + 0.2 * 1.0, 0.1])


def test_unequal_producers_concentrate_a_good_more_than_equal_ones():
    """Shares ¾ and ¼: H = 9/16 + 1/16 = 5/8, above the ½ of two equal producers."""
    markups = firms.concentration_markups(np.array([3.0, 1.0, 2.0, 2.0]), np.array([0, 0, 1, 1]), 2, 0.0, 1.0)
    np.testing.assert_allclose(markups, [5 / 8, 1 / 2])


def test_without_market_power_every_good_carries_the_base_markup():
    markups = firms.concentration_markups(np.array([3.0, 1.0, 2.0]), np.array([0, 0, 1]), 2, 0.15, 0.0)
    np.testing.assert_array_equal(markups, [0.15, 0.15])


def _history(**rules) -> CouncilsModel:
    """Two years of the self-managed market, 1,500 persons in 40 councils, seed 2."""
    keys = {f"self_managed_market_{key}": value for key, value in rules.items()}
    m = CouncilsModel(
        seed=2, regime="self_managed_market", years=2, population_consumers=1500, population_councils=40, **keys
    )
    m.run()
    return m


history = shared(_history)


def test_market_power_raises_the_normal_price_of_a_concentrated_good_against_one_many_make(history):
    concentrated, many = history(market_power=0.2), history()
    p = concentrated.producers
    count = np.bincount(p.sector, minlength=concentrated.technology.n)
    alone, crowded = int(np.argmin(np.where(count > 0, count, 99))), int(np.argmax(count))
    ratio = concentrated.regime.normal / many.regime.normal
    assert count[alone] < count[crowded]
    assert ratio[alone] > ratio[crowded]


def test_market_power_earns_a_rent_per_member_and_none_without_it(history):
    """Off by default (its rents depend on how many enterprises are simulated: docs/regimes.md)."""
    assert history(market_power=0.2).record.series("market_rent_per_member")[1:].min() > 0
    assert not history().record.series("market_rent_per_member").any()


def test_borrowed_capital_earns_or_loses_against_its_rate_only_where_councils_borrow(history):
    """With credit off no council owes the bank, so nothing is earned on borrowed capital."""
    assert np.abs(history().record.series("credit_rent_per_member")).max() > 0
    assert not history(credit=False).record.series("credit_rent_per_member").any()


def test_wards_rule_refuses_places_and_hiring_to_need_refuses_none(history):
    assert history().record.series("hiring_refused").max() > 0
    assert not history(hiring="need").record.series("hiring_refused").any()


def test_the_other_regimes_record_no_mark_of_this_history():
    m = CouncilsModel(seed=2, regime="market", years=0.2, population_consumers=1500, population_councils=40)
    m.run()
    for name in ("market_rent_per_member", "credit_rent_per_member", "hiring_refused"):
        assert not m.record.series(name).any()


def test_a_markup_that_market_power_lifts_past_prices_of_production_is_refused_naming_both():
    """US 2014: ρ(A + D) = 0.565, so a markup needs to stay below 0.768; 0.45 + 0.4 does not."""
    scenario = from_dict(
        {"regime": "self_managed_market", "self_managed_market": {"markup": 0.45, "market_power": 0.4}}, "x.toml"
    )
    phrase = "self_managed_market.markup = 0.45 + market_power = 0.4: too high for"
    with pytest.raises(ScenarioError, match=re.escape(phrase)):
        check_against_economy(scenario, load_economy(), "x.toml")
    lower = from_dict({"regime": "self_managed_market", "self_managed_market": {"market_power": 0.5}}, "x.toml")
    check_against_economy(lower, load_economy(), "x.toml")  # 0.15 + 0.5 < 0.768: no error


def test_a_good_whose_producers_hold_no_capacity_or_less_than_a_unit_keeps_its_shares_right():
    """Good 0: two producers without capacity (closed), H = 0; good 1: ¼ and ¼ of a unit, H = ½."""
    markups = firms.concentration_markups(np.array([0.0, 0.0, 0.25, 0.25]), np.array([0, 0, 1, 1]), 2, 0.1, 0.4)
    np.testing.assert_allclose(markups, [0.1, 0.1 + 0.4 * 0.5])


def hand_worked_regime():
    """Two enterprises: 10 and 30 members, 1,000 persons; markups ½ above a base of 0.1 on good 0, none on good 1."""
    regime = SelfManagedMarket()
    regime.markup = np.array([0.6, 0.1])
    regime.normal = np.array([3.2, 2.2])  # unit cost 2 on both goods
    regime.credit_rent, regime.refused = 80.0, 5
    model = SimpleNamespace(
        producers=SimpleNamespace(workers=np.array([10, 30])),
        state=SimpleNamespace(output=np.array([4.0, 7.0]), hours_per_week=35.0),
        conditions=SimpleNamespace(self_managed_market=SimpleNamespace(markup=0.1, loan_rate=0.02)),
        consumers=SimpleNamespace(income=np.zeros(1000)),
    )
    return regime, model


def test_the_marks_worked_by_hand():
    """Market rent: (0.6 − 0.1) × 2 tokens × 4 units = 4 tokens over 40 members; credit rent 80 / 40; 5 of 1,000."""
    regime, model = hand_worked_regime()
    marks = regime.marks(model)
    assert marks["market_rent_per_member"] == pytest.approx(4.0 / 40)
    assert marks["credit_rent_per_member"] == pytest.approx(80.0 / 40)
    assert marks["hiring_refused"] == pytest.approx(5 / 1000)
    model.producers.workers = np.array([0, 0])  # nobody works: per member of at least one
    assert regime.marks(model)["market_rent_per_member"] == pytest.approx(4.0)


def test_what_borrowed_capital_earns_beyond_its_rate_worked_by_hand():
    """A week: net income 500 and 50 tokens; normal pay 0.5 × 35 × 10 = 175 and × 2 = 35; capital 1,300 and ½ token.

    Returns a year: (500 − 175) × 52 / 1,300 = 13 and (50 − 35) × 52 / 0.5 = 1,560; the loans (100 and 1)
    earn 100 × (13 − 0.02) + 1 × (1,560 − 0.02) = 2,858 a year, 2,858 / 52 a week. A producer without
    capital earns no return on it and owes nothing.
    """
    regime, model = hand_worked_regime()
    model.producers.workers = np.array([10, 2, 5])
    regime.money_wage = 0.5
    regime.books = SimpleNamespace(loans=np.array([100.0, 1.0, 0.0]))
    regime.capital_value = lambda model: np.array([1300.0, 0.5, 0.0])
    rent = regime._credit_rent(model, np.array([500.0, 50.0, 7.0]))
    assert rent == pytest.approx((100 * (13 - 0.02) + 1 * (1560 - 0.02)) / 52)
