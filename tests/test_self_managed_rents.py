"""The self-managed market's rents (issue 29): market power, cheap credit and Ward's hiring, each with its mark.

Each mechanism is a ``[self_managed_market]`` key that can be switched off; its own mark
(:meth:`sim.regimes.self_managed_market.SelfManagedMarket.marks`) is recorded every week and
is 0 without it. Whether the dispersion of income per member widens over ten years is
measured by ``scripts/history_self_managed.py`` (docs/validation.md), not asserted here.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest

from sim.economics import firms
from sim.economics.economy import load_economy
from sim.model import CouncilsModel
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


@functools.cache
def history(**rules) -> CouncilsModel:
    """Two years of the self-managed market, 1,500 persons in 40 councils, seed 2."""
    keys = {f"self_managed_market_{key}": value for key, value in rules.items()}
    m = CouncilsModel(
        seed=2, regime="self_managed_market", years=2, population_consumers=1500, population_councils=40, **keys
    )
    m.run()
    return m


def test_market_power_raises_the_normal_price_of_a_concentrated_good_against_one_many_make():
    concentrated, many = history(market_power=0.2), history()
    p = concentrated.producers
    count = np.bincount(p.sector, minlength=concentrated.technology.n)
    alone, crowded = int(np.argmin(np.where(count > 0, count, 99))), int(np.argmax(count))
    ratio = concentrated.regime.normal / many.regime.normal
    assert count[alone] < count[crowded]
    assert ratio[alone] > ratio[crowded]


def test_market_power_earns_a_rent_per_member_and_none_without_it():
    """Off by default (its rents depend on how many enterprises are simulated: docs/regimes.md)."""
    assert history(market_power=0.2).record.series("market_rent_per_member")[1:].min() > 0
    assert not history().record.series("market_rent_per_member").any()


def test_borrowed_capital_earns_or_loses_against_its_rate_only_where_councils_borrow():
    """With credit off no council owes the bank, so nothing is earned on borrowed capital."""
    assert np.abs(history().record.series("credit_rent_per_member")).max() > 0
    assert not history(credit=False).record.series("credit_rent_per_member").any()


def test_wards_rule_refuses_places_and_hiring_to_need_refuses_none():
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
