"""The key requirement of DESIGN §2: equalising wages really shifts the structure of demand.

With Gorman-form preferences redistribution changes nothing in aggregate and the
experiment is void. Here, on the default economy (US 2014, 20 sectors), the AIDS
preferences are calibrated as the model calibrates them (``CouncilsModel._setup_consumers``):
households' budget shares are the labour-value shares of the old private consumption
column over consumer goods, elasticities those of ``economy.income_elasticities``.
Equalising a Gini-0.35 spending distribution at the same total must then move
aggregate demand for some goods by more than 10 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics import market, metrics, wages
from sim.economics.economy import default_economy
from sim.model import CouncilsModel
from sim.run.scenario import Population, Scenario

NECESSITIES = ("FOOD", "AGR")
LUXURIES = ("ACCOM", "VEH")
N_CONSUMERS = 40_000
GINI = 0.35


@pytest.fixture(scope="module")
def economy():
    return default_economy()


@pytest.fixture(scope="module")
def base(economy):
    """Labour values, consumer goods and households' value shares, computed without the model."""
    t = economy.technology
    dense = t.A.toarray() if t.is_sparse else np.asarray(t.A)
    D = t.capital_consumption
    D = 0.0 if D is None else (D.toarray() if hasattr(D, "toarray") else np.asarray(D))
    values = np.linalg.solve((np.eye(t.n) - dense - D).T, t.labour)  # v = l (I − A − D)⁻¹
    cg = np.asarray(t.consumer_goods)
    private = economy.final_demand["private"].to_numpy()[cg]
    shares = values[cg] * private / (values[cg] @ private)
    names = [t.names[j] for j in cg]
    return {"values": values, "cg": cg, "shares": shares, "names": names}


@pytest.fixture(scope="module")
def spending():
    """Old weekly spending per consumer: lognormal, Gini 0.35, mean 25 tokens."""
    x = 25.0 * wages.wage_hierarchy(N_CONSUMERS, GINI, np.random.default_rng(2014))
    assert metrics.gini(x) == pytest.approx(GINI, abs=0.01)
    return x


@pytest.fixture(scope="module")
def prefs(economy, base, spending):
    elasticities = economy.income_elasticities[base["cg"]]
    return market.calibrate_preferences(base["shares"], elasticities, spending, price_response=0.4)


def _aggregate_demand(prefs, spending, prices, values, taste=None):
    return market.demand(prefs, spending, prices, values, taste).sum(axis=0)


def shifts(prefs, spending, values):
    """Relative change of aggregate demand per good when the same total is spent equally, at value."""
    before = _aggregate_demand(prefs, spending, values, values)
    equal = np.full_like(spending, spending.mean())
    after = _aggregate_demand(prefs, equal, values, values)
    return after / before - 1.0


def test_default_economy_has_the_goods_the_requirement_names(base):
    for code in NECESSITIES + LUXURIES:
        assert code in base["names"], f"{code} is not a consumer good of the default economy"
    assert np.all(base["shares"] > 0)
    assert base["shares"].sum() == pytest.approx(1.0)


def test_shares_at_labour_values_match_household_consumption(prefs, base, spending):
    values = base["values"][base["cg"]]
    shares = market.budget_shares(prefs, spending, np.ones(values.size))
    aggregate = (shares * spending[:, None]).sum(axis=0) / spending.sum()
    np.testing.assert_allclose(aggregate, base["shares"], atol=1e-3)
    # the same, through quantities bought at prices equal to labour values
    q = _aggregate_demand(prefs, spending, values, values)
    np.testing.assert_allclose(values * q / spending.sum(), base["shares"], atol=1e-3)


def test_income_elasticities_are_plausible(prefs, base):
    e = dict(zip(base["names"], prefs.income_elasticities(), strict=True))
    assert all(0.2 <= v <= 2.5 for v in e.values()), e
    for code in NECESSITIES:
        assert e[code] < 1, f"{code} should be a necessity: {e}"
    for code in LUXURIES:
        assert e[code] > 1, f"{code} should be a luxury: {e}"


def test_equalisation_shifts_demand_by_more_than_ten_percent(prefs, base, spending):
    values = base["values"][base["cg"]]
    change = shifts(prefs, spending, values)
    report = {name: round(float(c), 4) for name, c in zip(base["names"], change, strict=True)}
    assert np.max(np.abs(change)) > 0.10, f"demand shifts per good: {report}"
    # and in the direction the elasticities say: necessities up, luxuries down
    e = dict(zip(base["names"], prefs.income_elasticities(), strict=True))
    for name, c in report.items():
        if e[name] < 0.95:
            assert c > 0, f"{name} (e = {e[name]:.2f}) should gain: {report}"
        if e[name] > 1.05:
            assert c < 0, f"{name} (e = {e[name]:.2f}) should lose: {report}"
    # the same total is spent, at value: the value of demand is unchanged
    equal = np.full_like(spending, spending.mean())
    assert values @ _aggregate_demand(prefs, equal, values, values) == pytest.approx(spending.sum(), rel=1e-9)


def test_homothetic_preferences_would_not_shift_demand(base, spending):
    """The control: with unit elasticities the experiment is void (Gorman form)."""
    values = base["values"][base["cg"]]
    flat = market.calibrate_preferences(base["shares"], np.ones(values.size), spending)
    np.testing.assert_allclose(shifts(flat, spending, values), 0.0, atol=1e-10)


@pytest.fixture(scope="module")
def model():
    scenario = Scenario(years=0.25, seed=11, population=Population(consumers=2000, councils=40, communes=3))
    return CouncilsModel(scenario)


def test_model_calibrates_on_the_same_shares_and_elasticities(model, base, prefs):
    cg = base["cg"]
    np.testing.assert_array_equal(model.consumer_goods, cg)
    np.testing.assert_allclose(model.state.values, base["values"], rtol=1e-9)
    np.testing.assert_allclose(model.consumers.preferences.base_shares, base["shares"], rtol=1e-9)
    np.testing.assert_allclose(
        model.consumers.preferences.income_elasticities(), prefs.income_elasticities(), rtol=1e-9
    )


def test_model_preferences_shift_demand_when_its_own_people_are_equalised(model, base):
    """The model's own consumers: old spending ∝ their pre-revolution wages, tastes included."""
    m = model
    cg = base["cg"]
    values = m.state.values[cg]
    old = m.state.wage * m.state.hours_per_week * m.consumers.base_wage
    equal = np.full_like(old, old.mean())
    before = _aggregate_demand(m.consumers.preferences, old, values, values, m.consumers.taste)
    after = _aggregate_demand(m.consumers.preferences, equal, values, values, m.consumers.taste)
    change = after / before - 1.0
    report = {name: round(float(c), 4) for name, c in zip(base["names"], change, strict=True)}
    assert np.max(np.abs(change)) > 0.10, f"demand shifts per good: {report}"
    # the model's first plan skeleton is the old (unequal) demand, valued at labour values
    np.testing.assert_allclose(
        values * m.state.expected_demand / (values @ m.state.expected_demand), base["shares"], rtol=1e-9
    )
