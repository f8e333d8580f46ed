"""Where a scenario meets its economy: what the model needs of the economy, checked before anything runs.

A scenario file is valid on its own (:mod:`sim.run.scenario`) and an economy directory is valid on
its own (:mod:`sim.economics.economy`); some rules join the two: the communes farm a sector the economy
has, every sector the councils run has a council, imported and shifted goods exist. The CLI
and sweeps call :func:`check_against_economy` before a run starts, so a mismatch is one line
naming the scenario key, not an error deep in a run.

Some rules need the run's first draws: the plan factory's mistaken coefficients must stay
productive, the councils must be staffed beside the communes the land needs, a taste shift
can move at most the budget share of the good it turns from. :func:`check_model_builds`
makes them on the same draws a model of the scenario would make, without building it, so
``run``, ``sweep`` (before any worker) and the dashboard refuse them when the file is read.
"""

from __future__ import annotations

from sim.economics.economy import Economy, economy_directory, load_economy, spectral_radius
from sim.run import initial_conditions
from sim.run.scenario import AUTO, Scenario, ScenarioError
from sim.storage.files import show


def economy_of(scenario: Scenario) -> Economy:
    """The economy a scenario names: a shipped one (``"default"``, ``"us2014-55"``) or a directory of its own."""
    return load_economy(economy_directory(scenario.economy))


def check_against_economy(scenario: Scenario, economy: Economy, where: str) -> None:
    """Refuse a scenario that asks of ``economy`` what it does not have.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    economy : Economy
        The economy it runs on.
    where : str
        What to name in the message (the scenario file).

    Raises
    ------
    ScenarioError
        Communes (``population.communes > 0``) whose ``communes.sector`` is not a sector;
        fewer councils than the sectors the councils run; an imported good
        (``imports.share > 0``) that is not a sector; a taste shift
        (``taste_shift.after_years > 0``) between goods that are not consumer goods; a markup
        of a market regime at which prices of production do not exist (``(1 + markup) ρ(A + D) ≥ 1``).
    """
    t = economy.technology
    sectors = list(t.names)
    consumer_goods = [t.names[g] for g in t.consumer_goods]
    known = f"the sectors of {economy.name}: {', '.join(sectors)}"
    pop = scenario.population
    farmed = pop.communes > 0
    if farmed and scenario.communes.sector not in sectors:
        raise ScenarioError(
            f"{where}: communes.sector = {show(scenario.communes.sector)}: not a sector of the economy, so "
            f"population.communes = {pop.communes} have nothing to farm; {known}"
        )
    if pop.represents == "economy" and economy.workers < pop.consumers:
        raise ScenarioError(
            f'{where}: population.represents = "economy": {economy.name} has {economy.workers:,.0f} persons engaged, '
            f"fewer than population.consumers = {pop.consumers}: must stand for at least the persons simulated "
            '(simulate fewer persons, or set population.represents = "sample")'
        )
    run_by_councils = len(sectors) - farmed
    if pop.councils != AUTO and pop.councils < run_by_councils:
        raise ScenarioError(
            f"{where}: population.councils = {pop.councils}: must be ≥ {run_by_councils} "
            f"(one council per sector the councils run)"
        )
    if scenario.imports.share > 0:
        for code in scenario.imports.goods:
            if code not in sectors:
                raise ScenarioError(f"{where}: imports.goods: {show(code)} is not a sector; {known}")
    shift = scenario.taste_shift
    if shift.after_years > 0:
        for key, code in (("rises", shift.rises), ("falls", shift.falls)):
            if code not in consumer_goods:
                raise ScenarioError(
                    f"{where}: taste_shift.{key} = {show(code)}: not a consumer good; consumer goods: "
                    f"{', '.join(consumer_goods)}"
                )
    section = getattr(scenario, scenario.regime, None)  # the chosen regime's section
    markup = getattr(section, "markup", None)
    if markup is not None:
        what = f"{scenario.regime}.markup = {markup}"
        power = getattr(section, "market_power", 0.0)
        if power:  # the highest markup is that of a good one producer makes
            markup += power
            what += f" + market_power = {power}"
        inputs = t.A + (0 if t.capital_consumption is None else t.capital_consumption)
        rho = spectral_radius(inputs)
        if (1.0 + markup) * rho >= 1.0:
            raise ScenarioError(
                f"{where}: {what}: too high for {economy.name}, whose inputs and capital "
                f"used up per unit have spectral radius {rho:.3f}: prices of production need "
                f"(1 + markup) × {rho:.3f} < 1, so markup < {1.0 / rho - 1.0:.3f}"
            )


def check_model_builds(scenario: Scenario, economy: Economy, where: str) -> None:
    """Refuse what building a model of ``scenario`` on ``economy`` would refuse, before anything is built.

    The same checks, on the same draws, as :func:`sim.run.initial_conditions.establish`
    (:func:`sim.run.initial_conditions.check_buildable`); the message is the model's,
    naming ``where``.

    Raises
    ------
    ScenarioError
        ``plan.information_error`` makes the plan factory's coefficients unproductive;
        ``population.consumers`` too few to staff the councils beside the communes;
        ``taste_shift.budget_share`` larger than the budget share it turns from.
    """
    try:
        initial_conditions.check_buildable(scenario, economy)
    except ScenarioError as err:
        raise ScenarioError(f"{where}: {err}") from None


def build_key(scenario: Scenario) -> tuple:
    """What :func:`check_model_builds` depends on: scenarios alike in all of it pass or fail it together.

    The seed counts only when the checks draw (an information error, or a taste shift whose
    budget shares depend on the drawn wage hierarchy).
    """
    draws = scenario.plan.information_error > 0 or scenario.taste_shift.after_years > 0
    return (
        scenario.economy,
        scenario.seed if draws else None,
        scenario.population,
        scenario.plan,
        scenario.communes,
        scenario.imports,
        scenario.taste_shift,
        scenario.wages,
        scenario.consumption,
    )
