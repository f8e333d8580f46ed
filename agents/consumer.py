"""Persons: they are paid, spend tokens on consumer goods and save the rest (seed §7c, §7d).

:class:`Consumers` holds every person's row and buys for all of them in one call;
:class:`Consumer` is the Mesa agent, a view on one row, and the per-agent oracle of the
tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.economics import market, wages

#: Weeks for the common drift of tastes to halve (``taste_drift`` noise).
DRIFT_HALF_LIFE = 18.0
DRIFT_PERSISTENCE = 0.5 ** (1.0 / DRIFT_HALF_LIFE)


@dataclass
class Consumers:
    """All persons at once: one row each (N), and the demand system they share.

    Income is in tokens (1 token = the net product of one hour, seed §7d). Tokens can be
    spread over time (savings) but earn nothing and cannot buy means of production.
    """

    income: np.ndarray  # tokens received this week
    spending: np.ndarray  # tokens each person means to spend this week
    savings: np.ndarray  # tokens held
    spent: np.ndarray  # tokens spent this week
    base_wage: np.ndarray  # pre-revolution relative hourly wage, mean 1 over workers
    wage_factor: np.ndarray  # current relative hourly wage (1 once equal)
    own_taste: np.ndarray  # (N, G) each person's own shifts of the Engel weights (AIDS shares at value), rows sum to 0
    taste_floor: np.ndarray  # (G,) a lower bound of the taste shifts per good (decides if demand aggregates exactly)
    own_floor: np.ndarray  # (G,) the smallest own shift per good
    exposure: np.ndarray  # (N,) how far each person follows the common drift of tastes (mean 1)
    drift: np.ndarray  # (G,) the common drift of tastes this week, sums to 0
    group: np.ndarray  # int, primary work group row, −1 for commune members
    commune: np.ndarray  # int, commune number, −1 for workers
    preferences: market.Preferences  # the demand system shared by all (docs/demand.md)
    reference: np.ndarray  # (G,) week-0 labour values: the prices p⁰ in whose tokens utility is measured
    weights: np.ndarray = None  # (N, 3) what each weighs in the yearly vote: consumption, leisure, growth (seed §7f)
    buffer_weeks: np.ndarray | None = None  # (N,) savings each likes to hold, weeks of income; None: the scenario's
    smoothing_weeks: np.ndarray | None = None  # (N,) weeks each takes to spend down an excess; None: the scenario's
    paid: np.ndarray | None = None  # (G,) the prices of this week's purchases, tokens per unit
    purchases: market.Purchases | None = None  # this week's purchases (who was rationed, and how)

    @property
    def taste(self) -> market.TasteShifts:
        """This week's taste shifts, (N, G): each person's own plus their share of the common drift."""
        return market.TasteShifts(self.own_taste, self.exposure, self.drift)

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

    def set_hierarchy(self, gini_from: float, gini: float, rng):
        """Workers' relative wages become a hierarchy with Gini ``gini``, mean 1 (seed §7a, §7e: kept, not equalised).

        Everyone keeps their place in the pre-revolution hierarchy (of Gini ``gini_from``);
        if that was equal, a new one is drawn.
        """
        workers = self.workers
        if gini_from > 0:
            self.wage_factor[workers] = wages.rescaled_hierarchy(self.base_wage[workers], gini_from, gini)
        else:
            self.wage_factor[workers] = wages.wage_hierarchy(int(workers.sum()), gini, rng)
        self.wage_factor[~workers] = 1.0

    def drift_tastes(self, innovation: float, rng):
        """Tastes drift week by week around each person's own: a common fashion, mean-reverting (seed §6b, §8).

        The drift is an AR(1) with a half-life of :data:`DRIFT_HALF_LIFE` weeks; its weekly
        innovation is ``innovation`` times each base budget share. Each person follows it
        to their own degree (``exposure``). Shifts keep summing to 0 over goods.
        """
        shares = self.preferences.base_shares
        self.drift = DRIFT_PERSISTENCE * self.drift + innovation * shares * rng.standard_normal(shares.size)
        self.drift -= shares * self.drift.sum()
        reach = np.where(self.drift >= 0, self.exposure.min(), self.exposure.max()) * self.drift
        self.taste_floor = self.own_floor + reach

    def pay_wages(self, weekly_wage: float):
        """Every worker earns the week's wage times their relative wage (1 once wages are equal), tokens.

        Relative wages are taken relative to their mean over the present workers, so that the
        wage bill is the equal wage's whoever has moved to or from the communes.
        """
        workers = self.workers
        factor = self.wage_factor[workers]
        self.income[workers] = weekly_wage * (factor / factor.mean())

    def receive(self, income):
        """This week's income of every person, tokens (wages, dividends, shares of net income, after tax)."""
        self.income[:] = income

    def buy(self, prices, on_sale, rules, rng) -> market.Purchases:
        """Every household spends and buys this week, in one vectorised call (seed §7c, §7d).

        Preferences are a fixed function of the goods: prices enter relative to the reference
        prices ``p⁰`` (week-0 labour values), so tastes do not move when labour values do.
        The week's prices and purchases are kept for the observer (``paid``, ``purchases``).

        Parameters
        ----------
        prices : numpy.ndarray, shape (G,)
            Prices of consumer goods, tokens per unit.
        on_sale : numpy.ndarray, shape (G,)
            Units households may buy; scarce goods are rationed by ``rules.rationing``.
        rules : sim.run.scenario.Consumption
        rng : numpy.random.Generator
            For the queue.

        Returns
        -------
        market.Purchases
            Demand, purchases per good and tokens each person spent.
        """
        buffer = rules.buffer_weeks if self.buffer_weeks is None else self.buffer_weeks
        smoothing = rules.smoothing_weeks if self.smoothing_weeks is None else self.smoothing_weeks
        self.spending = market.intended_spending(self.income, self.savings, buffer, smoothing)
        week = market.buy(
            self.preferences,
            self.spending,
            prices,
            self.reference,
            self.taste,
            on_sale,
            rules.rationing,
            rng,
            taste_floor=self.taste_floor,
        )
        self.spent[:] = week.spent
        self.savings += self.income - self.spent
        self.paid, self.purchases = np.array(prices, dtype=float), week
        return week

    def notional_demand(self, prices, persons=slice(None)) -> np.ndarray:
        """What households would buy this week at ``prices`` (tokens per unit), with their spending and tastes.

        An observer's measure (DESIGN §4): no agent knows it. Units per consumer good, summed
        over ``persons`` (every person by default; a slice or rows for a survey).
        """
        return market.notional(
            self.preferences,
            self.spending[persons],
            prices,
            self.reference,
            market.TasteShifts(self.own_taste[persons], self.exposure[persons], self.drift),
            self.taste_floor,
        )


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
        buffer = cfg.buffer_weeks if c.buffer_weeks is None else c.buffer_weeks[self.row]
        smoothing = cfg.smoothing_weeks if c.smoothing_weeks is None else c.smoothing_weeks[self.row]
        spend = market.intended_spending(
            c.income[self.row : self.row + 1], c.savings[self.row : self.row + 1], buffer, smoothing
        )
        return market.demand(c.preferences, spend, prices, c.reference, c.taste[self.row : self.row + 1])[0]

    def buy(self, wanted, fill, prices) -> np.ndarray:
        """Take the share ``fill`` of what is wanted (proportional rationing), pay, save the rest."""
        bought = wanted * fill
        spent = float(bought @ prices)
        c = self.model.consumers
        c.savings[self.row] += c.income[self.row] - spent
        c.spent[self.row] = spent
        return bought
