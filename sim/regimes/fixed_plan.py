"""Bureaucratic planning (seed §1, §7b note 2): prices and outputs fixed from above, once a year.

The seed's argument against the plan of the bureaucratic societies is not that it plans
but that it fixes from above what consumers and producers could correct: prices that
never move, outputs that follow last year's estimate, the managerial hierarchy of wages.
The same economy, people, noise and shocks as under the councils; ``[fixed_plan]``:

- **Prices** are the labour values the plan factory publishes with its yearly plan, and
  do not change until the next one.
- **Output** of every good, consumer goods included, is the yearly plan's intermediate
  target, computed from the plan factory's estimates (its coefficients revised from the
  councils' reports; demand from what households asked for at those prices, queues
  included, over the past year) with the stock rebuilt over the year. Nothing is
  readjusted from stocks or sales between two plans; investment is allocated with the
  plan, and workers are assigned where its targets need them.
- **Rationing** of scarce goods is by queue, whatever ``consumption.rationing`` says.
- **Wages** keep a managerial hierarchy of Gini ``wage_gini`` (the same persons at the
  top as before), with the same wage bill as the councils' equal wage; communes are
  credited as under the councils (collective farms delivering to the plan).

Queues (the unmet share) and unsold piles (``excess_stock_share``) are both measured.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.base import Regime


class FixedPlan(Regime):
    """The plan of a bureaucratic society: yearly, fixed, queued for."""

    name = "fixed_plan"
    rationing = "queue"

    def __init__(self):
        super().__init__()
        self._asked = None  # (G,) households' demand seen since the last plan, summed, units
        self._weeks = 0

    def pay(self, model):
        """The managerial hierarchy of wages, with the councils' wage bill; communes credit their members."""
        s, c = model.state, model.consumers
        weekly = s.wage * s.hours_per_week
        c.pay_wages(weekly)
        model.communes.credit_members(c, weekly, s.values)
        s.tokens_paid += float(c.income.sum())

    def buy(self, model):
        """Households buy, queueing where goods are short; the plan factory learns what they asked for."""
        super().buy(model)
        s = model.state
        model.planner.observe(s, s.seen_demand)
        self._asked += s.seen_demand
        self._weeks += 1

    def price(self, model):
        """Prices stay where the yearly plan fixed them."""

    def readjust(self, model):
        """Output stays where the yearly plan fixed it."""

    def plan(self, model):
        """Once a year: reports, revised coefficients, the plan, its prices, targets and labour assignments.

        The model calls the plan every ``plan.period_weeks``; the bureaucracy plans only at
        the start of each year, and its plan factory plans for the whole year.
        """
        if model.week % WEEKS_PER_YEAR:
            return
        s, sc, councils, rng = model.state, model.conditions, model.councils, model.rng
        cg = s.consumer_goods
        if self._asked is None:  # the first plan: the hierarchy is kept; the plan factory plans by the year
            model.consumers.set_hierarchy(sc.wages.initial_gini, sc.fixed_plan.wage_gini, rng)
            yearly = dataclasses.replace(sc.plan, period_weeks=WEEKS_PER_YEAR)
            model.planner.conditions = dataclasses.replace(sc, plan=yearly)
            self._asked = np.zeros(cg.size)
        model.planner.revise_coefficients(*councils.reports(sc.noise.reports, rng))
        asked = councils.ask_for_capacity(s, sc.plan.investment_margin)
        model.planner.solve(s, model.week, rng, asked)
        councils.take_targets(s.plan_output)
        s.prices = s.values[cg].copy()
        if self._weeks:
            s.expected_demand = self._asked / self._weeks
        household = (
            s.expected_demand * model.planner.household_budget(s.net_product) / (s.values[cg] @ s.expected_demand)
        )
        s.reserve[cg] = sc.readjustment.reserve_weeks * (household + s.other_use[cg])
        self._asked[:] = 0.0
        self._weeks = 0
        persons, destination = councils.movers_to_plan(
            model.consumers, model.work_groups, sc.population.group_size_min, rng
        )
        if persons.size:
            model.work_groups.join(model.consumers, persons, destination, rng)
            councils.staff(model.consumers.group, model.work_groups, s.hours_per_week)

    def decide(self, model):
        """No yearly decision of the people: the hierarchy and the plan's shares are fixed from above.

        Enterprises' methods improve as under every regime (``technical_change.rate``).
        """
        model.councils.improve_methods(model.conditions.technical_change.rate)
