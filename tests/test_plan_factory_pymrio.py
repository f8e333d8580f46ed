"""Cross-check of the plan factory's Leontief algebra against pymrio's test MRIO system.

pymrio (https://github.com/IndEcol/pymrio) computes ``x``, ``L = (I − A)⁻¹`` and the
extension multipliers ``M = S L`` for its small two-region test system; the plan
factory must give the same numbers from the same ``A`` and coefficient rows ``S``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymrio  # a hard test dependency (the `dev` extra): without it the suite fails, it does not skip
import pytest

from sim.economics.economy import Technology
from sim.economics.plan_factory import PlanFactory

RTOL = 1e-9

#: (extension attribute, row of its S used as the labour coefficients)
EXTENSION_ROWS = [("factor_inputs", 0), ("emissions", 0), ("emissions", 1)]


@pytest.fixture(scope="module")
def io():
    system = pymrio.load_test()
    system.calc_all()
    return system


@pytest.fixture(scope="module")
def factory(io):
    technology = Technology(io.A.to_numpy(), labour=io.factor_inputs.S.to_numpy()[0])
    return PlanFactory(technology)


def _assert_close(actual, expected):
    """Relative agreement to ``RTOL``; exact zeros of pymrio may come out as round-off."""
    expected = np.asarray(expected, dtype=float)
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=1e-14 * np.abs(expected).max())


def test_pymrio_test_system_is_the_one_these_checks_assume(io):
    # 2 regions x 24 products ... if pymrio's fixture changes size, the checks below are about a different system.
    assert io.A.shape == (48, 48)
    assert io.Y.shape[0] == 48 and io.Y.shape[1] > 1
    assert io.factor_inputs.S.shape == (1, 48)
    assert io.emissions.S.shape == (2, 48)


def test_intermediate_targets_match_pymrio_gross_output(io, factory):
    x = factory.intermediate_targets(io.Y.sum(axis=1))
    assert x.shape == (48,)
    _assert_close(x, io.x.to_numpy()[:, 0])


def test_intermediate_targets_accept_a_pandas_series(io, factory):
    y = io.Y.sum(axis=1)
    _assert_close(factory.intermediate_targets(y), factory.intermediate_targets(y.to_numpy()))


def test_leontief_inverse_matches_pymrio_test_system(io, factory):
    L = factory.leontief_inverse()
    assert L.shape == io.L.shape
    _assert_close(L, io.L.to_numpy())


def test_output_multipliers_match_pymrio(io, factory):
    # Output multiplier of sector j: total output, all sectors, per unit of final demand for j.
    ones = pd.DataFrame(np.ones((1, io.A.shape[0])), index=["output"], columns=io.A.columns)
    expected = pymrio.calc_M(ones, io.L).to_numpy()[0]
    _assert_close(factory.leontief_inverse().sum(axis=0), expected)
    # the multipliers through the plan factory's own solve of Σ_i x_i for y = e_j
    _assert_close(factory.intermediate_targets(np.eye(io.A.shape[0])).sum(axis=0), expected)


@pytest.mark.parametrize(("extension", "row"), EXTENSION_ROWS)
def test_labour_values_without_depreciation_match_pymrio_multipliers(io, extension, row):
    ext = getattr(io, extension)
    technology = Technology(io.A.to_numpy(), labour=ext.S.to_numpy()[row])
    values = PlanFactory(technology).labour_values(include_depreciation=False)
    _assert_close(values, ext.M.to_numpy()[row])


@pytest.mark.parametrize(("extension", "row"), EXTENSION_ROWS)
def test_labour_values_without_capital_do_not_depend_on_include_depreciation(io, extension, row):
    ext = getattr(io, extension)
    factory = PlanFactory(Technology(io.A.to_numpy(), labour=ext.S.to_numpy()[row]))
    _assert_close(factory.labour_values(include_depreciation=True), ext.M.to_numpy()[row])


def test_several_final_demand_columns_at_once_match_pymrio(io, factory):
    Y = io.Y.to_numpy()
    X = factory.intermediate_targets(Y)
    assert X.shape == Y.shape
    _assert_close(X, io.L.to_numpy() @ Y)


def test_labour_requirements_match_pymrio_extension_accounts(io, factory):
    # F = S diag(x): the factor input each sector uses to make the total output.
    hours = factory.labour_requirements(io.Y.sum(axis=1))
    _assert_close(hours, io.factor_inputs.F.to_numpy()[0])


def test_value_of_final_demand_equals_pymrio_footprint_total(io, factory):
    # v·y = l·x: the consumption-based total equals the production-based total.
    y = io.Y.sum(axis=1).to_numpy()
    total = factory.labour_values(include_depreciation=False) @ y
    np.testing.assert_allclose(total, io.factor_inputs.D_cba.to_numpy().sum(), rtol=RTOL)
    np.testing.assert_allclose(total, io.factor_inputs.F.to_numpy().sum(), rtol=RTOL)


def test_activity_analysis_default_processes_reproduce_pymrio_output(io, factory):
    y = io.Y.sum(axis=1).to_numpy()
    plan = factory.activity_analysis(y)
    assert plan.feasible
    np.testing.assert_allclose(plan.levels, io.x.to_numpy()[:, 0], rtol=1e-6)
    np.testing.assert_allclose(plan.labour, io.factor_inputs.F.to_numpy().sum(), rtol=1e-7)
