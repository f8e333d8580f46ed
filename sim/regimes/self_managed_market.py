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
- **Entry and exit.** By default none: no enterprise closes (the bank and the commune cover
  losses, a soft budget: Kornai 1986) and none is founded, as new enterprises were rare in
  Yugoslavia after 1965 (Sacks 1973; Estrin 1983, ch. 4): the enterprises that earn rents keep
  them. With ``entry`` > 0 the commune founds that many enterprises a year (a stated rate, not a
  response to profits; :meth:`SelfManagedMarket.close`), each in the good whose income per
  member is highest above the economy's mean (:func:`sim.economics.firms.entry_sectors`, the
  market's rule of entry with income per member for the profit rate), with ``entry_size`` of
  that good's mean capacity per enterprise, ordered over a year and paid by a levy on the
  other enterprises' funds beyond need (what they would share out: a social investment fund,
  so that founding creates no money); it hires once its capacity needs hands. Free entry is
  what Ward (1958) and Vanek (1970) expected to compete the rents away. The number of
  enterprises is fixed, so a founding takes the place of the enterprise paying least per
  member (below the mean, in a good that keeps another enterprise), which merges into the
  best-paying enterprise of its good: its members, capacity, funds, debts and orders pass to
  it, nobody is dismissed and no debt is written off (the soft budget's exit). Not under
  ``comparison.investment = "equal"``, as for the market.
- **Rural communes** share their net income among their members by the same rule.

Its history is recorded (:meth:`SelfManagedMarket.marks`): the rent per member that market power
and cheap credit bring, and the places Ward's rule refuses; ``founded`` counts the enterprises
founded since the start.
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
        self.founded = 0  # enterprises founded since the start (``entry``)
        self.due = 0.0  # foundings the rate ``entry`` owes and no good has yet drawn
        self.founded_week = None  # (P,) week each enterprise was founded, −1 for those there from the start
        self.to_build = None  # (P,) capacity a new enterprise has still to order, units a week
        self.build_step = None  # (P,) capacity it orders at each plan until it has all, units a week

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

    def _order(self, model, working):
        """Capacity as every market regime orders it, and each new enterprise's next step of its founding capacity.

        A new enterprise orders its ``entry_size`` over a year, one plan period's share at each
        plan. Its cost at this week's prices is levied on the other enterprises' funds beyond their
        working capital and orders, in proportion (a social investment fund: what they would
        otherwise share out), so that founding creates no money; where those funds fall short,
        the steps shrink in proportion.
        """
        super()._order(model, working)
        if not self.founded:
            return
        b, s, period = self.books, model.state, model.conditions.plan.period_weeks
        step = np.minimum(self.to_build, self.build_step)
        cost = step * self.capacity_cost(model)
        spare = np.where(self.founded_week < 0, np.maximum(b.funds - working - self.committed(model), 0.0), 0.0)
        if cost.sum() <= 0 or spare.sum() <= 0:
            return
        scale = min(1.0, spare.sum() / cost.sum())
        b.funds += scale * cost - scale * cost.sum() * spare / spare.sum()
        b.orders += scale * step / period
        self.to_build -= scale * step
        s.capacity_plan = model.producers.by_sector(b.orders, model.technology.n)
        s.investment_plan = model.planner.capital_per_capacity @ (WEEKS_PER_YEAR * s.capacity_plan)

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

    def close(self, model):
        """At each plan ``entry`` enterprises a year are founded, owed as a running sum (:meth:`_found`).

        ``entry × period_weeks / 52`` is added at each plan; each whole one founds an
        enterprise where a good pays above the mean. Where none does, one founding waits.
        """
        rules = model.conditions.self_managed_market
        if rules.entry == 0 or self.levies(model):
            return
        self.due += rules.entry * model.conditions.plan.period_weeks / WEEKS_PER_YEAR
        while self.due >= 1.0 - 1e-9:  # a sum of 1/13ths that should make 1 may fall short by rounding
            if not self._found(model):
                self.due = 1.0
                return
            self.due -= 1.0
            self.founded += 1

    def _found(self, model) -> bool:
        """Found one enterprise in the good paying most above the mean; ``False`` where none can be.

        The good: :func:`sim.economics.firms.entry_sectors` over the open enterprises with
        members, income paid for profit and members for the capital's value, so that a good's
        rate is its income per member and the economy's the mean (no premium). The place: the
        enterprise paying least per member, below the mean, among those in service whose good
        keeps another; it merges into the best-paying other enterprise of its good
        (:meth:`_merge`). The entrant (``FactoryCouncils.found``) starts without members or
        capacity and orders ``entry_size`` of its good's mean capacity per enterprise over the
        next year (:meth:`_order`); it hires once its capacity needs hands.
        """
        sc, b, producers = model.conditions, self.books, model.producers
        rules, n, period = sc.self_managed_market, model.technology.n, sc.plan.period_weeks
        members = producers.workers.astype(float)
        working = ~producers.is_commune & (members > 0)
        income = self.member_income * members
        goods = firms.entry_sectors(income, members, producers.sector, working, n, 0.0)
        serving = working & (producers.capacity > 0)
        others = np.bincount(producers.sector[serving], minlength=n)[producers.sector] > 1
        mean = income[working].sum() / members[working].sum()
        weak = np.flatnonzero(serving & others & (self.member_income < mean))
        if goods.size == 0 or weak.size == 0:
            return False
        row, good = int(weak[np.argmin(self.member_income[weak])]), int(goods[0])
        peers = np.flatnonzero(serving & (producers.sector == producers.sector[row]))
        peers = peers[peers != row]
        self._merge(model, row, int(peers[np.argmax(self.member_income[peers])]))
        incumbents = serving & (producers.sector == good)
        size = rules.entry_size * producers.capacity[incumbents].mean()
        model.councils.found(row, good)
        self.goods_of[row] = 0.0
        self.goods_of[row, good] = 1.0
        b.orders[row] = 0.0
        self.member_income[row] = 0.0
        if self.founded_week is None:
            P = producers.sector.size
            self.founded_week, self.to_build, self.build_step = np.full(P, -1), np.zeros(P), np.zeros(P)
        self.founded_week[row] = model.week
        self.to_build[row], self.build_step[row] = size, size * period / WEEKS_PER_YEAR  # a year to order it all
        s = model.state
        s.capacity_plan = producers.by_sector(b.orders, n)
        s.investment_plan = model.planner.capital_per_capacity @ (WEEKS_PER_YEAR * s.capacity_plan)
        return True

    def _merge(self, model, row: int, into: int):
        """Enterprise ``row`` merges into ``into`` (same good): members, capacity, method, funds, debts, orders.

        The method becomes the capacity-weighted mean of the two; every balance sheet still sums to 0.
        """
        b, producers, c, groups = self.books, model.producers, model.consumers, model.work_groups
        cap = producers.capacity
        total = cap[row] + cap[into]
        producers.method[into] = (producers.method[row] * cap[row] + producers.method[into] * cap[into]) / total
        for column in (cap, producers.target, b.funds, b.loans, b.orders, b.net_income, b.bought):
            column[into] += column[row]
            column[row] = 0.0
        b.pipeline[:, into] += b.pipeline[:, row]
        b.pipeline[:, row] = 0.0
        count = np.where(model.councils.rows == row, producers.workers[model.councils.rows], 0)
        persons = model.councils.members_drawn(c, groups, count, model.rng)
        if persons.size:
            groups.join(c, persons, np.full(persons.size, into), model.rng)
            model.councils.staff(c.group, groups, model.state.hours_per_week)

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
