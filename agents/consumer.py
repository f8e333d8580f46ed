"""A person: spends tokens on consumer goods, saves the rest (seed §7c, §7d)."""

from __future__ import annotations

import mesa
import numpy as np

from sim import market


class Consumer(mesa.Agent):
    """A person, who works in a primary work group or a rural commune and buys consumer goods.

    Income is in tokens (1 token = the net product of one hour, seed §7d). Tokens can be
    spread over time (savings) but earn nothing and cannot buy means of production.

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
        values = self.model.values[self.model.consumer_goods]
        return market.demand(self.model.preferences, spend, prices, values, c.taste[self.row : self.row + 1])[0]

    def buy(self, wanted, fill, prices) -> np.ndarray:
        """Take the share ``fill`` of what is wanted (proportional rationing), pay, save the rest."""
        bought = wanted * fill
        spent = float(bought @ prices)
        c = self.model.consumers
        c.savings[self.row] += c.income[self.row] - spent
        c.spent[self.row] = spent
        return bought
