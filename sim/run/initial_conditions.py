"""The initial conditions of a run (seed §7b, §7c, §9a): technology, the skeleton plan and the people.

:func:`establish` gives a new model everything it starts from: the technology it runs
on, the plan factory with its first estimates and the skeleton plan, the enterprises and
communes with their capacity, the primary work groups, the persons with the wage
hierarchy they come from and their tastes, and a Mesa agent for each of them.
"""

from __future__ import annotations

import numpy as np

from agents import (
    Consumer,
    Consumers,
    FactoryCouncil,
    FactoryCouncils,
    PrimaryWorkGroup,
    RuralCommune,
    RuralCommunes,
    WorkGroups,
)
from sim.economics import decision, market, production, wages
from sim.economics.economy import Economy, Technology
from sim.economics.state import ProducerArrays
from sim.run.federation import Delegates, assembly_of, federation_graph
from sim.run.planning import Planner
from sim.run.scenario import Scenario, ScenarioError


def establish(model):
    """Set up ``model`` (a :class:`~sim.model.CouncilsModel` with ``conditions``, ``economy`` and ``rng``).

    Sets ``technology``, ``planner``, ``state``, ``producers``, ``councils``, ``communes``,
    ``work_groups``, ``consumers``, ``person_group`` (each worker's first group), ``graph``
    (the federation) and ``delegates``, and creates the agents.
    """
    scenario = model.conditions
    model.technology = technology = peasant_technology(model.economy, scenario)
    dense = technology.A.toarray() if technology.is_sparse else technology.A
    D = technology.capital_consumption
    D = np.zeros_like(dense) if D is None else (D.toarray() if hasattr(D, "toarray") else D)
    inputs_true = dense + D  # A + D: the economy runs on the true coefficients
    e = model.economy
    utilisation = np.divide(e.gross_output, e.capacity, out=np.ones(technology.n), where=e.capacity > 0)
    model.planner = Planner(technology, inputs_true, utilisation, scenario, model.rng)
    farm = farming_sector(technology, scenario)
    model.state, first_output, commune_share = model.planner.skeleton(
        model.economy, inputs_true, scenario.population.consumers, farm
    )
    _people(model, inputs_true, first_output, commune_share, farm)
    _federation(model)
    _check_taste_shift(model)


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


def _people(model, inputs_true, first_output, commune_share, farm):
    """Enterprises, communes, work groups and persons, staffed for the skeleton plan."""
    scenario, t, rng = model.conditions, model.technology, model.rng
    pop, n = scenario.population, t.n
    persons = pop.consumers
    hours_needed = t.labour * first_output  # hours per week by sector, at norm productivity
    n_sectors_councils = n - (farm is not None)
    if pop.councils < n_sectors_councils:
        raise ScenarioError(f"population.councils = {pop.councils}: must be ≥ {n_sectors_councils} (one per sector)")
    council_sectors = [j for j in range(n) if j != farm]
    n_members = max(pop.communes, round(persons * commune_share)) if farm is not None else 0
    n_workers = persons - n_members
    if n_workers < pop.councils * pop.group_size_min:
        raise ScenarioError(
            f"population.consumers = {pop.consumers}: too few to staff {pop.councils} councils with "
            f"groups of at least {pop.group_size_min}"
        )
    # Enterprises per sector in proportion to the work each sector needs, at least one.
    weights = hours_needed[council_sectors]
    per_sector = production.largest_remainder(weights, pop.councils - len(council_sectors)) + 1
    sector = np.repeat(council_sectors, per_sector)
    size = rng.uniform(0.5, 1.5, sector.size)
    # Rural communes: land ∝ members, fertility lognormal (seed §9a).
    commune_members = production.largest_remainder(rng.uniform(0.5, 1.5, pop.communes), n_members - pop.communes) + 1
    fertility = rng.lognormal(0.0, scenario.communes.fertility_spread, pop.communes)
    fertility /= np.average(fertility, weights=commune_members) if pop.communes else 1.0
    sectors_all = np.concatenate([sector, np.full(pop.communes, farm if farm is not None else 0)])
    weight = np.concatenate([size, commune_members * fertility])
    total_weight = np.bincount(sectors_all, weights=weight, minlength=n)
    need = hours_needed[sectors_all] * (weight / total_weight[sectors_all])
    workers = np.concatenate([production.staffing(need[: sector.size], n_workers, pop.group_size_min), commune_members])
    model.producers = producers = ProducerArrays(
        sector=sectors_all,
        capacity=production.split_by_share(model.state.sector_capacity, sectors_all, weight),
        target=np.zeros(sectors_all.size),
        output=np.zeros(sectors_all.size),
        productivity=np.concatenate([np.ones(sector.size), fertility]),
        workers=workers.astype(int),
        is_commune=np.arange(sectors_all.size) >= sector.size,
        labour_cap=np.zeros(sectors_all.size),
    )
    model.councils = FactoryCouncils(producers, t.labour, inputs_true)
    plan = scenario.plan
    staffing = production.commune_staffing(plan.capacity_headroom, plan.labour_reserve)
    model.communes = RuralCommunes(producers, scenario.communes.transfer, staffing)
    _work_groups(model, workers[: sector.size])
    _consumers(model, n_workers, commune_members)
    model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)
    producers.target[:] = production.split_by_share(first_output, producers.sector, weight)
    FactoryCouncil.create_agents(model, sector.size, row=np.arange(sector.size))
    RuralCommune.create_agents(
        model, pop.communes, row=np.arange(sector.size, sector.size + pop.communes), index=np.arange(pop.communes)
    )


def _work_groups(model, council_workers):
    """Each enterprise's workers dealt round-robin over ``ceil(workers / group_size_max)`` groups."""
    pop = model.conditions.population
    n_groups = np.ceil(council_workers / pop.group_size_max).astype(int)
    council = np.repeat(np.arange(council_workers.size), n_groups)
    first = np.concatenate([[0], np.cumsum(n_groups)[:-1]])
    person_council = np.repeat(np.arange(council_workers.size), council_workers)
    rank = np.arange(person_council.size) - np.repeat(np.cumsum(council_workers) - council_workers, council_workers)
    model.person_group = first[person_council] + rank % n_groups[person_council]
    spread = model.conditions.work_groups.productivity_spread
    productivity = model.rng.lognormal(-(spread**2) / 2, spread, council.size)
    model.work_groups = WorkGroups(model, council, productivity, model.conditions.work_groups, pop)
    PrimaryWorkGroup.create_agents(model, council.size, row=np.arange(council.size))


def _consumers(model, n_workers, commune_members):
    """Persons: their group or commune, the old wage hierarchy, tastes around the AIDS shares (seed §7c)."""
    scenario, state, rng = model.conditions, model.state, model.rng
    n = scenario.population.consumers
    cg = state.consumer_goods
    group = np.concatenate([rng.permutation(model.person_group), np.full(n - n_workers, -1)])
    commune = np.concatenate([np.full(n_workers, -1), np.repeat(np.arange(commune_members.size), commune_members)])
    base = np.ones(n)
    base[:n_workers] = wages.wage_hierarchy(n_workers, scenario.wages.initial_gini, rng)
    shares = state.values[cg] * state.expected_demand
    shares = shares / shares.sum()
    taste = scenario.consumption.taste_noise * shares * rng.standard_normal((n, cg.size))
    taste -= shares * taste.sum(axis=1, keepdims=True)  # rows sum to 0: tastes shift, not scale, budgets
    exposure = rng.uniform(0.5, 1.5, n)  # how far each person follows the fashion of the day, mean 1
    old_spending = state.wage * state.hours_per_week * base
    model.consumers = Consumers(
        income=np.zeros(n),
        spending=np.zeros(n),
        savings=scenario.consumption.buffer_weeks * old_spending,
        spent=np.zeros(n),
        base_wage=base,
        wage_factor=np.ones(n),
        taste=taste,
        taste_floor=taste.min(axis=0),
        own_taste=taste.copy(),
        own_floor=taste.min(axis=0),
        exposure=exposure,
        drift=np.zeros(cg.size),
        group=group,
        commune=commune,
        preferences=market.calibrate_preferences(
            shares, model.economy.income_elasticities[cg], old_spending, scenario.consumption.price_response
        ),
    )
    model.planner.know_demand(model.consumers.preferences)
    d = scenario.decision
    own = rng.spawn(1)[0]  # a stream of its own: drawing them leaves the rest of the run's draws as they were
    model.consumers.weights = decision.person_weights(n, (d.consumption, d.leisure, d.growth), d.preference_spread, own)
    model.consumers.set_wage_factors(wages.equalisation_progress(scenario.wages.equalisation_years, week=0))
    Consumer.create_agents(model, n, row=np.arange(n))
    state.tokens_held_at_start = float(model.consumers.savings.sum())


def _federation(model):
    """The assemblies as a graph, and their first delegates to the Central Assembly (seed §5)."""
    c, councils, communes = model.consumers, model.councils.rows.size, model.communes.rows.size
    assembly = assembly_of(c.group, c.commune, model.work_groups.council, councils)
    members = np.bincount(assembly, minlength=councils + communes)
    model.graph = federation_graph(model.work_groups.council, members, councils, communes)
    model.delegates = Delegates(members, model.conditions.decision.central_seats)


def _check_taste_shift(model):
    shift = model.conditions.taste_shift
    if shift.after_years > 0:
        good_position(model, shift.rises)
        falls = good_position(model, shift.falls)
        if shift.budget_share > model.consumers.preferences.alpha[falls]:
            raise ScenarioError(
                f"taste_shift.budget_share = {shift.budget_share}: larger than {shift.falls}'s budget share "
                f"({model.consumers.preferences.alpha[falls]:.4f}); at most that much can move"
            )


def good_position(model, code: str) -> int:
    """Position of a consumer good among ``consumer_goods``."""
    names = [model.technology.names[g] for g in model.state.consumer_goods]
    if code not in names:
        raise ScenarioError(f"taste_shift: {code!r} is not a consumer good; known: {', '.join(names)}")
    return names.index(code)
