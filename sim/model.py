"""The self-managed economy as a Mesa model: one step is one week (DESIGN §3).

The model only says when: the regime (``sim.regimes``) says what each phase does, the
agents (``agents/``) act on their rows, the plan factory (``sim.run.planning``) plans, and
``sim.run.initial_conditions`` builds the economy a run starts from.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import mesa
import numpy as np

from agents import Consumer
from sim.economics.economy import Economy
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes import make_regime
from sim.run import initial_conditions
from sim.run.events import Events
from sim.run.noise import Noise, stands_for
from sim.run.record import Record
from sim.run.scenario import Scenario, ScenarioError, from_parameters, validate
from sim.run.scenario_economy import check_against_economy, economy_of

#: Seeds are drawn from 0 to this, exclusive: the range a scenario's ``seed`` accepts.
SEEDS = 2**32


class CouncilsModel(mesa.Model):
    """Castoriadis's economy of workers' councils, for one set of transition conditions.

    Parameters
    ----------
    scenario : Scenario, optional
        Transition conditions, rules and their parameters, horizon and seed; default
        :class:`~sim.run.scenario.Scenario`'s defaults.
    economy : Economy, optional
        Technology and initial conditions; default: the scenario's ``economy``.
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None, optional
        Mesa's seed argument (``mesa.batch_run(..., rng=[1, 2, 3])``): an integer is the
        seed; a generator or seed sequence draws one. ``None`` (the default): the
        scenario's seed when ``scenario`` is given (a scenario file keeps its seed), else a
        fresh seed from the operating system, as in Mesa's own examples, so that the
        iterations of ``mesa.batch_run`` are distinct replicates. Not with ``seed=``.
    **parameters
        Scenario keys as keyword parameters, for Mesa's ``SolaraViz`` and ``batch_run``:
        a section's key is ``section_key`` (``prices_response=2.0``,
        ``population_consumers=3000``), a top-level key is itself (``seed=1``,
        ``years=2``). They change ``scenario`` and are validated as a scenario file is.

    Raises
    ------
    ScenarioError
        For an unknown parameter, a value a scenario refuses, or both ``seed`` and ``rng``.

    Attributes
    ----------
    conditions : Scenario
        The scenario this run follows (not ``scenario``: Mesa ≥ 3.5 reserves that name).
    seed : int
        Its seed, drawn or given (``conditions.seed``): the run is reproduced by passing it.
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
    datacollector : mesa.DataCollector
        Model reporters, one column each: the seed, every per-week series, and every number
        of the run's summary so far (the verdict, ``converged_week``, the ``*_last_year`` levels;
        :meth:`sim.run.record.Record.summary`), so that ``mesa.batch_run`` returns them.
    """

    def __init__(self, scenario: Scenario | None = None, economy: Economy | None = None, rng=None, **parameters):
        if rng is not None and "seed" in parameters:
            raise ScenarioError("parameters: give seed or rng, not both")
        if rng is not None or (scenario is None and "seed" not in parameters):
            parameters["seed"] = _seed_of(rng)
        scenario = from_parameters(scenario, **parameters) if parameters else validate(scenario)
        super().__init__(rng=scenario.seed)
        self.conditions = scenario
        self.economy = economy or economy_of(scenario)
        check_against_economy(scenario, self.economy, "scenario")
        self.regime = make_regime(scenario.regime)
        self.events = Events(scenario)
        self.noise = Noise(scenario.noise, stands_for(scenario.population, self.economy))
        self.week = 0
        self._persons_made = False  # person agents are made when first asked for (:meth:`make_persons`)
        initial_conditions.establish(self)
        self.regime.plan(self)  # the first plan, from the skeleton
        self.record = Record(self, scenario.weeks)
        self._summary = (-1, {})  # the record's summary, and the week it was made
        self.datacollector = mesa.DataCollector(
            model_reporters={**self.record.reporters(), **self._summary_reporters()}
        )

    @property
    def agents(self):
        """Every agent, Mesa's ``AgentSet``; asking for it makes the person agents (:meth:`make_persons`)."""
        self.make_persons()
        return super().agents

    @property
    def agent_types(self) -> list[type]:
        """Every kind of agent, ``Consumer`` included (:meth:`make_persons`)."""
        self.make_persons()
        return super().agent_types

    @property
    def agents_by_type(self) -> Mapping:
        """Mesa's agents by kind; person agents are made when ``Consumer`` is first asked for (:meth:`make_persons`)."""
        return _AgentsByType(self, super().agents_by_type)

    def make_persons(self):
        """Make the ``Consumer`` agents, one view on each row of ``consumers``, if they are not made yet.

        Persons live as rows (``model.consumers``) and every weekly pass over them is
        vectorised, so their Mesa agents are made only when someone asks for them (the
        oracle, the dashboard, a user's ``model.agents``): a million persons' agent objects
        take about 0.45 GB and 7 s to make, which a run that never asks does not pay.
        """
        if not self._persons_made:
            self._persons_made = True
            Consumer.create_agents(self, self.consumers.income.size, row=np.arange(self.consumers.income.size))

    @property
    def graph(self):
        """The federation of assemblies as its assemblies last met, a ``networkx.DiGraph`` made when first read.

        :class:`sim.run.federation.Federation`: groups → General Assemblies → the Central Assembly.
        """
        return self.federation.graph

    @property
    def seed(self) -> int:
        """The run's seed (``conditions.seed``), drawn when none was given."""
        return self.conditions.seed

    def summary_so_far(self) -> dict:
        """The record's summary (:meth:`sim.run.record.Record.summary`) as of the last week done, made once a week."""
        week, summary = self._summary
        if week != self.record.weeks:
            summary = self.record.summary()
            self._summary = (self.record.weeks, summary)
        return summary

    def _summary_reporters(self) -> dict:
        """The seed, and a reporter for each key of the summary that is a number, a truth value or not yet known."""
        return {
            "seed": "seed",
            **{
                key: functools.partial(_summary_value, key=key)
                for key, value in self.summary_so_far().items()
                if value is None or isinstance(value, bool | int | float)
            },
        }

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


class _AgentsByType(Mapping):
    """Mesa's ``agents_by_type``, with the person agents made the first time they are asked for."""

    def __init__(self, model: CouncilsModel, by_type: dict):
        self._model, self._by_type = model, by_type

    def __getitem__(self, kind):
        if isinstance(kind, type) and issubclass(kind, Consumer):
            self._model.make_persons()
        return self._by_type[kind]

    def __iter__(self):
        self._model.make_persons()
        return iter(self._by_type)

    def __len__(self) -> int:
        self._model.make_persons()
        return len(self._by_type)


def _seed_of(rng) -> int:
    """A run's seed from Mesa's ``rng``: an integer as it is; otherwise drawn from it (``None``: from the system)."""
    if isinstance(rng, int | np.integer):
        return int(rng)
    return int(np.random.default_rng(rng).integers(SEEDS))


def _summary_value(model: CouncilsModel, key: str):
    """One number of the model's summary so far: a DataCollector column."""
    return model.summary_so_far()[key]
