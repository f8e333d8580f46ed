"""What persons, work groups, councils and communes do (seed §5, §6, §7b–§7f, §9a), one behaviour at a time.

Each behaviour is called on a small model's rows and checked against what the seed's rule
gives when the test works it out itself: relative wages and their mean, the drift of tastes,
staffing and the labour a council can give, readjusted targets, capacity asked for and put
into service, the yield of a harvest, who joins or leaves a commune, how shops re-form.
Random draws are checked by their distribution, or replaced by fixed ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents import Consumer, FactoryCouncil, PrimaryWorkGroup, RuralCommune
from agents.consumer import DRIFT_PERSISTENCE
from agents.work_group import WorkGroups
from sim.economics import market, production
from sim.model import CouncilsModel
from sim.run.scenario import (
    Capital,
    Communes,
    Consumption,
    Noise,
    Population,
    Readjustment,
    Scenario,
    TechnicalChange,
    Wages,
)
from sim.run.scenario import WorkGroups as WorkGroupRules

QUIET = Noise(0.0, 0.0, 0.0, 0.0)
SMALL = Population(consumers=600, councils=22, communes=3)


def _model(seed=6, **changes) -> CouncilsModel:
    return CouncilsModel(Scenario(**{"seed": seed, "years": 1.0, "population": SMALL, "noise": QUIET, **changes}))


class _Fixed:
    """A generator stand-in that hands out given normal draws, in order."""

    def __init__(self, *draws):
        self.draws = [np.asarray(d, dtype=float) for d in draws]

    def standard_normal(self, size):
        draw = self.draws.pop(0)
        assert draw.shape == np.shape(np.empty(size)), (draw.shape, size)
        return draw


# --- persons ----------------------------------------------------------------------------------------------


def test_relative_wages_shrink_geometrically_with_mean_one_over_the_workers_and_commune_members_are_outside():
    m = _model(wages=Wages(initial_gini=0.35, equalisation_years=4.0))
    c = m.consumers
    workers = c.group >= 0
    assert workers.sum() < c.group.size  # some persons are in communes
    base = c.base_wage[workers]
    for progress in (0.0, 0.25, 0.7):
        c.set_wage_factors(progress)
        f = base ** (1 - progress)
        np.testing.assert_allclose(c.wage_factor[workers], f / f.mean(), rtol=1e-12)
        np.testing.assert_array_equal(c.wage_factor[~workers], 1.0)
    c.set_wage_factors(1.0)
    np.testing.assert_array_equal(c.wage_factor, 1.0)


def test_a_kept_hierarchy_keeps_every_workers_place_at_the_gini_asked_for():
    """Seed §7a, §7e (the regimes that keep a hierarchy): the same ranking, Gini as asked, mean 1; members outside."""
    m = _model(population=Population(consumers=3000, councils=22, communes=3), wages=Wages(initial_gini=0.35))
    c = m.consumers
    workers = c.group >= 0
    c.set_hierarchy(0.35, 0.5, np.random.default_rng(2))
    f = c.wage_factor[workers]
    assert f.mean() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(np.argsort(f, kind="stable"), np.argsort(c.base_wage[workers], kind="stable"))
    from sim.economics import metrics, wages

    np.testing.assert_allclose(f, wages.rescaled_hierarchy(c.base_wage[workers], 0.35, 0.5), rtol=1e-12)
    assert metrics.gini(f) == pytest.approx(0.5, abs=0.03)
    np.testing.assert_array_equal(c.wage_factor[~workers], 1.0)
    # from equal wages there is no ranking to keep: a new hierarchy is drawn from the run's generator
    c.wage_factor[~workers] = 7.0
    c.set_hierarchy(0.0, 0.3, np.random.default_rng(4))
    np.testing.assert_array_equal(
        c.wage_factor[workers], wages.wage_hierarchy(int(workers.sum()), 0.3, np.random.default_rng(4))
    )
    np.testing.assert_array_equal(c.wage_factor[~workers], 1.0)


def test_workers_are_paid_the_weekly_wage_by_their_relative_wage_and_commune_members_are_not_paid_wages():
    m = _model(wages=Wages(equalisation_years=4.0))
    c = m.consumers
    workers = c.group >= 0
    c.wage_factor[workers] *= 3.0  # only relative wages count: the bill stays the equal wage's
    c.income[~workers] = -7.0
    c.pay_wages(50.0)
    f = c.wage_factor[workers]
    np.testing.assert_allclose(c.income[workers], 50.0 * f / f.mean(), rtol=1e-12)
    assert c.income[workers].sum() == pytest.approx(50.0 * workers.sum(), rel=1e-12)
    np.testing.assert_array_equal(c.income[~workers], -7.0)


def test_tastes_drift_as_an_ar1_around_each_persons_own_with_the_exposure_of_each():
    m = _model()
    c = m.consumers
    s = c.preferences.base_shares
    z = np.linspace(-1.5, 2.0, s.size)
    c.drift = 0.01 * s * np.sin(np.arange(s.size))
    c.drift -= s * c.drift.sum()
    before = c.drift.copy()
    c.drift_tastes(0.05, _Fixed(z))
    drift = DRIFT_PERSISTENCE * before + 0.05 * s * z
    drift -= s * drift.sum()
    np.testing.assert_allclose(c.drift, drift, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(c.taste, c.own_taste + np.outer(c.exposure, drift), rtol=1e-12, atol=1e-15)
    reach = np.where(drift >= 0, c.exposure.min(), c.exposure.max()) * drift
    np.testing.assert_allclose(c.taste_floor, c.own_floor + reach, rtol=1e-12, atol=1e-15)
    assert np.all(c.taste_floor <= np.asarray(c.taste).min(axis=0) + 1e-15)
    assert np.any(c.drift > 0) and np.any(c.drift < 0)


def test_the_common_drift_of_tastes_halves_in_eighteen_weeks_without_news():
    m = _model()
    c = m.consumers
    s = c.preferences.base_shares
    start = 0.02 * s * np.cos(np.arange(s.size))
    start -= s * start.sum()
    c.drift = start.copy()
    for _ in range(18):
        c.drift_tastes(0.0, _Fixed(np.zeros(s.size)))
    np.testing.assert_allclose(c.drift, 0.5 * start, rtol=1e-9, atol=1e-15)


def test_a_persons_own_buffer_and_smoothing_replace_the_scenarios():
    """Where persons keep buffers of their own (owners, under the market regimes), they spend by them."""
    m = _model()
    m.regime.produce(m)
    m.regime.pay(m)
    c, s, cg = m.consumers, m.state, m.consumer_goods
    rules = m.conditions.consumption
    n = c.income.size
    c.buffer_weeks = np.where(np.arange(n) % 2 == 0, 0.5, 8.0)
    c.smoothing_weeks = np.where(np.arange(n) % 3 == 0, 1.0, 30.0)
    income, savings = c.income.copy(), c.savings.copy()
    c.buy(s.prices, s.stock[cg] * 10, rules, np.random.default_rng(1))
    expected = np.clip(income + (savings - c.buffer_weeks * income) / c.smoothing_weeks, 0.0, savings + income)
    np.testing.assert_allclose(c.spending, expected, rtol=1e-12)
    assert not np.allclose(
        expected, market.intended_spending(income, savings, rules.buffer_weeks, rules.smoothing_weeks)
    )
    # the per-person view, the tests' oracle, wants what that spending buys
    c.income, c.savings = income, savings
    for person in list(m.agents_by_type[Consumer])[:6]:
        row = person.row
        alone = market.demand(c.preferences, expected[row : row + 1], s.prices, c.reference, c.taste[row : row + 1])[0]
        np.testing.assert_allclose(person.wanted(s.prices), alone, rtol=1e-12)


def test_households_spend_what_they_mean_to_and_save_the_rest_under_the_queue_too():
    m = _model(consumption=Consumption(rationing="queue"), wages=Wages(equalisation_years=2.0))
    m.run(3)
    m.regime.produce(m)
    m.regime.pay(m)
    c, s, cg = m.consumers, m.state, m.consumer_goods
    rules = m.conditions.consumption
    savings, income = c.savings.copy(), c.income.copy()
    wanted = market.buy(c.preferences, np.ones(1), s.prices, c.reference, c.taste[:1], np.full(cg.size, np.inf))
    assert wanted.wanted.size == cg.size
    spending = market.intended_spending(income, savings, rules.buffer_weeks, rules.smoothing_weeks)
    plenty = market.demand(c.preferences, spending, s.prices, c.reference, c.taste).sum(axis=0)
    on_sale = plenty * 0.6  # every good short: the queue decides who gets it
    week = c.buy(s.prices, on_sale, rules, np.random.default_rng(11))
    reference = market.buy(
        c.preferences, spending, s.prices, c.reference, c.taste, on_sale, "queue", np.random.default_rng(11)
    )
    np.testing.assert_array_equal(c.spending, spending)
    # the agents take market.buy's mixed path (rows only for who may clip): the same sums, in another order
    np.testing.assert_allclose(week.bought, reference.bought, rtol=1e-12)
    np.testing.assert_allclose(week.bought, on_sale, rtol=1e-12)
    np.testing.assert_allclose(c.spent, reference.spent, rtol=1e-12, atol=1e-12)  # tokens: ~10 a week
    np.testing.assert_allclose(c.savings, savings + income - reference.spent, rtol=1e-12)
    assert np.ptp(c.spent / np.maximum(spending, 1e-12)) > 0.5  # some were served, some were not


# --- primary work groups ------------------------------------------------------------------------------------


def _groups(rows, spread=0.3):
    rules = WorkGroupRules(productivity_spread=spread)
    return WorkGroups(None, np.zeros(rows, dtype=int), np.linspace(0.5, 1.5, rows), rules, SMALL)


def test_output_per_hour_is_each_groups_own_productivity_times_the_weeks_factor():
    groups = _groups(40_000, spread=0.6)
    factor = np.random.default_rng(1).lognormal(-(0.5**2) / 2, 0.5, 40_000)
    groups.vary(factor)
    np.testing.assert_array_equal(groups.output_per_hour, groups.productivity * factor)
    fresh = groups._new_productivity(np.random.default_rng(2), 40_000)
    assert fresh.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(fresh).std() == pytest.approx(0.6, rel=0.03)


def _check_shops(m):
    """Every worker is in a shop of the enterprise their group belongs to; each enterprise has
    ``ceil(workers / group_size_max)`` shops of sizes that differ by at most one; every shop is an agent."""
    c, groups, pop = m.consumers, m.work_groups, m.conditions.population
    workers = np.flatnonzero(c.group >= 0)
    sizes = np.bincount(c.group[workers], minlength=groups.council.size)
    for council in np.unique(groups.council):
        mine = sizes[groups.council == council]
        staffed = mine[mine > 0]
        assert staffed.size == max(1, -(-mine.sum() // pop.group_size_max)), council
        assert np.ptp(staffed) <= 1, (council, staffed)
    rows = sorted(group.row for group in m.agents_by_type[PrimaryWorkGroup])
    assert rows == list(range(groups.council.size))


def test_workers_who_move_join_their_new_enterprise_and_only_the_shops_concerned_re_form():
    m = _model()
    c, groups, rng = m.consumers, m.work_groups, np.random.default_rng(3)
    _check_shops(m)
    before = c.group.copy()
    owner = np.where(before >= 0, groups.council[np.maximum(before, 0)], -1)
    big = int(np.argmax(np.bincount(owner[owner >= 0])))
    small = int(np.argmin(np.bincount(owner[owner >= 0])))
    persons = np.flatnonzero(owner == big)[:45]  # enough to open new shops where they go
    shops = groups.council.size
    had = np.sum(groups.council == small)
    needs = -(-(np.sum(owner == small) + persons.size) // m.conditions.population.group_size_max)
    groups.join(c, persons, np.full(persons.size, small), rng)
    assert np.all(groups.council[c.group[persons]] == small)
    assert groups.council.size == shops + needs - had > shops  # new shops, with their productivity and agents
    assert groups.productivity.size == groups.output_per_hour.size == groups.council.size
    np.testing.assert_array_equal(groups.output_per_hour[shops:], groups.productivity[shops:])
    _check_shops(m)
    untouched = (owner >= 0) & (owner != big) & (owner != small)
    np.testing.assert_array_equal(c.group[untouched], before[untouched])
    stayed = (owner == big) & ~np.isin(np.arange(c.group.size), persons)
    assert np.all(groups.council[c.group[stayed]] == big)


def test_an_enterprise_that_shrinks_keeps_its_largest_shops():
    m = _model()
    c, groups, rng = m.consumers, m.work_groups, np.random.default_rng(12)
    owner = groups.council[c.group[c.group >= 0]]
    small = int(np.argmin(np.bincount(owner)))
    donors = np.flatnonzero((c.group >= 0) & (groups.council[np.maximum(c.group, 0)] != small))[:60]
    groups.join(c, donors, np.full(donors.size, small), rng)
    shops = np.flatnonzero(groups.council == small)
    sizes = np.bincount(c.group[c.group >= 0], minlength=groups.council.size)[shops]
    assert shops.size >= 3 and np.all(sizes > 0)
    first = np.flatnonzero(c.group == shops[0])  # the whole of its first shop leaves
    groups.release(c, first, rng)
    after = np.bincount(c.group[c.group >= 0], minlength=groups.council.size)[shops]
    assert after[0] == 0 and np.all(after[1:] > 0)  # the others, the largest, are kept
    _check_shops(m)


def _regroup_by_enterprise(groups, consumers, councils, rng):
    """The oracle: ``WorkGroups.regroup`` written one enterprise at a time, as it was before it was vectorised."""
    c, pop = consumers, groups.population
    workers = np.flatnonzero(c.group >= 0)
    owner = groups.council[c.group[workers]]
    by_owner = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[by_owner], [councils, councils + 1])
    group_order = np.argsort(groups.council, kind="stable")
    for council, start, stop in zip(councils, *bounds, strict=True):
        members = workers[by_owner[start:stop]]
        members = members[np.argsort(c.group[members], kind="stable")]
        k = max(1, -(-members.size // pop.group_size_max))
        lo, hi = np.searchsorted(groups.council[group_order], [council, council + 1])
        mine = group_order[lo:hi]
        if mine.size < k:
            new = np.arange(groups.council.size, groups.council.size + k - mine.size)
            groups.council = np.concatenate([groups.council, np.full(new.size, council)])
            groups.productivity = np.concatenate([groups.productivity, groups._new_productivity(rng, new.size)])
            groups.output_per_hour = np.concatenate([groups.output_per_hour, groups.productivity[-new.size :]])
            mine = np.concatenate([mine, new])
        size = np.bincount(c.group[members], minlength=groups.council.size)[mine]
        keep = np.sort(mine[np.argsort(-size, kind="stable")[:k]])
        for group, chunk in zip(keep, np.array_split(members, k), strict=True):
            c.group[chunk] = group


@pytest.mark.parametrize("seed", range(6))
def test_regrouping_deals_workers_as_one_enterprise_at_a_time_would(seed):
    """The vectorised regroup against the plain loop, after random moves that grow, shrink and empty shops."""
    m = _model()
    c, groups, rng = m.consumers, m.work_groups, np.random.default_rng(seed)
    workers = np.flatnonzero(c.group >= 0)
    movers = rng.choice(workers, 80, replace=False)
    enterprises = np.unique(groups.council)
    c.group[movers[:40]] = rng.choice(np.flatnonzero(groups.council == rng.choice(enterprises)), 40)
    c.group[movers[40:]] = rng.choice(groups.council.size, 40)  # scattered, some into shops that were empty
    councils = np.unique(np.concatenate([rng.choice(enterprises, 5, replace=False), groups.council[c.group[movers]]]))
    oracle = WorkGroups(None, groups.council.copy(), groups.productivity.copy(), groups.rules, groups.population)
    oracle.output_per_hour = groups.output_per_hour.copy()
    expected = c.group.copy()
    plain = type("People", (), {"group": expected})()
    _regroup_by_enterprise(oracle, plain, councils, np.random.default_rng(99))
    groups.regroup(c, councils, np.random.default_rng(99))
    np.testing.assert_array_equal(c.group, expected)
    np.testing.assert_array_equal(groups.council, oracle.council)
    np.testing.assert_array_equal(groups.productivity, oracle.productivity)
    _check_shops(m)


def test_nobody_released_and_no_enterprise_to_regroup_change_nothing():
    m = _model()
    c, groups, rng = m.consumers, m.work_groups, np.random.default_rng(4)
    before, shops = c.group.copy(), groups.council.copy()
    groups.release(c, np.zeros(0, dtype=int), rng)
    groups.regroup(c, [], rng)
    np.testing.assert_array_equal(c.group, before)
    np.testing.assert_array_equal(groups.council, shops)


def test_workers_leave_for_the_communes_and_come_back_to_the_enterprises_named():
    m = _model()
    c, groups, rng = m.consumers, m.work_groups, np.random.default_rng(4)
    persons = np.flatnonzero(c.group >= 0)[::40]
    left_from = np.unique(groups.council[c.group[persons]])
    groups.release(c, persons, rng)
    np.testing.assert_array_equal(c.group[persons], -1)
    _check_shops(m)
    to = np.resize(left_from[::-1], persons.size)
    groups.admit(c, persons, to, rng)
    np.testing.assert_array_equal(groups.council[c.group[persons]], to)
    _check_shops(m)
    # many at once into one enterprise: it opens shops, of their own productivity
    many = np.flatnonzero(c.group >= 0)[-60:]
    groups.release(c, many, rng)
    shops = groups.council.size
    groups.admit(c, many, np.full(many.size, left_from[0]), rng)
    assert groups.council.size > shops and np.all(groups.council[shops:] == left_from[0])
    assert np.unique(groups.productivity[shops:]).size == groups.council.size - shops
    _check_shops(m)
    np.testing.assert_array_equal(groups.members_per_group(c.group).sum(), np.sum(c.group >= 0))
    assert groups.members_per_group(c.group).size == groups.council.size


def test_each_year_the_rotation_share_of_workers_moves():
    m = _model(work_groups=WorkGroupRules(rotation=0.3, exclusion=0.0))
    c = m.consumers
    movers = m.work_groups.turnover(c, np.random.default_rng(5))
    workers = np.flatnonzero(c.group >= 0)
    assert np.all(np.isin(movers, workers)) and np.all(np.diff(movers) > 0)
    assert movers.size == pytest.approx(0.3 * workers.size, abs=3 * np.sqrt(0.21 * workers.size))
    still = _model(work_groups=WorkGroupRules(rotation=0.0, exclusion=0.0))
    assert still.work_groups.turnover(still.consumers, np.random.default_rng(5)).size == 0
    everybody = _model(work_groups=WorkGroupRules(rotation=1.0, exclusion=0.0))
    movers = everybody.work_groups.turnover(everybody.consumers, np.random.default_rng(5))
    np.testing.assert_array_equal(movers, np.flatnonzero(everybody.consumers.group >= 0))  # group 0's too


def test_assemblies_ask_one_member_each_to_leave_but_never_shrink_a_group_below_its_least_size():
    m = _model(work_groups=WorkGroupRules(rotation=0.0, exclusion=1.0))
    c, pop = m.consumers, m.conditions.population
    sizes = np.bincount(c.group[c.group >= 0], minlength=m.work_groups.council.size)
    movers = m.work_groups.turnover(c, np.random.default_rng(6))
    asked = sizes > pop.group_size_min
    assert asked.any() and (~asked & (sizes > 0)).any()  # some groups can spare a member, some cannot
    assert movers.size == asked.sum()
    np.testing.assert_array_equal(np.sort(c.group[movers]), np.flatnonzero(asked))  # one from each
    for group in m.agents_by_type[PrimaryWorkGroup]:
        if sizes[group.row] <= pop.group_size_min:
            assert group.ask_to_leave(np.random.default_rng(0)) is None
        else:
            assert group.ask_to_leave(np.random.default_rng(0)) in group.members
        assert group.council == m.work_groups.council[group.row]
        assert group.productivity == m.work_groups.productivity[group.row]


@pytest.mark.parametrize("exclusion", [0.3, 1.0])
def test_the_year_s_movers_are_those_the_agents_draw_one_by_one(exclusion):
    """The oracle: each group's assembly asked in turn (its agent), the same draws from the same stream."""
    m = _model(work_groups=WorkGroupRules(rotation=0.1, exclusion=exclusion))
    c, groups = m.consumers, m.work_groups
    movers = groups.turnover(c, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    workers = np.flatnonzero(c.group >= 0)
    rotating = workers[rng.random(workers.size) < 0.1]
    asking = m.agents_by_type[PrimaryWorkGroup].select(lambda group: rng.random() < exclusion)
    leaving = [row for row in (group.ask_to_leave(rng) for group in asking) if row is not None]
    assert len(leaving) > 0
    np.testing.assert_array_equal(movers, np.unique(np.concatenate([rotating, leaving])))


# --- factory councils ---------------------------------------------------------------------------------------


def _inputs(m):
    t = m.technology
    a = t.A.toarray() if t.is_sparse else np.asarray(t.A)
    return a + t.capital_consumption


def test_councils_and_communes_produce_what_target_capacity_and_labour_allow_and_take_their_inputs():
    m = _model()
    m.run(2)
    p, s = m.producers, m.state
    p.target[::3] *= 2.0  # some bound by target, some by capacity, some by labour
    p.capacity[1::3] *= 0.5
    p.labour_cap[2::5] *= 0.3
    stock = s.stock.copy()
    m.councils.produce(s)
    expected = np.minimum(np.minimum(p.target, p.capacity), p.labour_cap)
    np.testing.assert_allclose(p.output, expected, rtol=1e-12)  # nothing short of inputs in this week
    made = np.bincount(p.sector, weights=expected, minlength=m.technology.n)
    np.testing.assert_allclose(s.output, made, rtol=1e-12)
    np.testing.assert_allclose(s.inputs_used, _inputs(m) @ made, rtol=1e-12)
    np.testing.assert_allclose(s.stock, stock + made - _inputs(m) @ made, rtol=1e-12)
    for bound in (p.target, p.capacity, p.labour_cap):
        assert np.any(p.output == bound)


def test_councils_readjust_consumer_goods_toward_expected_demand_and_the_stock_rebuild():
    m = _model(readjustment=Readjustment(rebuild_weeks=3.0, demand_smoothing=0.3, reserve_weeks=2.0))
    m.run(5)
    p, s, cg, n = m.producers, m.state, m.consumer_goods, m.technology.n
    s.stock[cg] *= np.linspace(0.5, 1.5, cg.size)  # some below their reserve, some above
    s.imports[cg] = np.linspace(0.05, 0.3, cg.size) * s.expected_demand  # imports need not be made at home
    wanted = s.expected_demand * np.linspace(0.8, 1.3, cg.size)
    expected = s.expected_demand + 0.3 * (wanted - s.expected_demand)
    sector_before = np.bincount(p.sector, weights=p.target, minlength=n)
    m.councils.readjust(s, m.conditions.readjustment, wanted)
    np.testing.assert_allclose(s.expected_demand, expected, rtol=1e-12)
    np.testing.assert_allclose(s.reserve[cg], 2.0 * (expected + s.other_use[cg]), rtol=1e-12)
    goal = expected + s.other_use[cg] - s.imports[cg] + (s.reserve[cg] - s.stock[cg]) / 3.0
    sector = np.bincount(p.sector, weights=p.target, minlength=n)
    np.testing.assert_allclose(sector[cg], np.clip(goal, 0.0, s.sector_capacity[cg]), rtol=1e-12)
    others = np.setdiff1d(np.arange(n), cg)
    np.testing.assert_allclose(sector[others], sector_before[others], rtol=1e-12)
    assert np.any(goal > s.sector_capacity[cg]) and np.any((goal > 0) & (goal < s.sector_capacity[cg]))
    # each good's target is shared by its producers in proportion to their capacity
    share = p.capacity / np.bincount(p.sector, weights=p.capacity, minlength=n)[p.sector]
    np.testing.assert_allclose(p.target, sector[p.sector] * share, rtol=1e-12)


def test_councils_ask_for_the_capacity_the_plan_needs_beyond_what_there_is_and_is_on_order():
    m = _model()
    s, n = m.state, m.technology.n
    s.plan_output = s.sector_capacity * np.linspace(0.5, 1.5, n)
    s.pipeline[3] = 0.05 * s.sector_capacity
    s.pipeline[-1] = 0.02 * s.sector_capacity
    asked = m.councils.ask_for_capacity(s, 0.1)
    expected = np.maximum(s.plan_output * 1.1 - s.sector_capacity * 1.07, 0.0)
    np.testing.assert_allclose(asked, expected, rtol=1e-12, atol=1e-9)
    assert np.any(asked > 0) and np.any(asked == 0)


def test_new_capacity_comes_into_service_shared_by_the_capacity_there_is():
    m = _model()
    p, s, n = m.producers, m.state, m.technology.n
    before, sector_before = p.capacity.copy(), s.sector_capacity.copy()
    m.councils.add_capacity(s, np.zeros(n))
    np.testing.assert_array_equal(p.capacity, before)
    arriving = np.zeros(n)
    arriving[[1, 4]] = sector_before[[1, 4]] * 0.1
    m.councils.add_capacity(s, arriving)
    np.testing.assert_allclose(s.sector_capacity, sector_before + arriving, rtol=1e-12)
    grown = np.isin(p.sector, [1, 4])
    np.testing.assert_allclose(p.capacity[grown], before[grown] * 1.1, rtol=1e-12)
    np.testing.assert_allclose(p.capacity[~grown], before[~grown], rtol=1e-12)


def test_capacity_arriving_where_every_enterprise_of_a_good_has_none_is_shared_evenly():
    """No capacity is lost: each good's enterprises hold its capacity, even where they had none before."""
    m = _model()
    p, s, n = m.producers, m.state, m.technology.n
    councils = p.sector[m.councils.rows]
    good = int(np.argmax(np.bincount(councils, minlength=n)))  # the good with the most enterprises
    rows = m.councils.rows[councils == good]
    assert rows.size >= 2 and np.all(p.sector[p.sector == good] == good)
    p.capacity[p.sector == good] = 0.0
    s.sector_capacity[good] = 0.0
    arriving = np.zeros(n)
    arriving[good] = 6.0
    m.councils.add_capacity(s, arriving)
    np.testing.assert_allclose(p.capacity[p.sector == good], 6.0 / np.sum(p.sector == good), rtol=1e-15)
    np.testing.assert_allclose(p.by_sector(p.capacity, n), s.sector_capacity, rtol=1e-12)


def test_a_councils_labour_is_its_groups_hours_at_their_output_per_hour():
    m = _model(noise=Noise(0.0, 0.3, 0.2, 0.0))
    m.run(1)  # groups' output per hour and the harvest vary
    p, c, groups = m.producers, m.consumers, m.work_groups
    hours, labour = m.state.hours_per_week, m.technology.labour
    m.councils.staff(c.group, groups, hours)
    for row in m.councils.rows:
        mine = np.flatnonzero(groups.council == row)
        members = np.array([np.sum(c.group == g) for g in mine])
        assert p.workers[row] == members.sum()
        productivity = (members * groups.output_per_hour[mine]).sum() / members.sum()
        assert p.productivity[row] == pytest.approx(productivity, rel=1e-12)
    rows = m.communes.rows
    np.testing.assert_array_equal(p.workers[rows], [np.sum(c.commune == k) for k in range(rows.size)])
    units_a_week = p.workers * hours * p.productivity / (labour[p.sector] * p.method)
    np.testing.assert_allclose(p.labour_cap, units_a_week, rtol=1e-12)
    assert np.ptp(p.productivity[m.councils.rows]) > 0 and np.ptp(p.productivity[rows]) > 0


def test_an_enterprise_of_one_worker_works_at_its_groups_pace_and_one_of_none_makes_nothing():
    m = _model(noise=Noise(0.0, 0.3, 0.0, 0.0))
    m.run(1)
    c, groups, p = m.consumers, m.work_groups, m.producers
    row = int(m.councils.rows[3])
    mine = np.flatnonzero((c.group >= 0) & (groups.council[np.maximum(c.group, 0)] == row))
    groups.release(c, mine[1:], np.random.default_rng(1))
    m.councils.staff(c.group, groups, m.state.hours_per_week)
    assert p.workers[row] == 1
    assert p.productivity[row] == groups.output_per_hour[c.group[mine[0]]] != 1.0
    groups.release(c, mine[:1], np.random.default_rng(2))
    m.councils.staff(c.group, groups, m.state.hours_per_week)
    assert p.workers[row] == 0 and p.productivity[row] == 1.0 and p.labour_cap[row] == 0.0


def test_new_capacity_embodies_better_methods_weighted_by_its_share_of_each_enterprise():
    """Seed §8: capacity that arrives works ``embodied`` better; the method is the capacity-weighted mean."""
    m = _model()
    p, s, n, rows = m.producers, m.state, m.technology.n, m.councils.rows
    p.method[:] = np.linspace(0.8, 1.0, p.method.size)
    before, method = p.capacity.copy(), p.method.copy()
    arriving = np.zeros(n)
    arriving[[1, 4]] = s.sector_capacity[[1, 4]] * 0.25
    m.councils.add_capacity(s, arriving, embodied=0.4)
    new = (p.capacity - before) / p.capacity  # share of each enterprise's capacity that is new
    grown = np.isin(p.sector, [1, 4])
    assert np.all(new[grown] > 0.19) and np.all(np.abs(new[~grown]) < 1e-12)  # round-off aside
    expected = method.copy()
    expected[rows] = method[rows] * (1 - new[rows]) + method[rows] * (1 - 0.4) * new[rows]
    np.testing.assert_allclose(p.method, expected, rtol=1e-12)
    communes = np.setdiff1d(np.arange(p.method.size), rows)
    np.testing.assert_array_equal(p.method[communes], method[communes])  # communes farm as before
    m.councils.add_capacity(s, np.zeros(n), embodied=0.4)  # nothing arrives: nothing changes
    np.testing.assert_allclose(p.method, expected, rtol=1e-12)


def test_enterprises_capacity_wears_at_its_goods_rate_and_communes_land_never_does_worked_by_hand():
    """Two enterprises (goods 0 and 1) and a commune (good 1) with 100, 50 and 50 units; outputs 40, 20, 20.

    Wear 0.52 and 5.2 a year (0.01 and 0.1 a week), base utilisation 0.5 and 0.8: the first
    holds 40 / 0.5 = 80 of its 100 and loses 0.01 · 20 (99.8, of which 0.8 renewed); the second
    holds 25 of its 50 and loses 0.1 · 25 (47.5, 2.5 renewed). The commune's land does not wear.
    Renewed capacity works 0.1 better. Without rates of wear nothing wears.
    """
    from types import SimpleNamespace

    from agents.factory_council import FactoryCouncils
    from sim.economics.state import ProducerArrays

    def producers():
        return ProducerArrays(
            sector=np.array([0, 1, 1]),
            capacity=np.array([100.0, 50.0, 50.0]),
            target=np.zeros(3),
            output=np.array([40.0, 20.0, 20.0]),
            productivity=np.ones(3),
            workers=np.array([10, 10, 10]),
            is_commune=np.array([False, False, True]),
        )

    state = SimpleNamespace(stock=np.zeros(2))
    p = producers()
    councils = FactoryCouncils(p, np.ones(2), np.zeros((2, 2)), [0.52, 5.2], [0.5, 0.8])
    councils.wear(state, embodied=0.1)
    np.testing.assert_allclose(p.capacity, [99.8, 47.5, 50.0], rtol=1e-12)
    np.testing.assert_allclose(p.method, [1 - 0.1 * 0.8 / 99.8, 1 - 0.1 * 2.5 / 47.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(state.sector_capacity, [99.8, 97.5], rtol=1e-12)
    p = producers()
    FactoryCouncils(p, np.ones(2), np.zeros((2, 2))).wear(state, embodied=0.1)
    np.testing.assert_array_equal(p.capacity, [100.0, 50.0, 50.0])
    np.testing.assert_array_equal(p.method, 1.0)


def test_a_new_enterprise_takes_a_closed_ones_row_with_its_goods_method_in_use_wear_and_inputs():
    """Good 0 is made by three enterprises: 300 units at method 0.6, 100 at 0.8 and one with none.

    An enterprise founded for good 0 in row 3 (good 1's, closed) works with their
    capacity-weighted method, (300 · 0.6 + 100 · 0.8 + 0.5 · 0.9) / 400.5, starts with no
    capacity, target or output, wears at good 0's rate and renews from its base utilisation,
    and measures good 0's inputs. Founded for a good nobody makes with capacity, the method is
    the norm, 1; for one made only by the half-unit enterprise, that enterprise's.
    """
    from agents.factory_council import FactoryCouncils
    from sim.economics.state import ProducerArrays

    p = ProducerArrays(
        sector=np.array([0, 0, 0, 1, 0, 1]),
        capacity=np.array([300.0, 100.0, 0.0, 40.0, 0.5, 0.0]),
        target=np.full(6, 7.0),
        output=np.full(6, 5.0),
        productivity=np.ones(6),
        workers=np.full(6, 10),
        is_commune=np.zeros(6, dtype=bool),
        method=np.array([0.6, 0.8, 0.1, 0.7, 0.9, 0.3]),
    )
    inputs = np.array([[0.1, 0.2], [0.3, 0.4]])
    councils = FactoryCouncils(p, np.ones(2), inputs, [0.52, 5.2], [0.5, 0.8])
    councils.found(3, 0)
    assert p.method[3] == pytest.approx((300 * 0.6 + 100 * 0.8 + 0.5 * 0.9) / 400.5, rel=1e-12)
    assert (p.sector[3], p.capacity[3], p.target[3], p.output[3]) == (0, 0.0, 0.0, 0.0)
    assert (councils.wear_rate[3], councils.utilisation[3]) == (0.52, 0.5)
    np.testing.assert_array_equal(councils.measured[:, 3], [0.1, 0.3])
    np.testing.assert_array_equal(p.capacity, [300.0, 100.0, 0.0, 0.0, 0.5, 0.0])  # the others untouched
    p.capacity[3] = 0.0
    p.sector[:] = 0  # nobody makes good 1 now
    councils.found(5, 1)
    assert p.method[5] == 1.0
    assert (p.sector[5], councils.wear_rate[5], councils.utilisation[5]) == (1, 5.2, 0.8)
    np.testing.assert_array_equal(councils.measured[:, 5], [0.2, 0.4])
    p.sector[4] = 1  # half a unit of capacity is all good 1 has: its method is that enterprise's
    councils.found(5, 1)
    assert p.method[5] == 0.9


def test_methods_improve_by_the_rate_times_each_enterprises_organisation_and_never_by_more_than_half():
    m = _model()
    p, rows = m.producers, m.councils.rows
    p.method[:] = 1.0
    p.productivity[rows] = np.linspace(0.5, 1.5, rows.size)
    productivity = p.productivity.copy()
    m.councils.improve_methods(0.02)
    np.testing.assert_allclose(p.method[rows], 1 - 0.02 * productivity[rows], rtol=1e-12)
    others = np.setdiff1d(np.arange(p.method.size), rows)
    np.testing.assert_array_equal(p.method[others], 1.0)  # communes' methods are their own
    m.councils.improve_methods(0.6)  # a rate no organisation can keep up: half at most
    np.testing.assert_allclose(
        p.method[rows], (1 - 0.02 * productivity[rows]) * (1 - np.minimum(0.6 * productivity[rows], 0.5)), rtol=1e-12
    )
    before = p.method.copy()
    m.councils.improve_methods(0.0)
    np.testing.assert_array_equal(p.method, before)
    p.productivity[rows] = -1.0  # never worse
    m.councils.improve_methods(0.1)
    np.testing.assert_array_equal(p.method, before)


def test_members_leave_worse_paying_enterprises_for_the_best_paying_with_room():
    """Ward (1958), Vanek (1970): below-average pay loses members at ``rate``; the best-paying fill first."""
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    income = np.zeros(p.workers.size)
    income[rows] = np.linspace(1.0, 2.0, rows.size)
    average = np.average(income[rows], weights=p.workers[rows])
    places = np.zeros(p.workers.size, dtype=int)
    places[rows[-3:]] = [2, 3, 1_000]  # only the best-paying three admit
    places[rows[0]] = 50  # the worst-paying would, but it pays below the average
    floor = 5
    persons, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, floor, np.random.default_rng(3))
    below = income[rows] < average
    leavers = np.maximum(p.workers[rows] - floor, 0) * below  # rate 1: all but the floor leave
    assert persons.size == to.size == min(leavers.sum(), 1_003)
    np.testing.assert_array_equal(to, np.repeat(rows[::-1][:3], [1_000, 3, 2])[: persons.size])
    from_ = m.work_groups.council[c.group[persons]]
    np.testing.assert_array_equal([np.sum(from_ == r) for r in rows], leavers)
    assert np.unique(persons).size == persons.size and np.all(c.group[persons] >= 0)
    # nobody leaves when nobody pays better than the average, or when the rate is 0
    flat = np.ones(p.workers.size)
    none, to = councils.movers_to_income(c, m.work_groups, flat, 1.0, places, floor, np.random.default_rng(3))
    assert none.size == to.size == 0 and none.dtype == to.dtype == np.int64
    none, to = councils.movers_to_income(c, m.work_groups, income, 0.0, places, floor, np.random.default_rng(3))
    assert none.size == to.size == 0 and none.dtype == to.dtype == np.int64


def test_movers_to_income_at_rate_one_half_leave_by_a_binomial_draw():
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    income = np.zeros(p.workers.size)
    income[rows] = np.linspace(1.0, 2.0, rows.size)
    places = np.zeros(p.workers.size, dtype=int)
    places[rows[-1]] = 100_000
    persons, to = councils.movers_to_income(c, m.work_groups, income, 0.5, places, 0, np.random.default_rng(11))
    below = income[rows] < np.average(income[rows], weights=p.workers[rows])
    expected = np.where(below, np.random.default_rng(11).binomial(p.workers[rows], 0.5), 0)
    from_ = m.work_groups.council[c.group[persons]]
    np.testing.assert_array_equal([np.sum(from_ == r) for r in rows], expected)
    assert np.all(to == rows[-1])


def test_at_the_average_pay_an_enterprise_neither_sends_nor_takes_and_few_places_cap_the_moves():
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    members = p.workers[rows]
    same = [(i, j) for i in range(rows.size) for j in range(i + 1, rows.size) if members[i] == members[j] > 5]
    low, high = same[0]
    income = np.zeros(p.workers.size)
    income[rows] = 2.0
    income[rows[low]], income[rows[high]] = 1.0, 3.0  # equal members: the average is exactly 2
    places = np.full(p.workers.size, 1_000)
    places[rows[high]] = 3  # room for three at the best-paying; those at the average take nobody
    persons, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, 5, np.random.default_rng(5))
    assert persons.size == 3 and np.all(to == rows[high])
    assert np.all(m.work_groups.council[c.group[persons]] == rows[low])
    # places are the cap: two and three places at the two best-paying, none elsewhere
    income[rows] = np.linspace(1.0, 2.0, rows.size)
    places[:] = 0
    places[rows[-1]], places[rows[-2]] = 2, 3
    persons, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, 5, np.random.default_rng(5))
    np.testing.assert_array_equal(to, [rows[-1]] * 2 + [rows[-2]] * 3)
    assert persons.size == 5
    # a single place, at the best-paying: one mover takes it
    places[rows[-2]] = 0
    places[rows[-1]] = 1
    persons, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, 5, np.random.default_rng(5))
    assert persons.size == 1 and to.tolist() == [rows[-1]]
    # a floor above every enterprise's members: nobody may leave
    none, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, 10_000, np.random.default_rng(5))
    assert none.size == to.size == 0 and none.dtype == to.dtype == np.int64


def test_commune_members_never_move_between_enterprises_whoever_pays_worst():
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    income = np.zeros(p.workers.size)
    income[rows] = np.linspace(2.0, 1.0, rows.size)  # the last enterprise, with the last group, pays worst
    places = np.zeros(p.workers.size, dtype=int)
    places[rows[0]] = 100_000
    persons, to = councils.movers_to_income(c, m.work_groups, income, 1.0, places, 0, np.random.default_rng(2))
    below = income[rows] < np.average(income[rows], weights=p.workers[rows])
    assert persons.size == p.workers[rows][below].sum() and np.all(to == rows[0])
    assert np.all(c.group[persons] >= 0) and np.all(c.commune[persons] < 0)
    from_ = m.work_groups.council[c.group[persons]]
    np.testing.assert_array_equal([np.sum(from_ == r) for r in rows], np.where(below, p.workers[rows], 0))


def test_a_plan_that_wants_one_hand_moved_moves_exactly_one():
    """Targets set so that each enterprise needs the hands it has, but the first one fewer and the last one more."""
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    wanted = p.workers[rows].astype(float)
    wanted[0] -= 1
    wanted[-1] += 1
    p.target[rows] = wanted * p.productivity[rows] / (m.technology.labour[p.sector[rows]] * p.method[rows])
    persons, to = councils.movers_to_plan(c, m.work_groups, 1, np.random.default_rng(7))
    assert to.tolist() == [rows[-1]] and m.work_groups.council[c.group[persons]].tolist() == [rows[0]]


def test_an_enterprise_without_members_sends_and_takes_nobody():
    m = _model()
    p, c, councils = m.producers, m.consumers, m.councils
    p.workers[:] = 0
    places = np.full(p.workers.size, 10)
    persons, to = councils.movers_to_income(
        c, m.work_groups, np.arange(p.workers.size, dtype=float), 1.0, places, 0, np.random.default_rng(1)
    )
    assert persons.size == to.size == 0 and persons.dtype == to.dtype == np.int64


def test_workers_move_from_enterprises_with_hands_to_spare_to_those_that_lack_them():
    m = _model()
    p, c, councils = m.producers, m.consumers, m.councils
    rows = councils.rows
    p.target[rows[-4:]] *= 3.0  # the last four enterprises need far more hands
    p.method[rows] = np.linspace(0.7, 1.0, rows.size)  # better methods need fewer hands per unit
    persons, to = councils.movers_to_plan(
        c, m.work_groups, m.conditions.population.group_size_min, np.random.default_rng(7)
    )
    need = p.target[rows] * m.technology.labour[p.sector[rows]] * p.method[rows] / p.productivity[rows]
    desired = production.staffing(need, int(np.sum(c.group >= 0)), m.conditions.population.group_size_min)
    have = p.workers[rows]
    surplus, deficit = np.maximum(have - desired, 0), np.maximum(desired - have, 0)
    moves = min(surplus.sum(), deficit.sum())
    assert persons.size == to.size == moves > 0
    np.testing.assert_array_equal(to, np.repeat(rows, deficit)[:moves])  # to those that lack hands, in order
    assert set(to) == set(rows[-4:])
    assert np.all(c.group[persons] >= 0)  # workers, never commune members
    # from those with hands to spare, in order, each no more than it can spare
    given = np.minimum(surplus, np.maximum(moves - (np.cumsum(surplus) - surplus), 0))
    from_ = m.work_groups.council[c.group[persons]]
    np.testing.assert_array_equal([np.sum(from_ == r) for r in rows], given)
    assert np.unique(persons).size == persons.size
    m.work_groups.join(c, persons, to, np.random.default_rng(8))
    councils.staff(c.group, m.work_groups, m.state.hours_per_week)
    again, _ = councils.movers_to_plan(
        c, m.work_groups, m.conditions.population.group_size_min, np.random.default_rng(9)
    )
    assert again.size < persons.size


def test_members_are_drawn_from_their_own_enterprise_even_when_the_last_has_none_left():
    """Two of each enterprise's members (one from the one with a single member, none from the empty last)."""
    m = _model()
    c, councils, rows = m.consumers, m.councils, m.councils.rows
    council_of = m.work_groups.council
    for row, keep in ((rows[-1], 0), (rows[-2], 1)):
        mine = np.flatnonzero((c.group >= 0) & (council_of[np.maximum(c.group, 0)] == row))
        c.group[mine[keep:]] = -1
    count = np.full(rows.size, 2)
    drawn = councils.members_drawn(c, m.work_groups, count, np.random.default_rng(7))
    from_ = council_of[c.group[drawn]]
    np.testing.assert_array_equal([np.sum(from_ == r) for r in rows], [2] * (rows.size - 2) + [1, 0])
    assert np.unique(drawn).size == drawn.size


def test_when_the_floor_asks_more_workers_than_there_are_the_moves_are_the_spare_hands_each_with_a_place():
    """A floor three above the mean enterprise's workers: the deficits add up to more than the surpluses.

    Every spare hand moves, each to one place: as many destinations as movers.
    """
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    floor = int(p.workers[rows].sum()) // rows.size + 3
    spare = np.maximum(p.workers[rows] - floor, 0).sum()
    persons, to = councils.movers_to_plan(c, m.work_groups, floor, np.random.default_rng(4))
    assert 0 < persons.size == to.size <= spare
    assert np.unique(persons).size == persons.size


@pytest.mark.parametrize("sender", [0, 1])
def test_the_first_enterprises_send_their_spare_hands_and_commune_members_never_move(sender):
    m = _model()
    p, c, councils, rows = m.producers, m.consumers, m.councils, m.councils.rows
    floor = m.conditions.population.group_size_min
    joining = np.flatnonzero((c.group >= 0) & (m.work_groups.council[c.group] != rows[sender]))[:20]
    m.work_groups.join(c, joining, np.full(joining.size, rows[sender]), np.random.default_rng(3))
    councils.staff(c.group, m.work_groups, m.state.hours_per_week)
    p.target[rows[sender]] = 0.0  # it needs no more than the least a group may be
    persons, to = councils.movers_to_plan(c, m.work_groups, floor, np.random.default_rng(4))
    from_ = m.work_groups.council[c.group[persons]]
    assert np.sum(from_ == rows[sender]) == min(p.workers[rows[sender]] - floor, persons.size) > 0
    assert np.all(c.group[persons] >= 0) and np.all(c.commune[persons] < 0)
    assert not np.isin(rows[sender], to)


def test_reports_tell_the_plan_factory_the_inputs_used_per_unit_as_each_producer_measured_them():
    m = _model(technical_change=TechnicalChange(0.0, 0.0), capital=Capital(wear=False))  # methods stay as they were
    m.run(2)
    p, n = m.producers, m.technology.n
    true = m.councils.inputs_true
    measured_sum, output, method = m.councils.reports(0.0, np.random.default_rng(1))
    np.testing.assert_array_equal(method[output > 0], 1.0)  # no method has changed: exactly the old one
    made = np.bincount(p.sector, weights=p.output, minlength=n)
    np.testing.assert_allclose(output, made, rtol=1e-12)
    np.testing.assert_allclose(measured_sum, true * made[None, :], rtol=1e-12, atol=1e-15)
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    m.councils.reports(0.0, rng)
    assert rng.bit_generator.state == state  # exact reports draw nothing (Noise: all 0 is deterministic)
    ratios = []
    for seed in range(30):
        m.councils.reports(0.5, np.random.default_rng(seed))
        used = true[:, p.sector] > 0
        ratios.append((m.councils.measured / true[:, p.sector])[used])
    ratios = np.concatenate(ratios)
    assert ratios.mean() == pytest.approx(1.0, abs=0.01)  # unbiased: lognormal with mean 1
    assert np.log(ratios).std() == pytest.approx(0.5, rel=0.05)


def test_a_council_has_a_delegate_per_150_workers_and_reports_its_own_row():
    m = _model()
    m.run(1)
    council = next(iter(m.agents_by_type[FactoryCouncil]))
    row = council.row
    for workers, delegates in ((0, 1), (74, 1), (76, 1), (300, 2), (450, 3), (600, 4)):
        m.producers.workers[row] = workers
        assert council.delegates == delegates, workers
        assert council.workers == workers
    report = council.report()
    assert report["sector"] == m.technology.names[m.producers.sector[row]] == m.technology.names[council.sector]
    assert report["output"] == m.producers.output[row] > 0
    np.testing.assert_array_equal(report["inputs_per_unit"], m.councils.measured[:, row])
    report["inputs_per_unit"][:] = -1.0  # a copy: the council's measurements are its own
    assert np.all(m.councils.measured[:, row] >= 0)


# --- rural communes -----------------------------------------------------------------------------------------


def test_a_harvest_is_fertility_times_weather_shared_by_a_region_with_mean_one():
    m = _model(population=Population(consumers=1500, councils=22, communes=6))
    communes = m.communes
    common = np.array([0.5, -1.0])  # two regions: communes 0–4, and 5 alone
    own = np.linspace(-1.0, 1.0, 6)
    communes.harvest(0.2, _Fixed(common, own))
    z = np.sqrt(0.5) * common[[0, 0, 0, 0, 0, 1]] + np.sqrt(0.5) * own
    expected = communes.fertility * np.exp(0.2 * z - 0.02)
    np.testing.assert_allclose(m.producers.productivity[communes.rows], expected, rtol=1e-12)
    none = _model(population=Population(consumers=600, councils=22, communes=0))
    none.communes.harvest(0.2, _Fixed())  # draws nothing


def test_standing_for_the_nation_each_communes_harvest_keeps_mean_and_variance_and_the_farms_varies_as_the_nations():
    """20 communes in 4 regions of unequal members and fertility, σ 0.2, standing for 50 times themselves.

    Over 2,000 years drawn: the weather's mean is 1 and each commune's variance that of a
    lognormal of σ 0.2, e^0.04 − 1; the farm's yield (members × fertility × weather) varies
    as the nation's communes and regions would make it, half the variance at each level's
    Herfindahl index: (e^0.04 − 1) / 2 × (Hₙ(communes) + Hₙ(regions)) (docs/noise.md).
    """
    from sim.economics import granular

    m = _model(population=Population(consumers=1500, councils=22, communes=20))
    communes, p = m.communes, m.producers
    rng = np.random.default_rng(2)
    p.workers[communes.rows] = rng.integers(10, 40, 20)
    communes.fertility[:] = rng.uniform(0.6, 1.6, 20)
    spread, regions = 0.2, communes.region
    weather = np.array(
        [
            communes._nation_weather(spread, rng.standard_normal(4)[regions], rng.standard_normal(20), 50.0)
            for _ in range(2_000)
        ]
    )
    members = p.workers[communes.rows].astype(float)
    weight = members * communes.fertility
    nation = [
        granular.nation_herfindahl(w, np.zeros(w.size, dtype=int), 1, 50.0, size)[0]
        for w, size in ((weight, members), (np.bincount(regions, weight), np.bincount(regions, members)))
    ]
    lognormal = np.expm1(spread**2)
    assert weather.min() > 0  # nothing clipped at a yield of 0
    # within 4 standard errors of 2,000 years: a year's mean over the communes varies by 0.026
    assert weather.mean() == pytest.approx(1.0, abs=0.0025)
    ratio = weather.var(axis=0) / lognormal
    assert ratio.mean() == pytest.approx(1.0, abs=0.05) and np.all(np.abs(ratio - 1) < 0.15)
    farm = weather @ (weight / weight.sum())
    assert farm.var() / (lognormal / 2 * sum(nation)) == pytest.approx(1.0, abs=0.1)
    centred = weather - weather.mean(axis=0)
    assert np.all(np.mean(centred**3, axis=0) > 0)  # skewed to good years, as lognormal parts are


def test_before_the_first_harvest_a_communes_week_is_its_fertility_times_the_sectors_factor():
    m = _model()
    communes, p = m.communes, m.producers
    fresh = type(communes)(p, communes.transfer, communes.staffing)
    fresh.vary(np.array([1.1, 0.9, 3.0]))
    np.testing.assert_allclose(p.productivity[fresh.rows], fresh.fertility * [1.1, 0.9, 3.0], rtol=1e-12)


def test_a_run_standing_for_half_as_many_communes_again_takes_the_nations_weather():
    """At 1.5 times the communes simulated, the harvest is fertility × the nation's weather from the same draws."""
    m = _model(population=Population(consumers=1500, councils=22, communes=6))
    communes = m.communes
    common, own = np.array([0.5, -1.0]), np.linspace(-1.0, 1.0, 6)
    expected = communes.fertility * communes._nation_weather(0.2, common[communes.region], own, 1.5)
    communes.harvest(0.2, _Fixed(common, own), 1.5)
    np.testing.assert_allclose(m.producers.productivity[communes.rows], expected, rtol=1e-12)
    sample = communes.fertility * np.exp(0.2 * (np.sqrt(0.5) * common[communes.region] + np.sqrt(0.5) * own) - 0.02)
    assert not np.allclose(expected, sample, rtol=1e-6)


def test_a_communes_week_is_its_fertility_times_this_years_weather_times_the_sectors_factor():
    m = _model()
    communes, p = m.communes, m.producers
    communes.weather = np.array([0.5, 1.0, 2.0])
    councils_before = p.productivity[m.councils.rows].copy()
    communes.vary(np.array([1.1, 0.9, 3.0]))
    np.testing.assert_allclose(p.productivity[communes.rows], communes.fertility * [0.55, 0.9, 6.0], rtol=1e-12)
    np.testing.assert_array_equal(p.productivity[m.councils.rows], councils_before)


def test_communes_want_members_for_their_target_hours_with_their_spare_hands():
    m = _model()
    p, communes = m.producers, m.communes
    rows = communes.rows
    p.target[rows] = [100.0, 50.0, 10.0]
    labour, hours = 2.0, 40.0
    expected = p.target[rows] * labour / p.productivity[rows] / hours * communes.staffing
    np.testing.assert_allclose(communes.members_wanted(labour, hours), expected, rtol=1e-12)
    assert communes.staffing > 1


def test_workers_join_the_communes_that_most_lack_hands_and_leave_those_with_most_to_spare():
    m = _model()
    p, c, communes = m.producers, m.consumers, m.communes
    rows = communes.rows
    have = p.workers[rows].copy()
    persons = np.flatnonzero(c.group >= 0)[:6]
    c.wage_factor[persons] = 2.0
    m.work_groups.release(c, persons, np.random.default_rng(1))
    wanted = have + np.array([10.0, 0.0, 5.0])
    communes.admit(c, persons, wanted, np.random.default_rng(2))
    np.testing.assert_array_equal(p.workers[rows], have + np.array([4, 0, 2]))
    np.testing.assert_array_equal(np.bincount(c.commune[persons], minlength=3), [4, 0, 2])
    np.testing.assert_array_equal(c.wage_factor[persons], 1.0)  # a commune shares by its own rule
    members = np.bincount(c.commune[c.commune >= 0], minlength=3)
    np.testing.assert_array_equal(members, p.workers[rows])

    # where no commune lacks hands, newcomers are shared evenly; where one lacks a little, it takes them all
    more = np.flatnonzero(c.group >= 0)[:6]
    m.work_groups.release(c, more, np.random.default_rng(5))
    communes.admit(c, more[:3], p.workers[rows].astype(float), np.random.default_rng(6))
    np.testing.assert_array_equal(np.bincount(c.commune[more[:3]], minlength=3), [1, 1, 1])
    communes.admit(c, more[3:], p.workers[rows] + np.array([0.2, 0.0, 0.0]), np.random.default_rng(7))
    np.testing.assert_array_equal(np.bincount(c.commune[more[3:]], minlength=3), [3, 0, 0])
    members = np.bincount(c.commune[c.commune >= 0], minlength=3)
    np.testing.assert_array_equal(members, p.workers[rows])

    # those with most spare hands give them up; every commune keeps at least one member
    wanted = np.array([members[0] - 5.0, float(members[1]), float(members[2])])
    leaving = communes.release(c, 3, wanted, np.random.default_rng(3))
    assert leaving.size == 3 and np.all(np.diff(leaving) > 0)
    np.testing.assert_array_equal(c.commune[leaving], -1)
    np.testing.assert_array_equal(p.workers[rows], members - [3, 0, 0])
    np.testing.assert_array_equal(np.bincount(c.commune[c.commune >= 0], minlength=3), p.workers[rows])
    leaving = communes.release(c, 10_000, np.zeros(3), np.random.default_rng(4))
    np.testing.assert_array_equal(p.workers[rows], 1)
    assert leaving.size == np.unique(leaving).size == (members - [3, 0, 0] - 1).sum()
    np.testing.assert_array_equal(np.bincount(c.commune[c.commune >= 0], minlength=3), 1)

    # nobody to spare: nobody leaves
    nobody = communes.release(c, 5, np.zeros(3), np.random.default_rng(8))
    assert nobody.size == 0 and nobody.dtype.kind == "i"
    np.testing.assert_array_equal(p.workers[rows], 1)
    # a commune of two can spare one: it keeps one member, whatever it wanted
    back = np.flatnonzero(c.group >= 0)[:6]
    m.work_groups.release(c, back, np.random.default_rng(9))
    communes.admit(c, back, p.workers[rows] + np.array([1.0, 0.0, 5.0]), np.random.default_rng(10))
    np.testing.assert_array_equal(p.workers[rows], [2, 1, 6])
    leaving = communes.release(c, 6, np.zeros(3), np.random.default_rng(11))
    assert leaving.size == 6
    np.testing.assert_array_equal(p.workers[rows], 1)


def test_a_single_commune_credits_its_members_as_much_as_wages():
    m = _model(population=Population(consumers=600, councils=22, communes=1))
    m.run(1)
    c = m.consumers
    m.communes.credit_members(c, 100.0, m.state.values)
    np.testing.assert_allclose(c.income[c.commune == 0], 100.0, rtol=1e-12)


def test_without_communes_nobody_is_credited_as_a_member():
    m = _model(population=Population(consumers=600, councils=22, communes=0))
    m.consumers.income[:] = 3.0
    m.communes.credit_members(m.consumers, 100.0, m.state.values)
    np.testing.assert_array_equal(m.consumers.income, 3.0)


def test_a_commune_reports_its_deliveries_and_knows_its_members():
    m = _model(communes=Communes(fertility_spread=0.4))
    m.run(1)
    communes = sorted(m.agents_by_type[RuralCommune], key=lambda commune: commune.row)
    np.testing.assert_array_equal([commune.row for commune in communes], m.communes.rows)
    for k, commune in enumerate(communes):
        assert commune.index == k
        assert commune.fertility == m.producers.productivity[commune.row] > 0
        assert commune.members.size > 0
        np.testing.assert_array_equal(commune.members, np.flatnonzero(m.consumers.commune == k))
        assert commune.delivered == m.producers.output[commune.row] > 0
        report = commune.report()
        assert report["sector"] == "AGR"
        assert report["output"] == commune.delivered
        np.testing.assert_array_equal(report["inputs_per_unit"], m.councils.measured[:, commune.row])
        report["inputs_per_unit"][:] = -1.0
        assert np.all(m.councils.measured[:, commune.row] >= 0)


def test_with_better_methods_councils_report_them_by_output_and_make_more_with_the_same_hands():
    """Seed §8: a sector's method is its producers' output-weighted mean; a producer's labour
    limit is its hours at its groups' pace over the labour its method needs per unit."""
    m = _model()
    p, councils, n = m.producers, m.councils, m.technology.n
    p.method[:] = np.linspace(0.6, 1.0, p.method.size)
    p.output[:] = np.linspace(1.0, 3.0, p.output.size)
    p.output[p.sector == p.sector[0]] = 0.0  # a sector that made nothing reports the old method, 1
    small = p.sector == p.sector[m.councils.rows[-1]]
    p.output[small] = 0.5 / small.sum()  # and one that made half a unit reports its own
    _, output, method = councils.reports(0.0, np.random.default_rng(1))
    for j in range(n):
        mine = p.sector == j
        expected = (p.output[mine] * p.method[mine]).sum() / p.output[mine].sum() if p.output[mine].sum() > 0 else 1.0
        assert method[j] == pytest.approx(expected, rel=1e-12), j
        assert output[j] == pytest.approx(p.output[mine].sum(), rel=1e-12)
    hours = m.state.hours_per_week
    councils.staff(m.consumers.group, m.work_groups, hours)
    per_unit = m.technology.labour[p.sector] * p.method
    np.testing.assert_allclose(p.labour_cap, p.workers * hours * p.productivity / per_unit, rtol=1e-12)


def test_members_leave_the_communes_as_each_commune_s_agent_would_draw_them():
    """The oracle: each commune's members (its agent), drawn commune by commune from the same stream."""
    m = _model()
    c, communes = m.consumers, m.communes
    before = c.commune.copy()
    members = [commune.members for commune in sorted(m.agents_by_type[RuralCommune], key=lambda k: k.index)]
    wanted = np.zeros(communes.rows.size)  # every commune keeps one member, the rest are spare
    spare = np.maximum(m.producers.workers[communes.rows] - 1.0, 0.0)
    counts = np.minimum(production.largest_remainder(spare, 5), m.producers.workers[communes.rows] - 1)
    leaving = communes.release(c, 5, wanted, np.random.default_rng(4))
    rng = np.random.default_rng(4)
    drawn = [rng.choice(members[k], counts[k], replace=False) for k in np.flatnonzero(counts)]
    np.testing.assert_array_equal(leaving, np.sort(np.concatenate(drawn)))
    assert leaving.size == 5 and np.all(before[leaving] >= 0) and np.all(c.commune[leaving] == -1)
