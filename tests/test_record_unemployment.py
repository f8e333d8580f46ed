"""What the record measures of hours and output where some are without work (issue 25).

Under the councils nobody is unemployed, so the hours paid and the output per hour recorded
cannot tell ``1 − u`` from ``1 + u``; the market's first weeks, with a tenth of its workers laid
off by hand, can. The reserve at normal prices the record keeps for the observer counts every
other use, capital goods and exports included (exports where some goods are imported).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import CouncilsModel


@pytest.fixture(scope="module")
def laid_off():
    """The market on 1,500 persons: two weeks, then 150 of its workers laid off, then a third week."""
    model = CouncilsModel(regime="market", population_consumers=1500, years=0.2, seed=3)
    model.step()
    model.step()
    c = model.consumers
    c.group[np.flatnonzero(c.group >= 0)[:150]] = -1
    model.councils.staff(c.group, model.work_groups, model.state.hours_per_week)
    model.step()
    return model


def test_hours_paid_and_output_per_hour_count_only_those_at_work(laid_off):
    """u ≥ 150 / 1500 = 10 %: hours paid 35 · (1 − u) a person; output per hour the net product at week-0 values
    over those hours, every person counted."""
    m, r = laid_off, laid_off.record
    u = r.series("unemployment_rate")[-1]
    assert u >= 0.1
    hours = m.state.hours_per_week
    assert r.series("hours_paid")[-1] == pytest.approx(hours * (1 - u), rel=1e-12)
    net = r.series("value")[0] @ (r.series("output")[-1] - r.series("inputs_used")[-1])
    assert r.series("output_per_hour")[-1] == pytest.approx(net / (hours * (1 - u) * 1500), rel=1e-12)


def test_the_reserve_at_normal_prices_is_weeks_of_households_demand_and_every_other_use():
    """The councils with a fifth of food imported (and paid for by exports), two weeks: every use is there."""
    m = CouncilsModel(population_consumers=1500, years=0.2, seed=3, imports_share=0.2)
    m.step()
    m.step()
    r = m.record
    others = sum(r.series(name)[-1] for name in ("inputs_used", "public_use", "investment_use", "exports"))
    assert r.series("exports")[-1].any() and r.series("investment_use")[-1].any()
    expected = m.conditions.readjustment.reserve_weeks * (r.series("normal_demand")[-1] + others)
    np.testing.assert_allclose(r.series("normal_reserve")[-1], expected, rtol=1e-12)
