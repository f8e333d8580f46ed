"""Market self-management (Yugoslavia after the 1965 reform): councils sell on a market and share their net income.

The enterprise belongs to no one; its council sets its prices and output, keeps part of
its net income and shares the rest among its members, so that earnings differ between
enterprises and sectors (Ward 1958, "The Firm in Illyria", *AER* 48; Vanek 1970, *The
General Theory of Labor-Managed Market Economies*; on Yugoslavia, Estrin 1983,
*Self-Management: Economic Theory and Yugoslav Practice*). ``[self_managed_market]``:

- **Prices and output.** A council maximises net income per member; with its membership
  given in the short run that is its net income. The model uses a simpler adaptive rule,
  the same as the market's: a ``markup`` over normal unit cost — where the normal
  personal income stands for the wage — moved by the stock against its target, and output
  toward expected sales and the inventory target (``sim.regimes.enterprises``). Ward's
  short-run supply response (output falling when the price rises) is not modelled.
- **Incomes.** At each plan period the council keeps ``retention`` of the period's net
  income per week (sales less inputs and capital used up) and shares the rest equally per
  member, as an advance paid every week until the next plan; funds beyond working capital
  and the capacity it ordered are shared too (members gain nothing from funds they leave
  behind: Furubotn & Pejovich 1970). No member gets less than ``minimum_income`` of the
  average (the guaranteed personal income of Yugoslav law), paid from the funds.
- **Investment** only from the enterprise's own funds, in its own capacity.
- **Membership.** Members of enterprises that pay below the average move, slowly
  (``mobility`` a year), to enterprises that pay above it — which admit them only where
  their output needs the hands, since another member beyond that lowers income per member
  (Ward 1958; Vanek 1970). Nobody is dismissed.
- **Rural communes** share their net income among their members by the same rule.
"""

from __future__ import annotations

import numpy as np

from sim.economics import firms, metrics
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.enterprises import MarketEconomy


class SelfManagedMarket(MarketEconomy):
    """Workers' councils that sell on a market and share their own net income."""

    name = "self_managed_market"

    def __init__(self):
        super().__init__()
        self.member_income = None  # (P,) tokens per member per week, until the next plan

    def open(self, model):
        """Everyone starts with the normal personal income of the decided week."""
        model.consumers.wage_factor[:] = 1.0
        self.member_income = np.full(model.producers.sector.size, self.money_wage * model.state.hours_per_week)

    def incomes(self, model, producer_of):
        """Every person gets the income per member of the enterprise or commune they work in."""
        gross = self.member_income[producer_of]
        return gross, np.bincount(producer_of, weights=gross, minlength=model.producers.sector.size)

    def share(self, model, net_income, working_capital):
        """Keep ``retention`` of net income, share the rest and the funds beyond need per member, above the floor."""
        rules, producers = model.conditions.self_managed_market, model.producers
        members = producers.workers.astype(float)
        kept = np.where(net_income > 0, rules.retention * net_income, net_income)
        average = float(np.sum(net_income - kept) / members.sum()) if members.sum() > 0 else 0.0
        per_member, _ = firms.income_shares(net_income, members, rules.retention, rules.minimum_income * average)
        excess = firms.paid_out(self.books.funds - working_capital - self.committed(model))
        per_member += np.divide(
            excess / model.conditions.plan.period_weeks, members, out=np.zeros(members.size), where=members > 0
        )
        self.member_income = per_member

    def move_labour(self, model):
        """Members of worse-paying enterprises move to better-paying ones that need the hands (Ward 1958)."""
        sc, c, groups, producers = model.conditions, model.consumers, model.work_groups, model.producers
        hours = model.state.hours_per_week
        labour = model.councils.labour[producers.sector] * producers.method  # hours per unit, its own method
        need = producers.target * labour / producers.productivity / hours
        places = np.ceil(need * (1.0 + sc.plan.labour_reserve)).astype(int) - producers.workers
        rate = 1.0 - (1.0 - sc.self_managed_market.mobility) ** (sc.plan.period_weeks / WEEKS_PER_YEAR)
        persons, destination = model.councils.movers_to_income(
            c, groups, self.member_income, rate, places, sc.population.group_size_min, model.rng
        )
        if persons.size:
            groups.join(c, persons, destination, model.rng)
            model.councils.staff(c.group, groups, hours)

    def earnings_gini(self, model) -> float:
        """Gini of hourly earnings over enterprises' members: each one's income per member, weighted by members."""
        rows = model.councils.rows
        return metrics.gini(self.member_income[rows], weights=model.producers.workers[rows])
