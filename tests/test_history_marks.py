"""What each regime reproduces of its history (issue 29, ``sim.analysis.history_marks``), and the regimes figure's row.

Each mark is judged on made-up series worked by hand: a share of weeks, a rate against the US
2014 band, a trend a year; the first year never counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.history_marks import MARKS, MOST_WEEKS, WEEKS_PER_YEAR, judge, judgements
from sim.analysis.intervals import mean_interval
from sim.views.sweep_plots import compare_regimes

WEEKS = np.arange(0, 4 * WEEKS_PER_YEAR, 4)


def _paths(regime: str, values_of_run, scenario: str = "baseline", investment: str | None = None) -> pd.DataFrame:
    """A regime's mark for each run: ``values_of_run(run, weeks)`` gives its block means."""
    frames = []
    for run in range(3):
        frames.append(
            pd.DataFrame(
                {
                    "run_id": f"{scenario}-{regime}-{run}-{investment}",
                    "scenario": scenario,
                    "regime": regime,
                    "variable": MARKS[regime].series,
                    "week": WEEKS,
                    "value": values_of_run(run, WEEKS),
                }
            ).assign(**({} if investment is None else {"comparison.investment": investment}))
        )
    return pd.concat(frames, ignore_index=True)


def _first_year_wild(value):
    """The mark's value from the second year on; the first year far off, which must not count."""
    return lambda run, weeks: np.where(weeks < WEEKS_PER_YEAR, 0.9, value + 0.001 * run)


def test_the_fixed_plans_chronic_shortage_is_queues_beside_piles_in_most_weeks_after_the_first_year():
    (most,) = judgements(_paths("fixed_plan", _first_year_wild(0.75)))
    assert most.reproduced and most.measure.estimate == pytest.approx(0.751)
    (few,) = judgements(_paths("fixed_plan", _first_year_wild(0.11)))
    assert not few.reproduced and few.measure.estimate == pytest.approx(0.111)
    assert judge("fixed_plan", mean_interval(np.array([MOST_WEEKS, MOST_WEEKS]))) is False  # "most" is more than half


def test_the_market_reproduces_the_us_economy_where_its_unemployment_is_in_the_2014_band():
    (inside,) = judgements(_paths("market", _first_year_wild(0.062)))
    assert inside.reproduced and "reproduced" in inside.text() and "6.3 %" in inside.text()
    (above,) = judgements(_paths("market", _first_year_wild(0.101)))
    assert not above.reproduced and "not reproduced" in above.text()
    assert judge("market", mean_interval(np.array([0.04, 0.04]))) and not judge(
        "market", mean_interval(np.array([0.0399, 0.0399]))
    )


def test_the_yugoslav_widening_is_a_trend_a_year_whose_interval_lies_above_zero():
    def rising(run, weeks):
        return 0.10 + (0.002 + 0.0002 * run) * weeks / WEEKS_PER_YEAR

    (up,) = judgements(_paths("self_managed_market", rising))
    assert up.reproduced and up.measure.estimate == pytest.approx(0.0022)
    (down,) = judgements(_paths("self_managed_market", lambda run, weeks: 0.2 - (0.001 + 0.0001 * run) * weeks / 52))
    assert not down.reproduced and down.measure.high < 0
    assert "trend -0.0011 a year" in down.text()
    # a trend whose interval straddles 0 is not a widening
    assert not judge("self_managed_market", mean_interval(np.array([0.002, -0.002, 0.0005])))


def test_every_condition_is_judged_in_order_and_a_condition_with_one_seed_is_left_out():
    paths = pd.concat(
        [
            _paths("market", _first_year_wild(0.062), "baseline"),
            _paths("market", _first_year_wild(0.12), "taste_shift"),
            _paths("market", _first_year_wild(0.05), "lonely").query("run_id.str.contains('-0-')"),
            _paths("fixed_plan", _first_year_wild(0.0), "baseline"),
        ]
    )
    judged = judgements(paths)
    assert [(j.scenario, j.regime, j.reproduced) for j in judged] == [
        ("baseline", "fixed_plan", False),
        ("baseline", "market", True),
        ("taste_shift", "market", False),
    ]


def test_the_regimes_figure_ends_with_each_regimes_history_under_its_own_investment():
    marks = pd.concat(
        [
            _paths("fixed_plan", _first_year_wild(0.0), investment="own"),
            _paths("market", _first_year_wild(0.062), investment="own"),
            _paths("market", _first_year_wild(0.2), investment="equal"),
            _paths("self_managed_market", lambda run, weeks: 0.2 - 0.001 * (1 + run) * weeks / 52, investment="own"),
        ]
    )
    welfare = marks.assign(variable="welfare_per_person", value=24.0)
    figure = compare_regimes(pd.concat([welfare, marks], ignore_index=True))
    last = figure.axes[-3:]
    assert [ax.get_title().replace("\n", " ") for ax in last] == [
        f"{regime}: {MARKS[regime].label}" for regime in ("fixed_plan", "market", "self_managed_market")
    ]
    said = [ax.texts[-1].get_text().replace("\n", " ") for ax in last]
    assert said[0].startswith("baseline: Kornai's chronic shortage: 0.1 %") and "not reproduced" in said[0]
    # the market under equal investment (20 % unemployed) is left out: only its own closure is judged
    assert "the US economy of 2014: 6.3 %" in said[1] and "reproduced in 1 of 1 conditions" in said[1]
    assert "the Yugoslav widening: trend -0.0020 a year" in said[2] and "not reproduced" in said[2]
