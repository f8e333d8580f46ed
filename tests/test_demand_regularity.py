"""Demand is regular for every person the model produces (docs/demand.md, issue "No known defect left").

For every shipped scenario under every regime, at 1,500 persons, the persons as they buy in the
first week and again after a year: for every good each person buys, the ordinary own-price
derivative ``∂q_k/∂p_k`` is negative and the compensated one ``∂q_k/∂p_k + q_k ∂q_k/∂x`` (the
Slutsky matrix's diagonal) is not positive. Both by central differences on ``market.demand``,
in elasticities (``ε_kk`` and ``ε_kk + w_k η_k``), from the arguments the model hands
``market.buy``. The LA/AIDS that preceded this system failed every one of these cases: in the
first week 0.3–14 % of persons (11.6 % of the market's in the baseline), after a year up to 85 %
(docs/demand.md has the table).

A second test covers what the shipped runs do not reach: the shipped economy's calibration at
θ = 0, 0.4 (the default) and 0.8 (the scenario's bound), prices anywhere in the default price
rule's range (0.25–4 × value) and spending from 0.05 to 20 times the reference.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.economics import market
from sim.model import CouncilsModel
from sim.regimes import REGIMES
from sim.run.scenario import Population, Scenario, ScenarioError, from_dict, load_scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))
PERSONS = 1_500
H = 1e-6  # relative step of prices and spending


def _as_bought(model) -> dict:
    """Run one week, keeping what the week's first ``market.buy`` call was given (the households' purchase)."""
    seen = {}
    rule = market.buy

    def spy(prefs, spending, prices, values, taste, on_sale, *args, **kwargs):
        if not seen:
            seen.update(
                prefs=prefs,
                spending=np.array(spending, dtype=float),
                prices=np.array(prices, dtype=float),
                values=np.array(values, dtype=float),
                taste=np.array(taste),
            )
        return rule(prefs, spending, prices, values, taste, on_sale, *args, **kwargs)

    market.buy = spy
    try:
        model.step()
    finally:
        market.buy = rule
    return seen


def own_price_effects(prefs, spending, prices, values, taste):
    """Every person's ordinary and compensated own-price elasticities, and who buys what (N, G each).

    ``ε_kk = ∂ln q_k/∂ln p_k`` and ``ε_kk + w_k η_k`` (``η_k = ∂ln q_k/∂ln x``), by central differences
    of ``ln q`` on :func:`market.demand`; the compensated one is the Slutsky diagonal times ``p_k / q_k``.
    """
    q = market.demand(prefs, spending, prices, values, taste)
    with np.errstate(divide="ignore", invalid="ignore"):
        richer = market.demand(prefs, spending * np.exp(H), prices, values, taste)
        poorer = market.demand(prefs, spending * np.exp(-H), prices, values, taste)
        eta = (np.log(richer) - np.log(poorer)) / (2 * H)
        ordinary = np.empty_like(q)
        for k in range(prices.size):
            up, down = prices.copy(), prices.copy()
            up[k] *= np.exp(H)
            down[k] *= np.exp(-H)
            q_up = market.demand(prefs, spending, up, values, taste)[:, k]
            q_down = market.demand(prefs, spending, down, values, taste)[:, k]
            ordinary[:, k] = (np.log(q_up) - np.log(q_down)) / (2 * H)
    shares = q * prices / np.where(spending > 0, spending, 1.0)[:, None]
    return ordinary, ordinary + shares * eta, q > 0


def _irregular(prefs, spending, prices, values, taste):
    """Share of persons with a good they buy whose ordinary own-price effect is ≥ 0 or compensated one > 0."""
    ordinary, compensated, bought = own_price_effects(prefs, spending, prices, values, taste)
    bad = bought & ~((ordinary < 0) & (compensated <= 0))
    return bad.any(axis=1).mean(), bought


@pytest.mark.parametrize("regime", REGIMES)
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_person_buys_less_of_a_good_when_its_price_rises(path, regime):
    scenario = load_scenario(path)
    scenario = dataclasses.replace(
        scenario, regime=regime, population=dataclasses.replace(scenario.population, consumers=PERSONS)
    )
    model = CouncilsModel(scenario)
    first = _as_bought(model)
    for _ in range(51):
        model.step()
    after_a_year = _as_bought(model)
    for when, week in (("week 0", first), ("week 52", after_a_year)):
        share, bought = _irregular(**week)
        assert bought.any(axis=1).mean() > 0.9, f"{when}: most persons should buy something"
        assert share == 0, f"{path.stem}, {regime}, {when}: {share:.1%} of persons have an irregular own-price effect"


def test_the_shipped_calibration_is_regular_over_the_whole_price_range():
    """θ = 0, 0.4, 0.8; every price within 0.25–4 × value (corners and inside); spending 0.05–20 × x̄."""
    model = CouncilsModel(Scenario(years=0.25, seed=2, population=Population(consumers=1_000, councils=40, communes=3)))
    calibrated, taste = model.consumers.preferences, model.consumers.taste
    rng = np.random.default_rng(7)
    goods = calibrated.alpha.size
    values = np.ones(goods)
    for theta in (0.0, 0.4, 0.8):
        prefs = dataclasses.replace(calibrated, price_response=theta)
        for draw in range(6):
            if draw % 2:
                rel = np.where(rng.integers(0, 2, goods) == 1, 4.0, 0.25)
            else:
                rel = np.exp(rng.uniform(np.log(0.25), np.log(4.0), goods))
            spending = prefs.reference_spending * np.exp(rng.uniform(np.log(0.05), np.log(20.0), taste.shape[0]))
            share, _ = _irregular(prefs, spending, rel, values, taste)
            assert share == 0, f"θ = {theta}, p/v = {np.round(rel, 2)}: {share:.1%} irregular"


def test_the_price_response_is_bounded_where_demand_is_known_to_be_regular():
    """θ above 0.8 is refused: at θ = 1 (σ = 0) the richest's inferior necessities are Giffen goods (docs/demand.md)."""
    assert from_dict({"consumption": {"price_response": 0.8}}).consumption.price_response == 0.8
    with pytest.raises(ScenarioError, match="price_response"):
        from_dict({"consumption": {"price_response": 0.81}})
