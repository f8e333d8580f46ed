"""Private capitalism (seed §7a, §7c): a minority owns the enterprises, wages are hierarchical, prices are markups.

The same economy, people, tastes, noise and shocks as under the councils; only the
institutions change (``[market]`` in the scenario):

- **Ownership.** The share ``owners_share`` of persons at the top of the old hierarchy
  own every enterprise and the bank in equal parts. They work too, and receive the profits
  paid out as dividends and the bank's. They like to hold ``owners_buffer_weeks`` of income in
  savings (3.5 years: the top decile's financial wealth, docs/validation.md) and spend an
  excess over ``owners_smoothing_weeks``, where others hold ``consumption.buffer_weeks`` and
  spend over ``consumption.smoothing_weeks``: the consumption function with a wealth target of
  Godley & Lavoie (2007, ch. 3), ``C = α₁ Y + α₂ V`` with ``α₂`` = 1 / smoothing and ``α₁`` =
  1 − buffer / smoothing (capitalists' higher saving: Kaldor 1956, Pasinetti 1962).
- **Wages** are paid by the enterprise at the money wage times each worker's place in a
  hierarchy of Gini ``wage_gini``, the same persons at the top as before (seed §7a). The
  money wage falls as unemployment exceeds the central bank's natural rate, by
  ``wage_slope`` a year per point (a wage Phillips curve).
- **Prices** are a ``markup`` over normal unit cost at the methods in use (prices of
  production: wages at normal productivity, inputs and capital used up at their normal
  prices), moved by the stock against its target (``sim.regimes.enterprises``; Godley &
  Lavoie 2007, ch. 8; Lavoie 2014, ch. 3; Caiani et al. 2016).
- **For comparison only**, ``prices = "values"`` centres prices on the statistical office's
  labour values and ``readjustment = "plan"`` readjusts output by the councils' rules
  (corrective (c) for consumer goods, the other goods planned through the input-output
  inverse at each plan: ``MarketEconomy.readjust``), and ``incomes = "plan"`` pays incomes by
  them (the plan's wage, farms crediting members as communes: ``Market.income_rule``); the
  defaults are the market's own.
- **Output** follows expected sales and inventories. **Investment** is an accelerator:
  capacity for the use expected once the order arrives, at ``growth_expected`` a year and
  ``target_utilisation``, where the profit rate beats the real rate on loans; paid from funds
  and from the bank's loans (``[bank]``), up to ``bank.leverage`` of the capacity's value
  (Dosi, Fagiolo & Roventini 2010; Caiani et al. 2016). At each plan period the owners are
  paid, every week until the next, ``payout`` of the period's positive profits and of the
  funds beyond working capital and the capacity ordered: in a steady state all the profit, the
  rest a period or more later; at ``payout = 0`` the enterprises keep it all.
- **Employment.** At each plan period enterprises lay off ``firing`` (all, by default) of the
  hands beyond their desired workforce — the hours their targets need, with the labour reserve
  they hoard, to the nearest person — and hire the unemployed where they lack hands (Dosi,
  Fagiolo & Roventini 2010; Caiani et al. 2016). The unemployed earn nothing from work; the
  treasury pays them ``benefit`` × the mean wage. With ``firing = 0`` hands move between
  enterprises instead, nobody is laid off.
- **The market's labour reserve**: ``plan.labour_reserve`` (5 %) of the hours its enterprises'
  targets need, hoarded by the enterprises, and the spare hands family farms started with
  (``RuralCommunes.staffing``, as many as their spare land, as under the councils). Hours paid
  beyond these idle only where inputs fall short of what targets need; the people not needed
  are unemployed (``unemployment_rate``).
- **Exit and entry.** An enterprise whose net worth stays negative ``exit_weeks`` closes; its
  debts beyond its funds are written off against the bank's. Where a good's profit rate beats
  the economy's by ``entry_premium``, a new enterprise, founded from the owners' savings, takes
  a closed one's place and builds ``entry_size`` of its good's mean capacity.
- **The treasury** buys public consumption, pays the benefit and taxes every income at a
  structural rate, which plans a deficit of ``deficit`` of normal income (automatic
  stabilisers: ``sim.regimes.enterprises``).
- **Rural communes** become family farms: they sell on the market and share their net
  income among their members, keeping ``1 − payout`` of it to invest. Members beyond what a
  farm needs with its spare hands leave to look for wage work, and a farm short of hands takes
  in the unemployed, at most ``communes.mobility`` of the population a year (Lewis 1954).
"""

from __future__ import annotations

import numpy as np

from sim.economics import firms
from sim.economics.units import WEEKS_PER_YEAR
from sim.regimes.enterprises import FUNDS_WEEKS, MarketEconomy


class Market(MarketEconomy):
    """Capitalist enterprises on a market, owned by a minority."""

    name = "market"

    def __init__(self):
        super().__init__()
        self.owners = None  # (N,) bool: persons who own the enterprises
        self.dividends = None  # (P,) tokens each enterprise pays its owners per week, until the next plan
        self.member_income = None  # (P,) tokens per member per week, communes' rows
        self.wages = None  # (P,) wages paid since the last plan
        self.labour_income = 0.0  # this week's wages and communes' members' incomes, gross, tokens
        self.negative_weeks = None  # (P,) weeks each enterprise's equity has been negative in a row
        self.closed = None  # (P,) bool: enterprises that closed
        self.exits = 0  # enterprises closed since the start
        self.entries = 0  # enterprises founded since the start, in closed ones' places
        self.profit = None  # (P,) each enterprise's profit over the last plan period, tokens a year

    def open(self, model):
        """The hierarchy of wages, the owners at its top with the savings they like to hold."""
        sc, c, s = model.conditions, model.consumers, model.state
        rules = sc.market
        c.set_hierarchy(sc.wages.initial_gini, rules.wage_gini, model.rng)
        persons = c.income.size
        top = np.argsort(-c.base_wage, kind="stable")[: max(1, round(rules.owners_share * persons))]
        self.owners = np.zeros(persons, dtype=bool)
        self.owners[top] = True
        c.buffer_weeks = np.where(self.owners, rules.owners_buffer_weeks, sc.consumption.buffer_weeks)
        c.smoothing_weeks = np.where(self.owners, rules.owners_smoothing_weeks, sc.consumption.smoothing_weeks)
        weekly = self.money_wage * s.hours_per_week * c.wage_factor
        c.savings[self.owners] = np.maximum(c.savings[self.owners], rules.owners_buffer_weeks * weekly[self.owners])
        s.tokens_held_at_start = float(c.savings.sum())
        P = model.producers.sector.size
        self.dividends = np.zeros(P)
        self.wages = np.zeros(P)
        self.member_income = np.full(P, self.money_wage * s.hours_per_week)
        self.negative_weeks = np.zeros(P, dtype=int)
        self.closed = np.zeros(P, dtype=bool)

    def incomes(self, model, producer_of):
        """Wages by the hierarchy; communes' members their share; owners the dividends, in equal parts."""
        c, s = model.consumers, model.state
        P = model.producers.sector.size
        gross = np.zeros(c.income.size)
        workers = c.workers
        factor = c.wage_factor[workers]
        gross[workers] = self.money_wage * s.hours_per_week * factor / factor.mean()
        wage_bill = np.bincount(producer_of[workers], weights=gross[workers], minlength=P)
        self.wages += wage_bill
        members = c.commune >= 0
        if self.income_rule(model) == "plan":  # credited as communes, from the farm's own account, overdrawn if need be
            weekly = self.money_wage * s.hours_per_week
            gross[members] = model.communes.credit_per_member(weekly, s.values)[c.commune[members]]
        else:
            gross[members] = self.member_income[producer_of[members]]
        shares = np.bincount(producer_of[members], weights=gross[members], minlength=P)
        self.labour_income = float(wage_bill.sum() + shares.sum())  # wages and the communes' mixed incomes
        b = self.books
        bank = min(b.bank_payout, max(b.bank_equity, 0.0))  # the bank's profit, to its owners
        b.bank_equity -= bank
        gross[self.owners] += (self.dividends.sum() + bank) / self.owners.sum()
        return gross, wage_bill + shares + self.dividends

    def share(self, model, net_income, working_capital):
        """Owners get ``payout`` of the period's profit and of the funds beyond need; communes share their net income.

        Dividends are paid every week until the next plan, at the rate the period's
        profits set (firms smooth their dividends: Lintner 1956).
        """
        b, producers, rules = self.books, model.producers, model.conditions.market
        enterprise = ~producers.is_commune
        profit = np.where(enterprise, net_income - self.wages / max(b.weeks, 1), 0.0)
        spare = b.funds - working_capital - self.committed(model)
        excess = firms.paid_out(np.where(enterprise, spare, 0.0)) / model.conditions.plan.period_weeks
        self.dividends = rules.payout * (firms.paid_out(profit) + excess)
        self.profit = profit * WEEKS_PER_YEAR
        members = producers.workers.astype(float)
        per_member, _ = firms.income_shares(net_income, members, 1.0 - rules.payout, 0.0)
        commune_excess = firms.paid_out(np.where(enterprise, 0.0, spare)) / model.conditions.plan.period_weeks
        per_member += np.divide(commune_excess, members, out=np.zeros_like(excess), where=members > 0)
        self.member_income = np.where(producers.is_commune, per_member, 0.0)
        self.wages[:] = 0.0

    def investment_margin(self, model) -> float:
        """Spare capacity at the target utilisation: ``1 / target_utilisation − 1``."""
        return 1.0 / model.conditions.market.target_utilisation - 1.0

    def invests(self, model) -> np.ndarray:
        """Enterprises invest where their profit rate beats the real rate on loans (Caiani et al. 2016; Kalecki 1937).

        The profit rate is the last plan period's profit a year, over the capacity's value at
        normal prices; the real rate is the loan rate less last year's inflation. Communes
        invest what their funds allow.
        """
        b, producers = self.books, model.producers
        weeks = max(b.weeks, 1)
        profit = (b.net_income - self.wages) / weeks * WEEKS_PER_YEAR
        value = self.capital_value(model)
        rate = np.divide(profit, value, out=np.zeros(value.size), where=value > 0)
        real = b.loan_rate - self.inflation if self.lends(model) else 0.0
        return producers.is_commune | (rate > real)

    def deficit(self, model) -> float:
        """``market.deficit``: the treasury's planned deficit, share of normal income (CBO: 2.8 % of GDP, FY 2014)."""
        return model.conditions.market.deficit

    def wage_slope(self, model) -> float:
        """``market.wage_slope``: the money wage falls as unemployment exceeds the natural rate."""
        return model.conditions.market.wage_slope

    def initial_growth(self, model) -> float:
        """``market.growth_expected``: the normal growth of use owners expect when they invest."""
        return model.conditions.market.growth_expected

    def buy(self, model):
        """Households buy and the week's accounts close; an enterprise's weeks of negative net worth are counted.

        Net worth: funds less loans plus the capacity's value at normal prices (what the bank lends
        against), that on order included.
        """
        super().buy(model)
        b, producers = self.books, model.producers
        worth = b.funds - b.loans + self.capital_value(model, producers.capacity + b.pipeline.sum(axis=0))
        negative = (worth < 0) & ~producers.is_commune & ~self.closed
        self.negative_weeks = np.where(negative, self.negative_weeks + 1, 0)

    def close(self, model):
        """Enterprises that fail close (:meth:`_exit`), and new ones take their places where profits are high."""
        self._exit(model)
        self._enter(model)

    def _exit(self, model):
        """Enterprises whose net worth stayed negative ``exit_weeks`` close (Delli Gatti et al. 2005).

        Their workers are laid off, their capacity (and what they had on order) is scrapped,
        and their debts beyond their funds are written off against the bank's own funds, so
        that every balance sheet still sums to 0. Only where the market lays hands off
        (``firing > 0``): who loses work must find it again.
        """
        sc, b, producers = model.conditions, self.books, model.producers
        if sc.market.exit_weeks == 0 or sc.market.firing == 0:
            return
        failing = np.flatnonzero(self.negative_weeks >= sc.market.exit_weeks)
        if failing.size == 0:
            return
        c, groups = model.consumers, model.work_groups
        staff = np.zeros(producers.sector.size, dtype=int)
        staff[failing] = producers.workers[failing]
        if staff.any():
            groups.release(c, model.councils.members_drawn(c, groups, staff[model.councils.rows], model.rng), model.rng)
        repaid = np.minimum(np.maximum(b.funds[failing], 0.0), b.loans[failing])
        b.bank_equity -= float(np.sum(b.loans[failing] - repaid - np.minimum(b.funds[failing] - repaid, 0.0)))
        b.funds[failing] = 0.0
        b.loans[failing] = 0.0
        b.orders[failing] = 0.0
        b.pipeline[:, failing] = 0.0
        producers.capacity[failing] = 0.0
        producers.target[failing] = 0.0
        model.state.sector_capacity = producers.by_sector(producers.capacity, model.technology.n)
        self.closed[failing] = True
        self.negative_weeks[failing] = 0
        self.exits += failing.size
        model.councils.staff(c.group, groups, model.state.hours_per_week)

    def _enter(self, model):
        """New enterprises take closed ones' places where profits are high.

        Where a good's profit rate beats the economy's by ``entry_premium`` a year, one
        enterprise enters per plan, in the goods of highest profit rate first
        (:func:`sim.economics.firms.entry_sectors`). Its owners — the owning class, in
        proportion to their savings — put in what it needs: capacity of ``entry_size`` × its
        good's mean per enterprise, ordered now and paid as it is delivered, and working
        capital for the smallest work group until the capacity serves. Their savings become its funds (a transfer:
        the balance sheets still sum to 0); without the savings, nobody enters. Only where
        enterprises exit (``firing > 0``), and not under ``comparison.investment = "equal"``.
        """
        sc, b, producers, c = model.conditions, self.books, model.producers, model.consumers
        rules = sc.market
        slots = np.flatnonzero(self.closed)
        if not rules.entry or rules.firing == 0 or slots.size == 0 or self.levies(model) or self.profit is None:
            return
        n, period = model.technology.n, sc.plan.period_weeks
        active = ~producers.is_commune & ~self.closed
        value = self.capital_value(model)
        goods = firms.entry_sectors(self.profit, value, producers.sector, active, n, rules.entry_premium)
        weeks = FUNDS_WEEKS + sc.plan.investment_lag_weeks  # its crew's pay until its capacity serves, and after
        crew = weeks * self.money_wage * model.state.hours_per_week * sc.population.group_size_min
        unit_cost = WEEKS_PER_YEAR * (self.all_prices @ model.planner.capital_per_capacity)  # per unit a week
        founded = False
        for good in goods:
            row = self._place_for(model, slots, good)
            if row < 0:
                continue
            slots = slots[slots != row]
            incumbents = active & (producers.sector == good)
            size = rules.entry_size * producers.capacity[incumbents].mean()
            equity = size * float(unit_cost[good]) + crew
            savings = c.savings[self.owners]
            if savings.sum() < equity:
                break
            c.savings[self.owners] -= equity * savings / savings.sum()
            model.councils.found(row, good)
            self.goods_of[row] = 0.0
            self.goods_of[row, good] = 1.0
            b.funds[row] += equity
            b.orders[row] = size / period
            self.closed[row] = False
            self.entries += 1
            founded = True
        if founded:
            s = model.state
            s.capacity_plan = producers.by_sector(b.orders, n)
            s.investment_plan = model.planner.capital_per_capacity @ (WEEKS_PER_YEAR * s.capacity_plan)

    @staticmethod
    def _place_for(model, slots, good: int) -> int:
        """The closed enterprise whose place an entrant making ``good`` takes, or −1 if none can be left.

        A closed enterprise of the same good first; else one whose good keeps another
        enterprise (the stock of a good is sold by its enterprises, so none may be left without one).
        """
        sector = model.producers.sector
        same = slots[sector[slots] == good]
        if same.size:
            return int(same[0])
        count = np.bincount(sector, minlength=model.technology.n)
        movable = slots[count[sector[slots]] > 1]
        return int(movable[0]) if movable.size else -1

    def price_rule(self, model) -> str:
        """``market.prices``: ``"normal"`` (normal-cost prices, the default) or ``"values"`` (the councils' centre)."""
        return model.conditions.market.prices

    def output_rule(self, model) -> str:
        """``market.readjustment``: ``"sales"`` (every good toward expected use, the default) or ``"plan"``."""
        return model.conditions.market.readjustment

    def income_rule(self, model) -> str:
        """``market.incomes``: ``"own"`` (the default) or ``"plan"``, the councils' rule for incomes.

        Under ``"plan"`` the money wage is the one at which the wages of every hour paid, the
        farms' spare hands' included, pay the net product the plan counts (seed §7d: the
        wage for the price level times the plan's hours of value over the hours paid, 1
        without farms), and family farms credit their members as communes (seed §9a). With
        ``prices = "values"`` and ``readjustment = "plan"`` it makes the like-for-like market
        of issue 24 (docs/regimes.md).
        """
        return model.conditions.market.incomes

    def lends(self, model) -> bool:
        """Enterprises borrow from the bank unless ``bank.credit`` is off."""
        return model.conditions.bank.credit

    def move_labour(self, model):
        """Enterprises hire and fire toward the workforce their targets need; family farms shed or take in hands.

        With ``firing = 0`` nobody is laid off: workers move from enterprises with more hands
        than their output needs to those that lack them, as under the plan.

        Otherwise, at each plan, an enterprise's desired workforce is the hours its target
        takes at its method and its groups' productivity, plus the labour reserve
        (``plan.labour_reserve``) that it hoards, to the nearest person
        (:meth:`~sim.regimes.enterprises.MarketEconomy.members_needed`), and at least one
        person while it is open: a firm is not bound by the councils' smallest work group
        (``population.group_size_min``), and one held at it idled a third of the hours it paid
        where its output needed fewer (most US firms with employees have fewer than ten:
        ``docs/firm_sizes.md``). It lays off ``firing`` of the hands beyond it (all, by
        default) and hires where it lacks hands, drawn at random from the unemployed (Dosi,
        Fagiolo & Roventini 2010; Caiani et al. 2016: firms fire the workers beyond their
        desired workforce and hire up to it, and the unemployed wait for a vacancy). Family
        farms first (:meth:`_farm_hands`). So the market pays no idle hours beyond its reserve
        — the labour reserve in its enterprises, the spare hands its farms started with —
        and the people it does not need are unemployed.
        """
        sc, c, groups, producers, rng = model.conditions, model.consumers, model.work_groups, model.producers, model.rng
        rows, hours = model.councils.rows, model.state.hours_per_week
        if sc.market.firing == 0:  # nobody is laid off: hands move from where they are not needed to where they are
            persons, destination = model.councils.movers_to_plan(c, groups, sc.population.group_size_min, rng)
            if persons.size:
                groups.join(c, persons, destination, rng)
                model.councils.staff(c.group, groups, hours)
            return
        self._farm_hands(model)
        desired = np.maximum(np.round(self.members_needed(model)), 1)[rows]
        desired = np.where(self.closed[rows], 0, desired)  # a closed enterprise hires nobody
        have = producers.workers[rows]
        fired = np.floor(sc.market.firing * np.maximum(have - desired, 0)).astype(int)
        if fired.any():
            groups.release(c, model.councils.members_drawn(c, groups, fired, rng), rng)
        vacancies = np.maximum(desired - have, 0).astype(int)
        pool = np.flatnonzero(self.jobless(model))
        hired = int(min(vacancies.sum(), pool.size))
        if hired:
            destination = rng.permutation(np.repeat(rows, vacancies))[:hired]
            groups.admit(c, rng.choice(pool, hired, replace=False), destination, rng)
        model.councils.staff(c.group, groups, hours)

    @staticmethod
    def _farm_hands(model):
        """Family farms keep the hands their targets need with the spare hands they started with; the rest leave.

        A farm wants ``RuralCommunes.members_wanted``: its target's hours at its productivity
        times ``staffing``, the spare hands it started with (as many as its spare land, seed
        §9a; the same rule as the communes' under the councils). Members beyond it leave to
        look for wage work and are unemployed until an enterprise hires them; a farm that
        lacks hands takes in the unemployed. At most ``communes.mobility`` of the population
        moves a year, in either direction, as between farming and industry under the councils
        (the surplus labour of family farms moving to wage work: Lewis 1954; Harris & Todaro 1970).
        """
        communes, c, rng = model.communes, model.consumers, model.rng
        if (found := MarketEconomy.farm_moves(model)) is None:
            return
        moves, wanted = found
        if moves < 0:
            communes.release(c, -moves, wanted, rng)
        elif moves > 0:
            pool = np.flatnonzero(MarketEconomy.jobless(model))
            if pool.size:
                communes.admit(c, rng.choice(pool, min(moves, pool.size), replace=False), wanted, rng)
