"""Market self-management (Yugoslavia after the 1965 reform): councils sell on a market and share their net income.

The enterprise belongs to no one; its council sets its prices and output, keeps part of
its net income and shares the rest among its members, so that earnings differ between
enterprises and sectors (Ward 1958, "The Firm in Illyria", *AER* 48; Vanek 1970, *The
General Theory of Labor-Managed Market Economies*; on Yugoslavia, Estrin 1983,
*Self-Management: Economic Theory and Yugoslav Practice*). ``[self_managed_market]``:

- **Prices and output.** A council maximises net income per member; with its membership
  given in the short run that is its net income. The model uses a simpler adaptive rule,
  the same as the market's: a markup over normal unit cost — where the normal personal
  income stands for the wage — moved by the stock against its target, and output toward
  expected sales and the inventory target (``sim.regimes.enterprises``). Ward's short-run
  supply response (output falling when the price rises) is not modelled.
- **Market power.** The markup of a good is ``markup + market_power × H``, ``H`` the
  Herfindahl index of its producers' shares of its capacity, recomputed at each plan
  (:func:`sim.economics.firms.concentration_markups`; Cowling & Waterson 1976): goods made by
  few enterprises earn a rent their members share. ``H`` is measured among the simulated
  enterprises, so it depends on how many a run has (``population.councils``): off by default
  (``market_power = 0``).
- **Incomes.** At each plan period the council keeps ``retention`` of the period's net
  income per week (sales less inputs and capital used up) and shares the rest equally per
  member, as an advance paid every week until the next plan; funds beyond working capital
  and the capacity it ordered are shared too (members gain nothing from funds they leave
  behind: Furubotn & Pejovich 1970). No member gets less than ``minimum_income`` of the
  average (the guaranteed personal income of Yugoslav law), paid from the funds.
- **Investment** in its own capacity, from its funds and, where ``credit`` is on, from social
  capital the bank lends at a fixed ``loan_rate`` (0 a year by default: below what capital
  earns, as Yugoslav banks' real rates were, so that income per member rises with the capital
  a council can borrow: Estrin 1983, ch. 6), up to ``bank.leverage`` of its capacity's value.
- **Membership.** Members of enterprises that pay below the average move, slowly
  (``mobility`` a year), to enterprises that pay above it — which admit them only where
  their output needs the hands, since another member beyond that lowers income per member
  (Ward 1958; Vanek 1970). Nobody is dismissed, but ``separation`` of the members leave
  each year (they retire, quit, emigrate) and are replaced only by hiring from the
  unemployed, which under ``hiring = "income"`` a council does only where its output needs
  the hands and what a new member's hours add to its net income, at this week's prices, is
  at least the income per member it pays (Ward's restrictive hiring: Ward 1958; Vanek 1970;
  Estrin 1983, ch. 4); under ``hiring = "need"`` wherever its output needs them. The
  unemployed wait, with ``benefit`` × the normal personal income from the treasury. A
  council's labour reserve is the plan's ``labour_reserve`` and the members its output no
  longer needs, until they leave.
- **Entry and exit.** None: no enterprise closes (the bank and the commune cover losses, a
  soft budget: Kornai 1986) and none is founded, as new enterprises were rare in Yugoslavia
  after 1965 (Sacks 1973; Estrin 1983, ch. 4): the enterprises that earn rents keep them.
- **Rural communes** share their net income among their members by the same rule.

Its history is recorded (:meth:`SelfManagedMarket.marks`): the rent per member that market power
and cheap credit bring, and the places Ward's rule refuses.
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
        self.credit_rent = 0.0  # tokens a week that borrowed capital earns beyond its interest, at the last plan
        self.refused = 0  # places Ward's rule refused at the last plan, persons
        self.markup = None  # (n,) each good's markup at the last plan

    def open(self, model):
        """Everyone starts with the normal personal income of the decided week."""
        model.consumers.wage_factor[:] = 1.0
        self.member_income = np.full(model.producers.sector.size, self.money_wage * model.state.hours_per_week)

    def incomes(self, model, producer_of):
        """Every person gets the income per member of the enterprise or commune they work in; the jobless nothing."""
        working = producer_of >= 0
        gross = np.where(working, self.member_income[np.maximum(producer_of, 0)], 0.0)
        paid = np.bincount(producer_of[working], weights=gross[working], minlength=model.producers.sector.size)
        return gross, paid

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
        self.credit_rent = self._credit_rent(model, net_income)

    def _credit_rent(self, model, net_income) -> float:
        """Tokens a week the capital bought with loans earns beyond its interest.

        An enterprise's return on capital is its net income beyond the normal personal income of
        its members, over its capacity's value, a year; its loans earn that return less the
        ``loan_rate``.
        """
        b, producers = self.books, model.producers
        normal = self.money_wage * model.state.hours_per_week * producers.workers
        value = self.capital_value(model)
        ret = np.divide((net_income - normal) * WEEKS_PER_YEAR, value, out=np.zeros(value.size), where=value > 0)
        rate = model.conditions.self_managed_market.loan_rate
        return float(np.sum(b.loans * (ret - rate))) / WEEKS_PER_YEAR

    def markups(self, model) -> np.ndarray:
        """Each good's markup, higher where few enterprises make it (``market_power``), (n,)."""
        rules, producers = model.conditions.self_managed_market, model.producers
        n = model.technology.n
        self.markup = firms.concentration_markups(
            producers.capacity, producers.sector, n, rules.markup, rules.market_power
        )
        return self.markup

    def marks(self, model) -> dict:
        """Rent per member from market power and from cheap credit, and the share of places Ward's rule refused.

        - ``market_rent_per_member``: what the goods' markups above ``markup`` bring at
          normal unit cost on this week's output, over every member, tokens a week;
        - ``credit_rent_per_member``: what the capital bought with loans earned at the last plan
          beyond the interest it costs (a return above the ``loan_rate``), over every member,
          tokens a week (Estrin 1983, ch. 6);
        - ``hiring_refused``: places refused at the last plan, share of persons.
        """
        producers, s = model.producers, model.state
        members = max(float(producers.workers.sum()), 1.0)
        extra = self.markup - model.conditions.self_managed_market.markup
        unit_cost = self.normal / (1.0 + self.markup)
        return {
            "market_rent_per_member": float(extra * unit_cost @ s.output) / members,
            "credit_rent_per_member": self.credit_rent / members,
            "hiring_refused": self.refused / model.consumers.income.size,
        }

    def move_labour(self, model):
        """Members leave (``separation``); those of worse-paying enterprises move to better-paying ones that need
        the hands; councils hire the unemployed where Ward's rule lets them (:meth:`_hire`)."""
        sc, c, groups, rng = model.conditions, model.consumers, model.work_groups, model.rng
        rules, hours, floor = sc.self_managed_market, model.state.hours_per_week, sc.population.group_size_min
        share_of_year = sc.plan.period_weeks / WEEKS_PER_YEAR
        if rules.separation > 0:
            workers = model.producers.workers[model.councils.rows]
            chance = 1.0 - (1.0 - rules.separation) ** share_of_year
            leaving = rng.binomial(np.maximum(workers - floor, 0), chance)
            if leaving.any():
                groups.release(c, model.councils.members_drawn(c, groups, leaving, rng), rng)
                model.councils.staff(c.group, groups, hours)
        rate = 1.0 - (1.0 - rules.mobility) ** share_of_year
        persons, destination = model.councils.movers_to_income(
            c, groups, self.member_income, rate, self._places(model), floor, rng
        )
        if persons.size:
            groups.join(c, persons, destination, rng)
            model.councils.staff(c.group, groups, hours)
        if rules.separation > 0:
            self._hire(model)

    def _places(self, model) -> np.ndarray:
        """Members each producer's output needs beyond those it has, with the labour reserve (P,)."""
        return self.hands_needed(model).astype(int) - model.producers.workers

    def refuses(self, model) -> np.ndarray:
        """Councils that would refuse a new member (P,): what the member adds is below the income per member.

        A member adds the hours of the week at the council's productivity and method, each unit
        worth its price less the inputs and capital it uses up at this week's prices. Under
        ``hiring = "need"`` none refuses.
        """
        producers = model.producers
        if model.conditions.self_managed_market.hiring == "need":
            return np.zeros(producers.sector.size, dtype=bool)
        p = self.all_prices
        labour = model.councils.labour[producers.sector] * producers.method
        made = model.state.hours_per_week * producers.productivity / labour  # units a member makes a week
        added = made * (p - p @ model.councils.inputs_true)[producers.sector]
        return added < self.member_income

    def _hire(self, model):
        """Councils with places hire the unemployed at random, except where Ward's rule refuses (:meth:`refuses`)."""
        c, groups, rng, rows = model.consumers, model.work_groups, model.rng, model.councils.rows
        vacancies = np.maximum(self._places(model), 0)[rows]
        refused = self.refuses(model)[rows]
        self.refused = int(vacancies[refused].sum())
        vacancies[refused] = 0
        pool = np.flatnonzero(self.jobless(model))
        hired = int(min(vacancies.sum(), pool.size))
        if hired:
            destination = rng.permutation(np.repeat(rows, vacancies))[:hired]
            groups.admit(c, rng.choice(pool, hired, replace=False), destination, rng)
            model.councils.staff(c.group, groups, model.state.hours_per_week)

    def lends(self, model) -> bool:
        """Councils borrow social capital where ``credit`` is on."""
        return model.conditions.self_managed_market.credit

    def rates(self, model, inflation: float) -> tuple[float, float]:
        """The bank lends at the fixed ``loan_rate``, whatever inflation and unemployment."""
        rate = model.conditions.self_managed_market.loan_rate
        return rate, rate

    def earnings_gini(self, model) -> float:
        """Gini of hourly earnings over enterprises' members: each one's income per member, weighted by members."""
        rows = model.councils.rows
        return metrics.gini(self.member_income[rows], weights=model.producers.workers[rows])
