"""What a run starts from (seed §5, §7b, §7c, §9a) and the noise drawn each week (DESIGN §4).

The initial conditions are checked against what the test works out itself: headcounts and
work groups on small hand-made cases; the first enterprises, communes and persons against the
draws replayed from a copy of the model's generator, in the order the module documents (the
order :func:`check_buildable` relies on); the model's arrays against the plan they are
staffed for. The noise is checked on a model of spies: which shock is drawn in which week,
in which order, and that nothing is drawn when every spread is 0.
"""

from __future__ import annotations

import copy
import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from agents import RuralCommune
from sim.economics import granular, market, production, wages
from sim.economics.economy import Technology, default_economy
from sim.economics.units import WEEKS_PER_YEAR
from sim.model import CouncilsModel
from sim.run import initial_conditions
from sim.run.initial_conditions import (
    _groups,
    beginning,
    check_buildable,
    farming_sector,
    first_people,
    good_position,
    headcount,
    peasant_technology,
    taste_shift_refusal,
)
from sim.run.noise import Noise as WeeklyNoise
from sim.run.scenario import Communes, Noise, Population, Scenario, ScenarioError, TasteShift, WorkGroups

QUIET = Noise(0.0, 0.0, 0.0, 0.0)
POPULATION = Population(consumers=600, councils=22, communes=3)


def _scenario(**changes) -> Scenario:
    return Scenario(**{"seed": 2, "years": 1.0, "noise": QUIET, "population": POPULATION, **changes})


# --- headcount and work groups, by hand ------------------------------------------------------------------


def test_the_communes_get_their_share_of_persons_at_least_one_each_and_the_rest_work_in_enterprises():
    scenario = _scenario(population=Population(consumers=1000, councils=20, communes=3))
    assert headcount(scenario, 20, 0.1234, farm=0) == (123, 877)  # round(123.4)
    assert headcount(scenario, 20, 0.0015, farm=0) == (3, 997)  # round(1.5) = 2 < 3 communes: one each
    assert headcount(scenario, 20, 0.1234, farm=None) == (0, 1000)  # no farming sector: no commune members
    # one council per sector; without communes the farming sector needs one too
    assert headcount(scenario, 21, 0.0, farm=3) == (3, 997)
    with pytest.raises(ScenarioError, match=r"^population\.councils = 20: must be ≥ 21 \(one per sector\)$"):
        headcount(scenario, 21, 0.0, farm=None)


def test_the_enterprises_are_refused_only_when_fewer_workers_than_every_councils_smallest_group():
    # 20 councils with groups of at least 10 need 200 workers: 1000 − 800 in communes is exactly enough
    scenario = _scenario(population=Population(consumers=1000, councils=20, communes=3, group_size_min=10))
    assert headcount(scenario, 20, 0.8, farm=0) == (800, 200)
    message = r"^population\.consumers = 1000: too few to staff 20 councils with groups of at least 10$"
    with pytest.raises(ScenarioError, match=message):
        headcount(scenario, 20, 0.801, farm=0)


def test_each_enterprises_workers_are_dealt_round_robin_into_groups_of_at_most_the_maximum():
    scenario = _scenario(
        population=Population(consumers=600, councils=22, communes=3, group_size_max=2),
        work_groups=WorkGroups(productivity_spread=0.2),
    )
    council, person_group, productivity = _groups(scenario, np.array([4, 5, 2]), np.random.default_rng(4))
    # ceil(4/2) = 2 groups (0–1), ceil(5/2) = 3 (2–4), ceil(2/2) = 1 (5); each enterprise deals its own
    # workers from its first group on: 0, 1, 0, 1 | 2, 3, 4, 2, 3 | 5, 5
    np.testing.assert_array_equal(council, [0, 0, 1, 1, 1, 2])
    np.testing.assert_array_equal(person_group, [0, 1, 0, 1, 2, 3, 4, 2, 3, 5, 5])
    np.testing.assert_array_equal(productivity, np.random.default_rng(4).lognormal(-(0.2**2) / 2, 0.2, 6))


# --- the technology and the sector the communes farm -----------------------------------------------------


def test_the_communes_farm_their_sector_only_when_there_are_communes_and_it_is_a_sector():
    t = default_economy().technology
    assert farming_sector(t, _scenario()) == t.names.index("AGR")
    assert farming_sector(t, _scenario(communes=Communes(sector="FOOD"))) == t.names.index("FOOD")
    assert farming_sector(t, _scenario(communes=Communes(sector="NOPE"))) is None
    assert farming_sector(t, _scenario(population=Population(consumers=600, councils=22, communes=0))) is None


def test_a_peasant_share_makes_farming_need_that_share_of_the_hours_the_communes_staff():
    economy = default_economy()
    assert peasant_technology(economy, _scenario()) is economy.technology  # share 0: the economy's own
    scenario = _scenario(communes=Communes(population_share=0.3))
    t, old = peasant_technology(economy, scenario), economy.technology
    farm = old.names.index("AGR")
    inputs = old.A + old.capital_consumption
    home = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    x = np.linalg.solve(np.eye(old.n) - inputs, home)
    hours = t.labour * x
    staffing = production.commune_staffing(scenario.plan.capacity_headroom, scenario.plan.labour_reserve)
    assert hours[farm] / hours.sum() == pytest.approx(0.3 / staffing, rel=1e-12)
    others = np.arange(old.n) != farm
    np.testing.assert_array_equal(t.labour[others], old.labour[others])
    assert t.labour[farm] != old.labour[farm]
    assert t.names == old.names
    np.testing.assert_array_equal(t.consumer_goods, old.consumer_goods)
    assert t.descriptions == old.descriptions and t.sources == old.sources
    np.testing.assert_array_equal(t.A, old.A)
    np.testing.assert_array_equal(t.capital_consumption, old.capital_consumption)
    assert peasant_technology(economy, dataclasses.replace(scenario, population=Population(communes=0))) is old


def test_the_beginning_runs_on_the_true_coefficients_and_counts_capital_at_the_base_years_utilisation():
    economy = default_economy()
    start = beginning(economy, _scenario(), np.random.default_rng(2))
    t = start.technology
    np.testing.assert_array_equal(start.inputs_true, t.A + t.capital_consumption)
    utilisation = economy.gross_output / economy.capacity
    np.testing.assert_allclose(start.planner.capital_per_capacity, t.capital * utilisation[None, :], rtol=1e-15)
    assert start.farm == t.names.index("AGR") and 0 < start.commune_share < 1
    # a sector without capacity counts its capital whole; one of half a unit a year at its utilisation
    capacity = economy.capacity.copy()
    capacity[[0, 1]] = [0.0, 0.5]
    odd = beginning(dataclasses.replace(economy, capacity=capacity), _scenario(), np.random.default_rng(2))
    utilisation[[0, 1]] = [1.0, economy.gross_output[1] / 0.5]
    np.testing.assert_allclose(odd.planner.capital_per_capacity, t.capital * utilisation[None, :], rtol=1e-15)


def test_a_technology_without_capital_or_with_sparse_coefficients_begins_on_the_same_dense_inputs():
    economy = default_economy()
    t = economy.technology
    bare = Technology(t.A, t.labour, names=t.names, consumer_goods=t.consumer_goods)
    start = beginning(dataclasses.replace(economy, technology=bare), _scenario(), np.random.default_rng(2))
    np.testing.assert_array_equal(start.inputs_true, t.A)  # no capital: nothing used up
    sparse = Technology(sp.csr_array(t.A), t.labour, t.capital, t.depreciation, names=t.names)
    start = beginning(dataclasses.replace(economy, technology=sparse), _scenario(), np.random.default_rng(2))
    assert isinstance(start.inputs_true, np.ndarray)
    np.testing.assert_array_equal(start.inputs_true, t.A + t.capital_consumption)
    sparse_bare = Technology(sp.csr_array(t.A), t.labour, names=t.names)
    start = beginning(dataclasses.replace(economy, technology=sparse_bare), _scenario(), np.random.default_rng(2))
    assert isinstance(start.inputs_true, np.ndarray)
    np.testing.assert_array_equal(start.inputs_true, t.A)
    # the peasant share without capital: farming's share of the hours that make the final demand with A alone
    scenario = _scenario(communes=Communes(population_share=0.3))
    labour = peasant_technology(dataclasses.replace(economy, technology=bare), scenario).labour
    home = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    hours = labour * np.linalg.solve(np.eye(t.n) - t.A, home)
    staffing = production.commune_staffing(scenario.plan.capacity_headroom, scenario.plan.labour_reserve)
    assert hours[t.names.index("AGR")] / hours.sum() == pytest.approx(0.3 / staffing, rel=1e-12)


# --- the first people, against the model's own draws replayed ---------------------------------------------


def test_the_first_people_are_drawn_in_the_documented_order_and_staffed_for_the_skeleton_plan():
    scenario = _scenario(work_groups=WorkGroups(productivity_spread=0.2))
    rng = np.random.default_rng(scenario.seed)
    start = beginning(default_economy(), scenario, rng)
    replay = copy.deepcopy(rng)
    people = first_people(scenario, start, rng)
    t, farm = start.technology, start.farm
    members, workers = headcount(scenario, t.n, start.commune_share, farm)
    hours = t.labour * start.first_output
    # one enterprise per sector but farming, the 3 left over by the hours each sector needs
    others = [j for j in range(t.n) if j != farm]
    np.testing.assert_array_equal(
        people.sector, np.repeat(others, production.largest_remainder(hours[others], 22 - len(others)) + 1)
    )
    np.testing.assert_array_equal(people.size, replay.uniform(0.5, 1.5, 22))
    land = replay.uniform(0.5, 1.5, 3)
    np.testing.assert_array_equal(people.commune_members, production.largest_remainder(land, members - 3) + 1)
    assert people.commune_members.sum() == members and people.n_workers == workers
    fertility = replay.lognormal(0.0, scenario.communes.fertility_spread, 3)
    np.testing.assert_allclose(people.fertility, fertility / np.average(fertility, weights=people.commune_members))
    assert np.average(people.fertility, weights=people.commune_members) == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_array_equal(people.weight, np.r_[people.size, people.commune_members * people.fertility])
    # each enterprise staffed for its size's share of its sector's hours; each commune by its members
    share = people.size / np.bincount(people.sector, weights=people.size, minlength=t.n)[people.sector]
    staffed = production.staffing(hours[people.sector] * share, workers, scenario.population.group_size_min)
    np.testing.assert_array_equal(people.workers, np.r_[staffed, people.commune_members])
    # groups of at most 30, each enterprise's workers dealt over them; persons' groups a permutation of them
    n_groups = np.ceil(staffed / 30).astype(int)
    np.testing.assert_array_equal(people.group_council, np.repeat(np.arange(22), n_groups))
    np.testing.assert_array_equal(np.bincount(people.group_council[people.person_group], minlength=22), staffed)
    np.testing.assert_array_equal(people.group_productivity, replay.lognormal(-(0.2**2) / 2, 0.2, n_groups.sum()))
    np.testing.assert_array_equal(people.group, np.r_[replay.permutation(people.person_group), [-1] * members])
    base = wages.wage_hierarchy(workers, scenario.wages.initial_gini, replay)
    np.testing.assert_array_equal(people.base, np.r_[base, np.ones(members)])


def test_the_communes_land_is_drawn_uniformly_between_half_and_one_and_a_half_and_their_members_follow_it():
    scenario = _scenario(communes=Communes(population_share=0.3))
    rng = np.random.default_rng(scenario.seed)
    start = beginning(default_economy(), scenario, rng)
    replay = copy.deepcopy(rng)
    people = first_people(scenario, start, rng)
    members, _ = headcount(scenario, start.technology.n, start.commune_share, start.farm)
    assert members > 100  # enough members that the land's proportions show in them
    replay.uniform(0.5, 1.5, 22)
    land = replay.uniform(0.5, 1.5, 3)
    np.testing.assert_array_equal(people.commune_members, production.largest_remainder(land, members - 3) + 1)


def test_without_communes_nobody_is_a_commune_member_and_every_sector_has_its_councils():
    scenario = _scenario(population=Population(consumers=600, councils=22, communes=0))
    rng = np.random.default_rng(scenario.seed)
    start = beginning(default_economy(), scenario, rng)
    people = first_people(scenario, start, rng)
    assert start.farm is None and people.n_workers == 600 and people.commune_members.size == 0
    assert set(people.sector) == set(range(start.technology.n)) and people.sector.size == 22
    assert np.all(people.group >= 0) and people.workers.sum() == 600


# --- the model as established -----------------------------------------------------------------------------


def test_the_model_starts_with_producers_persons_and_delegates_as_the_first_people_and_the_plan_say():
    scenario = _scenario(
        consumption=dataclasses.replace(Scenario().consumption, price_response=0.6),
        noise=Noise(taste_drift=0.01, productivity=0.02, harvest=0.1, reports=0.0),
        communes=Communes(transfer=0.4),
        decision=dataclasses.replace(Scenario().decision, central_seats=7),
    )
    model = CouncilsModel(scenario)
    rng = np.random.default_rng(scenario.seed)
    start = beginning(model.economy, scenario, rng)
    people = first_people(scenario, start, rng)
    s, p, c = model.state, model.producers, model.consumers
    farm = start.farm
    np.testing.assert_array_equal(p.sector, np.r_[people.sector, [farm] * 3])
    np.testing.assert_array_equal(p.is_commune, [False] * 22 + [True] * 3)
    np.testing.assert_array_equal(p.productivity[22:], people.fertility)  # the councils' are their groups'
    np.testing.assert_array_equal(model.communes.fertility, people.fertility)
    assert model.communes.transfer == 0.4
    plan = scenario.plan
    assert model.communes.staffing == production.commune_staffing(plan.capacity_headroom, plan.labour_reserve)
    np.testing.assert_array_equal(model.person_group, people.person_group)
    np.testing.assert_array_equal(model.work_groups.council, people.group_council)
    # capacity and first targets: each sector's, shared by the producers' weights
    share = people.weight / np.bincount(p.sector, weights=people.weight)[p.sector]
    np.testing.assert_allclose(p.capacity, s.sector_capacity[p.sector] * share, rtol=1e-12)
    np.testing.assert_allclose(p.target, start.first_output[p.sector] * share, rtol=1e-12)
    # persons: workers first, then each commune's members in turn
    np.testing.assert_array_equal(
        c.commune, np.r_[[-1] * people.n_workers, np.repeat([0, 1, 2], people.commune_members)]
    )
    assert np.all(c.group[: people.n_workers] >= 0) and np.all(c.group[people.n_workers :] == -1)
    np.testing.assert_array_equal(c.base_wage, people.base)
    spending = s.wage * s.hours_per_week * people.base
    np.testing.assert_allclose(c.savings, scenario.consumption.buffer_weeks * spending, rtol=1e-15)
    assert s.tokens_held_at_start == pytest.approx(c.savings.sum(), rel=1e-15)
    np.testing.assert_array_equal(c.income, 0.0)
    np.testing.assert_array_equal(c.spending, 0.0)
    np.testing.assert_array_equal(c.spent, 0.0)
    np.testing.assert_array_equal(c.drift, 0.0)
    np.testing.assert_array_equal(c.reference, s.values[s.consumer_goods])
    expected = market.calibrate_preferences(
        _shares(s),
        model.economy.income_elasticities[s.consumer_goods],
        spending,
        scenario.consumption.price_response,
    )
    for field in dataclasses.fields(expected):
        np.testing.assert_array_equal(getattr(c.preferences, field.name), getattr(expected, field.name))
    assert c.preferences.price_response == 0.6
    # the federation: every person in one assembly, one central seat each and 7 by members
    assert model.delegates.assembly.size == 25 + 7 and np.all(model.delegates.person == -1)
    members = dict(model.graph.nodes(data="members"))
    assert sum(v for v in members.values() if v is not None) == 600
    assert [members[f"commune {k}"] for k in range(3)] == people.commune_members.tolist()


def test_each_mesa_agent_reads_its_own_row_of_the_arrays():
    model = CouncilsModel(_scenario())
    rows = {kind.__name__: [a.row for a in agents] for kind, agents in model.agents_by_type.items()}
    assert rows["Consumer"] == list(range(600))
    assert rows["PrimaryWorkGroup"] == list(range(model.work_groups.council.size))
    assert rows["FactoryCouncil"] == list(range(22))
    assert rows["RuralCommune"] == [22, 23, 24]
    assert [a.index for a in model.agents_by_type[RuralCommune]] == [0, 1, 2]


def _shares(state):
    """The households' budget shares at the skeleton plan: value × planned demand, summing to 1."""
    shares = state.values[state.consumer_goods] * state.expected_demand
    return shares / shares.sum()


def test_tastes_shift_budgets_without_scaling_them_around_the_skeletons_shares():
    model = CouncilsModel(_scenario())
    c, s = model.consumers, model.state
    shares = _shares(s)
    np.testing.assert_allclose(np.asarray(c.taste).sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_array_equal(c.taste_floor, np.asarray(c.taste).min(axis=0))
    np.testing.assert_array_equal(c.own_taste, c.taste)  # no drift yet
    assert c.taste.own is c.own_taste  # held once: this week's tastes are the own plus the drift
    np.testing.assert_array_equal(c.own_floor, np.asarray(c.taste).min(axis=0))
    # taste_noise 0.1 of each share: the spread of a good's taste is about 0.1 × its share
    spread = np.asarray(c.taste).std(axis=0) / shares
    assert np.all((spread > 0.07) & (spread < 0.13)), spread
    assert np.all((c.exposure >= 0.5) & (c.exposure < 1.5)) and c.exposure.mean() == pytest.approx(1.0, abs=0.05)


def test_persons_weights_come_from_a_stream_of_their_own_with_the_scenarios_means_and_spread():
    decision = dataclasses.replace(Scenario().decision, consumption=0.5, leisure=0.25, growth=0.25, preference_spread=0)
    model = CouncilsModel(_scenario(decision=decision))
    np.testing.assert_allclose(model.consumers.weights, np.tile([0.5, 0.25, 0.25], (600, 1)), rtol=1e-15)
    spread = dataclasses.replace(decision, preference_spread=0.5)
    other = CouncilsModel(_scenario(decision=spread))
    assert np.ptp(other.consumers.weights[:, 0]) > 0.2
    # drawing the weights leaves the run's own stream as it was: the same tastes with either spread
    np.testing.assert_array_equal(other.consumers.taste, model.consumers.taste)


def test_workers_start_on_the_hierarchy_equalised_as_far_as_the_schedule_has_gone_at_week_0():
    equal_now = CouncilsModel(_scenario())
    workers = equal_now.consumers.group >= 0
    np.testing.assert_array_equal(equal_now.consumers.wage_factor, 1.0)
    gradual = CouncilsModel(_scenario(wages=dataclasses.replace(Scenario().wages, equalisation_years=10.0)))
    c = gradual.consumers
    expected = wages.equalised(c.base_wage[workers], wages.equalisation_progress(10.0, week=0))
    np.testing.assert_allclose(c.wage_factor[workers], expected, rtol=1e-15)
    assert np.ptp(c.wage_factor[workers]) > 0.5


# --- checks made before a model is built ---------------------------------------------------------------------


def test_a_taste_shift_is_refused_between_unknown_goods_or_beyond_the_share_it_turns_from():
    names, alpha = ["FOOD", "LIGHT", "INFO"], np.array([0.5, 0.2, 0.3])
    taste_shift_refusal(TasteShift(1.0, "INFO", "LIGHT", 0.2), names, alpha)  # exactly the share: accepted
    with pytest.raises(ScenarioError, match=r"^taste_shift\.budget_share = 0\.21: larger than LIGHT's budget share "):
        taste_shift_refusal(TasteShift(1.0, "INFO", "LIGHT", 0.21), names, alpha)
    for rises, falls in (("CARS", "LIGHT"), ("INFO", "CARS")):
        with pytest.raises(
            ScenarioError, match=r"^taste_shift: 'CARS' is not a consumer good; known: FOOD, LIGHT, INFO$"
        ):
            taste_shift_refusal(TasteShift(1.0, rises, falls, 0.1), names, alpha)


def test_a_consumer_goods_position_is_among_the_consumer_goods_not_the_sectors():
    model = CouncilsModel(_scenario())
    names = [model.technology.names[g] for g in model.state.consumer_goods]
    assert [good_position(model, code) for code in names] == list(range(len(names)))
    with pytest.raises(ScenarioError) as refused:
        good_position(model, "NOPE")
    assert str(refused.value) == f"taste_shift: 'NOPE' is not a consumer good; known: {', '.join(names)}"


def test_check_buildable_refuses_what_the_model_refuses_and_only_that():
    economy, model = default_economy(), CouncilsModel(_scenario())
    share = model.consumers.preferences.alpha[1]
    rises, falls = (model.technology.names[g] for g in model.state.consumer_goods[:2])
    at_most = _scenario(taste_shift=TasteShift(1.0, rises, falls, float(share)))
    check_buildable(at_most, economy)
    CouncilsModel(at_most)  # accepted by both
    beyond = _scenario(taste_shift=TasteShift(1.0, rises, falls, float(share) * 1.001))
    for refuse in (lambda: check_buildable(beyond, economy), lambda: CouncilsModel(beyond)):
        with pytest.raises(ScenarioError, match=r"^taste_shift\.budget_share = .*: larger than "):
            refuse()
    never = _scenario(taste_shift=TasteShift(0.0, rises, falls, 0.5))  # a shift that never comes is not refused
    check_buildable(never, economy)
    CouncilsModel(never)
    crowded = _scenario(
        population=Population(consumers=300, councils=20, communes=5), communes=Communes(population_share=0.9)
    )
    for refuse in (lambda: check_buildable(crowded, economy), lambda: CouncilsModel(crowded)):
        with pytest.raises(ScenarioError, match=r"^population\.consumers = 300: too few to staff 20 councils"):
            refuse()


# --- the weekly noise --------------------------------------------------------------------------------------


class _Spy:
    """Stands for the consumers, communes, work groups and councils: records each call in one shared list."""

    def __init__(self, calls, name, **attributes):
        self._calls, self._name = calls, name
        self.group = f"{name}.group"
        self.__dict__.update(attributes)

    def __getattr__(self, method):
        return lambda *args: self._calls.append((f"{self._name}.{method}", *args))


#: Four groups of two enterprises (producer rows 0 and 1) making goods 0 and 2; one commune (row 2) farming good 1.
_GROUP_COUNCIL, _SECTOR = np.array([0, 0, 1, 1]), np.array([0, 2, 1])


def _spied(week, **spreads):
    calls = []
    model = SimpleNamespace(
        rng=np.random.default_rng(0),
        week=week,
        consumers=_Spy(calls, "consumers"),
        communes=_Spy(calls, "communes", rows=np.array([2])),
        work_groups=_Spy(calls, "work_groups", council=_GROUP_COUNCIL),
        councils=_Spy(calls, "councils", rows=np.array([0, 1])),
        producers=SimpleNamespace(sector=_SECTOR),
        economy=SimpleNamespace(technology=SimpleNamespace(n=3)),
        state=SimpleNamespace(hours_per_week=35.0),
    )
    quiet = {"taste_drift": 0.0, "productivity": 0.0, "harvest": 0.0, "reports": 0.0}
    WeeklyNoise(Noise(**{**quiet, **spreads})).draw(model)
    return model, calls


@pytest.mark.parametrize("week", [0, WEEKS_PER_YEAR, 7])
def test_with_every_spread_0_nothing_is_drawn_and_nobody_is_restaffed(week):
    model, calls = _spied(week, reports=0.3)
    assert calls == []
    assert model.rng.bit_generator.state == np.random.default_rng(0).bit_generator.state


def test_tastes_drift_every_week_by_the_scenarios_innovation_without_restaffing():
    model, calls = _spied(3, taste_drift=0.01)
    assert calls == [("consumers.drift_tastes", 0.01, model.rng)]


@pytest.mark.parametrize("week", [0, WEEKS_PER_YEAR, 3 * WEEKS_PER_YEAR])
def test_a_harvest_comes_at_the_start_of_each_year_and_the_councils_are_restaffed_after_it(week):
    model, calls = _spied(week, harvest=0.2)
    work_groups = model.work_groups
    staff = ("councils.staff", "consumers.group", work_groups, 35.0)
    assert calls == [("communes.harvest", 0.2, model.rng, 1.0), staff]  # a run that stands for itself: k = 1


@pytest.mark.parametrize("week", [1, WEEKS_PER_YEAR - 1, WEEKS_PER_YEAR + 1])
def test_no_harvest_in_any_other_week(week):
    assert _spied(week, harvest=0.2)[1] == []


def test_every_shock_in_its_order_tastes_harvest_productivity_then_the_councils_restaffed_once():
    _, calls = _spied(2 * WEEKS_PER_YEAR, taste_drift=0.01, harvest=0.2, productivity=0.05)
    assert [call[0] for call in calls] == [
        "consumers.drift_tastes",
        "communes.harvest",
        "work_groups.vary",
        "councils.staff",
    ]
    _, weekly = _spied(5, productivity=0.05)
    assert [call[0] for call in weekly] == ["work_groups.vary", "councils.staff"]


def test_each_groups_output_per_hour_is_its_own_lognormal_draw_the_same_a_run_has_always_made():
    model, calls = _spied(5, productivity=0.05)
    np.testing.assert_array_equal(calls[0][1], np.random.default_rng(0).lognormal(-(0.05**2) / 2, 0.05, 4))
    assert model.rng.bit_generator.state != np.random.default_rng(0).bit_generator.state


def test_enterprise_and_sector_shocks_are_shared_by_their_groups_and_the_sectors_by_its_communes():
    """Draws in order: the groups', the enterprises' (one each), the sectors' (one each)."""
    _, calls = _spied(5, productivity=0.05, enterprise=0.1, sector=0.2)
    replay = np.random.default_rng(0)
    groups = replay.lognormal(-(0.05**2) / 2, 0.05, 4)
    enterprises = replay.lognormal(-(0.1**2) / 2, 0.1, 2)
    sectors = replay.lognormal(-(0.2**2) / 2, 0.2, 3)
    assert [call[0] for call in calls] == ["communes.vary", "work_groups.vary", "councils.staff"]
    np.testing.assert_array_equal(calls[0][1], sectors[[1]])  # the commune farms good 1
    expected = groups * enterprises[_GROUP_COUNCIL] * sectors[_SECTOR[_GROUP_COUNCIL]]
    np.testing.assert_allclose(calls[1][1], expected, rtol=1e-15)
    _, alone = _spied(5, enterprise=0.1)
    only = np.random.default_rng(0).lognormal(-(0.1**2) / 2, 0.1, 2)
    np.testing.assert_array_equal(alone[0][1], only[_GROUP_COUNCIL])


def test_check_buildable_draws_from_the_generator_the_models_seed_starts(monkeypatch):
    """The same seed, so that the mistaken coefficients and the hierarchy checked are the run's own."""
    seen, real = [], initial_conditions.beginning

    def spied(economy, scenario, rng):
        seen.append(copy.deepcopy(rng.bit_generator.state))
        return real(economy, scenario, rng)

    monkeypatch.setattr(initial_conditions, "beginning", spied)
    scenario = _scenario(seed=11)
    check_buildable(scenario, default_economy())
    assert seen == [np.random.default_rng(11).bit_generator.state]


def test_tastes_drawn_a_block_of_persons_at_a_time_are_those_drawn_at_once(monkeypatch):
    shares = np.array([0.5, 0.3, 0.2])
    at_once = initial_conditions._tastes(10, 0.1 * shares, shares, "float64", np.random.default_rng(3))
    draw = 0.1 * shares * np.random.default_rng(3).standard_normal((10, 3))
    np.testing.assert_array_equal(at_once, draw - shares * draw.sum(axis=1, keepdims=True))
    monkeypatch.setattr(initial_conditions, "_TASTE_BLOCK", 3)  # 3 + 3 + 3 + 1 persons
    in_blocks = initial_conditions._tastes(10, 0.1 * shares, shares, "float64", np.random.default_rng(3))
    np.testing.assert_array_equal(in_blocks, at_once)
    single = initial_conditions._tastes(10, 0.1 * shares, shares, "float32", np.random.default_rng(3))
    assert single.dtype == np.float32
    np.testing.assert_array_equal(single, at_once.astype(np.float32))


class _Groups:
    """Four groups with members and productivity, recording the factor they are given."""

    def __init__(self, members, productivity, council=_GROUP_COUNCIL):
        self._members, self.productivity, self.factors = np.asarray(members), np.asarray(productivity), []
        self.council = np.asarray(council)

    def members_per_group(self, person_group):
        assert person_group == "consumers.group"
        return self._members.copy()

    def vary(self, factor):
        self.factors.append(factor)


def _nation_model(groups, calls, sector=_SECTOR):
    """The spies' economy, or (with ``sector`` of four producers) three enterprises and a commune (row 3)."""
    sector = np.asarray(sector)
    return SimpleNamespace(
        rng=np.random.default_rng(0),
        week=5,
        consumers=SimpleNamespace(group="consumers.group"),
        communes=_Spy(calls, "communes", rows=np.array([sector.size - 1])),
        work_groups=groups,
        councils=_Spy(calls, "councils", rows=np.arange(sector.size - 1)),
        producers=SimpleNamespace(sector=np.asarray(sector)),
        economy=SimpleNamespace(technology=SimpleNamespace(n=3)),
        state=SimpleNamespace(hours_per_week=35.0),
    )


def _nation_factors(spread, weight, persons, sector, stands_for, rng):
    """The factors of one level, replayed from ``sim.economics.granular``: the nation's Herfindahl, its loadings."""
    nation = granular.nation_herfindahl(weight, sector, 3, stands_for, persons)
    return granular.factors(spread, granular.loadings(weight, sector, nation), rng, weight.size)


@pytest.mark.parametrize("stands_for", [1000.0, 1.5])
def test_a_run_standing_for_the_nation_draws_each_levels_shocks_loaded_for_the_nations_herfindahl(stands_for):
    """Groups weighed by members × productivity, enterprises by their groups' sums, each sector's aggregate the
    nation's (docs/noise.md); then the sectors' shocks as in a sample. Three enterprises, the first two making
    good 0 (groups 0–1 and 2), the third good 2 (group 3); a commune farming good 1."""
    members, productivity = np.array([3, 2, 4, 1]), np.array([1.0, 1.2, 0.9, 1.1])
    council, sector = np.array([0, 0, 1, 2]), np.array([0, 0, 2, 1])
    groups, calls = _Groups(members, productivity, council), []
    rules = Noise(taste_drift=0.0, harvest=0.0, reports=0.0, productivity=0.05, enterprise=0.1, sector=0.2)
    WeeklyNoise(rules, stands_for=stands_for).draw(_nation_model(groups, calls, sector))
    replay = np.random.default_rng(0)
    weight = members * productivity
    own = _nation_factors(0.05, weight, members, sector[council], stands_for, replay)
    enterprise_weight, enterprise_persons = (np.bincount(council, x, 3) for x in (weight, members))
    shared = _nation_factors(0.1, enterprise_weight, enterprise_persons, sector[:3], stands_for, replay)
    sectors = replay.lognormal(-(0.2**2) / 2, 0.2, 3)
    expected = own * shared[council] * sectors[sector[council]]
    np.testing.assert_allclose(groups.factors[0], expected, rtol=1e-13)
    assert [call[0] for call in calls] == ["communes.vary", "councils.staff"]
    np.testing.assert_array_equal(calls[0][1], sectors[[1]])
    # standing for itself, the same rules draw plain lognormal factors: the nation's loadings change the draws
    sample = _Groups(members, productivity, council)
    WeeklyNoise(rules).draw(_nation_model(sample, [], sector))
    assert not np.allclose(sample.factors[0], groups.factors[0])


@pytest.mark.parametrize("change", ["members", "productivity", "sector"])
def test_the_nations_loadings_are_solved_again_when_the_groups_weights_or_sectors_change(change):
    members, productivity = np.array([3, 2, 4, 1]), np.array([1.0, 1.2, 0.9, 1.1])
    rules = Noise(taste_drift=0.0, harvest=0.0, reports=0.0, productivity=0.05)
    noise, groups = WeeklyNoise(rules, stands_for=500.0), _Groups(members, productivity)
    noise.draw(_nation_model(groups, []))  # solved once
    sector = _SECTOR.copy()
    if change == "members":
        groups._members = np.array([1, 6, 2, 2])
    elif change == "productivity":
        groups.productivity = np.array([0.7, 1.4, 1.0, 1.0])
    else:
        sector = np.array([2, 0, 1])
    model = _nation_model(groups, [], sector)
    noise.draw(model)
    weight = groups._members * groups.productivity
    expected = _nation_factors(0.05, weight, groups._members, sector[_GROUP_COUNCIL], 500.0, np.random.default_rng(0))
    np.testing.assert_allclose(groups.factors[1], expected, rtol=1e-13)


def test_a_sectors_shock_alone_is_drawn_and_the_councils_restaffed():
    _, calls = _spied(5, sector=0.2)
    sectors = np.random.default_rng(0).lognormal(-(0.2**2) / 2, 0.2, 3)
    assert [call[0] for call in calls] == ["communes.vary", "work_groups.vary", "councils.staff"]
    np.testing.assert_allclose(calls[1][1], sectors[_SECTOR[_GROUP_COUNCIL]], rtol=1e-15)


def test_the_councils_wear_capital_and_read_utilisation_as_the_plan_factory_does():
    model = CouncilsModel(_scenario())
    np.testing.assert_array_equal(model.councils.sector_wear_rate, model.planner.capacity_wear)
    np.testing.assert_array_equal(model.councils.sector_utilisation, model.planner.utilisation)
    assert model.planner.capacity_wear.any() and not np.all(model.planner.utilisation == 1.0)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_the_persons_tastes_are_held_in_the_precision_asked_for(precision):
    population = dataclasses.replace(POPULATION, taste_precision=precision)
    model = CouncilsModel(_scenario(population=population))
    assert model.consumers.own_taste.dtype == np.dtype(precision)
    assert model.consumers.own_floor.dtype == np.float64  # the bound is read in float64 whatever the tastes
