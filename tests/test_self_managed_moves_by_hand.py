"""The self-managed market's members who leave, and Ward's rule, against numbers worked by hand (issue 25).

On the two-good economy of ``test_regimes_hand_worked.py`` (IN from an hour; OUT from an hour
and half a unit of IN; enterprises IN, OUT, OUT; normal prices 0.9375 and 1.5 tokens; 35
hours a week): how many members each council's separations draw from, at what chance, and
whether it hires; and what a member adds where methods and productivity are not 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_regimes_hand_worked import Spy, model_of


class Draws:
    """Stands in for the model's generator: keeps the binomial draws asked for, draws nobody; passes on the rest."""

    def __init__(self, rng):
        self.rng, self.binomial_asked = rng, []

    def binomial(self, n, p):
        self.binomial_asked.append((np.array(n), p))
        return np.zeros(np.shape(n), dtype=int)

    def __getattr__(self, name):
        return getattr(self.rng, name)


def moves_of(separation: float, monkeypatch):
    """The councils' moves at a plan: their draws, whom they would hire (a spy), movers by income (a spy)."""
    model = model_of("self_managed_market", self_managed_market_separation=separation, population_group_size_min=10)
    model.producers.workers = np.array([12, 10, 5])
    draws = Draws(model.rng)
    model.rng = draws
    hired = []
    monkeypatch.setattr(model.councils, "movers_to_income", Spy())
    monkeypatch.setattr(model.regime, "_hire", lambda m: hired.append(m))
    model.regime.move_labour(model)
    return draws.binomial_asked, hired


def test_members_leave_beyond_the_smallest_group_at_the_yearly_rate_over_the_period_and_councils_hire(monkeypatch):
    """Separation 10 % a year, over 4 weeks: a chance of 1 − 0.9^(4/52) = 0.00807 for each member beyond 10.

    Members 12, 10 and 5: 2, 0 and 0 may leave. The councils then hire.
    """
    asked, hired = moves_of(0.1, monkeypatch)
    assert len(asked) == 1 and len(hired) == 1
    n, p = asked[0]
    np.testing.assert_array_equal(n, [2, 0, 0])
    assert p == pytest.approx(1 - 0.9 ** (4 / 52), rel=1e-12)
    assert p == pytest.approx(0.00807, abs=1e-5)


def test_without_separation_nobody_is_drawn_to_leave_and_nobody_is_hired(monkeypatch):
    asked, hired = moves_of(0.0, monkeypatch)
    assert asked == [] and hired == []


def test_wards_rule_counts_what_a_member_makes_at_the_councils_method_and_productivity_worked_by_hand():
    """Methods ½ (half an hour a unit), productivity 2: a member makes 35 · 2 / ½ = 140 units a week.

    OUT's 140 units add 140 · (1.5 − ½ · 0.9375) = 144.375 tokens a week; IN's 140 · 0.9375 = 131.25.
    Paying a tenth less than a member adds, a council admits; a tenth more, it refuses.
    """
    model = model_of("self_managed_market")
    regime = model.regime
    model.producers.productivity[:] = 2.0
    model.producers.method[:] = 0.5
    regime.member_income = np.array([131.15, 144.275, 144.475])
    np.testing.assert_array_equal(regime.refuses(model), [False, False, True])
    regime.member_income = np.array([131.35, 144.0, 37.0])
    np.testing.assert_array_equal(regime.refuses(model), [True, False, False])


def test_under_hiring_by_need_councils_hire_the_unemployed_to_their_places():
    """Under ``hiring = "need"`` nobody is refused: 30 without work, every council short of hands, paying a fortune."""
    model = model_of("self_managed_market", self_managed_market_hiring="need")
    regime, c, p = model.regime, model.consumers, model.producers
    c.group[np.flatnonzero(c.group >= 0)[:30]] = -1
    model.councils.staff(c.group, model.work_groups, 35.0)
    p.target = 1.5 * p.target
    places = regime._places(model)
    assert places.sum() >= 30
    regime.member_income = np.full(3, 1e6)
    assert regime.refuses(model).dtype == bool
    regime._hire(model)
    assert regime.jobless(model).sum() == 0 and regime.refused == 0


def test_before_the_first_plan_shares_anything_no_rent_is_earned_and_no_place_refused():
    """Weeks 0 to 3, before the plan of week 4: borrowed capital has earned nothing, Ward's rule refused nobody."""
    model = model_of("self_managed_market")
    for _ in range(3):
        model.step()
        marks = model.regime.marks(model)
        assert marks["credit_rent_per_member"] == 0.0
        assert marks["hiring_refused"] == 0.0
