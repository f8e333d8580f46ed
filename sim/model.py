"""The self-managed economy as a Mesa model: one step is one week (DESIGN §3).

The model only says when: the regime (``sim.regimes``) says what each phase does, the
agents (``agents/``) act on their rows, the plan factory (``sim.run.planning``) plans, and
``sim.run.initial_conditions`` builds the economy a run starts from.
"""

from __future__ import annotations

import mesa

from sim.economics.economy import Economy
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes import make_regime
from sim.run import initial_conditions
from sim.run.events import Events
from sim.run.noise import Noise
from sim.run.record import Record
from sim.run.scenario import Scenario, from_parameters, validate
from sim.run.scenario_economy import check_against_economy, economy_of


class CouncilsModel(mesa.Model):
    """Castoriadis's economy of workers' councils, for one set of transition conditions.

    Parameters
    ----------
    scenario : Scenario, optional
        Transition conditions, rules and their parameters, horizon and seed; default
        :class:`~sim.run.scenario.Scenario`'s defaults.
    economy : Economy, optional
        Technology and initial conditions; default: the scenario's ``economy``.
    **parameters
        Scenario keys as keyword parameters, for Mesa's ``SolaraViz`` and ``batch_run``:
        a section's key is ``section_key`` (``prices_response=2.0``,
        ``population_consumers=3000``), a top-level key is itself (``seed=1``,
        ``years=2``). They change ``scenario`` and are validated as a scenario file is.

    Attributes
    ----------
    conditions : Scenario
        The scenario this run follows (not ``scenario``: Mesa ≥ 3.5 reserves that name).
    regime : sim.regimes.base.Regime
        The institutions, phase by phase (``scenario.regime``).
    state : sim.economics.state.EconomyState
        Stocks, reserves, prices, values, the plan in force, the investment pipeline,
        this week's flows and the token accounts.
    planner : sim.run.planning.Planner
        The plan factory at work: its coefficient estimates and solves.
    consumers, work_groups : agents.Consumers, agents.WorkGroups
        Persons and primary work groups, one row each.
    producers : sim.economics.state.ProducerArrays
        Enterprises (factory councils), then rural communes, one row each.
    councils, communes : agents.FactoryCouncils, agents.RuralCommunes
        What councils and communes do, on the producers' rows.
    record : sim.run.record.Record
        Everything measured, per week.
    """

    def __init__(self, scenario: Scenario | None = None, economy: Economy | None = None, **parameters):
        scenario = from_parameters(scenario, **parameters) if parameters else validate(scenario or Scenario())
        super().__init__(rng=scenario.seed)
        self.conditions = scenario
        self.economy = economy or economy_of(scenario)
        check_against_economy(scenario, self.economy, "scenario")
        self.regime = make_regime(scenario.regime)
        self.events = Events(scenario)
        self.noise = Noise(scenario.noise)
        self.week = 0
        initial_conditions.establish(self)
        self.regime.plan(self)  # the first plan, from the skeleton
        self.record = Record(self, scenario.weeks)
        self.datacollector = mesa.DataCollector(model_reporters=self.record.reporters())

    def step(self):
        """One week: noise → produce → pay → deliver → buy → price → readjust → invest; plan monthly; decide yearly."""
        regime = self.regime
        self.noise.draw(self)  # tastes drift, work and harvests vary
        regime.produce(self)  # councils and communes make what targets, capacity, labour and inputs allow
        regime.pay(self)  # wages and credits, in tokens
        regime.deliver(self)  # imports arrive; public bodies, investment and exports draw
        regime.buy(self)  # households buy, rationed where scarce
        regime.price(self)  # corrective (b)
        regime.readjust(self)  # corrective (c)
        regime.invest(self)  # capacity ordered a lag ago comes into service
        self.record.week_done()
        self.datacollector.collect(self)
        self.week += 1
        self.running = self.week < self.conditions.weeks
        self.events.fire(self)  # before the plan, so that it knows
        if self.week % WEEKS_PER_YEAR == 0:
            regime.decide(self)  # the yearly decision comes first: the plan then works it out
        if self.week % self.conditions.plan.period_weeks == 0:
            regime.plan(self)

    def run(self, weeks: int | None = None, progress=None) -> dict:
        """Run for ``weeks`` (default the scenario's horizon), calling ``progress(week)`` after each.

        Returns
        -------
        dict
            The run's verdict and measures (:meth:`sim.run.record.Record.summary`).
        """
        for _ in range(self.conditions.weeks if weeks is None else weeks):
            self.step()
            if progress is not None:
                progress(self.week)
        return self.record.summary()

    @property
    def consumer_goods(self):
        """Positions of the goods households buy, among all goods."""
        return self.state.consumer_goods

    def explain_prices(self, limit: int = 20) -> list[str]:
        """Why prices moved: the logged changes, newest last (seed §7c: "fully explained to the people")."""
        return self.record.explain_prices(limit)
