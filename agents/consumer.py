"""Persons: they are paid, spend tokens on consumer goods and save the rest (seed §7c, §7d).

:class:`Consumers` holds every person's row and buys for all of them in one call;
:class:`Consumer` is the Mesa agent, a view on one row, and the per-agent oracle of the
tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim import market, wages


@dataclass
class Consumers:
    """All persons at once: one row each (N), and the demand system they share.

    Income is in tokens (1 token = the net product of one hour, seed §7d). Tokens can be
    spread over time (savings) but earn nothing and cannot buy means of production.
    """

    income: np.ndarray  # tokens received this week
    savings: np.ndarray  # tokens held
    spent: np.ndarray  # tokens spent this week
    base_wage: np.ndarray  # pre-revolution relative hourly wage, mean 1 over workers
    wage_factor: np.ndarray  # current relative hourly wage (1 once equal)
    taste: np.ndarray  # (N, G) personal shifts of the AIDS budget shares, rows sum to 0
    taste_floor: np.ndarray  # (G,) the smallest taste shift per good (decides if demand aggregates exactly)
    group: np.ndarray  # int, primary work group row, −1 for commune members
    commune: np.ndarray  # int, commune number, −1 for workers
    preferences: market.Preferences  # AIDS parameters shared by all

    @property
    def workers(self) -> np.ndarray:
        """Mask of persons who work in a group (not in a commune)."""
        return self.group >= 0

    def set_wage_factors(self, progress: float):
        """Workers' relative wages after a share ``progress`` of the equalisation, mean 1 over workers.

        Seed §7e, §10: the hierarchy shrinks on the scenario's schedule with the same wage bill.
        """
        workers = self.workers
        self.wage_factor[workers] = wages.equalised(self.base_wage[workers], progress)
        self.wage_factor[~workers] = 1.0

    def pay_wages(self, weekly_wage: float):
        """Every worker earns the week's wage times their relative wage (1 once wages are equal), tokens."""
        workers = self.workers
        self.income[workers] = weekly_wage * self.wage_factor[workers]

    def buy(self, prices, values, on_sale, rules, rng) -> market.Purchases:
        """Every household spends and buys this week, in one vectorised call (seed §7c, §7d).

        Parameters
        ----------
        prices, values : numpy.ndarray, shape (G,)
            Prices (tokens per unit) and labour values (hours per unit) of consumer goods.
        on_sale : numpy.ndarray, shape (G,)
            Units households may buy; scarce goods are rationed by ``rules.rationing``.
        rules : sim.scenario.Consumption
        rng : numpy.random.Generator
            For the queue.

        Returns
        -------
        market.Purchases
            Demand, purchases per good and tokens each person spent.
        """
        spending = market.intended_spending(self.income, self.savings, rules.buffer_weeks, rules.smoothing_weeks)
        week = market.buy(
            self.preferences,
            spending,
            prices,
            values,
            self.taste,
            on_sale,
            rules.rationing,
            rng,
            taste_floor=self.taste_floor,
        )
        self.spent[:] = week.spent
        self.savings += self.income - self.spent
        return week


class Consumer(mesa.Agent):
    """A person, who works in a primary work group or a rural commune and buys consumer goods.

    Parameters
    ----------
    model : CouncilsModel
    row : int
        This person's row in ``model.consumers``.
    """

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def income(self) -> float:
        """Tokens received this week."""
        return float(self.model.consumers.income[self.row])

    @property
    def savings(self) -> float:
        """Tokens held, after this week's purchases."""
        return float(self.model.consumers.savings[self.row])

    @property
    def group(self) -> int:
        """Row of this person's primary work group, or −1 for a commune member."""
        return int(self.model.consumers.group[self.row])

    @property
    def commune(self) -> int:
        """Row of this person's rural commune, or −1 for a worker."""
        return int(self.model.consumers.commune[self.row])

    def wanted(self, prices) -> np.ndarray:
        """What this person wants to buy this week at ``prices``, units per consumer good."""
        c, cfg = self.model.consumers, self.model.conditions.consumption
        spend = market.intended_spending(
            c.income[self.row : self.row + 1], c.savings[self.row : self.row + 1], cfg.buffer_weeks, cfg.smoothing_weeks
        )
        values = self.model.state.values[self.model.state.consumer_goods]
        return market.demand(c.preferences, spend, prices, values, c.taste[self.row : self.row + 1])[0]

    def buy(self, wanted, fill, prices) -> np.ndarray:
        """Take the share ``fill`` of what is wanted (proportional rationing), pay, save the rest."""
        bought = wanted * fill
        spent = float(bought @ prices)
        c = self.model.consumers
        c.savings[self.row] += c.income[self.row] - spent
        c.spent[self.row] = spent
        return bought
