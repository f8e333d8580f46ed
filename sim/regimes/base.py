"""What every regime shares: the same technology, the same households, the same investment pipeline.

A regime is a :class:`Regime` whose institutional phases — ``pay``, ``price``,
``readjust``, ``plan``, ``decide`` — are its own. Production within capacity, labour and
inputs, the draws of public bodies, investment and exports, households buying what is on
sale, and capacity arriving after the investment lag are physical or household facts
that every regime inherits.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.economics import metrics
from sim.economics.units import WEEKS_PER_YEAR


class Regime:
    """The institutions of an economy, phase by phase; each method acts on a model for one week."""

    name = ""
    #: The rationing rule of scarce consumer goods; ``None``: the scenario's ``consumption.rationing``.
    rationing: str | None = None

    def __init__(self):
        self._earnings_year = -1
        self._earnings_gini = 0.0

    # --- the same under every regime ----------------------------------------------------------

    def produce(self, model):
        """Enterprises and communes make ``min(target, capacity, labour, inputs)`` (seed §7b).

        What they drew from the stock this week (the inputs they used beyond the week's own
        output of the good) is kept from households until the next week's production draws it
        again: households find on sale the stock less that draw, never less (intermediate
        deliveries come first, seed §7b; the reserve is rebuilt by production, over the
        rebuild horizon, not seized from households).
        """
        s = model.state
        model.councils.produce(s)
        s.earmarked = np.maximum(s.inputs_used - s.output, 0.0)

    def deliver(self, model):
        """Imports arrive; public bodies, investment and exports draw what the plan allots, rationed if short."""
        s = model.state
        s.stock += s.imports
        planned = s.public_plan + s.investment_plan + s.exports
        fill = np.ones_like(planned)
        np.divide(s.stock, planned, out=fill, where=planned > s.stock)
        s.public_use = s.public_plan * fill
        s.investment_use = s.investment_plan * fill
        s.exported = s.exports * fill
        s.stock -= s.public_use + s.investment_use + s.exported
        ordered = s.investment_plan > 0
        s.delivered = float(fill[ordered].min()) if ordered.any() else 0.0

    def buy(self, model):
        """Households buy what is on sale, rationed where scarce; unspent tokens are saved (seed §7c, §7d).

        Deliveries between enterprises are planned: households buy what is left after a
        week's draw of inputs, kept for the producers (seed §7b: the intermediate targets come
        first; :meth:`produce`).
        """
        s, cg, rules = model.state, model.state.consumer_goods, model.conditions.consumption
        if self.rationing is not None and rules.rationing != self.rationing:
            rules = dataclasses.replace(rules, rationing=self.rationing)
        on_sale = np.maximum(s.stock[cg] - s.earmarked[cg], 0.0)
        week = model.consumers.buy(s.prices, on_sale, rules, model.rng)
        s.tokens_spent += float(week.spent.sum())
        s.wanted, s.sales = week.wanted, week.bought
        # Sellers see their sales; where goods are queued for they also see the queue, never silent unmet demand.
        s.seen_demand = s.wanted if rules.rationing == "queue" else s.sales
        s.stock[cg] = np.maximum(s.stock[cg] - s.sales, 0.0)

    def invest(self, model):
        """Capacity is ordered as its goods are delivered; what was ordered a lag ago comes into service; it wears.

        Idle capacity wears out and the capital production used up renews the rest, with
        better methods (:mod:`sim.economics.capital`).
        """
        s = model.state
        s.pipeline[-1] += s.capacity_plan * s.delivered
        arriving = s.pipeline[0].copy()
        s.pipeline = np.roll(s.pipeline, -1, axis=0)
        s.pipeline[-1] = 0.0
        embodied = model.conditions.technical_change.embodied
        model.councils.add_capacity(s, arriving, embodied)
        if model.conditions.capital.wear:
            model.councils.wear(s, embodied)

    def normal_prices(self, model) -> np.ndarray:
        """The prices consumer goods gravitate to when stocks sit at their reserves, tokens per unit (G,).

        Labour values under the councils and the fixed plan (seed §7c: "price equals value"); the
        market regimes override it with their normal-cost prices. The yardstick's own-price
        measures (docs/welfare.md) ask what households would buy at these prices.
        """
        s = model.state
        return s.values[s.consumer_goods]

    def earnings_gini(self, model) -> float:
        """Gini of hourly earnings over the persons who work in enterprises (communes' members aside).

        Everyone works the same decided week, so this is the Gini of the relative wages
        (``consumers.wage_factor``), which change only at the yearly decision; it is
        computed once a year. A regime whose earnings move every week overrides it.
        """
        year = model.week // WEEKS_PER_YEAR
        if year != self._earnings_year:
            c = model.consumers
            self._earnings_year = year
            self._earnings_gini = metrics.gini(c.wage_factor[c.workers])
        return self._earnings_gini

    def balance_sheets(self, model) -> dict:
        """Net financial assets of every sector, tokens; they sum to 0 (Godley & Lavoie 2007: no token from nowhere).

        Households hold their savings; the plan's accounts owe every token outstanding: those
        held at the start, plus those paid since, less those that came back (seed §7d).
        """
        s = model.state
        return {
            "households": float(model.consumers.savings.sum()),
            "plan's accounts": -(s.tokens_held_at_start + s.tokens_paid - s.tokens_spent),
        }

    def investment_share(self, model) -> float:
        """Share of the net product invested: the plan's decided share (seed §7f)."""
        return model.planner.investment_share

    @staticmethod
    def farm_moves(model) -> tuple[int, np.ndarray] | None:
        """Persons who should move into farming this plan period (negative: out of it), and each commune's wanted.

        The communes want ``RuralCommunes.members_wanted`` (their targets' hours with the spare
        hands their land keeps, seed §9a); at most ``communes.mobility`` of the population moves
        a year, in either direction. ``None`` where there are no communes or nobody may move.
        """
        communes, sc = model.communes, model.conditions
        allowance = int(sc.communes.mobility * sc.population.consumers * sc.plan.period_weeks / WEEKS_PER_YEAR)
        if communes.rows.size == 0 or allowance == 0:
            return None
        farm = model.producers.sector[communes.rows[0]]
        wanted = communes.members_wanted(model.technology.labour[farm], model.state.hours_per_week)
        moves = int(np.clip(round(wanted.sum() - model.producers.workers[communes.rows].sum()), -allowance, allowance))
        return moves, wanted

    def marks(self, model) -> dict:
        """This week's marks of the regime's history, by name of ``sim.run.record.HISTORY_SERIES``; none here.

        A regime records what shows its own history (rents, refusals, queues); a mark it does
        not name is recorded as 0.
        """
        return {}

    def unemployment_rate(self, model) -> float:
        """Share of the persons who work for an enterprise or a commune and have no work this week: none here.

        Under the councils and the fixed plan everyone works the decided hours (the plan's
        labour reserve is paid and counted in ``hours_paid``); a regime that fires says so.
        """
        return 0.0

    def hoarded(self, model) -> np.ndarray:
        """Inputs enterprises hold above their need this week, units (n,): none but under the fixed plan."""
        return np.zeros(model.technology.n)

    def substituted_spending(self, model) -> float:
        """Tokens households spent this week on goods in place of those queued for: none but under the fixed plan."""
        return 0.0

    # --- each regime's own institutions ---------------------------------------------------------

    def pay(self, model):
        """Incomes for the week's work."""
        raise NotImplementedError

    def price(self, model):
        """Prices of consumer goods."""
        raise NotImplementedError

    def readjust(self, model):
        """Output between plans."""
        raise NotImplementedError

    def plan(self, model):
        """The periodic plan (every ``plan.period_weeks``), and the first one."""
        raise NotImplementedError

    def decide(self, model):
        """The yearly decision point."""
        raise NotImplementedError
