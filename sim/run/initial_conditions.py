"""The initial conditions of a run (seed §7b, §7c, §9a): technology, the skeleton plan and the people.

:func:`establish` gives a new model everything it starts from: the technology it runs
on, the plan factory with its first estimates and the skeleton plan, the enterprises and
communes with their capacity, the primary work groups, the persons with the wage
hierarchy they come from and their tastes, and a Mesa agent for each enterprise, commune and
work group (the persons' agents are made when asked for: ``CouncilsModel.make_persons``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents import (
    Consumers,
    FactoryCouncil,
    FactoryCouncils,
    PrimaryWorkGroup,
    RuralCommune,
    RuralCommunes,
    WorkGroups,
)
from sim.economics import decision, firm_sizes, market, production, wages
from sim.economics.economy import Economy, Technology
from sim.economics.state import ProducerArrays
from sim.run.federation import Delegates, Federation, assembly_of
from sim.run.planning import Planner
from sim.run.scenario import AUTO, Scenario, ScenarioError

#: Persons whose tastes are drawn at once (8 MB of draws for 16 goods).
_TASTE_BLOCK = 2**16


def establish(model):
    """Set up ``model`` (a :class:`~sim.model.CouncilsModel` with ``conditions``, ``economy`` and ``rng``).

    Sets ``technology``, ``planner``, ``state``, ``producers``, ``councils``, ``communes``,
    ``work_groups``, ``consumers``, ``person_group`` (each worker's first group), ``federation``
    (whose graph is ``model.graph``) and ``delegates``, and creates the agents.

    Raises
    ------
    ScenarioError
        What :func:`check_buildable` refuses (it makes the same checks on the same draws).
    """
    scenario = model.conditions
    start = beginning(model.economy, scenario, model.rng)
    model.technology, model.planner, model.state = start.technology, start.planner, start.state
    people = first_people(scenario, start, model.rng)
    _people(model, start, people)
    _federation(model)
    _check_taste_shift(model)


@dataclass(frozen=True)
class Beginning:
    """What the plan factory starts a run from, before any person: technology, planner, state, skeleton plan.

    Attributes
    ----------
    technology : Technology
        The economy's, with farming as labour-intensive as the peasant share asks.
    inputs_true : numpy.ndarray
        ``A + D``, dense: the coefficients the economy runs on.
    planner : Planner
        The plan factory with its (possibly mistaken) first estimates.
    state : EconomyState
        The skeleton plan's state.
    first_output : numpy.ndarray
        What the skeleton asks of every sector, units per week.
    commune_share : float
        Share of persons the communes need.
    farm : int or None
        The sector the communes farm.
    """

    technology: Technology
    inputs_true: np.ndarray
    planner: Planner
    state: object
    first_output: np.ndarray
    commune_share: float
    farm: int | None


def beginning(economy: Economy, scenario: Scenario, rng) -> Beginning:
    """The technology, the plan factory and the skeleton plan of a run; draws the plan factory's errors from ``rng``.

    Raises
    ------
    ScenarioError
        The information error makes the plan factory's coefficients unproductive
        (:class:`~sim.run.planning.Planner`), or an imported good is not a sector.
    """
    technology = peasant_technology(economy, scenario)
    dense = technology.A.toarray() if technology.is_sparse else technology.A
    D = technology.capital_consumption
    D = np.zeros_like(dense) if D is None else (D.toarray() if hasattr(D, "toarray") else D)
    inputs_true = dense + D  # A + D: the economy runs on the true coefficients
    utilisation = np.divide(
        economy.gross_output, economy.capacity, out=np.ones(technology.n), where=economy.capacity > 0
    )
    planner = Planner(technology, inputs_true, utilisation, scenario, rng)
    farm = farming_sector(technology, scenario)
    state, first_output, commune_share = planner.skeleton(economy, inputs_true, scenario.population.consumers, farm)
    return Beginning(technology, inputs_true, planner, state, first_output, commune_share, farm)


@dataclass(frozen=True)
class FirstPeople:
    """The first enterprises, communes, work groups and persons as arrays, drawn in the order a model draws them.

    Attributes
    ----------
    sector : numpy.ndarray
        Each enterprise's sector.
    size : numpy.ndarray
        Each enterprise's size: relative (mean 1) for a number of councils, its workers for ``"auto"``.
    commune_members, fertility : numpy.ndarray
        Each commune's members and fertility (mean 1 over members).
    weight : numpy.ndarray
        Each producer's share of its sector (enterprises, then communes).
    workers : numpy.ndarray
        Each producer's workers.
    group_council : numpy.ndarray
        Each work group's enterprise.
    person_group : numpy.ndarray
        Each council worker's first group, in the order dealt.
    group_productivity : numpy.ndarray
        Each group's productivity.
    group : numpy.ndarray
        Each person's group (−1: a commune member).
    base : numpy.ndarray
        Each person's pre-revolution relative hourly wage.
    """

    sector: np.ndarray
    size: np.ndarray
    commune_members: np.ndarray
    fertility: np.ndarray
    weight: np.ndarray
    workers: np.ndarray
    group_council: np.ndarray
    person_group: np.ndarray
    group_productivity: np.ndarray
    group: np.ndarray
    base: np.ndarray

    @property
    def n_workers(self) -> int:
        """Persons working in the enterprises (the rest are commune members)."""
        return self.person_group.size


def first_people(scenario: Scenario, start: Beginning, rng) -> FirstPeople:
    """Enterprises, communes, work groups and persons for the skeleton plan, drawn from ``rng`` (seed §5, §9a).

    Raises
    ------
    ScenarioError
        Fewer councils than the sectors they run, or too few persons to staff the councils
        once the communes have the members their land needs.
    """
    t, pop = start.technology, scenario.population
    n, farm, persons = t.n, start.farm, pop.consumers
    hours_needed = t.labour * start.first_output  # hours per week by sector, at norm productivity
    n_members, n_workers = headcount(scenario, n, start.commune_share, farm)
    council_sectors = [j for j in range(n) if j != farm]
    sector, size = _enterprises(pop, hours_needed[council_sectors], council_sectors, n_workers, rng)
    # Rural communes: land ∝ members, fertility lognormal (seed §9a).
    commune_members = production.largest_remainder(rng.uniform(0.5, 1.5, pop.communes), n_members - pop.communes) + 1
    fertility = rng.lognormal(0.0, scenario.communes.fertility_spread, pop.communes)
    fertility /= np.average(fertility, weights=commune_members) if pop.communes else 1.0
    sectors_all = np.concatenate([sector, np.full(pop.communes, farm if farm is not None else 0)])
    weight = np.concatenate([size, commune_members * fertility])
    total_weight = np.bincount(sectors_all, weights=weight, minlength=n)
    need = hours_needed[sectors_all] * (weight / total_weight[sectors_all])
    staff = (
        size.astype(int)
        if pop.councils == AUTO
        else production.staffing(need[: sector.size], n_workers, pop.group_size_min)
    )
    workers = np.concatenate([staff, commune_members])
    group_council, person_group, productivity = _groups(scenario, workers[: sector.size], rng)
    group = np.concatenate([rng.permutation(person_group), np.full(persons - n_workers, -1)])
    base = np.ones(persons)
    base[:n_workers] = wages.wage_hierarchy(n_workers, scenario.wages.initial_gini, rng)
    return FirstPeople(
        sector=sector,
        size=size,
        commune_members=commune_members,
        fertility=fertility,
        weight=weight,
        workers=workers,
        group_council=group_council,
        person_group=person_group,
        group_productivity=productivity,
        group=group,
        base=base,
    )


def _enterprises(pop, hours_needed: np.ndarray, council_sectors: list[int], n_workers: int, rng):
    """Each enterprise's sector and size, drawn from ``rng``.

    A number of councils is shared among the sectors in proportion to the hours each needs
    (at least one each), their sizes relative, uniform on 0.5–1.5. Under ``"auto"`` each
    sector's workers (in proportion to the hours it needs, at least a group) form the
    enterprises :func:`~sim.economics.firm_sizes.enterprise_count` says, sized by
    :func:`~sim.economics.firm_sizes.firm_sizes`: sizes in persons, summing to ``n_workers``.
    """
    if pop.councils != AUTO:
        per_sector = production.largest_remainder(hours_needed, pop.councils - len(council_sectors)) + 1
        sector = np.repeat(council_sectors, per_sector)
        return sector, rng.uniform(0.5, 1.5, sector.size)
    smallest = pop.group_size_min
    sector_workers = production.staffing(hours_needed, n_workers, smallest)
    per_sector = [firm_sizes.enterprise_count(w, smallest) for w in sector_workers]
    sizes = [firm_sizes.firm_sizes(w, k, smallest, rng) for w, k in zip(sector_workers, per_sector, strict=True)]
    return np.repeat(council_sectors, per_sector), np.concatenate(sizes).astype(float)


def headcount(scenario: Scenario, n_sectors: int, commune_share: float, farm: int | None) -> tuple[int, int]:
    """Persons in communes and in enterprises at the start; refused if the enterprises cannot be staffed.

    Raises
    ------
    ScenarioError
        Fewer councils than the sectors they run, or fewer workers than every council's first group.
    """
    pop, persons = scenario.population, scenario.population.consumers
    run_by_councils = n_sectors - (farm is not None)
    councils = run_by_councils if pop.councils == AUTO else pop.councils  # "auto": one per sector at least
    if councils < run_by_councils:
        raise ScenarioError(f"population.councils = {pop.councils}: must be ≥ {run_by_councils} (one per sector)")
    n_members = max(pop.communes, round(persons * commune_share)) if farm is not None else 0
    n_workers = persons - n_members
    if n_workers < councils * pop.group_size_min:
        raise ScenarioError(
            f"population.consumers = {pop.consumers}: too few to staff {councils} councils with "
            f"groups of at least {pop.group_size_min}"
        )
    return n_members, n_workers


def _groups(scenario: Scenario, council_workers: np.ndarray, rng):
    """Each enterprise's workers dealt round-robin over ``ceil(workers / group_size_max)`` groups.

    Returns each group's enterprise, each worker's group and each group's productivity (drawn).
    """
    pop = scenario.population
    n_groups = np.ceil(council_workers / pop.group_size_max).astype(int)
    council = np.repeat(np.arange(council_workers.size), n_groups)
    first = np.concatenate([[0], np.cumsum(n_groups)[:-1]])
    person_council = np.repeat(np.arange(council_workers.size), council_workers)
    rank = np.arange(person_council.size) - np.repeat(np.cumsum(council_workers) - council_workers, council_workers)
    person_group = first[person_council] + rank % n_groups[person_council]
    spread = scenario.work_groups.productivity_spread
    productivity = rng.lognormal(-(spread**2) / 2, spread, council.size)
    return council, person_group, productivity


def check_buildable(scenario: Scenario, economy: Economy) -> None:
    """Refuse what :func:`establish` would refuse, without building a model: the same checks on the same draws.

    The generator is the one a model of ``scenario`` starts with (``numpy.random.default_rng(seed)``,
    as ``mesa.Model(rng=seed)`` makes it), so the plan factory's mistaken coefficients, and
    the wage hierarchy that sets the households' budget shares, are the run's own. The
    persons are drawn only when a taste shift needs their budget shares.

    Raises
    ------
    ScenarioError
        The information error makes the plan factory's coefficients unproductive; too few
        persons to staff the councils beside the communes; a taste shift larger than the
        budget share of the good it turns from. The message is the model's, without a file.
    """
    rng = np.random.default_rng(scenario.seed)
    start = beginning(economy, scenario, rng)
    shift = scenario.taste_shift
    if shift.after_years <= 0:
        headcount(scenario, start.technology.n, start.commune_share, start.farm)
        return
    names = [start.technology.names[g] for g in start.state.consumer_goods]
    people = first_people(scenario, start, rng)
    alpha = _preferences(scenario, economy, start.state, people.base).alpha
    taste_shift_refusal(shift, names, alpha)


def farming_sector(technology: Technology, scenario: Scenario) -> int | None:
    """The sector the rural communes farm, or None without communes (seed §9a)."""
    code = scenario.communes.sector
    if scenario.population.communes == 0 or code not in technology.names:
        return None
    return technology.index(code)


def peasant_technology(economy: Economy, scenario: Scenario) -> Technology:
    """The economy's technology, farming as labour-intensive as the scenario's peasant share asks (seed §9a).

    With ``communes.population_share`` = s > 0, the labour coefficient of the farming
    sector is scaled so that the communes need that share of all persons at the first plan.
    """
    t, share = economy.technology, scenario.communes.population_share
    farm = farming_sector(t, scenario)
    if share == 0 or farm is None:
        return t
    inputs = t.A + (0 if t.capital_consumption is None else t.capital_consumption)
    home = economy.final_demand[["private", "public", "investment"]].sum(axis=1).to_numpy()
    x = np.linalg.solve(np.eye(t.n) - inputs, home)
    p = scenario.plan
    farm_share = share / production.commune_staffing(p.capacity_headroom, p.labour_reserve)  # see Planner.skeleton
    others = t.labour @ x - t.labour[farm] * x[farm]
    labour = t.labour.copy()
    labour[farm] = farm_share * others / ((1.0 - farm_share) * x[farm])
    return Technology(
        t.A,
        labour,
        t.capital,
        t.depreciation,
        names=t.names,
        consumer_goods=t.consumer_goods,
        descriptions=t.descriptions,
        sources=t.sources,
    )


def _people(model, start: Beginning, people: FirstPeople):
    """Enterprises, communes, work groups and persons, staffed for the skeleton plan, with their agents."""
    scenario, t = model.conditions, model.technology
    pop, farm, sector = scenario.population, start.farm, people.sector
    sectors_all = np.concatenate([sector, np.full(pop.communes, farm if farm is not None else 0)])
    model.producers = producers = ProducerArrays(
        sector=sectors_all,
        capacity=production.split_by_share(model.state.sector_capacity, sectors_all, people.weight),
        target=np.zeros(sectors_all.size),
        output=np.zeros(sectors_all.size),
        productivity=np.concatenate([np.ones(sector.size), people.fertility]),
        workers=people.workers.astype(int),
        is_commune=np.arange(sectors_all.size) >= sector.size,
        labour_cap=np.zeros(sectors_all.size),
    )
    model.councils = FactoryCouncils(
        producers, t.labour, start.inputs_true, start.planner.capacity_wear, start.planner.utilisation
    )
    plan = scenario.plan
    staffing = production.commune_staffing(plan.capacity_headroom, plan.labour_reserve)
    model.communes = RuralCommunes(producers, scenario.communes.transfer, staffing)
    model.person_group = people.person_group
    model.work_groups = WorkGroups(model, people.group_council, people.group_productivity, scenario.work_groups, pop)
    PrimaryWorkGroup.create_agents(model, people.group_council.size, row=np.arange(people.group_council.size))
    _consumers(model, people)
    model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)
    producers.target[:] = production.split_by_share(start.first_output, producers.sector, people.weight)
    FactoryCouncil.create_agents(model, sector.size, row=np.arange(sector.size))
    RuralCommune.create_agents(
        model, pop.communes, row=np.arange(sector.size, sector.size + pop.communes), index=np.arange(pop.communes)
    )


def _consumers(model, people: FirstPeople):
    """Persons: their group or commune, the old wage hierarchy, tastes around the AIDS shares (seed §7c)."""
    scenario, state, rng = model.conditions, model.state, model.rng
    n, n_workers = scenario.population.consumers, people.n_workers
    cg = state.consumer_goods
    commune = np.concatenate(
        [np.full(n_workers, -1), np.repeat(np.arange(people.commune_members.size), people.commune_members)]
    )
    shares = _budget_shares(state)
    taste = _tastes(n, scenario.consumption.taste_noise * shares, shares, scenario.population.taste_precision, rng)
    floor = taste.min(axis=0).astype(float)  # of the shifts as held: a lower bound of every one
    exposure = rng.uniform(0.5, 1.5, n)  # how far each person follows the fashion of the day, mean 1
    old_spending = state.wage * state.hours_per_week * people.base
    model.consumers = Consumers(
        income=np.zeros(n),
        spending=np.zeros(n),
        savings=scenario.consumption.buffer_weeks * old_spending,
        spent=np.zeros(n),
        base_wage=people.base,
        wage_factor=np.ones(n),
        own_taste=taste,
        taste_floor=floor,
        own_floor=floor.copy(),
        exposure=exposure,
        drift=np.zeros(cg.size),
        group=people.group,
        commune=commune,
        preferences=_preferences(scenario, model.economy, state, people.base),
        reference=state.values[cg].copy(),
    )
    model.planner.know_demand(model.consumers.preferences)
    d = scenario.decision
    own = rng.spawn(1)[0]  # a stream of its own: drawing them leaves the rest of the run's draws as they were
    model.consumers.weights = decision.person_weights(n, (d.consumption, d.leisure, d.growth), d.preference_spread, own)
    model.consumers.set_wage_factors(wages.equalisation_progress(scenario.wages.equalisation_years, week=0))
    state.tokens_held_at_start = float(model.consumers.savings.sum())


def _tastes(n: int, spread: np.ndarray, shares: np.ndarray, precision: str, rng) -> np.ndarray:
    """Each person's own taste shifts, (n, G): normal, ``spread`` per good, rows summing to 0 (seed §7c).

    Drawn a block of persons at a time (the same draws as one call), each block held at once
    in ``precision``: a national run never holds the draws in float64 whole.
    """
    taste = np.empty((n, shares.size), dtype=precision)
    for start in range(0, n, _TASTE_BLOCK):
        block = rng.standard_normal((min(_TASTE_BLOCK, n - start), shares.size))
        block *= spread
        block -= shares * block.sum(axis=1, keepdims=True)  # rows sum to 0: tastes shift, not scale, budgets
        taste[start : start + block.shape[0]] = block
    return taste


def _budget_shares(state) -> np.ndarray:
    """The households' budget shares at the skeleton plan: the value of each consumer good they are planned."""
    shares = state.values[state.consumer_goods] * state.expected_demand
    return shares / shares.sum()


def _preferences(scenario: Scenario, economy: Economy, state, base: np.ndarray):
    """The households' AIDS preferences, calibrated on the skeleton's budget shares and the old hierarchy (§7c)."""
    old_spending = state.wage * state.hours_per_week * base
    return market.calibrate_preferences(
        _budget_shares(state),
        economy.income_elasticities[state.consumer_goods],
        old_spending,
        scenario.consumption.price_response,
    )


def _federation(model):
    """The assemblies as a graph, and their first delegates to the Central Assembly (seed §5)."""
    c, councils, communes = model.consumers, model.councils.rows.size, model.communes.rows.size
    assembly = assembly_of(c.group, c.commune, model.work_groups.council, councils)
    members = np.bincount(assembly, minlength=councils + communes)
    model.federation = Federation(model.work_groups.council, members, councils, communes)
    model.delegates = Delegates(members, model.conditions.decision.central_seats)


def _check_taste_shift(model):
    shift = model.conditions.taste_shift
    if shift.after_years > 0:
        names = [model.technology.names[g] for g in model.state.consumer_goods]
        taste_shift_refusal(shift, names, model.consumers.preferences.alpha)


def taste_shift_refusal(shift, names: list[str], alpha: np.ndarray) -> None:
    """Refuse a taste shift between goods that are not consumer goods, or larger than the share it turns from.

    Parameters
    ----------
    shift : TasteShift
        The scenario's taste shift.
    names : list of str
        The consumer goods' codes, in the order of ``alpha``.
    alpha : numpy.ndarray
        The households' reference budget shares (AIDS ``α``).

    Raises
    ------
    ScenarioError
        Naming the key and the most that can move.
    """
    for code in (shift.rises, shift.falls):
        if code not in names:
            raise ScenarioError(f"taste_shift: {code!r} is not a consumer good; known: {', '.join(names)}")
    falls = names.index(shift.falls)
    if shift.budget_share > alpha[falls]:
        raise ScenarioError(
            f"taste_shift.budget_share = {shift.budget_share}: larger than {shift.falls}'s budget share "
            f"({alpha[falls]:.4f}); at most that much can move"
        )


def good_position(model, code: str) -> int:
    """Position of a consumer good among ``consumer_goods``."""
    names = [model.technology.names[g] for g in model.state.consumer_goods]
    if code not in names:
        raise ScenarioError(f"taste_shift: {code!r} is not a consumer good; known: {', '.join(names)}")
    return names.index(code)
