"""What the whole economy shares: one named container, one entry per good (DESIGN §3).

The agents' own rows live with their kinds in ``agents/`` (persons, work groups) and in
the producers' table below (factory councils and rural communes make goods through one
call, so they share it). Everything else a week reads or writes — stocks and their
reserve targets, prices and labour values, the plan in force, the investment pipeline,
this week's flows and the token accounts — is an :class:`EconomyState`, which the
recorder reads as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ProducerArrays:
    """One row per producer (P): factory councils first, then rural communes."""

    sector: np.ndarray  # int, the good made
    capacity: np.ndarray  # units per week
    target: np.ndarray  # units per week
    output: np.ndarray  # units made this week
    productivity: np.ndarray  # hours-weighted productivity of its groups, or the commune's fertility
    workers: np.ndarray  # int, persons
    is_commune: np.ndarray  # bool
    labour_cap: np.ndarray = field(default=None)  # most its workers can make in a week, units
    method: np.ndarray = field(default=None)  # its labour per unit ÷ the sector's at the start (1: the old method)

    def __post_init__(self):
        if self.labour_cap is None:
            self.labour_cap = np.zeros(self.sector.size)
        if self.method is None:
            self.method = np.ones(self.sector.size)

    def by_sector(self, amount, n: int) -> np.ndarray:
        """Add a per-producer amount up by good, length ``n``."""
        return np.bincount(self.sector, weights=amount, minlength=n)


@dataclass
class EconomyState:
    """The economy's shared state (n goods; G consumer goods, at ``consumer_goods``).

    Units: goods in units, prices in tokens per unit, values in hours per unit, flows per
    week. The plan factory writes the plan in force; the councils write output and their
    consumer-good reserve targets; households write sales; the regime writes prices.
    """

    consumer_goods: np.ndarray  # int (G,), positions of the goods households buy
    stock: np.ndarray  # (n,) units in stock
    reserve: np.ndarray  # (n,) reserve stock S*, units
    values: np.ndarray  # (n,) published labour values, hours per unit
    prices: np.ndarray  # (G,) prices of consumer goods, tokens per unit
    sector_capacity: np.ndarray  # (n,) capacity per good, units per week
    pipeline: np.ndarray  # (lag + 1, n) capacity ordered, arriving in 0 … lag weeks, units per week
    expected_demand: np.ndarray  # (G,) D̂: households' demand the councils expect, units per week
    imports: np.ndarray  # (n,) arriving each week, units
    exports: np.ndarray  # (n,) planned each week, units (paying for the imports)
    # The plan in force (the plan factory's last solve).
    plan_output: np.ndarray  # (n,) intermediate targets with the stock rebuild, units per week
    public_plan: np.ndarray  # (n,) public consumption, units per week
    investment_plan: np.ndarray  # (n,) goods for new capacity, units per week
    capacity_plan: np.ndarray  # (n,) weekly capacity ordered per week of deliveries
    earmarked: np.ndarray  # (n,) kept from households: what producers drew from the stock this week, units
    other_use: np.ndarray  # (n,) weekly use but households': planned inputs, public, investment, exports
    # Labour and its pay.
    hours_per_week: float  # the decided working week, hours
    net_product: float  # hours of value planned per week
    wage: float  # tokens per hour worked
    # This week's flows.
    output: np.ndarray = None  # (n,) made this week
    inputs_used: np.ndarray = None  # (n,) used up as inputs (A + D) this week
    public_use: np.ndarray = None  # (n,) drawn by public bodies
    investment_use: np.ndarray = None  # (n,) drawn for investment
    exported: np.ndarray = None  # (n,) sent abroad
    delivered: float = 0.0  # share of the planned investment goods delivered this week
    wanted: np.ndarray = None  # (G,) households' demand at the prices they faced
    sales: np.ndarray = None  # (G,) what households bought
    seen_demand: np.ndarray = None  # (G,) what councils see of demand: sales, and the queue where goods are queued for
    planning_errors: np.ndarray = None  # (n,) +1 price above value a whole plan period, −1 below, 0 neither
    # Token accounts (seed §7d: tokens are paid out and come back; none is created otherwise).
    tokens_paid: float = 0.0  # since week 0
    tokens_spent: float = 0.0  # since week 0
    tokens_held_at_start: float = 0.0
    # Where enterprises sell on a market (sim.regimes.enterprises) tokens also rest with them and the treasury.
    tokens_retained: float = 0.0  # enterprises' funds: profits and net incomes kept, less what they spent
    tokens_treasury: float = 0.0  # the treasury's balance: taxes and imports sold in, public and export purchases out
