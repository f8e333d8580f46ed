"""The order of a week's phases (``sim.model.CouncilsModel.step``), seen from the calls the model makes.

The model only says when; each phase is the regime's (``docs/architecture.md``). A week is:
noise → produce → pay → deliver → buy → price → readjust → invest, then the record closes the
week and the DataCollector reads it; the week's count moves on; the scenario's events fire;
at the start of every year the yearly decision is taken, and then, every plan period, the
plan is made (the decision first, so that the plan works it out). Here every one of those
calls is wrapped to log its name and the model's week when it was made.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel

WEEK = ["noise", "produce", "pay", "deliver", "buy", "price", "readjust", "invest", "record", "collect", "events"]
SMALL = {"population_consumers": 600, "population_councils": 25, "population_communes": 3}


def logged(model) -> list[tuple[str, int]]:
    """Wrap every phase of ``model`` so that each call appends (its name, the model's week) to the list returned."""
    log = []

    def wrap(owner, attribute, name):
        method = getattr(owner, attribute)

        def call(*arguments, **keywords):
            log.append((name, model.week))
            return method(*arguments, **keywords)

        setattr(owner, attribute, call)

    for phase in ("produce", "pay", "deliver", "buy", "price", "readjust", "invest", "decide", "plan"):
        wrap(model.regime, phase, phase)
    wrap(model.noise, "draw", "noise")
    wrap(model.record, "week_done", "record")
    wrap(model.datacollector, "collect", "collect")
    wrap(model.events, "fire", "events")
    return log


def expected(weeks: int, period: int) -> list[tuple[str, int]]:
    """The calls of ``weeks`` weeks from week 0, plans every ``period`` weeks, as the docstring says."""
    calls = []
    for week in range(weeks):
        calls += [(name, week) for name in WEEK[:-1]]
        calls.append(("events", week + 1))  # after the week's count moved on
        if (week + 1) % WEEKS_PER_YEAR == 0:
            calls.append(("decide", week + 1))
        if (week + 1) % period == 0:
            calls.append(("plan", week + 1))
    return calls


@pytest.mark.parametrize("regime", ["councils", "market"])
def test_a_weeks_phases_run_in_their_order_and_the_decision_comes_before_the_plan(regime):
    model = CouncilsModel(seed=3, regime=regime, years=1.1, plan_period_weeks=4, **SMALL)
    log = logged(model)
    weeks = WEEKS_PER_YEAR + 2
    for week in range(weeks):
        model.step()
        assert model.week == week + 1
    assert log == expected(weeks, 4)
    assert ("decide", WEEKS_PER_YEAR) in log and log.index(("decide", WEEKS_PER_YEAR)) + 1 == log.index(
        ("plan", WEEKS_PER_YEAR)
    )


def test_a_plan_period_that_does_not_divide_the_year_plans_on_its_own_weeks():
    model = CouncilsModel(seed=3, years=1.1, plan_period_weeks=5, **SMALL)
    log = logged(model)
    for _ in range(WEEKS_PER_YEAR + 1):
        model.step()
    assert log == expected(WEEKS_PER_YEAR + 1, 5)
    assert [week for name, week in log if name == "plan"] == list(range(5, WEEKS_PER_YEAR + 1, 5))
    assert [week for name, week in log if name == "decide"] == [WEEKS_PER_YEAR]


def test_the_first_plan_is_made_when_the_model_is_built_before_the_record_exists(monkeypatch):
    seen = []
    from sim.regimes.councils import Councils

    plan = Councils.plan

    def spy(self, model):
        seen.append((model.week, hasattr(model, "record")))
        return plan(self, model)

    monkeypatch.setattr(Councils, "plan", spy)
    model = CouncilsModel(seed=3, years=0.1, **SMALL)
    assert seen == [(0, False)]
    assert model.week == 0 and model.record.weeks == 0


def test_the_model_runs_while_weeks_remain_and_run_counts_them_with_its_progress():
    model = CouncilsModel(seed=3, years=6 / WEEKS_PER_YEAR, **SMALL)
    assert model.conditions.weeks == 6
    weeks = []
    model.run(4, progress=weeks.append)
    assert weeks == [1, 2, 3, 4] and model.running
    summary = model.run()  # the scenario's horizon, from where it is: 6 weeks more
    assert model.week == 10 and not model.running
    assert model.record.weeks == 10
    assert summary == model.record.summary()
    model.step()  # a week past the horizon is still a week
    assert model.week == 11 and not model.running


def test_the_datacollector_reads_each_week_once_after_the_record_closed_it():
    model = CouncilsModel(seed=3, years=3 / WEEKS_PER_YEAR, **SMALL)
    model.run()
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == 3
    np.testing.assert_allclose(table["unmet_share"].to_numpy(), model.record.series("unmet_share"))
    assert (table["seed"] == 3).all()


def test_the_summary_is_made_once_a_week_and_again_after_each_week():
    model = CouncilsModel(seed=3, years=3 / WEEKS_PER_YEAR, **SMALL)
    calls = []
    summary = model.record.summary

    def counted():
        calls.append(model.record.weeks)
        return summary()

    model.record.summary = counted
    model.step()
    first = model.summary_so_far()
    assert model.summary_so_far() is first  # the same week: not made again
    model.step()
    assert model.summary_so_far() is not first
    assert calls == [1, 2]


def test_the_model_passes_on_its_consumer_goods_and_the_explanations_of_its_prices():
    model = CouncilsModel(seed=3, years=8 / WEEKS_PER_YEAR, **SMALL)
    model.run()
    assert model.consumer_goods is model.state.consumer_goods
    assert len(model.record.price_log) > 3
    assert model.explain_prices() == model.record.explain_prices(20)
    assert model.explain_prices(3) == model.record.explain_prices(3)
    assert len(model.explain_prices(3)) == 3
