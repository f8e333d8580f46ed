"""The simulator against the mathematics: the one-good corrective loop (seed §7c, docs/corrective_loop.md).

A one-good economy (no inputs, no capital, no communes, equal wages, no noise, a plan
that never re-solves after week 0, capacity and labour to spare) is the loop of
``sim.economics.corrective_loop`` exactly, up to terms of second order in the deviation. A stock
1 % above its reserve must then die out at the rate, and oscillate with the period, of
``J``'s dominant eigenvalue; and the simulated stability diagram over price response ×
rebuild horizon must change where ``ρ(J)`` crosses 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.economics import corrective_loop
from sim.economics.economy import Economy, Technology
from sim.model import CouncilsModel

#: The good's labour value, hours per unit (not 1, so that prices and quantities differ).
LABOUR = 0.5
#: Shares of the net product decided for households and for public bodies; ω = public / private.
PRIVATE_SHARE, PUBLIC_SHARE = 0.70, 0.15
#: Weeks run before the kick (the economy starts at its steady state).
SETTLE_WEEKS = 4
#: The kick: the stock is raised by this share.
KICK = 0.01
#: Largest relative error allowed between simulated and analytic decay rate and period.
TOLERANCE = 0.05


def one_good_economy() -> Economy:
    """One consumer good made from labour alone (``A = 0``, no capital), for households and public bodies."""
    technology = Technology(np.zeros((1, 1)), [LABOUR], names=["GOOD"])
    demand = pd.DataFrame({"private": [PRIVATE_SHARE], "public": [PUBLIC_SHARE], "investment": [0.0]}, index=["GOOD"])
    output = np.array([PRIVATE_SHARE + PUBLIC_SHARE])
    return Economy(
        technology=technology,
        final_demand=demand,
        gross_output=output,
        capacity=output,
        stocks=np.zeros(1),
        workers=300.0,
        hours_per_worker=1_800.0,
        population=300.0,
        income_elasticities=np.ones(1),
        name="one good",
    )


def loop_model(response, rebuild_weeks, demand_smoothing, reserve_weeks) -> CouncilsModel:
    """The one-good economy under the councils, deterministic, with nothing binding near its steady state."""
    return CouncilsModel(
        economy=one_good_economy(),
        seed=7,
        years=2,
        population_consumers=300,
        population_councils=1,
        population_communes=0,
        population_group_size_min=10,
        population_group_size_max=30,
        wages_initial_gini=0.0,
        prices_response=response,
        readjustment_rebuild_weeks=rebuild_weeks,
        readjustment_demand_smoothing=demand_smoothing,
        readjustment_reserve_weeks=reserve_weeks,
        plan_period_weeks=520,  # longer than any run here: the plan never re-solves after week 0
        plan_private_share=PRIVATE_SHARE,
        plan_public_share=PUBLIC_SHARE,
        plan_capacity_headroom=1.0,  # capacity twice the steady output
        work_groups_productivity_spread=0.0,
        work_groups_rotation=0.0,
        work_groups_exclusion=0.0,
        noise_taste_drift=0.0,
        noise_productivity=0.0,
        noise_harvest=0.0,
        noise_reports=0.0,
    )


def loop_state(model) -> np.ndarray:
    """Stock, price, expected demand and the output target in force, between two weeks (``corrective_loop.STATE``)."""
    s = model.state
    return np.array([s.stock[0], s.prices[0], s.expected_demand[0], model.producers.target.sum()])


def kicked(parameters, weeks: int):
    """The deviation a 1 % stock kick makes, against a twin run from the same seed without it.

    Parameters
    ----------
    parameters : tuple
        ``(response, rebuild_weeks, demand_smoothing, reserve_weeks)``.
    weeks : int
        Weeks run after the kick.

    Returns
    -------
    deviation : numpy.ndarray, shape (weeks + 1, 4)
        ``x_t`` in the units of ``corrective_loop.STATE``: stock in weeks of households'
        demand, price as a share of value, expected demand and output as shares of demand;
        row 0 is the kick.
    other_use : float
        ``ω``: other use as a share of households' demand, read from the settled economy.
    """
    twins = [loop_model(*parameters), loop_model(*parameters)]
    for _ in range(SETTLE_WEEKS):
        for model in twins:
            model.step()
    base, kicked_model = twins
    kicked_model.state.stock *= 1.0 + KICK
    paths = [[loop_state(model)] for model in twins]
    for _ in range(weeks):
        for model, path in zip(twins, paths, strict=True):
            model.step()
            path.append(loop_state(model))
    s = base.state
    demand, value = s.expected_demand[0], s.values[0]
    scale = np.array([demand, value, demand, demand])
    return (np.array(paths[1]) - np.array(paths[0])) / scale, float(s.other_use[0] / demand)


def fitted_recurrence(series, order: int) -> np.ndarray:
    """Prony: the companion matrix of the linear recurrence of ``order`` that all components of ``series`` obey best.

    Fits ``x_{t+k} = −Σ_{j<k} c_j x_{t+j}`` (one set of ``c`` for every component) by least
    squares; its roots are the eigenvalues of the returned matrix.
    """
    series = np.asarray(series)
    rows = series.shape[0] - order
    lagged = np.stack([series[j : j + rows] for j in range(order)], axis=-1).reshape(-1, order)
    coefficients = np.linalg.lstsq(lagged, -series[order:].reshape(-1), rcond=None)[0]
    companion = np.zeros((order, order))
    companion[:-1, 1:] = np.eye(order - 1)
    companion[-1] = -coefficients
    return companion


def test_the_characteristic_cubic_has_the_nonzero_eigenvalues_of_the_jacobian():
    rng = np.random.default_rng(0)
    for _ in range(20):
        parameters = (rng.uniform(0, 8), rng.uniform(1, 16), rng.uniform(0.05, 1), rng.uniform(0.5, 8))
        other, elasticity = rng.uniform(0, 1), rng.uniform(0.3, 2)
        jac = corrective_loop.jacobian(*parameters, other, elasticity)
        cubic = corrective_loop.characteristic_cubic(*parameters, other, elasticity)
        np.testing.assert_allclose(np.poly(jac), np.append(cubic, 0.0), atol=1e-10)


def test_at_a_one_week_rebuild_the_loop_flips_where_the_closed_form_says():
    # τ = 1: μ² + (κε − 1 + λ) μ − κε has a root at −1 when κε = 1 − λ/2 (docs/corrective_loop.md).
    smoothing, reserve, other, elasticity = 0.5, 4.0, 0.2, 1.0
    closed_form = (1.0 - smoothing / 2) * reserve * (1.0 + other) / elasticity
    found = corrective_loop.critical_response(1.0, smoothing, reserve, other, elasticity)
    assert found == pytest.approx(closed_form, rel=1e-5)
    below, above = (
        corrective_loop.jacobian(factor * found, 1.0, smoothing, reserve, other, elasticity) for factor in (0.99, 1.01)
    )
    assert corrective_loop.spectral_radius(below) < 1.0
    assert corrective_loop.dominant_eigenvalue(above).real < -1.0  # it loses stability by a flip, period 2


def test_a_stock_kick_decays_and_oscillates_as_the_dominant_eigenvalue_says():
    parameters = (2.5, 2.0, 0.7, 4.0)  # response, rebuild weeks, demand smoothing, reserve weeks
    deviation, other = kicked(parameters, weeks=40)
    jac = corrective_loop.jacobian(*parameters, other)
    analytic = corrective_loop.dominant_eigenvalue(jac)
    assert analytic.imag > 0 and corrective_loop.spectral_radius(jac) < 0.95, "pick a decaying oscillation"

    simulated = corrective_loop.dominant_eigenvalue(fitted_recurrence(deviation, order=jac.shape[0]))
    rate, period = corrective_loop.decay_rate(simulated), corrective_loop.period(simulated)
    assert rate == pytest.approx(corrective_loop.decay_rate(analytic), rel=TOLERANCE)
    assert period == pytest.approx(corrective_loop.period(analytic), rel=TOLERANCE)
    # The whole path, not only its slowest mode, is J's to first order in the 1 % kick.
    linear = np.array([np.linalg.matrix_power(jac, t) @ deviation[0] for t in range(deviation.shape[0])])
    assert np.abs(deviation - linear).max() < 0.03 * np.abs(deviation).max()
    # The test can tell a price response 5 % off: J built with it misses the simulated rate.
    off = corrective_loop.dominant_eigenvalue(corrective_loop.jacobian(1.05 * parameters[0], *parameters[1:], other))
    assert abs(corrective_loop.decay_rate(off) / rate - 1.0) > TOLERANCE


RESPONSES = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
REBUILD_WEEKS = (1.0, 2.0, 4.0, 8.0, 16.0)


def test_the_simulated_stability_boundary_lies_where_the_spectral_radius_crosses_one():
    smoothing, reserve = 0.5, 4.0
    simulated = np.zeros((len(REBUILD_WEEKS), len(RESPONSES)), dtype=bool)
    analytic = np.zeros_like(simulated)
    for i, tau in enumerate(REBUILD_WEEKS):
        for j, response in enumerate(RESPONSES):
            deviation, other = kicked((response, tau, smoothing, reserve), weeks=39)
            size = np.abs(deviation).max(axis=1)
            simulated[i, j] = size[-13:].max() < size[0]  # the kick has died out over the last quarter
            jac = corrective_loop.jacobian(response, tau, smoothing, reserve, other)
            analytic[i, j] = corrective_loop.spectral_radius(jac) < 1.0
    assert analytic.any() and not analytic.all() and analytic[:, 0].all() and not analytic[:, -1].any()
    # A cell may disagree only next to the analytic boundary: a neighbouring response is classed otherwise.
    boundary = np.zeros_like(analytic)
    boundary[:, :-1] |= analytic[:, :-1] != analytic[:, 1:]
    boundary[:, 1:] |= analytic[:, 1:] != analytic[:, :-1]
    disagree = simulated != analytic
    assert not (disagree & ~boundary).any(), f"simulated stable:\n{simulated}\nρ(J) < 1:\n{analytic}"
