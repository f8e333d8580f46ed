"""The self-managed market's own record (issue 29): members who leave, restrictive hiring, social credit, dispersion.

Each mechanism is a key of ``[self_managed_market]`` that can be switched off; each test shows its
indicator positive with it and zero without (separations and hiring: the unemployed; credit:
loans; Ward's rule, the councils that refuse a member, is worked by hand in
``test_regimes_hand_worked.py``). The dispersion of income per member
between enterprises is recorded under every regime (``sim.economics.metrics.dispersion``, worked by hand in
``test_metrics.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import CouncilsModel

SMALL = dict(population_consumers=2000, population_councils=40, population_communes=10)


def test_the_record_measures_dispersion_zero_under_equal_pay_and_above_it_under_self_management():
    councils = CouncilsModel(seed=2, regime="councils", years=1, wages_initial_gini=0.0, **SMALL)
    smm = CouncilsModel(seed=2, regime="self_managed_market", years=1, **SMALL)
    for m in (councils, smm):
        m.run()
    for key in ("enterprise_income_cv", "enterprise_income_gini", "sector_income_gini", "income_capital_correlation"):
        assert np.abs(councils.record.series(key)).max() < 1e-9, key
    assert smm.record.series("enterprise_income_gini")[-1] > 0.05
    assert smm.record.series("income_capital_correlation")[-1] > 0.3  # capital-intensive goods earn more


# --- members who leave and councils that hire -----------------------------------------------------


@pytest.mark.parametrize("separation", [0.0, 0.1])
def test_members_who_leave_are_replaced_only_by_hiring_and_the_others_wait_unemployed(separation):
    m = CouncilsModel(seed=3, regime="self_managed_market", years=2, self_managed_market_separation=separation, **SMALL)
    m.run()
    unemployment = m.record.series("unemployment_rate")
    if separation == 0:
        assert unemployment.max() == 0.0 and m.record.series("hours_paid").min() == m.state.hours_per_week
        return
    assert unemployment[-26:].mean() > 0.01  # more leave than the councils' output needs back
    jobless = m.regime.jobless(m)
    np.testing.assert_allclose(m.regime.benefits(m)[jobless], 0.4 * m.regime.money_wage * m.state.hours_per_week)
    assert not m.regime.benefits(m)[~jobless].any()


# --- social credit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("credit", [False, True])
def test_councils_borrow_social_capital_only_where_credit_is_on(credit):
    m = CouncilsModel(seed=4, regime="self_managed_market", years=2, self_managed_market_credit=credit, **SMALL)
    lent = []
    for _ in range(m.conditions.weeks):
        m.step()
        lent.append(m.regime.books.loans.sum())
        assert m.regime.books.loan_rate == 0.0
    assert (max(lent) > 0) == credit
    assert sum(m.regime.balance_sheets(m).values()) == pytest.approx(0.0, abs=1e-9 * m.regime.books.issued)


def test_the_trend_of_dispersion_is_the_slope_of_its_yearly_means_from_the_second_year():
    m = CouncilsModel(seed=5, regime="self_managed_market", years=4, **SMALL)
    summary = m.run()
    yearly = m.record.series("enterprise_income_gini").reshape(4, 52).mean(axis=1)[1:]
    assert summary["enterprise_income_gini_trend"] == pytest.approx(np.polyfit([0, 1, 2], yearly, 1)[0], rel=1e-9)
