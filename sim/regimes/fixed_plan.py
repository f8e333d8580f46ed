"""Bureaucratic planning (seed §1, §7b note 2): prices fixed for the year, targets corrected within it.

The seed's argument against the plan of the bureaucratic societies is not that it plans
but that it fixes from above what consumers and producers could correct: prices that
never move, outputs that follow the planners' estimate, the managerial hierarchy of wages.
The same economy, people, noise and shocks as under the councils; ``[fixed_plan]``:

- **Prices** are the labour values the plan factory publishes with its yearly plan, and
  do not change until the next one.
- **Output** of every good, consumer goods included, is the yearly plan's intermediate
  target, computed from the plan factory's estimates (its coefficients revised from the
  councils' reports; demand from what households asked for at those prices, queues
  included, over the past year) with the stock rebuilt over the year. Investment is
  allocated with the plan, and workers are assigned where its targets need them.
- **Corrections within the year**: every ``correction_weeks`` (13, a quarter) between two
  yearly plans the planners raise, for good, the targets of the goods queued for over the
  period, by ``correction_strength`` of the queue and no further than capacity
  (:func:`sim.economics.plan_corrections.raised_for_queues`); and, for the next period only,
  lower those of the goods piled above their reserve and above the year's plan for their
  stock, to clear ``correction_strength`` of the pile by the next correction
  (:func:`~sim.economics.plan_corrections.piled`,
  :func:`~sim.economics.plan_corrections.cut_for_piles`); the inputs each change needs
  included, through the plan factory's coefficients (Kornai 1980). Workers are reassigned
  to the corrected targets. Prices, reserves and the investment allotted stay the year's.
  ``correction_weeks = 0``: no correction, the plan holds for the whole year.
- **A soft budget** (Kornai 1979, 1980): enterprises pay the decided week whatever they
  sell, the plan covers their losses and none closes (no regime here closes an
  enterprise); and, since new capacity costs them nothing, they ask the yearly plan for
  ``investment_hunger`` more capacity than its output and ``plan.investment_margin`` need
  (:func:`sim.economics.plan_corrections.hungry_margin`). The plan grants their asks first,
  within its investment share, and what remains goes to balanced growth as under the
  councils. ``diverted`` is the share of the year's investment granted beyond need
  (:func:`sim.economics.plan_corrections.diverted_share`); ``investment_hunger = 0`` is a
  hard budget on investment, and ``diverted`` stays 0.
- **Hoarding** (Kornai 1980): enterprises that met a shortage of an input in the period
  just ended (the quarter between corrections, or the year with none) — households queued
  for it, or producers lacked it — hold ``hoarding`` weeks of its use above their need
  through the next period, taken from the stock on sale before households come
  (:func:`sim.economics.shortage.hoard_target`); production draws on the hoards as on any
  stock, and a good no longer short is hoarded no more. The planners' pile corrections see
  the stock less the hoards. ``hoarding = 0``: none.
- **Hours** are fixed from above at the scenario's week and nobody is dismissed: the hours
  that methods improving within the year free are held on the job until the next plan
  assigns workers again (labour hoarding: Kornai 1980). Its labour reserve is the plan's
  ``labour_reserve`` and those hours.
- **Rationing** of scarce goods is by queue, whatever ``consumption.rationing`` says. A
  household turned away spends ``substitution`` of the money on the goods still on sale, in
  the proportions of the average budget, as far as their stocks go (forced substitution,
  :func:`sim.economics.shortage.substitute`), and saves the rest (forced saving); what it
  asks for in substitution is demand the planners see. ``substitution = 0``: all of it saved.
- **Wages** keep a managerial hierarchy of Gini ``wage_gini`` (the same persons at the
  top as before), with the same wage bill as the councils' equal wage; communes are
  credited as under the councils (collective farms delivering to the plan).

Queues (the unmet share) and unsold piles (``excess_stock_share``) are both measured, and
Kornai's marks of a shortage economy with them under every regime (:mod:`sim.run.record`):
queued and piled goods in the same week, forced saving, substituted spending, hoards.
With ``hoarding = 0`` and ``substitution = 0`` the regime is the one before them, bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.economics import plan_corrections, shortage
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.base import Regime


class FixedPlan(Regime):
    """The plan of a bureaucratic society: yearly, corrected quarterly, queued for, with soft budgets.

    Attributes
    ----------
    diverted : list of float
        For each yearly plan, the share of its investment granted beyond the enterprises'
        need (:func:`sim.economics.plan_corrections.diverted_share`): the soft budget's mark.
    corrections : int
        Corrections of the targets made so far within the years.
    hoard : numpy.ndarray, shape (n,)
        Inputs enterprises hold above their need this week, kept from households, units
        (:func:`sim.economics.shortage.hoard_target`).
    substituted : float
        Tokens households spent this week on goods in place of those queued for
        (:func:`sim.economics.shortage.substitute`).
    """

    name = "fixed_plan"
    rationing = "queue"

    def __init__(self):
        super().__init__()
        self._asked = None  # (G,) households' demand seen since the last plan, summed, units
        self._weeks = 0
        self._queued = None  # (G,) demand not met since the last correction or plan, summed, units
        self._queue_weeks = 0
        self._raised = None  # (n,) the year's targets with the raises for queues so far, units per week
        self._stock_at_plan = None  # (n,) stocks when the year's plan was made, units
        self.diverted: list[float] = []
        self.corrections = 0
        self.hoard = None
        self.substituted = 0.0
        self._hoard_target = None  # (n,) the input stock enterprises mean to hold above need this period, units
        self._used = None  # (n,) goods used as inputs since the hoards were last set, summed, units
        self._short = None  # (n,) bool: goods queued for or lacked by producers since then
        self._short_weeks = 0

    def produce(self, model):
        """Production as under every regime; the regime notes the goods its producers lacked and what they used."""
        p, s = model.producers, model.state
        wanted = p.by_sector(np.minimum(np.minimum(p.target, p.capacity), p.labour_cap), s.stock.size)
        self._short |= shortage.lacked(model.councils.inputs_true, wanted, s.stock)
        super().produce(model)
        self._used += s.inputs_used
        self._short_weeks += 1

    def pay(self, model):
        """The managerial hierarchy of wages, with the councils' wage bill; communes credit their members."""
        s, c = model.state, model.consumers
        weekly = s.wage * s.hours_per_week
        c.pay_wages(weekly)
        model.communes.credit_members(c, weekly, s.values)
        s.tokens_paid += float(c.income.sum())

    def buy(self, model):
        """Enterprises take their hoards; households buy, queue, substitute; the plan factory learns their asks.

        The hoards come out of the stock on sale before households come, as far as it goes. A
        household turned away by a queue spends ``substitution`` of that money on the goods still
        on sale (:func:`sim.economics.shortage.substitute`), and saves the rest; the goods it
        asks for in substitution are demand the planners see.
        """
        s = model.state
        self.hoard = np.minimum(self._hoard_target, np.maximum(s.stock - s.earmarked, 0.0))
        s.earmarked += self.hoard
        super().buy(model)
        self._substitute(model)
        self._short[s.consumer_goods] |= shortage.queued(s.wanted, s.sales)
        model.planner.observe(s, s.seen_demand)
        self._asked += s.seen_demand
        self._weeks += 1
        self._queued += s.wanted - s.sales
        self._queue_weeks += 1

    def _substitute(self, model):
        """Forced substitution: a share of the money the queues turned away spent on the goods left (Kornai 1980)."""
        s, c = model.state, model.consumers
        cg, share = s.consumer_goods, model.conditions.fixed_plan.substitution
        unserved = c.spending - c.spent
        remaining = np.maximum(s.stock[cg] - s.earmarked[cg], 0.0)
        remaining[c.purchases.short] = 0.0
        asked, per_token, spent = shortage.substitute(unserved, share, remaining, s.prices, c.preferences.base_shares)
        self.substituted = float(spent.sum())
        if self.substituted <= 0.0:
            return
        bought = per_token * (share * float(unserved.sum()))
        s.wanted, s.sales = s.wanted + asked, s.sales + bought
        s.seen_demand = s.wanted
        s.stock[cg] = np.maximum(s.stock[cg] - bought, 0.0)
        s.tokens_spent += self.substituted
        c.spent += spent
        c.savings -= spent
        c.purchases = dataclasses.replace(c.purchases, substituted=share * unserved, per_token=per_token)

    def hoarded(self, model) -> np.ndarray:
        """The inputs enterprises hold above their need this week, units (n,): the hoards."""
        return self.hoard

    def substituted_spending(self, model) -> float:
        """Tokens households spent this week on other goods in place of those queued for."""
        return self.substituted

    def _set_hoards(self, model):
        """At the end of a period, the hoards of the next: ``hoarding`` weeks of use of every input short in it."""
        use = self._used / max(self._short_weeks, 1)
        self._hoard_target = shortage.hoard_target(use, self._short, model.conditions.fixed_plan.hoarding)
        self._used[:] = 0.0
        self._short[:] = False
        self._short_weeks = 0

    def price(self, model):
        """Prices stay where the yearly plan fixed them."""

    def readjust(self, model):
        """At the end of every ``correction_weeks`` of a year but its last, the planners correct the targets.

        The goods queued for, on average over the weeks since the last correction (or plan),
        get more; those piled above their reserve now get less, by ``correction_strength`` of
        the gap, the inputs the change needs included (Kornai 1980). Workers move to the
        corrected targets. Prices, reserves and investment stay the year's.
        """
        rules = model.conditions.fixed_plan
        done = (model.week + 1) % WEEKS_PER_YEAR  # weeks of the year done at the end of this one
        if rules.correction_weeks == 0 or done == 0 or done % rules.correction_weeks:
            return
        s, n, inputs = model.state, model.technology.n, model.planner.inputs_estimated
        queued = np.zeros(n)
        queued[s.consumer_goods] = self._queued / self._queue_weeks
        self._raised = plan_corrections.raised_for_queues(
            self._raised, inputs, queued, rules.correction_strength, s.sector_capacity
        )
        # the planners see the stocks producers hold for sale, not their users' hoards
        piles = plan_corrections.piled(s.stock - self.hoard, s.reserve, self._stock_at_plan, done / WEEKS_PER_YEAR)
        weeks = min(rules.correction_weeks, WEEKS_PER_YEAR - done)  # to the next correction, or to the yearly plan
        s.plan_output = plan_corrections.cut_for_piles(self._raised, inputs, piles, weeks, rules.correction_strength)
        model.councils.take_targets(s.plan_output)
        self._assign_workers(model)
        self._queued[:] = 0.0
        self._queue_weeks = 0
        self._set_hoards(model)
        self.corrections += 1

    def plan(self, model):
        """Once a year: reports, revised coefficients, the plan, its prices, targets and labour assignments.

        The model calls the plan every ``plan.period_weeks``; the bureaucracy plans only at
        the start of each year, and its plan factory plans for the whole year. Enterprises
        ask for capacity with their investment hunger (the soft budget); what the same fund
        would have granted on their need alone is worked out beside it, for ``diverted``.
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
            self._queued = np.zeros(cg.size)
            self._used = np.zeros(s.stock.size)
            self._short = np.zeros(s.stock.size, dtype=bool)
        model.planner.revise_coefficients(*councils.reports(sc.noise.reports, rng, model.noise.stands_for))
        margin = sc.plan.investment_margin
        need = councils.ask_for_capacity(s, margin)
        asked = councils.ask_for_capacity(s, plan_corrections.hungry_margin(margin, sc.fixed_plan.investment_hunger))
        model.planner.solve(s, model.week, rng, asked)
        self.diverted.append(self._diverted(model, need))
        councils.take_targets(s.plan_output)
        self._raised = s.plan_output.copy()
        self._stock_at_plan = s.stock.copy()
        s.prices = s.values[cg].copy()
        if self._weeks:
            s.expected_demand = self._asked / self._weeks
        household = (
            s.expected_demand * model.planner.household_budget(s.net_product) / (s.values[cg] @ s.expected_demand)
        )
        s.reserve[cg] = sc.readjustment.reserve_weeks * (household + s.other_use[cg])
        self._asked[:] = 0.0
        self._weeks = 0
        self._queued[:] = 0.0
        self._queue_weeks = 0
        self._set_hoards(model)
        self._assign_workers(model)

    @staticmethod
    def _diverted(model, need) -> float:
        """Share of the investment just allotted that went beyond need, against the same fund allotted on ``need``."""
        s, planner = model.state, model.planner
        at_need = dataclasses.replace(s)  # allocate_investment replaces the plan's arrays, never writes into them
        planner.allocate_investment(at_need, need, first=s.planning_errors > 0, released=s.planning_errors < 0)
        cost = s.values @ planner.capital_per_capacity  # hours per unit of weekly capacity, a common scale
        return plan_corrections.diverted_share(s.capacity_plan, at_need.capacity_plan, cost)

    @staticmethod
    def _assign_workers(model):
        """Workers leave enterprises with more hands than their targets need, for those that lack them."""
        councils, rng = model.councils, model.rng
        persons, destination = councils.movers_to_plan(
            model.consumers, model.work_groups, model.conditions.population.group_size_min, rng
        )
        if persons.size:
            model.work_groups.join(model.consumers, persons, destination, rng)
            councils.staff(model.consumers.group, model.work_groups, model.state.hours_per_week)

    def decide(self, model):
        """No yearly decision of the people: the hierarchy and the plan's shares are fixed from above.

        Enterprises' methods improve as under every regime (``technical_change.rate``).
        """
        model.councils.improve_methods(model.conditions.technical_change.rate)
