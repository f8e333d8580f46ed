"""What a run records and the verdict it reaches (DESIGN §4), each against its definition.

The state is copied just before the recorder reads it, every week; the test then works out
every series and every summary measure from that copy with its own formulas (the Gini by
mean absolute difference, the gaps and shares as DESIGN §4 defines them) and compares.
The verdict's rule is checked on hand-built weeks in and out of tolerance.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.economics import market
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.run.record import GOOD_SERIES, PRICE_LOG_THRESHOLD, WEEK_SERIES
from sim.run.scenario import (
    Capital,
    Communes,
    Imports,
    Plan,
    Population,
    Readjustment,
    Scenario,
    TechnicalChange,
    Verdict,
    Wages,
)

WEEKS = 60  # past the first yearly decision, and longer than the last year the summary averages over
SCENARIO = Scenario(
    seed=7,
    years=WEEKS / WEEKS_PER_YEAR,
    population=Population(consumers=400, councils=20, communes=3),
    wages=Wages(equalisation_years=2.0),  # the hierarchy shrinks at week 52: the wage Gini moves once
    readjustment=Readjustment(reserve_weeks=0.3),  # short reserves and no spare capacity: some demand goes unmet
    plan=Plan(information_error=0.2, capacity_headroom=0.0),  # the plan factory's coefficients are off
    imports=Imports(share=0.3),
    communes=Communes(transfer=0.2),
    technical_change=TechnicalChange(0.0, 0.0),  # methods stay: hours used are labour × output by good
    capital=Capital(wear=False),
)


def gini(x) -> float:
    """Mean absolute difference over twice the mean (all pairs), 0 for nothing."""
    x = np.asarray(x, dtype=float)
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


def _copy_state(m) -> dict:
    c = m.consumers
    return {
        "state": copy.deepcopy(m.state),
        "income": c.income.copy(),
        "spent": c.spent.copy(),
        "savings": c.savings.copy(),
        "spending": c.spending.copy(),
        "taste": np.asarray(c.taste),
        "wage_factor": c.wage_factor.copy(),
        "workers": c.group >= 0,
        "estimated": m.planner.inputs_estimated.copy(),
        "week": m.week,
    }


def _run():
    """A run whose state is copied every week just before the recorder reads it."""
    m = CouncilsModel(SCENARIO)
    seen = []
    record = m.record.week_done
    m.start = _copy_state(m)  # prices and reserves before the first week

    def week_done():
        seen.append(_copy_state(m))
        record()

    m.record.week_done = week_done
    m.run()
    return m, seen


@pytest.fixture
def run():
    """A fresh run for each test of what is recorded while it runs (so that mutation testing sees the test run it)."""
    return _run()


@pytest.fixture(scope="module")
def ran():
    """One run for the tests of what the record works out afterwards (the summary, the table)."""
    return _run()


def test_per_good_series_are_the_weeks_state(run):
    m, seen = run
    r, cg = m.record, m.consumer_goods
    others = np.setdiff1d(np.arange(m.technology.n), cg)
    assert r.weeks == WEEKS == len(seen)
    for t, week in enumerate(seen):
        s = week["state"]
        price = r.series("price")[t]
        np.testing.assert_array_equal(price[cg], s.prices)
        np.testing.assert_array_equal(price[others], s.values[others])
        for name, expected in (
            ("value", s.values),
            ("stock", s.stock),
            ("reserve", s.reserve),
            ("output", s.output),
            ("inputs_used", s.inputs_used),
            ("public_use", s.public_use),
            ("investment_use", s.investment_use),
            ("imports", s.imports),
            ("exports", s.exported),
            ("planning_error", s.planning_errors),
        ):
            np.testing.assert_array_equal(r.series(name)[t], expected, err_msg=f"{name}, week {t}")
        for name, expected in (("demand", s.wanted), ("sales", s.sales), ("unmet", s.wanted - s.sales)):
            np.testing.assert_array_equal(r.series(name)[t, cg], expected, err_msg=name)
            np.testing.assert_array_equal(r.series(name)[t, others], 0.0, err_msg=name)
        c = m.consumers
        notional = market.demand(c.preferences, week["spending"], s.values[cg], c.reference, week["taste"])
        np.testing.assert_allclose(r.series("notional_demand")[t, cg], notional.sum(axis=0), rtol=1e-10)
        np.testing.assert_array_equal(r.series("notional_demand")[t, others], 0.0)
    # the run is one in which every series has something to show
    for name in ("imports", "exports", "public_use", "investment_use", "unmet"):
        assert np.any(r.series(name) > 0), name
    assert np.any(r.series("planning_error") != 0)


def test_per_week_measures_follow_their_definitions(run):
    m, seen = run
    r, cg, v = m.record, m.consumer_goods, m.conditions.verdict
    labour, inputs_true = m.technology.labour, m.councils.inputs_true
    forced_savings = 0.0  # tokens households could not spend, spent down over smoothing_weeks
    smoothing = m.conditions.consumption.smoothing_weeks
    for t, week in enumerate(seen):
        s = week["state"]
        value = s.values[cg]
        ratio = s.stock[cg] / s.reserve[cg]
        supply = (s.output + s.imports - s.inputs_used - s.public_use - s.investment_use - s.exported)[cg]
        notional = r.series("notional_demand")[t, cg]
        a, b = value * np.maximum(supply, 0), value * notional
        fulfilment = s.sales / notional
        x = s.output
        unmet = s.wanted - s.sales
        queued = unmet > 1e-9 * s.wanted
        piled = s.stock[cg] > (1 + v.stock_tolerance) * s.reserve[cg]  # no hoards under the councils
        rationed = np.any(s.sales < s.wanted)
        forced = np.maximum(week["spending"] - week["spent"], 0).sum() if rationed else 0.0
        forced_savings = forced_savings * (1 - 1 / smoothing) + forced
        expected = {
            "price_value_gap": np.max(np.abs(np.log(s.prices / value))),
            "stock_gap": np.max(np.abs(ratio - 1)),
            "unmet_share": value @ (s.wanted - s.sales) / (value @ s.wanted),
            "sovereignty_index": 1 - 0.5 * np.abs(a / a.sum() - b / b.sum()).sum(),
            "fulfilment_floor": fulfilment.min(),
            "income_gini": gini(week["income"]),
            "consumption_gini": gini(week["spent"]),
            "hours_per_week": s.hours_per_week,
            "hours_used": labour @ x / SCENARIO.population.consumers,
            "hours_paid": s.hours_per_week,  # everyone works under the councils
            "unemployment_rate": 0.0,
            "wage": s.wage,
            "tokens_paid": s.tokens_paid,
            "tokens_spent": s.tokens_spent,
            "tokens_held": week["savings"].sum(),
            "in_tolerance": float(
                np.all(np.abs(ratio - 1) <= v.stock_tolerance)
                and np.all(np.abs(fulfilment - 1) <= v.fulfilment_tolerance)
            ),
            "coefficient_error": (x * np.abs(week["estimated"] - inputs_true)).sum() / (x * inputs_true).sum(),
            "queued_goods_share": queued.mean(),
            "queue_length": (unmet[queued] / s.wanted[queued]).mean() if queued.any() else 0.0,
            "piled_goods_share": piled.mean(),
            "shortage_and_surplus": float(queued.any() and piled.any()),
            "forced_saving": forced_savings / SCENARIO.population.consumers,
            "substituted_spending": 0.0,  # forced substitution is the fixed plan's
            "hoarded_stock": 0.0,  # and so are hoards
        }
        for name, value_ in expected.items():
            assert r.series(name)[t] == pytest.approx(value_, rel=1e-9, abs=1e-12), f"{name}, week {t}"
    # every measure moves in this run, so that a wrong one cannot pass by being constant
    for name in (
        "price_value_gap",
        "stock_gap",
        "unmet_share",
        "sovereignty_index",
        "fulfilment_floor",
        "queued_goods_share",
        "queue_length",
        "piled_goods_share",
        "shortage_and_surplus",
        "forced_saving",
    ):
        assert np.ptp(r.series(name)) > 0, name
    assert r.series("coefficient_error").min() > 0
    assert np.any(r.series("in_tolerance") == 0)


def test_the_wage_gini_is_that_of_the_workers_relative_wages_and_changes_with_the_year(run):
    m, seen = run
    gini_series = m.record.series("wage_gini")
    for t in (0, WEEKS_PER_YEAR):  # worked out in the first week of each year (persons move to and from communes)
        week = seen[t]
        expected = gini(week["wage_factor"][week["workers"]])
        assert gini_series[t] == pytest.approx(expected, rel=1e-9), t
    assert gini_series[WEEKS_PER_YEAR] < gini_series[WEEKS_PER_YEAR - 1]  # the first yearly step of equalisation
    np.testing.assert_array_equal(gini_series[:WEEKS_PER_YEAR], gini_series[0])
    np.testing.assert_array_equal(gini_series[WEEKS_PER_YEAR:], gini_series[WEEKS_PER_YEAR])
    assert gini_series[0] > 0.2  # the old hierarchy (Gini 0.35 before the first plan's moves)


def test_the_datacollector_has_every_weekly_measure(run):
    m, _ = run
    frame = m.datacollector.get_model_vars_dataframe()
    assert list(frame.columns)[: len(WEEK_SERIES)] == list(WEEK_SERIES)  # then the seed and the summary's numbers
    for name in WEEK_SERIES:
        np.testing.assert_array_equal(frame[name].to_numpy(dtype=float), m.record.series(name), err_msg=name)


def test_the_summary_is_worked_out_from_the_series(ran):
    m, _ = ran
    summary = m.record.summary()
    r, cg, v = m.record, m.consumer_goods, m.conditions.verdict
    year = slice(WEEKS - WEEKS_PER_YEAR, WEEKS)  # the last 52 weeks, not the whole run
    value = r.series("value")[:, cg]
    unmet = float((value * r.series("unmet")[:, cg]).sum())
    wanted = float((value * r.series("demand")[:, cg]).sum())
    fulfilment = r.series("sales")[year][:, cg] / r.series("notional_demand")[year][:, cg]
    own = r.series("sales")[year][:, cg] / r.series("normal_demand")[year][:, cg]
    lost = r.series("rationing_cost")[year] + r.series("price_distortion_cost")[year]
    c = m.consumers
    expected = {
        "weeks": WEEKS,
        "welfare_tolerance": v.welfare_tolerance,
        "stock_tolerance": v.stock_tolerance,
        "welfare_gap_last_year": lost.sum() / r.series("unconstrained_welfare")[year].sum(),
        "fulfilment_floor_own_prices_last_year": own.mean(axis=0).min(),
        **{
            f"{name}_last_year": r.series(name)[year].mean()
            for name in (
                "welfare_per_person",
                "welfare_ede",
                "welfare_ede2",
                "unconstrained_welfare",
                "rationing_cost",
                "price_distortion_cost",
                "leisure_welfare",
                "sovereignty_own_prices",
                "stock_gap_own_prices",
                "hours_paid",
                "unemployment_rate",
                "capacity_utilisation",
                "output_per_hour",
                "queued_goods_share",
                "queue_length",
                "piled_goods_share",
                "shortage_and_surplus",
                "forced_saving",
                "substituted_spending",
                "hoarded_stock",
            )
        },
        "in_tolerance_last_year": r.series("in_tolerance")[year].mean(),
        "stock_gap_last_year": r.series("stock_gap")[year].mean(),
        "fulfilment_floor_last_year": fulfilment.mean(axis=0).min(),
        "sovereignty_index_last_year": r.series("sovereignty_index")[year].mean(),
        "price_value_gap_last_year": r.series("price_value_gap")[year].mean(),
        "final_price_value_gap": r.series("price_value_gap")[-1],
        "final_stock_gap": r.series("stock_gap")[-1],
        "peak_unmet_share": r.series("unmet_share").max(),
        "cumulative_unmet_hours": unmet,
        "cumulative_unmet_share": unmet / wanted,
        "min_sovereignty_index": r.series("sovereignty_index").min(),
        "final_sovereignty_index": r.series("sovereignty_index")[-1],
        "coefficient_error_final": r.series("coefficient_error")[-1],
        "wage_gini_before": gini(c.base_wage[m.start["workers"]]),  # those who worked when the run began
        "wage_gini_final": r.series("wage_gini")[-1],
        "income_gini_final": r.series("income_gini")[-1],
        "consumption_gini_final": r.series("consumption_gini")[-1],
        "price_changes_logged": len(r.price_log),
        "unmet_share_last_year": r.series("unmet_share")[year].mean(),
        "excess_stock_share_last_year": r.series("excess_stock_share")[year].mean(),
        "price_level_last_year": r.series("price_level")[year].mean(),
        "hours_used_last_year": r.series("hours_used")[year].mean(),
        "enterprise_income_cv_last_year": r.series("enterprise_income_cv")[year].mean(),
        "enterprise_income_gini_last_year": r.series("enterprise_income_gini")[year].mean(),
        "sector_income_gini_last_year": r.series("sector_income_gini")[year].mean(),
        "income_capital_correlation_last_year": r.series("income_capital_correlation")[year].mean(),
        "market_rent_per_member_last_year": r.series("market_rent_per_member")[year].mean(),
        "credit_rent_per_member_last_year": r.series("credit_rent_per_member")[year].mean(),
        "hiring_refused_last_year": r.series("hiring_refused")[year].mean(),
    }
    assert summary["regime"] == m.conditions.regime == "councils"
    for key, value_ in expected.items():
        assert summary[key] == pytest.approx(value_, rel=1e-12), key
    assert summary["converged"] is False and summary["converged_week"] is None  # 60 weeks of a scarce economy
    assert summary["rationing_cost_last_year"] > 0 and summary["welfare_gap_last_year"] > 0  # queues cost welfare
    assert summary["output_per_hour_growth"] is None  # under two years: no yearly growth to measure
    assert summary["enterprise_income_gini_trend"] is None  # under three years: no trend from the second
    trended = {"output_per_hour_growth", "enterprise_income_gini_trend"}
    assert set(summary) == {*expected, "converged", "converged_week", "regime", *trended}
    # the last year differs from the whole run here, so a summary over the wrong weeks shows
    assert r.series("stock_gap").mean() != pytest.approx(summary["stock_gap_last_year"], rel=1e-3)
    assert 0 < summary["cumulative_unmet_share"] < 1 and summary["price_changes_logged"] > 0


def test_the_cumulative_unmet_share_of_a_tiny_economy_is_still_its_share(ran):
    """Demand worth less than an hour in all: the share of it unmet is still unmet ÷ demand."""
    m, _ = ran
    r = m.record
    kept = {name: r.goods[name].copy() for name in ("demand", "unmet")}
    try:
        share = r.summary()["cumulative_unmet_share"]
        for name in kept:
            r.goods[name] *= 1e-12
        tiny = r.summary()
    finally:
        r.goods.update(kept)
    assert 0 < tiny["cumulative_unmet_hours"] < 1
    assert tiny["cumulative_unmet_share"] == pytest.approx(share, rel=1e-9) and share > 0


def test_the_fulfilment_floor_of_the_last_year_is_that_of_the_worst_served_consumer_good(ran):
    """Sales above notional demand for every consumer good: the floor is above 1 (goods households do not
    buy, with no demand, do not count)."""
    m, _ = ran
    r, cg = m.record, m.consumer_goods
    kept = r.goods["sales"].copy()
    try:
        r.goods["sales"][:, cg] = r.goods["notional_demand"][:, cg] * np.linspace(1.1, 1.3, cg.size)
        floor = r.summary()["fulfilment_floor_last_year"]
    finally:
        r.goods["sales"] = kept
    assert floor == pytest.approx(1.1, rel=1e-12)


def test_a_summary_before_any_week_has_nothing_to_average():
    m = CouncilsModel(SCENARIO)
    summary = m.record.summary()
    assert summary["weeks"] == 0 and summary["converged"] is False and summary["converged_week"] is None
    for key in (
        "in_tolerance_last_year",
        "fulfilment_floor_last_year",
        "peak_unmet_share",
        "final_stock_gap",
        "welfare_gap_last_year",
    ):
        assert summary[key] is None, key
    assert summary["min_sovereignty_index"] is None and summary["wage_gini_final"] is None
    assert summary["cumulative_unmet_hours"] == 0.0 and summary["cumulative_unmet_share"] == 0.0
    assert summary["price_changes_logged"] == 0


def test_a_run_shorter_than_a_year_averages_its_last_year_over_all_its_weeks():
    m = CouncilsModel(SCENARIO)
    summary = m.run(20)
    assert summary["weeks"] == 20
    assert summary["stock_gap_last_year"] == pytest.approx(m.record.series("stock_gap").mean(), rel=1e-12)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ([0] * 10 + [1] * 50, 10),  # in tolerance from week 10 on, to the end
        ([0] * 10 + [1] * 15 + [0] + [1] * 34, 26),  # one week out at 25: from the week after it
        ([1] * 59 + [0], None),  # out in the last week: not settled (censored at the horizon)
        ([0] * 60, None),  # never in tolerance
        ([1] * 60, 0),
    ],
)
def test_the_verdict_is_the_verdict_rule_on_the_recorded_weeks(ran, pattern, expected):
    m = ran[0]
    kept = m.record.weekly["in_tolerance"].copy()
    try:
        m.record.weekly["in_tolerance"][:] = pattern
        summary = m.record.summary()
    finally:
        m.record.weekly["in_tolerance"] = kept
    assert summary["converged_week"] == expected
    assert summary["converged"] is (expected is not None)
    assert summary["in_tolerance_last_year"] == pytest.approx(np.mean(pattern[-WEEKS_PER_YEAR:]))


def test_the_record_grows_past_its_horizon_and_keeps_what_it_had():
    short = dataclasses.replace(SCENARIO, years=5 / WEEKS_PER_YEAR)
    long = dataclasses.replace(SCENARIO, years=12 / WEEKS_PER_YEAR)
    a, b = CouncilsModel(short), CouncilsModel(long)
    a.run(12)
    b.run(12)
    assert a.record.weeks == b.record.weeks == 12
    for name in (*GOOD_SERIES, *WEEK_SERIES):
        np.testing.assert_array_equal(a.record.series(name), b.record.series(name), err_msg=name)
    assert a.record.weekly["wage"].size == 20  # doubled twice from 5
    assert a.record.goods["stock"].shape == (20, a.technology.n)


def test_the_timeseries_table_holds_every_series_by_week_and_good(ran):
    m, _ = ran
    r, names = m.record, m.technology.names
    table = r.timeseries()
    n = m.technology.n
    assert list(table.columns) == ["week", "good", "variable", "value"]
    pd.testing.assert_index_equal(table.index, pd.RangeIndex(len(table)))  # one row per entry, numbered
    assert len(table) == WEEKS * (n * len(GOOD_SERIES) + len(WEEK_SERIES))
    goods = table[table["good"] != ""]
    assert set(goods["variable"]) == set(GOOD_SERIES)
    weekly = table[table["good"] == ""]
    assert set(weekly["variable"]) == set(WEEK_SERIES)
    for variable, week, good in (("stock", 0, 0), ("sales", 7, m.consumer_goods[2]), ("price", WEEKS - 1, n - 1)):
        row = goods[(goods["variable"] == variable) & (goods["week"] == week) & (goods["good"] == names[good])]
        assert row["value"].tolist() == [r.series(variable)[week, good]], (variable, week, good)
    for variable, week in (("wage", 3), ("stock_gap", WEEKS - 1)):
        row = weekly[(weekly["variable"] == variable) & (weekly["week"] == week)]
        assert row["value"].tolist() == [r.series(variable)[week]]


def test_every_price_move_is_logged_with_the_stock_against_its_reserve(run):
    m, seen = run
    r, cg = m.record, m.consumer_goods
    prices = r.series("price")[:, cg]
    before = np.vstack([m.start["state"].prices, prices[:-1]])
    log = []
    for t, week in enumerate(seen):
        s = week["state"]
        value = s.values[cg]
        moved = np.abs(np.log(prices[t] / before[t])) > PRICE_LOG_THRESHOLD
        for k in np.flatnonzero(moved):
            log.append((t, int(cg[k]), before[t, k] / value[k], prices[t, k] / value[k], None))
    assert len(r.price_log) == len(log) > 0
    for got, want in zip(r.price_log, log, strict=True):
        assert got[:2] == want[:2]
        assert got[2:4] == pytest.approx(want[2:4], rel=1e-12)
    # the cause is the stock against the reserve the price rule read: the reserve before this week's readjustment
    reserve_before = np.vstack([m.start["state"].reserve[cg], r.series("reserve")[:-1, cg]])
    for week, good, _, new, ratio in r.price_log:
        k = int(np.flatnonzero(cg == good)[0])
        expected = r.series("stock")[week, good] / reserve_before[week, k]
        assert ratio == pytest.approx(expected, rel=1e-12)
        assert (new > 1) == (ratio < 1)  # a price above value goes with a stock below its reserve


def test_a_single_price_move_is_logged_and_a_good_without_reserve_is_measured_by_its_stock():
    m = CouncilsModel(SCENARIO)
    s, cg = m.state, m.consumer_goods
    old = s.prices.copy()
    new = old.copy()
    new[2] *= 1.1  # one price moves
    new[5] *= 1.0005  # another by less than the threshold: not a change
    s.reserve[cg[2]] = 0.0  # and its good has no reserve target: its stock is the measure
    m.record.price_changes(old, new)
    value = s.values[cg[2]]
    assert m.record.price_log == [
        (0, int(cg[2]), pytest.approx(old[2] / value), pytest.approx(new[2] / value), s.stock[cg[2]])
    ]
    m.record.price_changes(new, new)
    assert len(m.record.price_log) == 1


def test_the_wage_gini_is_a_yearly_figure_worked_out_at_the_start_of_each_year():
    """The hierarchy changes only at the yearly decision: the record works its Gini out once a year."""
    m = CouncilsModel(dataclasses.replace(SCENARIO, years=2.0))
    m.run(3)
    c = m.consumers
    workers = np.flatnonzero(c.group >= 0)
    c.wage_factor[workers[:50]] *= 3.0  # were the hierarchy to change within the year, the figure would not
    m.run(WEEKS_PER_YEAR - 2)
    gini_series = m.record.series("wage_gini")
    np.testing.assert_array_equal(gini_series[:WEEKS_PER_YEAR], gini_series[0])
    assert gini_series[WEEKS_PER_YEAR] == pytest.approx(gini(c.wage_factor[c.group >= 0]), rel=1e-9)


def test_price_changes_are_explained_in_sentences():
    m = CouncilsModel(SCENARIO)
    names = m.technology.names
    g, h = int(m.consumer_goods[0]), int(m.consumer_goods[1])
    m.record.price_log = [(3, g, 1.0, 1.25, 0.8), (4, h, 1.1, 0.9, 1.126), (5, g, 1.9, 2.5, 0.4), (6, h, 0.9, 1.0, 1.0)]
    assert m.explain_prices() == [
        f"week 3: {names[g]} 1.000× → 1.250× value, dearer: stock 20.00 % below reserve",
        f"week 4: {names[h]} 1.100× → 0.900× value, cheaper: stock 12.60 % above reserve",
        f"week 5: {names[g]} 1.900× → 2.500× value, dearer: stock 60.00 % below reserve (20.00 % below in week 3)",
        f"week 6: {names[h]} 0.900× → 1.000× value, dearer: stock 0.00 % above reserve (12.60 % above in week 4)",
    ]
    m.record.price_log = [(w, g, 1.0, 1.0, 1.0) for w in range(30)]
    lines = m.explain_prices()
    assert len(lines) == 20 and lines[0].startswith("week 10:") and lines[-1].startswith("week 29:")
    assert m.record.explain_prices() == lines  # the record's own default: the last 20
    assert [line.split(":")[0] for line in m.explain_prices(limit=2)] == ["week 28", "week 29"]


def test_hours_used_count_each_enterprises_method_and_consumption_per_person_is_at_week_0_values():
    m = CouncilsModel(SCENARIO)
    p, cg = m.producers, m.consumer_goods
    base = m.state.values[cg].copy()  # the yardstick: week-0 labour values
    p.method[:] = np.linspace(0.6, 1.0, p.method.size)  # methods improved, unevenly
    m.step()
    r, s = m.record, m.state
    persons = m.consumers.income.size
    assert r.series("hours_used")[-1] == pytest.approx(
        np.sum(m.technology.labour[p.sector] * p.method * p.output) / persons, rel=1e-12
    )
    assert r.series("consumption_per_person")[-1] == pytest.approx(base @ s.sales / persons, rel=1e-12)


@pytest.mark.parametrize(("tolerance", "expected"), [(1.0, 1.0), (0.999, 0.0)])
def test_a_week_exactly_at_the_verdicts_tolerance_is_in_tolerance(tolerance, expected):
    """Every consumer good's stock empty: a stock gap of exactly 1, in tolerance at a tolerance of 1, not below."""
    verdict = Verdict(welfare_tolerance=1.0, stock_tolerance=tolerance)
    m = CouncilsModel(dataclasses.replace(SCENARIO, verdict=verdict))
    for phase in ("produce", "pay", "deliver", "buy", "price", "readjust", "invest"):
        getattr(m.regime, phase)(m)
    m.state.stock[m.consumer_goods] = 0.0
    m.record.week_done()
    assert m.record.series("stock_gap_own_prices")[-1] == 1.0
    assert m.record.series("in_tolerance")[-1] == expected


def test_the_at_value_diagnostic_is_surveyed_where_normal_prices_are_not_values(monkeypatch):
    """Under a market the observer's own-price demand counts every person; demand at labour values, a diagnostic
    only, is the panel's (every 4th person here) scaled to the population. Under the councils both are the same."""
    from sim.run import record

    monkeypatch.setattr(record, "PANEL", 250)
    for regime in ("market", "councils"):
        m = CouncilsModel(seed=3, regime=regime, years=1, population_consumers=1000, population_councils=20)
        m.run(6)
        r, c, cg = m.record, m.consumers, m.consumer_goods
        values = m.state.values[cg]
        normal = m.regime.normal_prices(m)
        np.testing.assert_allclose(r.series("normal_demand")[-1, cg], c.notional_demand(normal), rtol=1e-12)
        full = c.notional_demand(values)
        if regime == "councils":
            np.testing.assert_array_equal(r.series("notional_demand")[-1], r.series("normal_demand")[-1])
            continue
        assert not np.allclose(normal, values)
        surveyed = c.notional_demand(values, slice(None, None, 4)) * 4.0  # 250 of 1,000
        np.testing.assert_allclose(r.series("notional_demand")[-1, cg], surveyed, rtol=1e-12)
        assert not np.allclose(surveyed, full, rtol=1e-6)  # a survey, not the population
        np.testing.assert_allclose(surveyed.sum() / full.sum(), 1.0, atol=0.05)


def test_the_verdicts_trailing_window_restarts_at_each_decision_the_assemblies_adopt():
    """A first year far out of tolerance, then none lost: a 52-week window that kept the first year's
    weeks would stay out of tolerance until week 103; restarted at the decision of week 52, it is in
    tolerance from week 52. A vote that adopted nothing (no variant within capacity) is no new reference."""
    m = CouncilsModel(dataclasses.replace(SCENARIO, years=2.0, verdict=Verdict(window_weeks=52)))
    r, weeks = m.record, 2 * WEEKS_PER_YEAR
    r.weeks = weeks
    for name in ("rationing_cost", "price_distortion_cost", "unconstrained_welfare", "stock_gap_own_prices"):
        r.weekly[name] = np.zeros(weeks)
    r.weekly["unconstrained_welfare"][:] = 100.0
    r.weekly["rationing_cost"][:WEEKS_PER_YEAR] = 50.0  # half of welfare lost, the whole first year
    before = [r._in_tolerance(t) for t in range(weeks)]
    assert not any(before[:103]) and before[103]
    r.decisions = [{"week": 52, "result": None}]
    assert [r._in_tolerance(t) for t in range(weeks)] == before
    r.decisions = [{"week": 52, "result": 3}, {"week": 80, "result": None}]
    assert r.reference_week(51) == 0 and r.reference_week(52) == r.reference_week(103) == 52
    after = [r._in_tolerance(t) for t in range(weeks)]
    assert not any(after[:52]) and all(after[52:])


def _years(*levels):
    """A weekly series that stays at each level a whole year."""
    return np.repeat(np.array(levels, dtype=float), WEEKS_PER_YEAR)


def test_yearly_growth_is_from_the_first_years_mean_to_the_last_years_worked_by_hand():
    """Three years at 1, 1.1 and 1.21: (1.21 / 1)^(1/2) − 1 = 10 % a year; two years at 0.5 and 0.605: 21 %.

    Under two years, or a first or last year at 0, there is no growth to tell.
    """
    from sim.run.record import _yearly_growth

    assert _yearly_growth(_years(1.0, 1.1, 1.21)) == pytest.approx(0.1, rel=1e-12)
    assert _yearly_growth(_years(0.5, 0.605)) == pytest.approx(0.21, rel=1e-12)
    assert _yearly_growth(_years(1.0, 1.1)[1:]) is None
    assert _yearly_growth(_years(0.0, 1.0)) is None
    assert _yearly_growth(_years(1.0, 0.0)) is None


def test_yearly_trend_is_the_slope_of_the_yearly_means_from_the_second_year_worked_by_hand():
    """Three years at 7, 1 and 3: the first is left out, the line through (0, 1) and (1, 3) rises 2 a year.

    Four years at 7, 1, 3, 2: the line through (0, 1), (1, 3), (2, 2) has slope 0.5. Under three
    years there is no trend to tell.
    """
    from sim.run.record import _yearly_trend

    assert _yearly_trend(_years(7.0, 1.0, 3.0)) == pytest.approx(2.0, rel=1e-12)
    assert _yearly_trend(_years(7.0, 1.0, 3.0, 2.0)) == pytest.approx(0.5, rel=1e-12)
    assert _yearly_trend(_years(7.0, 1.0, 3.0)[1:]) is None


@pytest.mark.parametrize(
    ("lost", "unconstrained", "share"),
    [([0.1, 0.2], [0.25, 0.25], 0.6), ([0.3], [0.0], 0.0), ([0.0], [0.0], 0.0), ([1.0], [4.0], 0.25)],
)
def test_share_lost_is_the_lost_over_the_unconstrained_welfare_even_under_one_and_none_without_any(
    lost, unconstrained, share
):
    """0.3 lost of 0.5 unconstrained is 60 %; with no unconstrained welfare at all, nothing is counted lost."""
    from sim.run.record import _share_lost

    assert _share_lost(np.array(lost), np.array(unconstrained)) == pytest.approx(share, rel=1e-12)


def test_income_per_member_is_worked_out_enterprise_by_enterprise_from_its_workers_own_incomes():
    """A plain per-person loop is the oracle: each worker adds his income to his group's enterprise.

    Incomes differ from person to person; the last enterprise has no members left, the one
    before it a single member, and the commune members (outside every enterprise) earn more
    than anyone: none of that may leak into another enterprise's mean.
    """
    from sim.economics import metrics

    m = CouncilsModel(SCENARIO)
    c, p, rows = m.consumers, m.producers, m.councils.rows
    c.income[:] = np.random.default_rng(4).uniform(1.0, 3.0, c.income.size)
    c.income[c.group < 0] = 50.0
    council_of = m.work_groups.council
    for row, keep in ((rows[-1], 0), (rows[-2], 1)):
        persons = [i for i in range(c.group.size) if c.group[i] >= 0 and council_of[c.group[i]] == row]
        c.group[persons[keep:]] = -1
    members, paid = np.zeros(rows.size), np.zeros(rows.size)
    for i in range(c.group.size):
        if c.group[i] >= 0:
            k = list(rows).index(council_of[c.group[i]])
            members[k] += 1
            paid[k] += c.income[i]
    assert (members[-1], members[-2]) == (0, 1) and np.any(c.group == 0)
    income = np.array([paid[k] / members[k] if members[k] else 0.0 for k in range(rows.size)])
    per_capacity = WEEKS_PER_YEAR * (m.record._values0 @ m.planner.capital_per_capacity)  # hours per weekly unit
    capital = (per_capacity[p.sector] * p.capacity)[rows]
    per_member = np.array([capital[k] / members[k] if members[k] else 0.0 for k in range(rows.size)])
    cv, between, sectors = metrics.dispersion(income, members, p.sector[rows])
    expected = {
        "enterprise_income_cv": cv,
        "enterprise_income_gini": between,
        "sector_income_gini": sectors,
        "income_capital_correlation": metrics.weighted_correlation(income, per_member, members),
    }
    assert m.record._dispersion() == pytest.approx(expected, rel=1e-12)
    assert cv > 0.01 and between > 0.0


def test_the_councils_regime_has_none_of_the_other_regimes_marks_of_history():
    """Stepped here, not read from a shared run, so that the test is one of those that record a week."""
    from sim.run.record import HISTORY_SERIES

    m = CouncilsModel(SCENARIO)
    m.step()
    for name in HISTORY_SERIES:
        np.testing.assert_array_equal(m.record.series(name), 0.0)


def test_kornais_marks_count_stock_net_of_hoards_and_forced_saving_only_in_a_week_of_queues(monkeypatch):
    """Every good stocked at twice its reserve; the even ones hoarded to 1.5 reserves are not piled.

    Households meant to spend 2 tokens a head more than they did: forced saving when the week
    rationed them, none when prices cleared or nothing was bought. What they spent on goods in
    place of those queued for is per head: 6 tokens a head.
    """
    from types import SimpleNamespace

    m = CouncilsModel(SCENARIO)
    m.step()
    s, c, cg = m.state, m.consumers, m.state.consumer_goods
    persons = c.income.size
    s.stock[cg] = 2.0 * s.reserve[cg]
    hoard = np.zeros(s.stock.size)
    even = cg[::2]
    hoard[even] = 1.5 * s.reserve[even]
    monkeypatch.setattr(m.regime, "hoarded", lambda model: hoard)
    monkeypatch.setattr(m.regime, "substituted_spending", lambda model: 6.0 * persons if model is m else np.nan)
    c.spending[:] = c.spent + 2.0
    for purchases, forced in (
        (SimpleNamespace(rationed=False), 0.0),
        (None, 0.0),
        (SimpleNamespace(rationed=True), 2.0),
    ):
        c.purchases = purchases
        m.record._forced_savings = 0.0
        marks = m.record._shortage()
        assert marks["piled_goods_share"] == pytest.approx(1.0 - even.size / cg.size, rel=1e-12)
        assert marks["forced_saving"] == pytest.approx(forced, rel=1e-12)
        assert marks["substituted_spending"] == pytest.approx(6.0, rel=1e-12)
    assert marks["hoarded_stock"] == pytest.approx(m.record._values0 @ hoard / persons, rel=1e-12)
    assert marks["hoarded_stock"] > 0


def test_the_weeks_welfare_is_measured_on_the_panel_with_what_each_got_in_a_queue_and_the_hours_given_up(monkeypatch):
    """A queue week, the survey cut to every 3rd person, 2 hours a week less than at the start.

    The oracle measures the same persons' bundles (their share of the queued goods and what
    forced substitution bought them), adds the two hours' leisure, and takes Atkinson's
    equally-distributed equivalents by hand (the geometric mean at ε = 1, the harmonic at ε = 2).
    """
    import sim.run.record
    from sim.economics import welfare
    from sim.run.scenario import Consumption

    m = CouncilsModel(dataclasses.replace(SCENARIO, consumption=Consumption(rationing="queue")))
    c, s = m.consumers, m.state
    wage_at_start = s.wage
    for _ in range(WEEKS):  # to the first week in which someone queued
        m.step()
        if c.purchases.got is not None and c.purchases.short.size:
            break
    assert c.purchases.short.size
    n, goods = c.income.size, s.consumer_goods.size
    rng = np.random.default_rng(2)
    c.purchases = dataclasses.replace(
        c.purchases, substituted=rng.uniform(0.0, 0.1, n), per_token=np.full(goods, 0.001)
    )
    s.hours_per_week -= 2.0
    monkeypatch.setattr(sim.run.record, "PANEL", 150)
    normal = s.values[s.consumer_goods] * 1.1
    got = m.record._welfare(normal)

    panel = np.arange(0, n, 3)
    bought = dataclasses.replace(c.purchases, got=c.purchases.got[panel], substituted=c.purchases.substituted[panel])
    measured = welfare.week_welfare(
        c.preferences, c.spending[panel], c.paid, c.reference, normal, c.taste[panel], bought
    )
    leisure = 2.0 * m.conditions.welfare.leisure_value * wage_at_start  # tokens a week
    achieved = measured.achieved + leisure
    unconstrained = measured.unconstrained.mean() + leisure
    lost = measured.rationing_cost.mean() + measured.price_distortion_cost.mean()
    assert leisure > 0 and np.ptp(achieved) > 0
    assert got == pytest.approx(
        {
            "welfare_per_person": achieved.mean(),
            "welfare_ede": np.exp(np.log(achieved).mean()),
            "welfare_ede2": 1.0 / np.mean(1.0 / achieved),
            "unconstrained_welfare": unconstrained,
            "rationing_cost": measured.rationing_cost.mean(),
            "price_distortion_cost": measured.price_distortion_cost.mean(),
            "leisure_welfare": leisure,
            "welfare_gap": lost / unconstrained,
        },
        rel=1e-12,
    )
    assert got["rationing_cost"] > 0


@pytest.mark.parametrize(("tolerance", "expected"), [(0.01, True), (0.0099, False)])
def test_a_window_that_loses_exactly_the_verdicts_welfare_tolerance_is_in_tolerance(tolerance, expected):
    """Half a token of rationing and half of price distortion a week, of 100 unconstrained: 1 % lost."""
    m = CouncilsModel(dataclasses.replace(SCENARIO, verdict=Verdict(window_weeks=4, welfare_tolerance=tolerance)))
    r = m.record
    r.weeks = 10
    for name in ("rationing_cost", "price_distortion_cost", "stock_gap_own_prices"):
        r.weekly[name] = np.zeros(10)
    r.weekly["unconstrained_welfare"] = np.full(10, 100.0)
    r.weekly["rationing_cost"][:] = r.weekly["price_distortion_cost"][:] = 0.5
    assert [r._in_tolerance(t) for t in range(10)] == [expected] * 10
