"""The vectorised consumer step against a per-agent oracle (DESIGN §2: "a small per-agent
reference implementation is kept in the tests as an oracle").

The model buys for all consumers at once (``market.intended_spending`` → ``market.buy``, which
aggregates AIDS demand exactly when no share can be clipped and otherwise builds the demand
matrix and rations it); the oracle asks each ``Consumer`` agent what it wants
(``agent.wanted``), computes the fill rate per good from the sum, and lets each agent
``buy``. Both start from the same state in the middle of a week (after produce and pay).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from agents import Consumer, FactoryCouncil, PrimaryWorkGroup, RuralCommune
from sim.economics import market
from sim.model import CouncilsModel
from sim.run.scenario import Consumption, Population, Scenario, Wages

POPULATION = Population(consumers=600, councils=25, communes=3)


def _scenario(seed=4, **changes):
    base = {
        "years": 0.25,
        "seed": seed,
        "population": POPULATION,
        "wages": Wages(equalisation_years=2.0),  # unequal incomes: the rows differ
        "consumption": Consumption(rationing="proportional", taste_noise=0.2),
    }
    base.update(changes)
    return Scenario(**base)


def _mid_week(seed, weeks):
    """A model after ``weeks`` weeks and this week's produce and pay: the state the consumer step starts from."""
    m = CouncilsModel(_scenario(seed))
    m.run(weeks)
    m.regime.produce(m)
    m.regime.pay(m)
    return m


def _model_buys(m, monkeypatch):
    """Run the regime's deliver and buy on a copy; return the copy and the stock it offered households.

    Public bodies, investment (and exports) draw first and production's inputs are kept back,
    so what households may buy is whatever the model hands to ``market.buy``.
    """
    copy_ = copy.deepcopy(m)
    offered = []
    rule = market.buy

    def spy(prefs, spending, prices, values, taste, on_sale, *args, **kwargs):
        offered.append(np.array(on_sale, dtype=float))
        return rule(prefs, spending, prices, values, taste, on_sale, *args, **kwargs)

    monkeypatch.setattr(market, "buy", spy)
    copy_.regime.deliver(copy_)
    copy_.regime.buy(copy_)
    monkeypatch.setattr(market, "buy", rule)
    assert len(offered) == 1, "the regime's buy should call market.buy once for all households"
    return copy_, offered[0]


def _vectorised(m, available):
    c, cfg = m.consumers, m.conditions.consumption
    spending = market.intended_spending(c.income, c.savings, cfg.buffer_weeks, cfg.smoothing_weeks)
    wanted = market.demand(m.consumers.preferences, spending, m.state.prices, c.reference, c.taste)
    bought = market.ration_proportional(wanted, available)
    savings = c.savings + c.income - bought @ m.state.prices
    return wanted, bought, savings


def _oracle(m, available):
    """One agent at a time: all say what they want, then each takes its share of the scarce goods."""
    persons = sorted(m.agents_by_type[Consumer], key=lambda a: a.row)
    wanted = np.array([a.wanted(m.state.prices) for a in persons])
    total = wanted.sum(axis=0)
    fill = np.array([min(1.0, available[g] / total[g]) if total[g] > 0 else 1.0 for g in range(total.size)])
    bought = np.array([a.buy(w, fill, m.state.prices) for a, w in zip(persons, wanted, strict=True)])
    savings = np.array([a.savings for a in persons])
    return wanted, bought, savings, fill


@pytest.mark.parametrize(("seed", "weeks"), [(4, 3), (9, 7)])
def test_vectorised_consumer_step_equals_the_per_agent_oracle(seed, weeks):
    m = _mid_week(seed, weeks)
    savings_before = m.consumers.savings.copy()
    wanted_v, _, _ = _vectorised(m, np.full(m.consumer_goods.size, np.inf))
    # Every third consumer good short: 30 % of what households want of it is on offer.
    available = wanted_v.sum(axis=0) * 2.0
    available[::3] *= 0.15

    wanted_v, bought_v, savings_v = _vectorised(m, available)
    np.testing.assert_array_equal(m.consumers.savings, savings_before)  # the pure path changed nothing
    wanted_o, bought_o, savings_o, fill = _oracle(m, available)

    assert np.any(fill < 1) and np.any(fill == 1), "the state should ration some goods and not others"
    assert np.ptp(m.consumers.income) > 0, "incomes should differ between consumers"
    np.testing.assert_allclose(fill[::3], 0.3, rtol=1e-12)
    np.testing.assert_allclose(wanted_o, wanted_v, rtol=1e-10, atol=0)
    np.testing.assert_allclose(bought_o, bought_v, rtol=1e-10, atol=0)
    np.testing.assert_allclose(savings_o, savings_v, rtol=1e-10, atol=0)
    np.testing.assert_allclose(m.consumers.spent, bought_v @ m.state.prices, rtol=1e-10)


@pytest.mark.parametrize(("seed", "weeks"), [(4, 3), (9, 7)])
def test_model_buy_equals_the_oracle(seed, weeks, monkeypatch):
    """The regime's buy against the per-agent oracle, given the stock the model offers households."""
    m = _mid_week(seed, weeks)
    reference, offered = _model_buys(m, monkeypatch)
    assert np.all(offered >= 0)
    wanted_o, bought_o, savings_o, _ = _oracle(m, offered)
    np.testing.assert_allclose(reference.consumers.savings, savings_o, rtol=1e-10)
    np.testing.assert_allclose(reference.consumers.spent, m.consumers.spent, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(reference.state.sales, bought_o.sum(axis=0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(reference.state.wanted, wanted_o.sum(axis=0), rtol=1e-10)


@pytest.mark.parametrize("taste_noise", [0.05, 0.6])
def test_both_paths_of_the_model_buy_equal_the_oracle(taste_noise, monkeypatch):
    """Small taste noise: demand aggregates exactly (two matrix–vector products); large: clipping, full matrix."""
    unequal = Wages(initial_gini=0.2, equalisation_years=2.0)  # incomes differ, yet no share is clipped
    m = CouncilsModel(_scenario(5, wages=unequal, consumption=Consumption(taste_noise=taste_noise)))
    m.run(3)
    m.regime.produce(m)
    m.regime.pay(m)
    c, cfg, cg = m.consumers, m.conditions.consumption, m.consumer_goods
    spending = market.intended_spending(c.income, c.savings, cfg.buffer_weeks, cfg.smoothing_weeks)
    exact = market.aggregates_exactly(m.consumers.preferences, spending, m.state.prices, c.reference, c.taste_floor)
    assert exact == (taste_noise < 0.1), "the test should exercise the path its parameter names"
    _, offered = _model_buys(m, monkeypatch)
    assert np.all(offered >= 0)
    plenty = market.buy(
        m.consumers.preferences, spending, m.state.prices, c.reference, c.taste, np.full(cg.size, np.inf)
    )
    offered = plenty.wanted * np.where(np.arange(cg.size) % 2 == 0, 0.5, 2.0)  # every other good scarce
    week = market.buy(
        m.consumers.preferences,
        spending,
        m.state.prices,
        c.reference,
        c.taste,
        offered,
        taste_floor=c.taste_floor,
    )
    wanted_o, bought_o, _, fill = _oracle(m, offered)
    assert np.any(fill < 1)
    np.testing.assert_allclose(week.wanted, wanted_o.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(week.bought, bought_o.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(week.spent, bought_o @ m.state.prices, rtol=1e-10, atol=1e-12)


def test_oracle_without_scarcity_buys_all_that_is_wanted():
    m = _mid_week(6, 2)
    available = np.full(m.consumer_goods.size, np.inf)
    wanted, bought, _, fill = _oracle(m, available)
    np.testing.assert_array_equal(fill, 1.0)
    np.testing.assert_array_equal(bought, wanted)
    np.testing.assert_allclose(m.consumers.spent, bought @ m.state.prices, rtol=1e-12)


# --- the agents are Mesa agents and views on the arrays ----------------------------------------


@pytest.fixture(scope="module")
def model():
    return CouncilsModel(_scenario(seed=8))


def test_all_four_kinds_of_agent_exist(model):
    kinds = model.agents_by_type
    assert len(kinds[Consumer]) == POPULATION.consumers
    assert len(kinds[FactoryCouncil]) == POPULATION.councils
    assert len(kinds[RuralCommune]) == POPULATION.communes
    assert len(kinds[PrimaryWorkGroup]) == model.work_groups.council.size > 0
    assert len(model.agents) == sum(len(agents) for agents in kinds.values())


def test_agents_are_views_on_their_rows(model):
    m = model
    m.run(5)
    c = m.consumers
    persons = list(m.agents_by_type[Consumer])
    assert sorted(a.row for a in persons) == list(range(POPULATION.consumers))
    for a in persons:
        assert a.savings == c.savings[a.row]
        assert a.income == c.income[a.row]
        assert a.group == c.group[a.row]
        assert a.commune == c.commune[a.row]
    for council in m.agents_by_type[FactoryCouncil]:
        assert council.delegates >= 1
        assert council.workers == m.producers.workers[council.row]
        assert not m.producers.is_commune[council.row]
        assert council.report()["output"] == pytest.approx(m.producers.output[council.row])
    members = 0
    for commune in m.agents_by_type[RuralCommune]:
        assert m.producers.is_commune[commune.row]
        assert commune.fertility > 0
        assert commune.members.size == m.producers.workers[commune.row]
        members += commune.members.size
    assert members == np.sum(c.commune >= 0)
    # every worker is in exactly one group, of the council the group belongs to
    group_members = np.concatenate([g.members for g in m.agents_by_type[PrimaryWorkGroup]])
    assert np.array_equal(np.sort(group_members), np.flatnonzero(c.group >= 0))


def _group_sizes(m, group):
    return np.bincount(group[group >= 0], minlength=m.work_groups.council.size)


def test_work_groups_dealt_within_size_bounds(model):
    """The initial dealing of each council's workers over its groups (before the first plan moves anyone)."""
    pop = model.conditions.population
    sizes = np.bincount(model.person_group)  # the groups as first formed
    assert sizes.min() >= pop.group_size_min
    assert sizes.max() <= pop.group_size_max


def test_work_groups_within_size_bounds_at_the_start():
    pop = Population(consumers=3000, councils=60, communes=5)
    largest = []
    for seed in (1, 2, 3):
        m = CouncilsModel(Scenario(years=0.25, seed=seed, population=pop))
        sizes = _group_sizes(m, m.consumers.group)
        sizes = sizes[sizes > 0]  # a shop left empty by the plan's moves is dissolved
        assert sizes.min() >= pop.group_size_min
        largest.append(int(sizes.max()))
    assert max(largest) <= pop.group_size_max, f"largest group per seed: {largest}"
