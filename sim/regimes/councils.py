"""The seed's regime: workers' councils, the plan factory and the three corrective processes.

Pay: the equal hourly wage (seed §7d, §7e), or the old hierarchy shrinking on its
schedule; communes credit their members (§9a). Price: corrective (b), each price follows
its good's reserve stock (§7c). Readjust: corrective (c), councils move consumer-good
output toward expected sales and the stock rebuild (§7c). Plan: councils and communes
report, the plan factory revises its coefficients and re-solves, workers move to where
the plan needs their hours (§6, §7b). Decide: once a year the hierarchy shrinks on its
schedule and work groups rotate and exclude (§6, §7f).
"""

from __future__ import annotations

import numpy as np

from sim import market, wages
from sim.regimes.base import Regime
from sim.units import WEEKS_PER_YEAR


class Councils(Regime):
    """Castoriadis's self-managed economy (seed §7)."""

    name = "councils"

    def pay(self, model):
        """Equal hourly wage to every worker (or the shrinking hierarchy); communes credit their members."""
        s, c = model.state, model.consumers
        weekly = s.wage * s.hours_per_week
        c.pay_wages(weekly)
        model.communes.credit_members(c, weekly, s.values)
        s.tokens_paid += float(c.income.sum())

    def buy(self, model):
        """Households buy; the plan factory learns what councils saw sell, at what price (seed §7b, §7c)."""
        super().buy(model)
        model.planner.observe(model.state, model.state.seen_demand)

    def price(self, model):
        """Corrective (b): each price follows its good's reserve stock (seed §7c)."""
        s, cg = model.state, model.state.consumer_goods
        new = market.price_from_stock(s.values[cg], s.stock[cg], s.reserve[cg], **vars(model.conditions.prices))
        model.record.price_changes(s.prices, new)
        s.prices = new

    def readjust(self, model):
        """Corrective (c): councils move consumer-good output toward ``D̂ + (S* − S)/τ`` (seed §7c)."""
        model.councils.readjust(model.state, model.conditions.readjustment, model.state.seen_demand)

    def plan(self, model):
        """Reports → revised coefficients → the re-solved plan → targets → labour moves (seed §6, §7b, §9a).

        The plan sets the targets of the goods households do not buy; consumer goods stay
        with corrective (c), which the councils run every week.
        """
        s, councils, rng = model.state, model.councils, model.rng
        model.planner.revise_coefficients(*councils.reports(model.conditions.noise.reports, rng))
        asked = councils.ask_for_capacity(s, model.conditions.plan.investment_margin)
        model.planner.solve(s, model.week, rng, asked)
        targets = model.producers.by_sector(model.producers.target, model.technology.n)
        planned = np.ones(model.technology.n, dtype=bool)
        planned[s.consumer_goods] = False
        targets[planned] = s.plan_output[planned]
        councils.take_targets(targets)
        self._migrate(model)
        persons, destination = councils.movers_to_plan(
            model.consumers, model.work_groups, model.conditions.population.group_size_min, rng
        )
        if persons.size:
            self._move(model, persons, destination)

    @staticmethod
    def _migrate(model):
        """Labour moves between farming and industry toward what the plan asks of farming, at a yearly rate (§9a)."""
        communes, sc, rng = model.communes, model.conditions, model.rng
        allowance = int(sc.communes.mobility * sc.population.consumers * sc.plan.period_weeks / WEEKS_PER_YEAR)
        if communes.rows.size == 0 or allowance == 0:
            return
        farm = model.producers.sector[communes.rows[0]]
        wanted = communes.members_wanted(model.technology.labour[farm], model.state.hours_per_week)
        moves = int(np.clip(round(wanted.sum() - model.producers.workers[communes.rows].sum()), -allowance, allowance))
        c, groups = model.consumers, model.work_groups
        if moves > 0:
            persons = rng.choice(np.flatnonzero(c.workers), moves, replace=False)
            groups.release(c, persons, rng)
            communes.admit(c, persons, wanted, rng)
        elif moves < 0:
            persons = communes.release(c, -moves, wanted, rng)
            if persons.size:
                groups.admit(c, persons, groups.council[rng.integers(0, groups.council.size, persons.size)], rng)
        model.councils.staff(c.group, groups, model.state.hours_per_week)

    def decide(self, model):
        """Once a year: the hierarchy shrinks on its schedule; groups rotate members and ask some to leave.

        Hours and shares stay as decided (a fixed rule until the yearly vote is modelled).
        """
        c, groups = model.consumers, model.work_groups
        c.set_wage_factors(wages.equalisation_progress(model.conditions.wages.equalisation_years, model.week))
        movers = groups.turnover(c, model.rng)
        if movers.size:
            destination = groups.council[model.rng.integers(0, groups.council.size, movers.size)]
            self._move(model, movers, destination)

    @staticmethod
    def _move(model, persons, councils):
        model.work_groups.join(model.consumers, persons, councils, model.rng)
        model.councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)
