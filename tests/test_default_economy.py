"""The economy that ships with the project: United States 2014, WIOD 2016 release, 20 sectors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics.economy import Economy, Technology, default_economy, spectral_radius
from sim.economics.plan_factory import PlanFactory

CODES = (
    "AGR",
    "MIN",
    "FOOD",
    "LIGHT",
    "CHEM",
    "METAL",
    "MACH",
    "VEH",
    "UTIL",
    "CONS",
    "TRADE",
    "TRANS",
    "ACCOM",
    "INFO",
    "FIN",
    "REAL",
    "BUS",
    "PUB",
    "EDHE",
    "OTH",
)


@pytest.fixture(scope="module")
def economy() -> Economy:
    return default_economy()


HOME = ["private", "public", "investment"]


@pytest.fixture(scope="module")
def final_demand(economy) -> np.ndarray:
    """Final demand delivered at home; exports, if present, only give the composition of imports."""
    return economy.final_demand[HOME].sum(axis=1).to_numpy()


def test_default_economy_has_twenty_sectors_agr_to_oth(economy):
    t = economy.technology
    assert isinstance(t, Technology)
    assert t.n == 20
    assert t.names == CODES
    assert len(t.descriptions) == 20 and t.descriptions[0].startswith("Agriculture")
    assert list(economy.final_demand.index) == list(CODES)
    assert list(economy.final_demand.columns)[:3] == HOME
    assert set(economy.final_demand.columns) <= {*HOME, "exports"}


def test_default_technology_is_dense_and_has_capital(economy):
    t = economy.technology
    assert not t.is_sparse
    assert t.capital is not None and t.capital.shape == (20, 20)
    assert t.depreciation is not None
    assert (t.capital >= 0).all() and t.capital.sum() > 0
    assert ((t.depreciation >= 0) & (t.depreciation <= 1)).all()


def test_default_input_coefficients_are_productive(economy):
    A = economy.technology.A
    assert (A >= 0).all()
    assert spectral_radius(A) < 1.0
    assert np.max(np.abs(np.linalg.eigvals(A))) < 1.0


def test_default_inputs_plus_capital_used_up_are_productive(economy):
    t = economy.technology
    D = t.capital_consumption
    assert (D >= 0).all() and D.sum() > 0
    assert np.max(np.abs(np.linalg.eigvals(t.A + D))) < 1.0


def test_default_labour_coefficients_are_hours_per_million_usd(economy):
    # US 2014: ~2,000 hours a year per worker and ~$100k–$1M of output per worker
    labour = economy.technology.labour
    assert (labour > 0).all()
    assert (labour > 1e3).all() and (labour < 1e5).all()


def test_default_consumer_goods_include_food_and_accommodation_not_construction_or_mining(economy):
    t = economy.technology
    consumer = {t.names[j] for j in t.consumer_goods}
    assert {"FOOD", "ACCOM"} <= consumer
    assert "CONS" not in consumer
    assert "MIN" not in consumer


def test_default_final_demand_is_non_negative_and_positive_in_total(economy, final_demand):
    assert (economy.final_demand.to_numpy() >= 0).all()
    assert (final_demand > 0).all()


def test_intermediate_targets_of_final_demand_equal_gross_output(economy, final_demand):
    x = PlanFactory(economy.technology).intermediate_targets(final_demand)
    np.testing.assert_allclose(x, economy.gross_output, rtol=1e-10)
    assert (economy.gross_output > 0).all()


def test_default_capacity_covers_gross_output(economy):
    assert economy.capacity.shape == (20,)
    assert (economy.capacity >= economy.gross_output).all()


def test_default_stocks_and_labour_force_are_positive(economy):
    assert economy.stocks.shape == (20,) and (economy.stocks >= 0).all()
    assert economy.workers > 0 and economy.population > economy.workers
    assert 1_000 < economy.hours_per_worker < 3_000  # hours a year per person engaged


def test_value_of_final_demand_equals_labour_of_gross_output_on_default_economy(economy, final_demand):
    factory = PlanFactory(economy.technology)
    v = factory.labour_values(include_depreciation=False)
    x = factory.intermediate_targets(final_demand)
    np.testing.assert_allclose(v @ final_demand, economy.technology.labour @ x, rtol=1e-10)
    np.testing.assert_allclose(v @ final_demand, economy.technology.labour @ economy.gross_output, rtol=1e-10)


def test_default_labour_values_with_depreciation_exceed_those_without(economy):
    factory = PlanFactory(economy.technology)
    direct = factory.labour_values(include_depreciation=False)
    full = factory.labour_values(include_depreciation=True)
    assert (direct >= economy.technology.labour).all()
    assert (full > direct).all()
