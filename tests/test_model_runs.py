"""End-to-end verdicts on the default economy (DESIGN §4): runs that converge, runs that
must not, what the DataCollector and the price log show, and the wage Gini over a
gradual equalisation.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.model import CouncilsModel
from sim.run.scenario import (
    WEEKS_PER_YEAR,
    Communes,
    Decision,
    Imports,
    Noise,
    Plan,
    Population,
    PriceRule,
    Readjustment,
    Scenario,
    ScenarioError,
    TasteShift,
    TechnicalChange,
    Wages,
    load_scenario,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
POPULATION = Population(consumers=3000, councils=60, communes=5)
SMALL = Population(consumers=1000, councils=25, communes=3)
#: The vote off: hours and shares as the scenario sets them, the corrective loops alone.
LOOPS_ALONE = Decision(vote=False)
DATACOLLECTOR_COLUMNS = (
    "price_value_gap",
    "stock_gap",
    "unmet_share",
    "sovereignty_index",
    "wage_gini",
    "income_gini",
    "consumption_gini",
)


def _verdict(summary):
    keys = (
        "converged",
        "converged_week",
        "in_tolerance_last_year",
        "stock_gap_last_year",
        "fulfilment_floor_last_year",
    )
    return {k: summary[k] for k in keys}


def test_baseline_converges_within_three_years():
    # The corrective loops alone: the vote off (the default before issue 27), hours and shares as the file sets them.
    summary = CouncilsModel(Scenario(years=3, population=POPULATION, decision=LOOPS_ALONE)).run()
    assert summary["converged"], _verdict(summary)
    # within its first year (the README gives the interval over seeds), not from week 0: the first plan's
    # stocks are off the reserve rule at normal prices
    assert 4 <= summary["converged_week"] <= WEEKS_PER_YEAR, _verdict(summary)
    # With the vote (the default), each decision moves demand and restarts the verdict's window: it converges
    # after the decisions have been worked out, before the end of the three years.
    voting = CouncilsModel(Scenario(years=3, population=POPULATION)).run()
    assert voting["converged"] and voting["converged_week"] > WEEKS_PER_YEAR, _verdict(voting)


def test_baseline_converges_with_the_default_population_and_noise_keeps_its_stocks_moving():
    """The baseline with the default population (10 000 persons) and its default noise: converged, yet
    its stationary stock gap is visibly above zero; without noise it is all but zero."""
    # The corrective loops alone (the vote off, as before issue 27): the stationary stock gap is theirs.
    noisy = CouncilsModel(Scenario(years=5, decision=LOOPS_ALONE)).run()  # 5: past the plan's rule moving the share
    assert noisy["converged"], _verdict(noisy)
    assert noisy["converged_week"] <= 1.5 * WEEKS_PER_YEAR, _verdict(noisy)
    assert 0.003 < noisy["stock_gap_last_year"] < 0.05
    assert noisy["fulfilment_floor_last_year"] > 0.98
    quiet = CouncilsModel(Scenario(years=5, noise=Noise(0.0, 0.0, 0.0, 0.0), decision=LOOPS_ALONE)).run()
    assert quiet["stock_gap_last_year"] < noisy["stock_gap_last_year"]  # growth alone keeps stocks a little behind
    still = Scenario(
        years=5, noise=Noise(0.0, 0.0, 0.0, 0.0), technical_change=TechnicalChange(0.0, 0.0), decision=LOOPS_ALONE
    )
    assert CouncilsModel(still).run()["stock_gap_last_year"] < 0.1 * noisy["stock_gap_last_year"]


def test_no_headroom_and_no_investment_does_not_converge_and_says_so():
    # The corrective loops alone (the vote off, as before issue 27): with the vote the assemblies choose hours
    # the capacity allows, and the economy converges.
    plan = Plan(capacity_headroom=0.02, max_capacity_growth=0.01)
    scenario = Scenario(years=5, population=POPULATION, plan=plan, decision=LOOPS_ALONE)
    m = CouncilsModel(scenario)
    summary = m.run()
    assert summary["weeks"] == 5 * WEEKS_PER_YEAR
    assert summary["converged"] is False
    assert summary["converged_week"] is None
    # the verdict is the record's: the last trailing year is out of tolerance, on its stocks
    v = m.conditions.verdict
    assert m.record.series("in_tolerance")[-1] == 0.0
    assert summary["stock_gap_own_prices_last_year"] > v.stock_tolerance


@pytest.fixture(scope="module")
def short_run():
    m = CouncilsModel(Scenario(years=0.5, seed=5, population=SMALL))
    m.run()
    return m


def test_datacollector_has_one_row_per_week(short_run):
    m = short_run
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == m.conditions.weeks == m.record.weeks
    for column in DATACOLLECTOR_COLUMNS:
        assert column in df.columns, column
        np.testing.assert_allclose(df[column].to_numpy(dtype=float), m.record.series(column), rtol=1e-12)
    assert df[list(DATACOLLECTOR_COLUMNS)].notna().all().all()


def test_price_changes_are_explained(short_run):
    m = short_run
    lines = m.explain_prices()
    assert lines, "prices moved in the first half year: some change should be logged"
    assert len(lines) <= 20
    codes = {m.technology.names[g] for g in m.consumer_goods}
    for line in lines:
        assert "reserve" in line
        assert any(code in line.split() for code in codes), line
    assert len(m.explain_prices(limit=3)) == 3


def test_wage_gini_is_zero_after_immediate_equalisation(short_run):
    np.testing.assert_array_equal(short_run.record.series("wage_gini"), 0.0)
    assert short_run.record.summary()["wage_gini_final"] == 0.0


def test_wage_gini_falls_year_by_year_to_zero():
    scenario = Scenario(years=3 + 1 / WEEKS_PER_YEAR, seed=2, population=SMALL, wages=Wages(equalisation_years=3))
    m = CouncilsModel(scenario)
    m.run()
    gini = m.record.series("wage_gini")
    yearly = gini[[0, WEEKS_PER_YEAR, 2 * WEEKS_PER_YEAR, 3 * WEEKS_PER_YEAR]]
    assert yearly[0] == pytest.approx(m.conditions.wages.initial_gini, abs=0.05)
    assert yearly[0] > yearly[1] > yearly[2] > 0
    assert yearly[3] == 0.0
    for year in range(3):  # constant within a year: the hierarchy changes only at the yearly decision
        within = gini[year * WEEKS_PER_YEAR : (year + 1) * WEEKS_PER_YEAR]
        np.testing.assert_array_equal(within, within[0])
    income = m.record.series("income_gini")
    assert income[0] > income[WEEKS_PER_YEAR] > income[2 * WEEKS_PER_YEAR] > income[3 * WEEKS_PER_YEAR]


def test_labour_follows_the_plan_when_hours_suffice():
    """Seed §6: workers move to where the plan needs their hours. With hours to spare overall, no sector should be
    held back by labour right after the first plan by more than a person per enterprise (workers are whole persons)."""
    worst = {}
    for seed in (1, 2, 3):
        m = CouncilsModel(Scenario(years=0.25, seed=seed, population=SMALL))
        p, n = m.producers, m.technology.n
        councils = ~p.is_commune
        wanted = np.minimum(p.target, p.capacity)
        need = (m.technology.labour[p.sector] * wanted / p.productivity)[councils].sum()
        assert need < (p.workers[councils] * m.state.hours_per_week).sum(), "precondition: hours to spare overall"
        by_sector = np.bincount(p.sector[councils], weights=m.producers.labour_cap[councils], minlength=n)
        asked = np.bincount(p.sector[councils], weights=wanted[councils], minlength=n)
        ratio = by_sector[asked > 0] / asked[asked > 0]
        k = int(np.argmin(ratio))
        j = np.flatnonzero(asked > 0)[k]
        # hours short in the worst-staffed sector, in persons: whole persons round each enterprise's share
        short = (asked[j] - by_sector[j]) * m.technology.labour[j] / m.state.hours_per_week
        enterprises = int(np.sum(p.sector[councils] == j))
        worst[seed] = (m.technology.names[j], round(float(short), 2), enterprises)
    assert all(short <= enterprises for _, short, enterprises in worst.values()), f"worst sector per seed: {worst}"


def test_short_reserves_cause_shortages_not_a_standstill():
    """Half a week of reserves, no spare capacity and prices held at value: some demand goes unmet."""
    scenario = Scenario(
        years=0.5,
        seed=2,
        population=SMALL,
        readjustment=Readjustment(reserve_weeks=0.5),
        plan=Plan(capacity_headroom=0.0),
        prices=PriceRule(response=0.0),
    )
    m = CouncilsModel(scenario)
    m.run()
    output = m.record.series("output").sum(axis=1)
    assert output.min() > 0.5 * output[0], f"total output fell to {output.min() / output[0]:.3f} of week 0"
    assert m.record.series("unmet_share").max() > 0, "half a week of reserves should leave some demand unmet"
    sales = m.record.series("sales")[:, m.consumer_goods]
    assert sales.min() > 0, "every consumer good should sell every week"


# --- regressions found in review ------------------------------------------------------------------


def test_imports_count_in_reserves_so_an_importing_economy_converges():
    """Reserve targets cover all use, imported or made at home; readjustment does not remake imports."""
    imports = Imports(share=0.5)  # never lost
    quiet = Noise(0.0, 0.0, 0.0, 0.0)  # a mechanism, not the noise, is under test
    model = CouncilsModel(Scenario(years=3, population=POPULATION, imports=imports, noise=quiet))
    summary = model.run()
    assert summary["converged"], _verdict(summary)
    assert summary["final_sovereignty_index"] > 0.999  # imports count as supply for households


def test_rebuild_faster_than_the_plan_period_does_not_oscillate():
    # The corrective loops alone (the vote off, as before issue 27): the oscillation looked for is theirs.
    scenario = Scenario(
        years=3, population=POPULATION, readjustment=Readjustment(rebuild_weeks=1), decision=LOOPS_ALONE
    )
    summary = CouncilsModel(scenario).run()
    assert summary["converged"], _verdict(summary)


def test_peasant_share_leaves_farming_alone_without_communes():
    plain = CouncilsModel(Scenario(years=0.1, population=Population(consumers=1000, councils=25, communes=0)))
    peasant = CouncilsModel(
        Scenario(
            years=0.1,
            population=Population(consumers=1000, councils=25, communes=0),
            communes=Communes(population_share=0.25),
        )
    )
    np.testing.assert_array_equal(peasant.technology.labour, plain.technology.labour)


def test_unproductive_information_error_is_a_scenario_error():
    with pytest.raises(ScenarioError, match=r"plan\.information_error"):
        CouncilsModel(Scenario(years=0.1, population=SMALL, plan=Plan(information_error=1.0)))


def test_taste_shift_larger_than_the_falling_good_is_a_scenario_error():
    shift = TasteShift(after_years=1, rises="INFO", falls="LIGHT", budget_share=0.5)
    with pytest.raises(ScenarioError, match=r"taste_shift\.budget_share"):
        CouncilsModel(Scenario(years=0.1, population=SMALL, taste_shift=shift))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_fixed_plan_short_of_a_good_that_feeds_itself_never_stops_producing(seed):
    """Seed §7b: production within the inputs in stock, with no absorbing zero. Under the fixed plan of
    ``poor_information.toml`` (5,000 persons) mining, an input of itself, runs out before the year's plan
    (week 16 for seed 1): it goes on feeding itself and its users share the rest, so every week the economy
    makes at least four-fifths of what it made in its first week, works, and meets some demand. The plan's
    quarterly corrections are off: they cut piled goods' output on purpose, which is not production stopping."""
    scenario = load_scenario(SCENARIOS / "poor_information.toml")
    scenario = dataclasses.replace(
        scenario,
        regime="fixed_plan",
        seed=seed,
        # the setting its four-fifths were measured in: 100 equal enterprises, the sample's noise
        population=dataclasses.replace(scenario.population, consumers=5000, councils=100, represents="sample"),
        fixed_plan=dataclasses.replace(scenario.fixed_plan, correction_weeks=0),
    )
    model = CouncilsModel(scenario)
    model.run()
    table = model.record.timeseries()
    total = table[table["variable"] == "output"].groupby("week")["value"].sum().to_numpy()
    assert total.size == scenario.weeks
    assert np.all(total >= 0.8 * total[0]), (int(np.argmin(total)), total.min() / total[0])
    weeks = table[table["good"] == ""].pivot(index="week", columns="variable", values="value")
    assert np.all(weeks["hours_used"] > 0)
    assert np.all(weeks["unmet_share"] < 1.0)
